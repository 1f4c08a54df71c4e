"""Excel import for the registers (台账, 十个一) — through the register service, on the same
engine as the dispute and visit ledgers (:mod:`.excel_engine`, layouts by :mod:`.excel_layout`).

A register type's fields become importable columns: the header synonyms are the field's label
(plus the usual words for phones, ID numbers, names and dates); legacy cells are first made
exact with :mod:`app.rules.legacy` (dates in every form, ID numbers stored as numbers refused,
names split), then the register service validates them by field type and writes the record.
Only plain registers take imported rows; the two registers generated from the dispute and
visit ledgers are imported through those ledgers (:func:`source_ledger`). Exporting a register
is :mod:`.excel_export`'s job (one writer).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from app.models import RegisterRecord
from app.rules import legacy as lg
from app.rules.errors import AppError
from app.rules.text import mask_id_number

from .context import Ctx
from .excel_engine import LedgerImporter, RowContext, RowPlan, Written
from .excel_layout import cell_text

_IMPORTABLE = {"text", "long_text", "date", "datetime", "date_range", "month", "number"}
_IMPORTABLE |= {"person", "phone", "id_number", "choice", "boolean"}
_SOURCE_LEDGERS = {"dispute_ledger": "disputes", "visit_transfers": "visits"}
_EXTRA_SYNONYMS: dict[str, tuple[str, ...]] = {
    "phone": lg.field_spec(lg.DISPUTE_FIELDS, "phone").synonyms,
    "id_number": lg.field_spec(lg.DISPUTE_FIELDS, "id_number").synonyms,
    "person": ("姓名",),
    "date": ("日期", "时间"),
}
_KINDS = {
    "date": "date",
    "id_number": "id",
    "phone": "phone",
    "person": "parties",
    "choice": "code",
    "number": "int",
}


# the words clerks head a register's column with, by the field's label
_LABEL_WORDS: dict[str, tuple[str, ...]] = {
    "记录人": ("网格员", "走访人", "记录员", "填写人", "填表人", "经办人"),
    "工作内容": ("走访内容", "工作情况", "主要内容", "工作记录"),
    "角色": ("队伍类别", "人员类别", "队员类别", "身份", "职务"),
    "任职期间": ("任职时间", "任期", "聘任时间", "任职日期", "聘期"),
    "网格/小组": ("所在网格", "所属网格", "网格", "小组", "村民小组"),
    "特长技能": ("特长", "技能", "专长"),
}


def _label_words(label: str) -> tuple[str, ...]:
    """A field's label and the words clerks head its column with: 甲方（发包单位） → 甲方,
    网格/小组 → 网格, 小组, 记录人 → 网格员 …"""
    words = [label, *_LABEL_WORDS.get(label, ())]
    bare = re.sub(r"[(（][^)）]*[)）]", "", label).strip()
    if bare and bare != label:
        words.append(bare)
    if "/" in bare:
        words += [w for w in bare.split("/") if len(w) >= 2]
    return tuple(dict.fromkeys(words))


def _distinct_tails(labels: Sequence[str]) -> dict[str, str]:
    """The last two characters of a longer label (工作类别 → 类别, 工作内容 → 内容), when no
    other field of the register shares them: how a clerk's shorter header still finds it."""
    tails: dict[str, list[str]] = {}
    for label in labels:
        bare = re.sub(r"[(（][^)）]*[)）]", "", label).strip()
        if len(bare) >= 4 and "/" not in bare:
            tails.setdefault(bare[-2:], []).append(label)
    return {found[0]: tail for tail, found in tails.items() if len(found) == 1}


def _note_field(fields: Sequence[Any]) -> str:
    """Where a row's other columns are kept: the register's 备注/说明 field, else its first
    long text field; "" when it has neither."""
    for f in fields:
        if f.type in ("text", "long_text") and (f.key == "note" or f.label in ("备注", "说明")):
            return str(f.key)
    return next((str(f.key) for f in fields if f.type == "long_text"), "")


_SEQ_HEADERS = ("序号：", "编号：", "序：")
_ID_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")


def _mask_ids(text: str, can_view: bool) -> str:
    return text if can_view else _ID_LIKE.sub(lambda m: mask_id_number(m.group(0)), text)


def _service() -> Any:
    from . import registers

    return registers


def register_choices(ctx: Ctx, *, purpose: str = "import") -> list[tuple[str, str]]:
    """This station's active registers: plain ones for import, all for export."""
    out = []
    for info in _service().list_types(ctx):
        if not info.is_own:
            continue
        if purpose == "import" and not info.can_add:
            continue
        if info.source == "monthly_stats" and purpose == "import":
            continue
        out.append((info.key, info.name))
    return out


def _lookup(ctx: Ctx, key: str) -> Any | None:
    try:
        return _service().get_type(ctx, key)
    except AppError:
        return None


def source_ledger(ctx: Ctx, key: str) -> str | None:
    """The ledger (disputes, visits) that imports a register generated from it, if any."""
    info = _lookup(ctx, key)
    if info is None:
        return None
    return _SOURCE_LEDGERS.get(str(info.source))


def register_importer(ctx: Ctx, key: str) -> LedgerImporter | None:
    """The importer of a plain register (None for unknown keys and generated registers)."""
    info = _lookup(ctx, key)
    if info is None or info.source in _SOURCE_LEDGERS:
        return None
    return RegisterImporter(info)


def record_alive(ctx: Ctx, record_id: str) -> bool:
    rec = ctx.session.get(RegisterRecord, record_id)
    return rec is not None and rec.deleted_at is None


@dataclass
class _RegisterPlan:
    raw: dict[str, Any]
    defaulted: list[str]  # fields the sheet has no column for, given the usual value


class RegisterImporter(LedgerImporter):
    """Imports rows into one plain register type (record_type ``register``)."""

    record_type = "register"
    permissions = ("register.edit",)
    code_tables: tuple[str, ...] = ()

    def __init__(self, info: Any) -> None:
        self.info = info
        self.key = str(info.key)
        self.title = str(info.name)
        specs: list[lg.FieldSpec] = []
        self._types: dict[str, str] = {}
        self._multiple: set[str] = set()
        self._tables: dict[str, str] = {}  # choice field → its code table
        fields = [f for f in info.editable_fields if f.type in _IMPORTABLE]
        tails = _distinct_tails([str(f.label) for f in fields])
        for f in fields:
            synonyms = (*_label_words(str(f.label)), *_EXTRA_SYNONYMS.get(f.type, ()))
            if str(f.label) in tails:
                synonyms += (tails[str(f.label)],)
            specs.append(
                lg.FieldSpec(f.key, f.label, synonyms, bool(f.required), _KINDS.get(f.type, "text"))
            )
            self._types[f.key] = f.type
            if f.options.get("multiple"):
                self._multiple.add(f.key)
            if f.type == "choice" and f.options.get("code_table"):
                self._tables[f.key] = str(f.options["code_table"])
        self.fields = tuple(specs)
        # choice fields are coded columns: value review and --value offer their real options
        self.code_fields = dict(self._tables)  # type: ignore[misc]  # per register type
        self.code_tables = tuple(sorted(set(self._tables.values())))
        self._required = [f.label for f in info.editable_fields if f.required]
        self._required_keys = {f.key: f.label for f in info.editable_fields if f.required}
        self._note_field = _note_field(fields)
        # a required choice with a usual value (工作类别: 日常工作) may be absent from the sheet
        self._defaults = {
            str(f.key): str(f.options["default"])
            for f in fields
            if f.required and f.type == "choice" and f.options.get("default")
        }

    def missing_columns(self, mapped: set[str]) -> list[str]:
        return [
            label
            for key, label in self._required_keys.items()
            if key not in mapped and key not in self._defaults
        ]

    def problem_field(self, service_field: str) -> str:
        key = service_field.split("[", maxsplit=1)[0].split(".", maxsplit=1)[0]
        return key if key in self._types else ""

    def _cell(self, rc: RowContext, key: str, raw: Any, problems: list[lg.CellProblem]) -> Any:
        kind = self._types[key]
        label = next(f.label for f in self.fields if f.key == key)
        try:
            if kind == "date":
                day = lg.parse_legacy_date(raw, epoch_1904=rc.epoch_1904)
                return day.isoformat() if day else None
            if kind == "datetime":
                if isinstance(raw, datetime):
                    return raw.strftime("%Y-%m-%d %H:%M")
                if isinstance(raw, date):
                    return raw.isoformat()
                if isinstance(raw, int | float):
                    day = lg.parse_legacy_date(raw, epoch_1904=rc.epoch_1904)
                    return day.isoformat() if day else None
                return cell_text(raw)
            if kind in ("date_range", "month") and isinstance(raw, datetime | date):
                day = raw.date() if isinstance(raw, datetime) else raw
                return day.isoformat() if kind == "date_range" else f"{day:%Y-%m}"
            if kind == "id_number":
                return lg.parse_id_number(raw, today=rc.today)
            if kind == "phone":
                return lg.parse_phone(raw)
            if kind == "person":
                names = [p.name for p in lg.split_parties(raw).names]
                if key in self._multiple:
                    return names
                if len(names) > 1:
                    raise lg.LegacyProblem(
                        f"“{cell_text(raw)}”有{len(names)}人，本栏只能填写一人", "请只保留一人"
                    )
                return names[0] if names else None
            if kind == "number" and isinstance(raw, int | float) and not isinstance(raw, bool):
                return raw
            if kind == "choice" and key in self._tables:
                return self._choice(rc, key, label, raw, problems)
            return cell_text(raw)
        except lg.LegacyProblem as exc:
            shown = cell_text(raw)
            if kind == "id_number" and not rc.can_view_id:
                shown = mask_id_number(shown)
            reason = exc.reason if exc.reason.startswith(label[:2]) else f"{label}{exc.reason}"
            problems.append(lg.CellProblem(key, reason, exc.fix, shown))
            return None

    def _choice(
        self, rc: RowContext, key: str, label: str, raw: Any, problems: list[lg.CellProblem]
    ) -> str | None:
        """A choice cell through the register's code table: the station's remembered spelling,
        else a code, label or alias; an unknown spelling is listed for value review."""
        table = self._tables[key]
        options = rc.codes.get(table, [])
        chosen = rc.value_maps.get(key, {}).get(lg.normalize_header(raw))
        if chosen and any(o.code == chosen for o in options):
            return chosen
        found = lg.match_code(raw, options)
        if found is None:
            text = cell_text(raw)
            problems.append(
                lg.CellProblem(
                    key,
                    f"{label}“{text}”不是可选项",
                    f"可选：{'、'.join(o.label for o in options)}；"
                    "也可在导入向导中指定它对应哪一项（会记住）",
                    text,
                    unknown_code=table,
                )
            )
        return found

    def parse(
        self, rc: RowContext, cells: Mapping[str, Any], row: int
    ) -> RowPlan | list[lg.CellProblem]:
        problems: list[lg.CellProblem] = []
        raw: dict[str, Any] = {}
        for key, value in cells.items():
            if key not in self._types or lg.is_blank(value):
                continue
            v = self._cell(rc, key, value, problems)
            if v not in (None, "", []):
                raw[key] = v
        if problems:
            return problems
        defaulted = []
        for key, code in self._defaults.items():
            if key not in cells:  # no such column in the sheet: the register's usual value
                raw[key] = code
                defaulted.append(key)
        day = None
        for f in self.fields:
            if self._types[f.key] == "date" and raw.get(f.key):
                day = date.fromisoformat(str(raw[f.key]))
                break
        canonical = json.dumps(raw, ensure_ascii=False, sort_keys=True, default=str)
        display: dict[str, Any] = {
            "received_on": day.isoformat() if day else "",
            "values": {
                f.label: (
                    mask_id_number(str(raw[f.key]))
                    if self._types[f.key] == "id_number" and not rc.can_view_id
                    else raw[f.key]
                )
                for f in self.fields
                if f.key in raw
            },
        }
        return RowPlan(
            row=row,
            day=day or date(1900, 1, 1),
            fingerprint=lg.fingerprint(
                f"register:{self.key}", day or date(1900, 1, 1), [], "", canonical
            ),
            payload=_RegisterPlan(raw, defaulted),
            display=display,
        )

    def existing(self, ctx: Ctx, plan: RowPlan) -> str | None:
        return None

    def record_alive(self, ctx: Ctx, record_id: str) -> bool:
        return record_alive(ctx, record_id)

    def write(self, ctx: Ctx, plan: RowPlan, source: str) -> Written:
        raw = dict(plan.payload.raw)
        warnings: list[str] = []
        extra = [n for n in plan.notes if n and not n.startswith(_SEQ_HEADERS)]
        if extra:  # the other columns of the row are kept, not dropped
            kept = "原表其他列——" + "；".join(
                _mask_ids(n, ctx.can("id_number.view")) for n in extra
            )
            before = str(raw.get(self._note_field) or "") if self._note_field else ""
            if self._note_field and (before or self._note_field not in self._required_keys):
                raw[self._note_field] = f"{before}\n{kept}" if before else kept
            elif not self._note_field:
                warnings.append(f"{kept}（本台账没有备注栏，未保存）")
            # else: the row lacks its required text; the register service refuses it
        for key in plan.payload.defaulted:
            label = next(f.label for f in self.fields if f.key == key)
            warnings.append(f"原台账没有“{label}”列，按本台账的默认选项登记")
        saved = _service().add_record(ctx, self.info.id, raw)
        row = saved.record
        return Written(str(row.record_id), str(row.title)[:40], {}, [*saved.warnings, *warnings])
