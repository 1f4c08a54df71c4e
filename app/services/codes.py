"""Versioned code tables (DESIGN §10): seeded from ``resources/codes/*.json``, upgraded when a
newer version ships, extended locally; items are never deleted, only retired."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.config import resources_dir
from app.models import CodeItem, CodeTable
from app.rules.errors import ValidationError
from app.rules.text import clean

from .context import Ctx


@dataclass(frozen=True)
class ShippedTable:
    name: str
    title: str
    version: int
    items: tuple[tuple[str, str, tuple[str, ...]], ...]


@lru_cache(maxsize=1)
def shipped_tables() -> dict[str, ShippedTable]:
    tables: dict[str, ShippedTable] = {}
    for path in sorted((resources_dir() / "codes").glob("*.json")):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        items = tuple(
            (str(i["code"]), str(i["label"]), tuple(i.get("aliases", ()))) for i in data["items"]
        )
        tables[data["name"]] = ShippedTable(
            data["name"], data["title"], int(data["version"]), items
        )
    return tables


def seed_code_tables(session: Session) -> list[str]:
    """Bring every code table up to the shipped version; return the names that changed."""
    changed: list[str] = []
    for shipped in shipped_tables().values():
        table = session.get(CodeTable, shipped.name)
        if table is not None and table.version >= shipped.version:
            continue
        if table is None:
            table = CodeTable(name=shipped.name, title=shipped.title, version=shipped.version)
            session.add(table)
            session.flush()
        existing = {
            i.code: i
            for i in session.scalars(select(CodeItem).where(CodeItem.table_name == shipped.name))
        }
        shipped_codes = set()
        for order, (code, label, aliases) in enumerate(shipped.items):
            shipped_codes.add(code)
            item = existing.get(code)
            if item is None:
                session.add(
                    CodeItem(
                        table_name=shipped.name,
                        code=code,
                        label=label,
                        sort_order=order * 10,
                        active=True,
                        is_local=False,
                        since_version=shipped.version,
                        aliases="|".join(aliases),
                    )
                )
            else:
                item.label, item.sort_order, item.active = label, order * 10, True
                item.aliases = "|".join(aliases)
        for code, item in existing.items():
            if code not in shipped_codes and not item.is_local:
                item.active = False  # retired by the new version; old records keep the code
        table.version = shipped.version
        table.title = shipped.title
        changed.append(shipped.name)
    return changed


@dataclass(frozen=True)
class Code:
    code: str
    label: str
    active: bool
    is_local: bool


class CodeBook:
    """Read-only view of the code tables for one session (cached per table)."""

    def __init__(self, session: Session) -> None:
        self._session = session
        self._cache: dict[str, list[CodeItem]] = {}

    def items(self, table: str, *, include_inactive: bool = False) -> list[Code]:
        rows = self._load(table)
        return [
            Code(r.code, r.label, r.active, r.is_local)
            for r in rows
            if include_inactive or r.active
        ]

    def _load(self, table: str) -> list[CodeItem]:
        if table not in self._cache:
            self._cache[table] = list(
                self._session.scalars(
                    select(CodeItem)
                    .where(CodeItem.table_name == table)
                    .order_by(CodeItem.sort_order, CodeItem.code)
                )
            )
        return self._cache[table]

    def label(self, table: str, code: str | None) -> str:
        if not code:
            return ""
        for r in self._load(table):
            if r.code == code:
                return r.label
        return code

    def resolve(self, table: str, value: str | None, field: str, field_label: str) -> str:
        """Accept a code, a label or a known alias; return the code or raise naming the field."""
        text = clean(value)
        if not text:
            raise ValidationError.single(field, field_label, "不能为空", "请从下拉列表中选择")
        found = self.match(table, text)
        if found is None:
            options = "、".join(c.label for c in self.items(table))
            raise ValidationError.single(
                field, field_label, f"“{text}”不在代码表中", f"可选：{options}"
            )
        return found

    def match(self, table: str, text: str) -> str | None:
        """Loose match (code, label, alias, label without 纠纷/类 suffix); None if unknown."""
        text = clean(text)
        if not text:
            return None
        rows = self._load(table)
        for r in rows:
            if text in (r.code, r.label):
                return r.code
        for r in rows:
            if r.aliases and text in r.aliases.split("|"):
                return r.code
        stripped = text.removesuffix("纠纷").removesuffix("类")
        for r in rows:
            if stripped and stripped == r.label.removesuffix("纠纷").removesuffix("类"):
                return r.code
        return None

    def version(self, table: str) -> int:
        t = self._session.get(CodeTable, table)
        return t.version if t else 0


def add_local_code(ctx: Ctx, table: str, code: str, label: str) -> CodeItem:
    """A station-local addition (e.g. 旅游纠纷). Kept across code-table upgrades."""
    ctx.require("settings.manage")
    code, label = clean(code), clean(label)
    if not code or not label:
        raise ValidationError.single("label", "名称", "代码和名称都不能为空", "请填写")
    with ctx.write() as s:
        if s.get(CodeTable, table) is None:
            raise ValidationError.single(
                "table", "代码表", f"“{table}”不存在", "请选择已有的代码表"
            )
        if s.get(CodeItem, (table, code)) is not None:
            raise ValidationError.single("code", "代码", f"“{code}”已存在", "请换一个代码")
        if CodeBook(s).match(table, label):
            raise ValidationError.single("label", "名称", f"“{label}”已存在", "无需重复添加")
        last = s.scalars(
            select(CodeItem.sort_order)
            .where(CodeItem.table_name == table)
            .order_by(CodeItem.sort_order.desc())
        ).first()
        item = CodeItem(
            table_name=table,
            code=code,
            label=label,
            sort_order=(last or 0) + 10,
            active=True,
            is_local=True,
            since_version=0,
            aliases="",
        )
        s.add(item)
    return item
