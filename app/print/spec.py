"""What the registry knows about a form (kept apart so form modules can import it)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from app.services.context import Ctx

Build = Callable[[Ctx, str, Mapping[str, Any]], bytes]

KIND_LABELS = {
    "visit": "来信来访",
    "dispute": "矛盾纠纷",
    "mediation_session": "调查/调解记录",
    "supervision": "督办",
    "register": "台账",
    "register_record": "台账记录",
    "month": "月度",
}

TARGET_HINTS = {
    "record": "案件编码或记录编号",
    "period": "期间，如 2026-01-01~2026-03-31 或 2026-03",
    "month": "月份，如 2026-03",
}


@dataclass(frozen=True)
class FormSpec:
    """A printable form.

    ``kind`` is the record kind it belongs to; ``also`` lists other kinds whose records it
    accepts (a dispute's page offers 调查记录 for all its sessions, a session's page for one).
    ``target`` says what ``record_id`` names: a record, a period or a month. ``applies``
    (optional) tells whether a given record can have this form now (menus grey out the rest).
    """

    key: str
    title: str
    kind: str
    build: Build
    description: str = ""
    also: tuple[str, ...] = ()
    target: str = "record"
    landscape: bool = False
    applies: Callable[[Any], bool] | None = None

    @property
    def cli_name(self) -> str:
        return self.key.replace("_", "-")

    @property
    def kinds(self) -> tuple[str, ...]:
        return (self.kind, *self.also)

    def applies_to(self, record: Any) -> bool:
        return self.applies is None or bool(self.applies(record))
