"""The ledger's synced records: persons, visits (来信来访), disputes (矛盾纠纷), mediation
sessions and the case event log (一案一码 timeline)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import Base, SyncMixin, UTCDateTime


class Person(SyncMixin, Base):
    """A person known to the station (petitioner, party). Reused across cases."""

    __tablename__ = "person"
    __extra_table_args__ = (
        Index("ix_person_id_number", "id_number"),
        Index("ix_person_name", "name"),
        # covering (deleted_at, id): pinyin-initial search reads no person row (DESIGN §9)
        Index("ix_person_pinyin_initials", "pinyin_initials", "deleted_at", "id"),
    )

    name: Mapped[str] = mapped_column(String(60), nullable=False)
    gender: Mapped[str] = mapped_column(String(4), nullable=False, default="")
    ethnicity: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    birth_date: Mapped[date | None] = mapped_column(Date)
    id_number: Mapped[str | None] = mapped_column(String(18))
    phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    address: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    occupation: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    employer: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    pinyin_full: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    pinyin_initials: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class Visit(SyncMixin, Base):
    """来信来访: a letter, visit, call or online petition and its handling."""

    __tablename__ = "visit"
    __extra_table_args__ = (
        UniqueConstraint("case_code"),
        Index("ix_visit_received_on", "received_on"),
        Index("ix_visit_status", "status"),
        Index("ix_visit_due_on", "due_on"),
    )

    case_code: Mapped[str] = mapped_column(String(32), nullable=False)
    channel: Mapped[str] = mapped_column(String(20), nullable=False)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    received_on: Mapped[date] = mapped_column(Date, nullable=False)
    headcount: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    petition_type: Mapped[str] = mapped_column(String(20), nullable=False, default="appeal")
    subject: Mapped[str] = mapped_column(String(200), nullable=False)
    request: Mapped[str] = mapped_column(Text, nullable=False)
    facts: Mapped[str] = mapped_column(Text, nullable=False, default="")
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    involved_unit: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    first_responder: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    party_names: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date)  # the deadline of the current step
    # flags (DESIGN §10)
    is_group: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_joint_letter: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_skip_level: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_repeat: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_anonymous: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_urgent: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_litigation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_confidential: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    is_accusation: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    accused_unit: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    # the accused is a station above this one (code): the petition never travels to it
    withhold_from: Mapped[str] = mapped_column(String(12), nullable=False, default="")
    # review and decision
    review_opinion: Mapped[str] = mapped_column(Text, nullable=False, default="")
    reviewer_name: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    reviewed_on: Mapped[date | None] = mapped_column(Date)
    decision_on: Mapped[date | None] = mapped_column(Date)
    decision_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # 不予受理/告知: the body that can handle the matter (信访工作条例 第二十三条第一款)
    competent_body: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    accept_due: Mapped[date | None] = mapped_column(Date)
    # handling
    handling_method: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    handler_unit: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    handled_on: Mapped[date | None] = mapped_column(Date)
    handle_due: Mapped[date | None] = mapped_column(Date)
    extension_days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    extension_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    extension_approver: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    reply_content: Mapped[str] = mapped_column(Text, nullable=False, default="")
    replied_on: Mapped[date | None] = mapped_column(Date)
    # the laws and rules the handling opinion rests on (信访处理意见书, 第三十三条)
    legal_basis: Mapped[str] = mapped_column(Text, nullable=False, default="")
    satisfaction: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    followed_up_on: Mapped[date | None] = mapped_column(Date)
    follow_up_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    archived_on: Mapped[date | None] = mapped_column(Date)
    # imported from a legacy ledger with a date before the station's go-live (启用日期): its
    # past deadlines raise no 超期 (issue 14); shown and counted as 历史遗留 while still open
    imported_history: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )

    persons: Mapped[list[VisitPerson]] = relationship(
        back_populates="visit", order_by="VisitPerson.seq", lazy="selectin"
    )


class VisitPerson(SyncMixin, Base):
    """A petitioner (信访人) or representative (代表) on a visit."""

    __tablename__ = "visit_person"
    __extra_table_args__ = (
        Index("ix_visit_person_visit_id", "visit_id"),
        # covering: a person's cases are found without reading the link rows (search)
        Index("ix_visit_person_person_id", "person_id", "deleted_at", "visit_id"),
    )

    visit_id: Mapped[str] = mapped_column(ForeignKey("visit.id"), nullable=False)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default="petitioner")
    seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)

    visit: Mapped[Visit] = relationship(back_populates="persons")
    person: Mapped[Person] = relationship(lazy="joined")


class Dispute(SyncMixin, Base):
    """矛盾纠纷: a dispute screened, registered, mediated and followed up."""

    __tablename__ = "dispute"
    __extra_table_args__ = (
        UniqueConstraint("case_code"),
        UniqueConstraint("origin", "mediation_year", "mediation_seq"),
        Index("ix_dispute_registered_on", "registered_on"),
        Index("ix_dispute_status", "status"),
        Index("ix_dispute_due_on", "due_on"),
    )

    case_code: Mapped[str] = mapped_column(String(32), nullable=False)
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    source: Mapped[str] = mapped_column(String(40), nullable=False)
    category: Mapped[str] = mapped_column(String(40), nullable=False)
    scale: Mapped[str] = mapped_column(String(20), nullable=False, default="individual")
    risk_level: Mapped[str] = mapped_column(String(10), nullable=False, default="low")
    is_major: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    occurred_on: Mapped[date | None] = mapped_column(Date)
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    involved_count: Mapped[int] = mapped_column(Integer, nullable=False, default=2)
    amount_fen: Mapped[int] = mapped_column(BigInteger, nullable=False, default=0)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    requests: Mapped[str] = mapped_column(Text, nullable=False, default="")
    registered_on: Mapped[date] = mapped_column(Date, nullable=False)
    party_names: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False)
    due_on: Mapped[date | None] = mapped_column(Date)  # the deadline of the current step
    # assignment and deadline
    mediator_id: Mapped[str | None] = mapped_column(String(36))
    mediator_name: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    co_mediators: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    assigned_on: Mapped[date | None] = mapped_column(Date)
    mediation_due: Mapped[date | None] = mapped_column(Date)
    extension_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # numbering （年）X调字第N号
    mediation_year: Mapped[int | None] = mapped_column(Integer)
    mediation_seq: Mapped[int | None] = mapped_column(Integer)
    mediation_no: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    # outcome: succeeded | failed | terminated ("" while open)
    outcome: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    outcome_on: Mapped[date | None] = mapped_column(Date)
    outcome_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    agreement_type: Mapped[str] = mapped_column(String(10), nullable=False, default="")
    facts: Mapped[str] = mapped_column(Text, nullable=False, default="")
    responsibilities: Mapped[str] = mapped_column(Text, nullable=False, default="")
    agreement_terms: Mapped[str] = mapped_column(Text, nullable=False, default="")
    performance_manner: Mapped[str] = mapped_column(Text, nullable=False, default="")
    performance_place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    performance_deadline: Mapped[date | None] = mapped_column(Date)
    agreement_effective_on: Mapped[date | None] = mapped_column(Date)
    judicial_confirm_due: Mapped[date | None] = mapped_column(Date)
    judicial_confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    performance_status: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    follow_up_due: Mapped[date | None] = mapped_column(Date)
    followed_up_on: Mapped[date | None] = mapped_column(Date)
    follow_up_note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    # transfer / archive / prevention
    transferred_to: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    transfer_reason: Mapped[str] = mapped_column(Text, nullable=False, default="")
    transferred_on: Mapped[date | None] = mapped_column(Date)
    archived_on: Mapped[date | None] = mapped_column(Date)
    # imported from a legacy ledger with a date before the station's go-live (启用日期): its
    # past deadlines raise no 超期 (issue 14); shown and counted as 历史遗留 while still open
    imported_history: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=False, server_default=false()
    )
    prevented_criminal: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    prevented_group_petition: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)

    parties: Mapped[list[DisputeParty]] = relationship(
        back_populates="dispute", order_by="DisputeParty.seq", lazy="selectin"
    )


class DisputeParty(SyncMixin, Base):
    """A party to a dispute with its role (申请人/被申请人/第三人/当事人)."""

    __tablename__ = "dispute_party"
    __extra_table_args__ = (
        Index("ix_dispute_party_dispute_id", "dispute_id"),
        # covering: a person's cases are found without reading the link rows (search)
        Index("ix_dispute_party_person_id", "person_id", "deleted_at", "dispute_id"),
    )

    dispute_id: Mapped[str] = mapped_column(ForeignKey("dispute.id"), nullable=False)
    person_id: Mapped[str] = mapped_column(ForeignKey("person.id"), nullable=False)
    role: Mapped[str] = mapped_column(String(20), nullable=False, default="party")
    seq: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    agent_name: Mapped[str] = mapped_column(String(60), nullable=False, default="")
    agent_phone: Mapped[str] = mapped_column(String(40), nullable=False, default="")

    dispute: Mapped[Dispute] = relationship(back_populates="parties")
    person: Mapped[Person] = relationship(lazy="joined")


class MediationSession(SyncMixin, Base):
    """调查记录 / 调解记录: one investigation or mediation session of a dispute."""

    __tablename__ = "mediation_session"
    __extra_table_args__ = (Index("ix_mediation_session_dispute_id", "dispute_id"),)

    dispute_id: Mapped[str] = mapped_column(ForeignKey("dispute.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)  # investigation | mediation
    seq: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    held_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    place: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    mediators: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    recorder: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    participants: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    parties_present: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    content: Mapped[str] = mapped_column(Text, nullable=False)
    result: Mapped[str] = mapped_column(Text, nullable=False, default="")


class CaseEvent(SyncMixin, Base):
    """Append-only case log: who did what to which case, when. The timeline of 一案一码."""

    __tablename__ = "case_event"
    __extra_table_args__ = (
        Index("ix_case_event_case_id", "case_id"),
        Index("ix_case_event_case_code", "case_code"),
    )

    case_type: Mapped[str] = mapped_column(String(20), nullable=False)
    case_id: Mapped[str] = mapped_column(String(36), nullable=False)
    case_code: Mapped[str] = mapped_column(String(32), nullable=False)
    event: Mapped[str] = mapped_column(String(30), nullable=False)
    action: Mapped[str] = mapped_column(String(30), nullable=False, default="")
    from_status: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    to_status: Mapped[str] = mapped_column(String(20), nullable=False, default="")
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    actor_id: Mapped[str | None] = mapped_column(String(36))
    actor_name: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
