"""Supervision (督办 / 交办 / 批注) of a village's case by the township, and the village's feedback.

Single writer per record (DESIGN §3): the township never edits the village's case. It writes a
township-owned :class:`Supervision` that points at the case (``case_id`` + ``case_code`` +
``case_origin``) and carries the 六定 fields: 包案领导, 责任单位, 责任人, 化解措施, 办理时限, 督办人.
The row travels *down* to the station that owns the case (``__sync_down__``), where it is
read-only. The village answers with its own :class:`SupervisionFeedback` rows, which travel up
with its ordinary bundles. Status changes (办结 / 撤销) are made by the township on its own row.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, SyncMixin

SUPERVISION_KINDS = {"supervise": "督办", "assign": "交办", "comment": "批注"}
SUPERVISION_STATUSES = {"open": "办理中", "closed": "已办结", "withdrawn": "已撤销"}
FEEDBACK_PROGRESS = {"in_progress": "正在办理", "done": "已办结", "need_help": "需上级协调"}


class Supervision(SyncMixin, Base):
    """督办 / 交办 / 批注 issued by a township (or county) on a subordinate station's case."""

    __tablename__ = "supervision"
    __label__ = "督办交办"
    # travels down to the station whose code is in this column (read-only there)
    __sync_down__ = "case_origin"
    __extra_table_args__ = (
        UniqueConstraint("supervision_no"),
        Index("ix_supervision_case_id", "case_id"),
        Index("ix_supervision_case_origin_status", "case_origin", "status"),
        Index("ix_supervision_due_on", "due_on"),
    )

    supervision_no: Mapped[str] = mapped_column(String(32), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)  # supervise | assign | comment
    case_type: Mapped[str] = mapped_column(String(20), nullable=False)  # visit | dispute
    case_id: Mapped[str] = mapped_column(String(36), nullable=False)
    case_code: Mapped[str] = mapped_column(String(32), nullable=False)
    case_origin: Mapped[str] = mapped_column(String(12), nullable=False)
    case_title: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    content: Mapped[str] = mapped_column(Text, nullable=False)  # 督办事项 / 交办事项 / 批注
    requirement: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 办理及反馈要求
    # 六定
    lead_name: Mapped[str] = mapped_column(String(40), nullable=False, default="")  # 包案领导
    responsible_unit: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    responsible_person: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    measures: Mapped[str] = mapped_column(Text, nullable=False, default="")  # 化解措施
    due_on: Mapped[date | None] = mapped_column(Date)  # 办理时限
    supervisor_name: Mapped[str] = mapped_column(String(40), nullable=False, default="")  # 督办人
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)
    issued_by_name: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    status: Mapped[str] = mapped_column(String(20), nullable=False, default="open")
    closed_on: Mapped[date | None] = mapped_column(Date)
    close_note: Mapped[str] = mapped_column(Text, nullable=False, default="")


class SupervisionFeedback(SyncMixin, Base):
    """The case owner's answer to a supervision (办理情况反馈); owned by the case's station."""

    __tablename__ = "supervision_feedback"
    __label__ = "督办反馈"
    __extra_table_args__ = (Index("ix_supervision_feedback_supervision_id", "supervision_id"),)

    supervision_id: Mapped[str] = mapped_column(ForeignKey("supervision.id"), nullable=False)
    supervision_no: Mapped[str] = mapped_column(String(32), nullable=False)
    progress: Mapped[str] = mapped_column(String(20), nullable=False)  # in_progress|done|need_help
    content: Mapped[str] = mapped_column(Text, nullable=False)
    responded_on: Mapped[date] = mapped_column(Date, nullable=False)
    responder_name: Mapped[str] = mapped_column(String(40), nullable=False, default="")
