"""What every importable ledger shares (issue 14): the row context, the plan of a trustworthy
row, what was written, and the :class:`LedgerImporter` interface the dispute and visit ledgers
(:mod:`.excel_import`) and the registers (:mod:`.excel_registers`) implement.

It sits below both, so the registers no longer import the ledger module (the old
excel_import ↔ excel_registers ↔ excel_export cycle); see the import-linter contract.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar

from app.rules.legacy import CellProblem, CodeOption, FieldSpec

from .context import Ctx

PARTY_ROWS = "__party_rows__"  # cells key: the PartyCells of a case (groups, one row per party)


@dataclass
class RowContext:
    """What parsing a row needs besides its cells."""

    today: date
    epoch_1904: bool
    codes: dict[str, list[CodeOption]]
    can_view_id: bool
    value_maps: dict[str, dict[str, str]] = field(default_factory=dict)


@dataclass
class PartyCells:
    """The raw cells of the people one source row (or one party group of it) names.

    ``prefix`` is "" for the ledger's plain columns and ``g2.`` for a party group, so a problem
    names the exact column; ``names`` are (name field key, raw cell, default role)."""

    row: int  # Excel row number
    prefix: str
    names: list[tuple[str, Any, str]]
    id_number: Any = None
    phone: Any = None
    address: Any = None
    first_row: bool = True  # the case's first source row


@dataclass
class RowPlan:
    """A parsed, trustworthy row, ready to be written."""

    row: int
    day: date
    fingerprint: str
    payload: Any
    display: dict[str, Any]
    notes: list[str] = field(default_factory=list)


@dataclass
class Written:
    record_id: str
    case_code: str
    display: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class LedgerImporter:
    """What one importable ledger knows: its fields (header synonyms), how a row becomes a
    trustworthy plan, how to spot it already in the ledger, and how to write it."""

    key: str
    title: str
    record_type: str
    fields: tuple[FieldSpec, ...]
    permissions: tuple[str, ...]
    code_tables: tuple[str, ...] = ()
    code_fields: ClassVar[dict[str, str]] = {}  # field → code table whose spellings can be mapped
    # fields kept as labelled lines of the case note (the model has no column for them)
    note_fields: ClassVar[tuple[str, ...]] = ("mediator", "follow_up", "agreement", "note", "seq")
    party_groups: ClassVar[bool] = False  # reads party groups and one-row-per-party cases
    party_names: ClassVar[tuple[tuple[str, str], ...]] = ()  # (name field, default role)
    party_roles: ClassVar[frozenset[str] | None] = None  # roles of the groups read as people

    def missing_columns(self, mapped: set[str]) -> list[str]:
        """Labels of the required columns that ``mapped`` lacks."""
        raise NotImplementedError

    def parse(
        self, rc: RowContext, cells: Mapping[str, Any], row: int
    ) -> RowPlan | list[CellProblem]:
        raise NotImplementedError

    def existing(self, ctx: Ctx, plan: RowPlan) -> str | None:
        """The code of a record already in the ledger for this row (entered by hand), if any."""
        return None

    def write(self, ctx: Ctx, plan: RowPlan, source: str) -> Written:
        raise NotImplementedError

    def update(self, ctx: Ctx, record_id: str, plan: RowPlan, source: str) -> Written | None:
        """Bring an earlier imported record forward to a later row's newer result (a later
        month's sheet); None when the row adds nothing (already there)."""
        return None

    def problem_field(self, service_field: str) -> str:
        """The import field a service's field name refers to ("" for the whole row)."""
        return ""

    def record_alive(self, ctx: Ctx, record_id: str) -> bool:
        """Whether an earlier imported record still exists (not voided)."""
        return False


def labels_of(fields: Sequence[FieldSpec]) -> dict[str, str]:
    return {f.key: f.label for f in fields}
