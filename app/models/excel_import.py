"""Which legacy spreadsheet rows this station has already imported (issue 9).

One row per imported record, keyed by a file-independent fingerprint of the legacy row
(normalised date + parties + category …), so importing the same or an overlapping file again
does not duplicate records. Local bookkeeping: not synced (the records themselves are).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class ExcelImportRow(Base):
    __tablename__ = "excel_import_row"
    __table_args__ = (
        UniqueConstraint("ledger", "fingerprint"),
        Index("ix_excel_import_row_record_id", "record_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    ledger: Mapped[str] = mapped_column(
        String(60), nullable=False
    )  # disputes | visits | register key
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    record_type: Mapped[str] = mapped_column(String(30), nullable=False)
    record_id: Mapped[str] = mapped_column(String(36), nullable=False)
    case_code: Mapped[str] = mapped_column(String(40), nullable=False, default="")
    source_file: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    sheet: Mapped[str] = mapped_column(String(100), nullable=False, default="")
    row_number: Mapped[int] = mapped_column(Integer, nullable=False)
    operator_id: Mapped[str | None] = mapped_column(String(36))
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
