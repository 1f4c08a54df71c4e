"""Screenings (矛盾纠纷排查) and monthly report submissions (月报), both synced records.

A monthly report freezes the month's figures as submitted. A month with nothing to report is
still submitted as a zero report (零报告): a submission, not an absence — the township sees
who has and has not reported from these rows alone.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Boolean, Date, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, SyncMixin

SCREENING_KINDS = {"routine": "日常排查", "focused": "集中排查", "special": "专项排查"}


class Screening(SyncMixin, Base):
    """One screening round: when, where, who, and what it found."""

    __tablename__ = "screening"
    __label__ = "矛盾纠纷排查"
    __extra_table_args__ = (Index("ix_screening_held_on", "held_on"),)

    held_on: Mapped[date] = mapped_column(Date, nullable=False)
    kind: Mapped[str] = mapped_column(String(20), nullable=False, default="routine")
    scope: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    participants: Mapped[str] = mapped_column(String(400), nullable=False, default="")
    found_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    resolved_count: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    findings: Mapped[str] = mapped_column(Text, nullable=False, default="")


class MonthlyReport(SyncMixin, Base):
    """月报: the month's figures as submitted (JSON), with the zero-report flag."""

    __tablename__ = "monthly_report"
    __label__ = "月报"
    __extra_table_args__ = (UniqueConstraint("origin", "period"),)

    period: Mapped[str] = mapped_column(String(7), nullable=False)  # YYYY-MM
    is_zero: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    figures: Mapped[str] = mapped_column(Text, nullable=False)
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")
    submitted_on: Mapped[date] = mapped_column(Date, nullable=False)
    submitter_name: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
