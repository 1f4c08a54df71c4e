"""The registers (台账, "十个一"): register types with the ten as presets, typed records, views.

- Types and fields are synced records owned by the station that defined them; the ten presets
  are seeded per station from ``resources/registers/*.json`` (versioned like the code tables)
  and upgraded when a newer preset ships. A station admin adds local types and fields
  (``settings.manage``); staff keep the records (``register.edit``). Nothing is deleted:
  records are voided (tombstone with a reason), types and fields are retired.
- Three presets are not plain lists:
  * 矛盾纠纷排查调处情况登记表 (``dispute_ledger``) is computed from the dispute ledger on every
    read — never a copy, so it cannot drift;
  * 群众来信来访件转办通知 (``visit_transfers``) lists the visits that were transferred or
    assigned; receipt and feedback are kept in register records that point at the visit;
  * 月通报 (``monthly_stats``) is generated from :func:`app.services.stats.compute` with a
    stored snapshot of the figures and an editable narrative.
- Meeting decisions with owner and due date feed the dashboard (:func:`due_decisions`);
  urgent 综治维稳工作信息 carry ``is_urgent``/``reported_at`` for the 1-hour rule and for the
  sync queue (:func:`urgent_record_ids`).
"""

from __future__ import annotations

import hashlib
import io
import json
import mimetypes
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from app.config import resources_dir
from app.models import (
    CodeTable,
    Dispute,
    LocalState,
    Person,
    RegisterAttachment,
    RegisterField,
    RegisterRecord,
    RegisterType,
    Station,
    Visit,
)
from app.rules import registers as rr
from app.rules.dates import format_cn_date
from app.rules.deadlines import deadline_label
from app.rules.errors import (
    AppError,
    ConflictError,
    NotFoundError,
    Problems,
    ValidationError,
    WorkflowError,
)
from app.rules.registers import FieldSpec, NewFile
from app.rules.text import clean, clean_multiline, format_yuan
from app.rules.workflow import DISPUTE

from .codes import CodeBook
from .context import Ctx
from .results import Saved

SOURCES = {
    "": "登记台账",
    "dispute_ledger": "由矛盾纠纷台账生成",
    "visit_transfers": "由来信来访台账生成",
    "monthly_stats": "由月度统计生成",
}
VISIT_TRANSFER_METHODS = {"transfer": "转办", "assign": "交办"}
PHOTO_SHRINK_OVER = 1_500_000  # bytes: larger photos are scaled down before storing
PHOTO_MAX_EDGE = 2400  # pixels
DEFAULT_WIDTHS = {
    "text": 30,
    "long_text": 70,
    "date": 22,
    "datetime": 30,
    "date_range": 40,
    "month": 20,
    "number": 16,
    "person": 22,
    "phone": 30,
    "id_number": 42,
    "choice": 24,
    "boolean": 12,
    "attachment": 26,
    "table": 80,
}


# --- shipped presets ----------------------------------------------------------------------


@dataclass(frozen=True)
class ShippedPreset:
    key: str
    version: int
    name: str
    sort: int
    period: str
    source: str
    description: str
    fields: tuple[Mapping[str, Any], ...]
    print_layout: Mapping[str, Any]


@lru_cache(maxsize=1)
def shipped_presets() -> dict[str, ShippedPreset]:
    presets: dict[str, ShippedPreset] = {}
    for path in sorted((resources_dir() / "registers").glob("*.json")):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        presets[data["key"]] = ShippedPreset(
            key=str(data["key"]),
            version=int(data["version"]),
            name=str(data["name"]),
            sort=int(data.get("sort", 0)),
            period=str(data.get("period", "none")),
            source=str(data.get("source", "")),
            description=str(data.get("description", "")),
            fields=tuple(data["fields"]),
            print_layout=dict(data.get("print", {})),
        )
    return presets


def _field_columns(data: Mapping[str, Any]) -> dict[str, Any]:
    """RegisterField column values for a preset field definition."""
    spec = rr.spec_from_dict(data)
    return {
        "label": spec.label,
        "field_type": spec.type,
        "required": spec.required,
        "options": _dumps(dict(spec.options)),
        "index_as": spec.index_as,
        "help": spec.help,
        "show_in_list": bool(data.get("list", True)),
    }


def seed_register_presets(session: Session) -> list[str]:
    """Create this station's copies of the shipped presets, or upgrade older ones.

    An upgrade adds new preset fields, updates the definitions of existing preset fields and
    the print layout, and retires preset fields the new version dropped (values are kept).
    What the station chose itself — the register's name, period, active flag, its local
    fields — is left alone. Returns the preset keys that changed.
    """
    state = session.get(LocalState, 1)
    if state is None:
        return []
    station = state.station_code
    changed: list[str] = []
    for preset in shipped_presets().values():
        rtype = session.scalars(
            select(RegisterType).where(
                RegisterType.origin == station, RegisterType.preset_key == preset.key
            )
        ).first()
        if rtype is not None and rtype.preset_version >= preset.version:
            continue
        if rtype is None:
            rtype = RegisterType(
                key=preset.key,
                name=preset.name,
                period=preset.period,
                preset_key=preset.key,
                sort_order=preset.sort,
                active=True,
            )
            session.add(rtype)
        rtype.description = preset.description
        rtype.source = preset.source
        rtype.print_layout = _dumps(dict(preset.print_layout))
        rtype.preset_version = preset.version
        session.flush()
        existing = {
            f.key: f
            for f in session.scalars(select(RegisterField).where(RegisterField.type_id == rtype.id))
        }
        shipped_keys: set[str] = set()
        for order, fdata in enumerate(preset.fields, 1):
            key = str(fdata["key"])
            shipped_keys.add(key)
            cols = _field_columns(fdata)
            fld = existing.get(key)
            if fld is None:
                fld = RegisterField(type_id=rtype.id, key=key, is_local=False, active=True)
                session.add(fld)
            elif fld.is_local:
                continue  # a local field took this key first; keep the station's definition
            for attr, value in cols.items():
                setattr(fld, attr, value)
            fld.sort_order = order * 10
            fld.active = True
        for key, fld in existing.items():
            if key not in shipped_keys and not fld.is_local and fld.active:
                fld.active = False
        changed.append(preset.key)
    if changed:
        session.flush()
    return changed


# --- type and field views -----------------------------------------------------------------


@dataclass(frozen=True)
class FieldInfo:
    id: str
    key: str
    label: str
    type: str
    required: bool
    options: Mapping[str, Any]
    index_as: str
    help: str
    show_in_list: bool
    sort_order: int
    active: bool
    is_local: bool

    @property
    def spec(self) -> FieldSpec:
        return FieldSpec(
            key=self.key,
            label=self.label,
            type=self.type,
            required=self.required,
            options=self.options,
            index_as=self.index_as,
            help=self.help,
        )

    @property
    def type_label(self) -> str:
        return rr.FIELD_TYPES.get(self.type, self.type)

    @property
    def computed(self) -> bool:
        return bool(self.options.get("computed"))


@dataclass(frozen=True)
class PrintColumn:
    key: str
    label: str
    width: float  # relative; the printout scales the columns to the page width


@dataclass(frozen=True)
class RegisterTypeInfo:
    id: str
    key: str
    name: str
    description: str
    source: str
    period: str
    origin: str
    station_name: str
    is_own: bool
    is_preset: bool
    active: bool
    fields: tuple[FieldInfo, ...]  # active and retired, in order
    layout: Mapping[str, Any]

    @property
    def period_label(self) -> str:
        return rr.PERIODS.get(self.period, self.period)

    @property
    def source_label(self) -> str:
        return SOURCES.get(self.source, self.source)

    @property
    def active_fields(self) -> list[FieldInfo]:
        return [f for f in self.fields if f.active]

    @property
    def specs(self) -> list[FieldSpec]:
        return [f.spec for f in self.active_fields]

    @property
    def list_fields(self) -> list[FieldInfo]:
        return [f for f in self.active_fields if f.show_in_list]

    @property
    def editable_fields(self) -> list[FieldInfo]:
        return [f for f in self.active_fields if not f.computed]

    @property
    def can_add(self) -> bool:
        """Records can be added by hand (the two ledger-generated registers cannot)."""
        return self.is_own and self.active and self.source in ("", "monthly_stats")

    @property
    def can_edit(self) -> bool:
        return self.is_own and self.source != "dispute_ledger"

    @property
    def can_add_fields(self) -> bool:
        return self.is_own and self.source != "dispute_ledger"

    @property
    def landscape(self) -> bool:
        return str(self.layout.get("orientation", "landscape")) != "portrait"

    def field(self, key: str) -> FieldInfo:
        for f in self.fields:
            if f.key == key:
                return f
        raise NotFoundError(f"台账“{self.name}”没有栏目“{key}”")

    def print_columns(self) -> list[PrintColumn]:
        """Columns of the printout: the layout's columns (active fields only), else the list's."""
        by_key = {f.key: f for f in self.active_fields}
        cols: list[PrintColumn] = []
        for c in self.layout.get("columns", ()):
            f = by_key.get(str(c.get("field")))
            if f is None:
                continue
            width = float(c.get("width") or DEFAULT_WIDTHS.get(f.type, 25))
            cols.append(PrintColumn(f.key, str(c.get("label") or f.label), width))
        if not cols:
            cols = [
                PrintColumn(f.key, f.label, float(DEFAULT_WIDTHS.get(f.type, 25)))
                for f in self.list_fields
            ]
        return cols


def _loads(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _dumps(data: Mapping[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _station_names(session: Session) -> dict[str, str]:
    return {s.code: s.name for s in session.scalars(select(Station))}


def _info(ctx: Ctx, t: RegisterType, names: Mapping[str, str] | None = None) -> RegisterTypeInfo:
    fields = ctx.session.scalars(
        select(RegisterField)
        .where(RegisterField.type_id == t.id, RegisterField.deleted_at.is_(None))
        .order_by(RegisterField.sort_order, RegisterField.created_at)
    ).all()
    names = names if names is not None else _station_names(ctx.session)
    return RegisterTypeInfo(
        id=t.id,
        key=t.key,
        name=t.name,
        description=t.description,
        source=t.source,
        period=t.period,
        origin=t.origin,
        station_name=names.get(t.origin, t.origin),
        is_own=t.origin == ctx.station_code,
        is_preset=bool(t.preset_key),
        active=t.active,
        fields=tuple(
            FieldInfo(
                id=f.id,
                key=f.key,
                label=f.label,
                type=f.field_type,
                required=f.required,
                options=_loads(f.options),
                index_as=f.index_as,
                help=f.help,
                show_in_list=f.show_in_list,
                sort_order=f.sort_order,
                active=f.active,
                is_local=f.is_local,
            )
            for f in fields
        ),
        layout=_loads(t.print_layout),
    )


def list_types(ctx: Ctx, *, include_inactive: bool = False) -> list[RegisterTypeInfo]:
    """This station's registers (presets first, then local ones), then other stations' (synced)."""
    q = select(RegisterType).where(RegisterType.deleted_at.is_(None))
    if not include_inactive:
        q = q.where(RegisterType.active)
    rows = ctx.session.scalars(q).all()
    names = _station_names(ctx.session)
    own = ctx.station_code
    rows = sorted(
        rows,
        key=lambda t: (t.origin != own, t.origin, not t.preset_key, t.sort_order, t.created_at),
    )
    return [_info(ctx, t, names) for t in rows]


def _type_row(ctx: Ctx, ref: str) -> RegisterType:
    s = ctx.session
    t = s.get(RegisterType, ref)
    if t is None:
        t = s.scalars(
            select(RegisterType).where(
                RegisterType.origin == ctx.station_code,
                RegisterType.deleted_at.is_(None),
                (RegisterType.key == ref) | (RegisterType.name == ref),
            )
        ).first()
    if t is None or t.deleted_at is not None:
        known = "、".join(
            f"{x.key}（{x.name}）"
            for x in s.scalars(
                select(RegisterType)
                .where(RegisterType.origin == ctx.station_code, RegisterType.deleted_at.is_(None))
                .order_by(RegisterType.sort_order)
            )
        )
        raise NotFoundError(f"找不到台账“{ref}”；本站的台账有：{known}")
    return t


def get_type(ctx: Ctx, ref: str) -> RegisterTypeInfo:
    """A register type by id, key (work_log) or name (工作记录簿) — this station's by default."""
    return _info(ctx, _type_row(ctx, ref))


def get_type_by_source(ctx: Ctx, source: str) -> RegisterTypeInfo:
    t = ctx.session.scalars(
        select(RegisterType).where(
            RegisterType.origin == ctx.station_code,
            RegisterType.source == source,
            RegisterType.deleted_at.is_(None),
        )
    ).first()
    if t is None:
        raise NotFoundError(f"本站没有“{SOURCES.get(source, source)}”的台账，请先升级台账预设")
    return _info(ctx, t)


# --- choices ------------------------------------------------------------------------------


class _Choices:
    """Code-table lookups for the rules (rr.ChoiceSource)."""

    def __init__(self, session: Session) -> None:
        self.codes = CodeBook(session)

    def resolve(self, table: str, text: str) -> str | None:
        return self.codes.match(table, text)

    def labels(self, table: str) -> list[str]:
        return [c.label for c in self.codes.items(table)]

    def label(self, table: str, code: str) -> str:
        return self.codes.label(table, code)


def choice_options(ctx: Ctx, spec: FieldSpec) -> list[tuple[str, str]]:
    """(code, label) pairs a choice field offers (for drop-downs)."""
    table = spec.opt("code_table")
    if table:
        return [(c.code, c.label) for c in CodeBook(ctx.session).items(str(table))]
    return [(c, c) for c in rr.inline_choices(spec)]


def code_tables(ctx: Ctx) -> list[tuple[str, str]]:
    """(name, title) of the code tables a local choice field may use."""
    return [
        (t.name, t.title)
        for t in ctx.session.scalars(select(CodeTable).order_by(CodeTable.title)).all()
    ]


# --- records --------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttachmentInfo:
    id: str
    field_key: str
    name: str
    size: int
    mime: str

    @property
    def size_label(self) -> str:
        if self.size >= 1024 * 1024:
            return f"{self.size / 1024 / 1024:.1f}MB"
        return f"{max(1, self.size // 1024)}KB"


@dataclass
class RecordRow:
    """One row of a register as lists, dialogs and printouts show it."""

    id: str  # record id, or "dispute:<id>" / "visit:<id>" for generated rows
    type_id: str
    record_id: str | None
    ref_id: str | None
    record_date: date | None
    values: dict[str, Any]
    display: dict[str, str]
    title: str
    origin: str
    voided: bool = False
    void_reason: str = ""
    editable: bool = False
    is_urgent: bool = False
    report_late: bool = False
    flags: list[str] = field(default_factory=list)
    attachments: list[AttachmentInfo] = field(default_factory=list)


@dataclass
class RecordFilter:
    start: date | None = None
    end: date | None = None
    text: str = ""
    include_voided: bool = False
    active_on: date | None = None  # rosters: only who is in post on this day
    urgent_only: bool = False
    limit: int | None = None
    offset: int = 0
    ascending: bool = False


@dataclass
class RecordPage:
    rows: list[RecordRow]
    total: int


def _display(
    ctx: Ctx,
    info: RegisterTypeInfo,
    values: Mapping[str, Any],
    *,
    multiline: bool = False,
    codes: CodeBook | None = None,
) -> dict[str, str]:
    codes = codes or CodeBook(ctx.session)
    show_id = ctx.can("id_number.view")
    show_phone = ctx.can("phone.view")
    return {
        f.key: rr.display_value(
            f.spec,
            values.get(f.key),
            choice_label=codes.label,
            show_id=show_id,
            multiline=multiline,
            show_phone=show_phone,
        )
        for f in info.fields
    }


def _attachments_of(ctx: Ctx, record_ids: Sequence[str]) -> dict[str, list[AttachmentInfo]]:
    out: dict[str, list[AttachmentInfo]] = {}
    if not record_ids:
        return out
    rows = ctx.session.execute(
        select(
            RegisterAttachment.id,
            RegisterAttachment.record_id,
            RegisterAttachment.field_key,
            RegisterAttachment.file_name,
            RegisterAttachment.size,
            RegisterAttachment.mime,
        )
        .where(
            RegisterAttachment.record_id.in_(list(record_ids)),
            RegisterAttachment.deleted_at.is_(None),
        )
        .order_by(RegisterAttachment.created_at)
    ).all()
    for aid, rid, fkey, name, size, mime in rows:
        out.setdefault(rid, []).append(AttachmentInfo(aid, fkey, name, size, mime))
    return out


def _row_from_record(
    ctx: Ctx,
    info: RegisterTypeInfo,
    rec: RegisterRecord,
    attachments: list[AttachmentInfo],
    codes: CodeBook | None = None,
) -> RecordRow:
    values = _loads(rec.data)
    late = rec.report_late or rr.report_is_late(
        rec.is_urgent, rec.occurred_at, rec.reported_at, ctx.now()
    )
    flags: list[str] = []
    if rec.deleted_at is not None:
        flags.append("已作废")
    if rec.is_urgent:
        flags.append("紧急")
        if late:
            flags.append("超时未报" if rec.reported_at is None else "超时报送")
    return RecordRow(
        id=rec.id,
        type_id=rec.type_id,
        record_id=rec.id,
        ref_id=rec.ref_id,
        record_date=rec.record_date,
        values=values,
        display=_display(ctx, info, values, codes=codes),
        title=rec.title,
        origin=rec.origin,
        voided=rec.deleted_at is not None,
        void_reason=rec.void_reason,
        editable=info.can_edit and rec.origin == ctx.station_code and rec.deleted_at is None,
        is_urgent=rec.is_urgent,
        report_late=late,
        flags=flags,
        attachments=attachments,
    )


def _overlap(q: Any, flt: RecordFilter) -> Any:
    if flt.end is not None:
        q = q.where(RegisterRecord.record_date <= flt.end)
    if flt.start is not None:
        q = q.where(func.coalesce(RegisterRecord.date_end, RegisterRecord.record_date) >= flt.start)
    if flt.active_on is not None:
        q = q.where(
            RegisterRecord.record_date <= flt.active_on,
            or_(RegisterRecord.date_end.is_(None), RegisterRecord.date_end >= flt.active_on),
        )
    return q


def list_records(ctx: Ctx, type_ref: str, flt: RecordFilter | None = None) -> RecordPage:
    """A register's rows for a date range (records whose date or interval overlaps it),
    newest first unless ``ascending``. Voided records only when asked."""
    flt = flt or RecordFilter()
    info = get_type(ctx, type_ref)
    if info.source == "dispute_ledger":
        return _dispute_rows(ctx, info, flt)
    if info.source == "visit_transfers":
        return _transfer_rows(ctx, info, flt)
    q = select(RegisterRecord).where(RegisterRecord.type_id == info.id)
    if not flt.include_voided:
        q = q.where(RegisterRecord.deleted_at.is_(None))
    q = _overlap(q, flt)
    text = clean(flt.text)
    if text:
        like = f"%{text}%"
        q = q.where(
            or_(
                RegisterRecord.search_text.like(like, escape="\\"),
                RegisterRecord.title.like(like, escape="\\"),
            )
        )
    if flt.urgent_only:
        q = q.where(RegisterRecord.is_urgent)
    total = int(ctx.session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    order = (
        (RegisterRecord.record_date.asc(), RegisterRecord.created_at.asc())
        if flt.ascending
        else (RegisterRecord.record_date.desc(), RegisterRecord.created_at.desc())
    )
    q = q.order_by(*order).offset(flt.offset)
    if flt.limit is not None:
        q = q.limit(flt.limit)
    recs = ctx.session.scalars(q).all()
    atts = _attachments_of(ctx, [r.id for r in recs])
    codes = CodeBook(ctx.session)
    return RecordPage(
        [_row_from_record(ctx, info, r, atts.get(r.id, []), codes) for r in recs], total
    )


def get_record(ctx: Ctx, record_id: str) -> RecordRow:
    """One row by record id (or a generated row's id: "dispute:…", "visit:…")."""
    if record_id.startswith("dispute:"):
        info = get_type_by_source(ctx, "dispute_ledger")
        d = ctx.session.get(Dispute, record_id.split(":", 1)[1])
        if d is None or d.deleted_at is not None:
            raise NotFoundError("找不到该纠纷，可能已被作废")
        return _dispute_row(ctx, info, d)
    if record_id.startswith("visit:"):
        info = get_type_by_source(ctx, "visit_transfers")
        visit = _transfer_visit(ctx, record_id.split(":", 1)[1])
        return _transfer_row(ctx, info, visit, _tracking_for(ctx, [visit]).get(visit.id))
    rec = ctx.session.get(RegisterRecord, record_id)
    if rec is None:
        raise NotFoundError("找不到该台账记录")
    t = ctx.session.get(RegisterType, rec.type_id)
    assert t is not None
    info = _info(ctx, t)
    if info.source == "visit_transfers" and rec.ref_id:
        visit = _transfer_visit(ctx, rec.ref_id)
        return _transfer_row(ctx, info, visit, rec)
    return _row_from_record(ctx, info, rec, _attachments_of(ctx, [rec.id]).get(rec.id, []))


# --- the dispute register view ------------------------------------------------------------------

_OUTCOME_LABELS = {"succeeded": "调解成功", "failed": "调解不成", "terminated": "终止调解"}


def _dispute_values(ctx: Ctx, d: Dispute, codes: CodeBook) -> dict[str, Any]:
    outcome = _OUTCOME_LABELS.get(d.outcome, "")
    if d.outcome == "succeeded" and d.agreement_type:
        outcome += f"（{codes.label('agreement_type', d.agreement_type)}）"
    values: dict[str, Any] = {
        "mediation_no": d.mediation_no,
        "registered_on": d.registered_on.isoformat(),
        "title": d.title,
        "parties": d.party_names,
        "category": codes.label("dispute_category", d.category),
        "source": codes.label("case_source", d.source),
        "summary": d.summary,
        "mediator": d.mediator_name,
        "status": DISPUTE.status_label(d.status),
        "outcome": outcome,
        "outcome_on": d.outcome_on.isoformat() if d.outcome_on else None,
        "performance": codes.label("performance_status", d.performance_status)
        if d.performance_status
        else "",
        "deadline": deadline_label(d.due_on, ctx.today()),
        "case_code": d.case_code,
    }
    if d.transferred_to:
        values["status"] += f"（移送{d.transferred_to}）"
    return {k: v for k, v in values.items() if v not in (None, "")}


def _dispute_row(
    ctx: Ctx, info: RegisterTypeInfo, d: Dispute, codes: CodeBook | None = None
) -> RecordRow:
    codes = codes or CodeBook(ctx.session)
    values = _dispute_values(ctx, d, codes)
    flags = []
    if d.due_on is not None and d.due_on < ctx.today():
        flags.append("超期")
    if d.is_major:
        flags.append("重大")
    return RecordRow(
        id=f"dispute:{d.id}",
        type_id=info.id,
        record_id=None,
        ref_id=d.id,
        record_date=d.registered_on,
        values=values,
        display=_display(ctx, info, values, codes=codes),
        title=d.title,
        origin=d.origin,
        editable=False,
        flags=flags,
    )


def _dispute_rows(ctx: Ctx, info: RegisterTypeInfo, flt: RecordFilter) -> RecordPage:
    q = select(Dispute).where(Dispute.deleted_at.is_(None))
    if flt.start is not None:
        q = q.where(Dispute.registered_on >= flt.start)
    if flt.end is not None:
        q = q.where(Dispute.registered_on <= flt.end)
    text = clean(flt.text)
    if text:
        like = f"%{text}%"
        q = q.where(
            or_(
                Dispute.title.like(like),
                Dispute.party_names.like(like),
                Dispute.mediation_no.like(like),
                Dispute.case_code.like(like),
            )
        )
    total = int(ctx.session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    order = (
        (Dispute.registered_on.asc(), Dispute.mediation_seq.asc())
        if flt.ascending
        else (Dispute.registered_on.desc(), Dispute.mediation_seq.desc())
    )
    q = q.order_by(*order).offset(flt.offset)
    if flt.limit is not None:
        q = q.limit(flt.limit)
    codes = CodeBook(ctx.session)
    return RecordPage([_dispute_row(ctx, info, d, codes) for d in ctx.session.scalars(q)], total)


# --- the transfer-notice register ------------------------------------------------------------


def _visible_visit(ctx: Ctx) -> list[Any]:
    conds: list[Any] = [Visit.deleted_at.is_(None)]
    if not ctx.can("restricted.view"):
        conds += [Visit.is_accusation.is_(False), Visit.is_confidential.is_(False)]
    return conds


def _transfer_visit(ctx: Ctx, visit_id: str) -> Visit:
    visit = ctx.session.scalars(
        select(Visit).where(Visit.id == visit_id, *_visible_visit(ctx))
    ).first()
    if visit is None:
        raise NotFoundError("找不到该信访件，或您无权查看")
    if visit.handling_method not in VISIT_TRANSFER_METHODS:
        raise WorkflowError("该信访件未转办或交办，不在转办通知台账中")
    return visit


def _tracking_for(ctx: Ctx, visits: Sequence[Visit]) -> dict[str, RegisterRecord]:
    """The tracking record of each visit: this station's own, else the visit owner's."""
    if not visits:
        return {}
    recs = ctx.session.scalars(
        select(RegisterRecord)
        .join(RegisterType, RegisterType.id == RegisterRecord.type_id)
        .where(
            RegisterType.source == "visit_transfers",
            RegisterRecord.ref_id.in_([v.id for v in visits]),
            RegisterRecord.deleted_at.is_(None),
        )
        .order_by(RegisterRecord.created_at)
    ).all()
    owner = {v.id: v.origin for v in visits}
    best: dict[str, RegisterRecord] = {}
    for rec in recs:
        assert rec.ref_id is not None
        cur = best.get(rec.ref_id)
        rank = (
            0 if rec.origin == ctx.station_code else (1 if rec.origin == owner[rec.ref_id] else 2)
        )
        if cur is None:
            best[rec.ref_id] = rec
            continue
        cur_rank = (
            0 if cur.origin == ctx.station_code else (1 if cur.origin == owner[rec.ref_id] else 2)
        )
        if rank < cur_rank:
            best[rec.ref_id] = rec
    return best


def _transfer_computed(ctx: Ctx, v: Visit, tracked: Mapping[str, Any]) -> dict[str, Any]:
    today = ctx.today()
    if tracked.get("feedback_on"):
        status = "已反馈"
    elif v.handle_due is not None and v.handle_due < today and not v.imported_history:
        status = f"逾期未反馈（{deadline_label(v.handle_due, today)}）"
    elif tracked.get("receipt_on"):
        status = "已回执，待反馈"
    else:
        status = "待回执"
    values: dict[str, Any] = {
        "case_code": v.case_code,
        "transferred_on": v.handled_on.isoformat() if v.handled_on else None,
        "petitioners": v.party_names,
        "subject": v.subject,
        "method": VISIT_TRANSFER_METHODS.get(v.handling_method, ""),
        "unit": v.handler_unit,
        "handle_due": v.handle_due.isoformat() if v.handle_due else None,
        "tracking": status,
    }
    return {k: val for k, val in values.items() if val not in (None, "")}


def _transfer_row(
    ctx: Ctx,
    info: RegisterTypeInfo,
    v: Visit,
    rec: RegisterRecord | None,
    codes: CodeBook | None = None,
) -> RecordRow:
    tracked = _loads(rec.data) if rec is not None else {}
    values = {**tracked, **_transfer_computed(ctx, v, tracked)}
    flags = []
    if values["tracking"].startswith("逾期"):
        flags.append("逾期未反馈")
    atts = _attachments_of(ctx, [rec.id]).get(rec.id, []) if rec is not None else []
    return RecordRow(
        id=rec.id if rec is not None else f"visit:{v.id}",
        type_id=info.id,
        record_id=rec.id if rec is not None else None,
        ref_id=v.id,
        record_date=v.handled_on,
        values=values,
        display=_display(ctx, info, values, codes=codes),
        title=v.subject,
        origin=rec.origin if rec is not None else v.origin,
        editable=info.is_own and (rec is None or rec.origin == ctx.station_code),
        flags=flags,
        attachments=atts,
    )


def _transfer_rows(ctx: Ctx, info: RegisterTypeInfo, flt: RecordFilter) -> RecordPage:
    q = select(Visit).where(
        *_visible_visit(ctx), Visit.handling_method.in_(list(VISIT_TRANSFER_METHODS))
    )
    if flt.start is not None:
        q = q.where(Visit.handled_on >= flt.start)
    if flt.end is not None:
        q = q.where(Visit.handled_on <= flt.end)
    text = clean(flt.text)
    if text:
        like = f"%{text}%"
        q = q.where(
            or_(
                Visit.subject.like(like),
                Visit.party_names.like(like),
                Visit.handler_unit.like(like),
                Visit.case_code.like(like),
            )
        )
    total = int(ctx.session.scalar(select(func.count()).select_from(q.subquery())) or 0)
    order = (
        (Visit.handled_on.asc(), Visit.case_code.asc())
        if flt.ascending
        else (Visit.handled_on.desc(), Visit.case_code.desc())
    )
    q = q.order_by(*order).offset(flt.offset)
    if flt.limit is not None:
        q = q.limit(flt.limit)
    visits = list(ctx.session.scalars(q))
    tracking = _tracking_for(ctx, visits)
    codes = CodeBook(ctx.session)
    return RecordPage(
        [_transfer_row(ctx, info, v, tracking.get(v.id), codes) for v in visits], total
    )


# --- writing records ----------------------------------------------------------------------------


def file_from_path(path: str | Path) -> NewFile:
    """Read a file the clerk picked into a :class:`NewFile` (raises a Chinese error if unreadable)."""
    p = Path(path)
    try:
        if p.stat().st_size > rr.MAX_ATTACHMENT_BYTES * 8:
            # far too big even for photo down-scaling: do not read it into memory
            raise ValidationError.single(
                "attachment",
                "附件",
                f"“{p.name}”有{p.stat().st_size / 1024 / 1024:.0f}MB，过大",
                "请压缩或分页扫描后再上传",
            )
        content = p.read_bytes()
    except OSError as exc:
        raise AppError(f"无法读取文件“{p.name}”（{exc.strerror or exc}），请检查路径") from None
    mime = mimetypes.guess_type(p.name)[0] or "application/octet-stream"
    return NewFile(p.name, content, mime)


def shrink_photo(f: NewFile) -> NewFile:
    """Scale a large photo down (long edge ≤ 2400 px, JPEG) so it travels in sync bundles."""
    if f.size <= PHOTO_SHRINK_OVER or rr.file_extension(f.name) not in rr.IMAGE_EXTENSIONS:
        return f
    try:
        from PIL import Image, ImageOps

        with Image.open(io.BytesIO(f.content)) as original:
            img = ImageOps.exif_transpose(original)
            img.thumbnail((PHOTO_MAX_EDGE, PHOTO_MAX_EDGE))
            out = io.BytesIO()
            img.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    except Exception:
        return f  # not an image Pillow can read: keep it as it is (size limits still apply)
    data = out.getvalue()
    if len(data) >= f.size:
        return f
    stem = f.name.rsplit(".", 1)[0]
    return NewFile(f"{stem}.jpg", data, "image/jpeg")


def _coerce_raw(info: RegisterTypeInfo, raw: Mapping[str, Any]) -> dict[str, Any]:
    """Keys by label or key; JSON text for tables; photos scaled down."""
    out = rr.resolve_keys(info.specs, raw)
    for f in info.active_fields:
        if f.key not in out:
            continue
        value = out[f.key]
        if f.type == "table" and isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            try:
                out[f.key] = json.loads(value)
            except ValueError:
                raise ValidationError.single(
                    f.key, f.label, "不是有效的明细格式", '请按 JSON 列表填写，如 [{"事项": "…"}]'
                ) from None
        if f.type == "attachment":
            items = value if isinstance(value, (list, tuple)) else [value]
            out[f.key] = [shrink_photo(i) if isinstance(i, NewFile) else i for i in items]
    return out


def _check_references(
    ctx: Ctx, info: RegisterTypeInfo, values: Mapping[str, Any], rec: RegisterRecord | None
) -> None:
    """Persons picked from the list must exist; kept attachments must belong to this record."""
    problems = Problems()
    own_atts: set[str] = set()
    if rec is not None:
        own_atts = set(
            ctx.session.scalars(
                select(RegisterAttachment.id).where(
                    RegisterAttachment.record_id == rec.id, RegisterAttachment.deleted_at.is_(None)
                )
            )
        )

    def persons(spec: FieldSpec, value: Any, key: str, label: str) -> None:
        items = value if isinstance(value, list) else [value]
        for p in items:
            pid = p.get("person_id") if isinstance(p, Mapping) else None
            if pid:
                person = ctx.session.get(Person, pid)
                if person is None or person.deleted_at is not None:
                    problems.add(
                        key, label, f"所选人员“{p.get('name')}”不存在或已作废", "请重新选择"
                    )

    for f in info.editable_fields:
        value = values.get(f.key)
        if value is None:
            continue
        if f.type == "person":
            persons(f.spec, value, f.key, f.label)
        elif f.type == "attachment":
            for a in value:
                if isinstance(a, Mapping) and a["id"] not in own_atts:
                    problems.add(f.key, f.label, f"附件“{a.get('name')}”不属于本记录", "请重新添加")
        elif f.type == "table":
            for i, row in enumerate(value):
                for col in f.spec.columns():
                    if col.type == "person" and row.get(col.key) is not None:
                        persons(
                            col,
                            row[col.key],
                            f"{f.key}[{i}].{col.key}",
                            f"{f.label}第{i + 1}行的{col.label}",
                        )
    problems.raise_if_any()


def _store_attachments(
    ctx: Ctx, info: RegisterTypeInfo, rec: RegisterRecord, values: dict[str, Any]
) -> None:
    """Write new files, keep referenced ones, tombstone the ones the edit removed."""
    s = ctx.session
    kept: set[str] = set()
    for f in info.editable_fields:
        if f.type != "attachment" or f.key not in values:
            continue
        stored: list[dict[str, Any]] = []
        for item in values[f.key]:
            if isinstance(item, NewFile):
                att = RegisterAttachment(
                    record_id=rec.id,
                    field_key=f.key,
                    file_name=clean(item.name)[:200],
                    mime=item.mime or mimetypes.guess_type(item.name)[0] or "",
                    size=item.size,
                    sha256=hashlib.sha256(item.content).hexdigest(),
                    content=item.content,
                )
                s.add(att)
                s.flush()
                stored.append(
                    {
                        "id": att.id,
                        "name": att.file_name,
                        "size": att.size,
                        "mime": att.mime,
                        "sha256": att.sha256,
                    }
                )
            else:
                stored.append(dict(item))
            kept.add(stored[-1]["id"])
        values[f.key] = stored
    for att in s.scalars(
        select(RegisterAttachment).where(
            RegisterAttachment.record_id == rec.id, RegisterAttachment.deleted_at.is_(None)
        )
    ):
        if att.id not in kept:
            att.deleted_at = ctx.now()


def _apply_index(
    ctx: Ctx, info: RegisterTypeInfo, rec: RegisterRecord, values: Mapping[str, Any]
) -> None:
    specs = info.specs
    idx = rr.indexed_columns(specs, values)
    rec.record_date = idx.record_date or rec.record_date or ctx.today()
    rec.date_end = idx.date_end
    rec.period_key = rr.period_key(info.period, rec.record_date)
    codes = CodeBook(ctx.session)
    title = idx.title
    if not title:
        first_text = next(
            (f for f in info.active_fields if f.type in ("text", "person") and values.get(f.key)),
            None,
        )
        title = (
            rr.display_value(first_text.spec, values.get(first_text.key))[:200]
            if first_text
            else ""
        )
    rec.title = title.replace("\n", " ")[:200]
    words = [rr.search_words(f.spec, values.get(f.key), codes.label) for f in info.active_fields]
    rec.search_text = " ".join(w.replace("\n", " ") for w in words if w)[:4000]
    rec.is_urgent = idx.is_urgent
    rec.occurred_at = idx.occurred_at
    rec.reported_at = idx.reported_at
    rec.report_late = rr.report_is_late(idx.is_urgent, idx.occurred_at, idx.reported_at, ctx.now())


def _own_type(ctx: Ctx, info: RegisterTypeInfo) -> None:
    if not info.is_own:
        raise ConflictError(
            f"台账“{info.name}”由{info.station_name}定义，只能由该单位登记；请在本站的同名台账中登记"
        )
    if not info.active:
        raise WorkflowError(f"台账“{info.name}”已停用，请先在“管理台账类型”中启用")


def _load_record(ctx: Ctx, record_id: str) -> RegisterRecord:
    rec = ctx.session.get(RegisterRecord, record_id)
    if rec is None:
        raise NotFoundError("找不到该台账记录")
    if rec.deleted_at is not None:
        raise WorkflowError("该记录已作废，不能修改")
    if rec.origin != ctx.station_code:
        raise ConflictError(f"该记录由工作站 {rec.origin} 登记，只能由登记单位修改")
    return rec


def _warnings(info: RegisterTypeInfo, rec: RegisterRecord) -> list[str]:
    out: list[str] = []
    if rec.is_urgent and rec.occurred_at is not None:
        if rec.reported_at is None:
            out.append("紧急信息须在事发后1小时内报送，报送后请补填报送时间")
        elif rec.report_late:
            minutes = int((rec.reported_at - rec.occurred_at).total_seconds() // 60)
            out.append(
                f"紧急信息应在事发后1小时内报送，本条在事发后{minutes}分钟报送，已标记超时报送"
            )
    return out


def save_record(
    ctx: Ctx,
    type_ref: str,
    raw: Mapping[str, Any],
    *,
    record_id: str | None = None,
    ref_id: str | None = None,
    partial: bool = False,
) -> Saved[RecordRow]:
    """Add (no ``record_id``) or edit a record. Values are keyed by field key or label.

    Every value is validated by type first; one :class:`ValidationError` names each bad field
    and nothing is written. ``partial`` keeps stored values for fields not given (CLI edits).
    For the transfer-notice register ``ref_id`` is the visit the tracking belongs to.
    """
    ctx.require("register.edit")
    info = get_type(ctx, type_ref)
    _own_type(ctx, info)
    if info.source == "dispute_ledger":
        raise WorkflowError(
            f"“{info.name}”由矛盾纠纷台账自动生成，请在“矛盾纠纷”中登记或办理，本表随之更新"
        )
    rec: RegisterRecord | None = None
    if record_id and not record_id.startswith("visit:"):
        rec = _load_record(ctx, record_id)
        if rec.type_id != info.id:
            raise ValidationError.single("type", "台账", "与记录不符", "请在记录所属的台账中修改")
    elif record_id:
        ref_id = record_id.split(":", 1)[1]
    context: dict[str, Any] = {}
    if info.source == "visit_transfers":
        visit_id = ref_id or (rec.ref_id if rec is not None else None)
        if not visit_id:
            raise WorkflowError("转办通知由来信来访台账中的转办、交办生成，请先在“来信来访”中转办")
        visit = _transfer_visit(ctx, visit_id)
        ref_id = visit.id
        if rec is None:
            existing = _tracking_for(ctx, [visit]).get(visit.id)
            if existing is not None and existing.origin == ctx.station_code:
                rec = existing
        context = _transfer_computed(ctx, visit, {})
    elif ref_id:
        raise ValidationError.single("ref_id", "关联记录", "本台账不关联其他记录", "请去掉关联")
    raw_values = _coerce_raw(info, raw)
    stored = _loads(rec.data) if rec is not None else {}
    if partial and rec is not None:
        editable = {f.key for f in info.editable_fields}
        raw_values = {**{k: v for k, v in stored.items() if k in editable}, **raw_values}
    values = rr.normalize_values(
        info.specs,
        raw_values,
        today=ctx.today(),
        now=ctx.now(),
        choices=_Choices(ctx.session),
        context=context,
    )
    _check_references(ctx, info, values, rec)
    extra: dict[str, Any] = {}
    if info.source == "monthly_stats":
        extra = _bulletin_extra(ctx, info, values, rec, stored)
    with ctx.write() as s:
        if rec is None:
            rec = RegisterRecord(
                type_id=info.id,
                ref_type="visit" if info.source == "visit_transfers" else "",
                ref_id=ref_id,
            )
            s.add(rec)
            s.flush()
        _store_attachments(ctx, info, rec, values)
        values.update(extra)
        rec.data = _dumps(values)
        _apply_index(ctx, info, rec, values)
        if info.source == "visit_transfers":
            rec.title = str(context.get("subject", ""))[:200]
            rec.record_date = (
                date.fromisoformat(context["transferred_on"])
                if context.get("transferred_on")
                else rec.record_date
            )
            rec.period_key = rr.period_key(info.period, rec.record_date)
    return Saved(get_record(ctx, rec.id), _warnings(info, rec))


def add_record(ctx: Ctx, type_ref: str, raw: Mapping[str, Any]) -> Saved[RecordRow]:
    return save_record(ctx, type_ref, raw)


def update_record(
    ctx: Ctx, record_id: str, raw: Mapping[str, Any], *, partial: bool = False
) -> Saved[RecordRow]:
    if record_id.startswith("visit:"):
        info = get_type_by_source(ctx, "visit_transfers")
        return save_record(ctx, info.id, raw, record_id=record_id, partial=partial)
    rec = ctx.session.get(RegisterRecord, record_id)
    if rec is None:
        raise NotFoundError("找不到该台账记录")
    return save_record(ctx, rec.type_id, raw, record_id=record_id, partial=partial)


def void_record(ctx: Ctx, record_id: str, reason: str) -> RecordRow:
    """作废: the record stays (tombstone) with who, when and why."""
    ctx.require("register.edit")
    if record_id.startswith(("dispute:", "visit:")):
        raise WorkflowError("该行由台账自动生成，不能作废；请在来信来访或矛盾纠纷中处理原件")
    rec = _load_record(ctx, record_id)
    reason = clean(reason)
    if not reason:
        raise ValidationError.single(
            "reason", "作废原因", "不能为空", "请写明作废原因（如重复登记）"
        )
    with ctx.write():
        rec.deleted_at = ctx.now()
        rec.void_reason = reason
    return get_record(ctx, rec.id)


@dataclass(frozen=True)
class AttachmentFile:
    name: str
    mime: str
    content: bytes


def read_attachment(ctx: Ctx, attachment_id: str) -> AttachmentFile:
    att = ctx.session.get(RegisterAttachment, attachment_id)
    if att is None:
        raise NotFoundError("找不到该附件")
    return AttachmentFile(att.file_name, att.mime, att.content)


def new_record_defaults(ctx: Ctx, type_ref: str) -> dict[str, Any]:
    """Starting values for a new record (today, the operator, the usual choice)."""
    info = get_type(ctx, type_ref)
    today = ctx.today()
    out: dict[str, Any] = {}
    for f in info.editable_fields:
        d = f.options.get("default")
        if d is None:
            continue
        if d == "today":
            out[f.key] = today.isoformat()
        elif d == "now":
            out[f.key] = rr.format_local_datetime(ctx.now())
        elif d == "operator":
            person = {"name": ctx.operator.display_name, "person_id": None}
            out[f.key] = [person] if f.options.get("multiple") else person
        elif d == "this_year":
            out[f.key] = today.year
        elif d == "this_month":
            out[f.key] = f"{today.year:04d}-{today.month:02d}"
        else:
            out[f.key] = d
    return out


# --- 月通报 ----------------------------------------------------------------------------------


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def stats_summary(stats: Mapping[str, Any]) -> str:
    """The figures of a month as one paragraph (stored with the bulletin as issued)."""
    v, d = stats["visits"], stats["disputes"]
    if stats.get("zero_report"):
        return f"{stats['period']}无新增来信来访和矛盾纠纷，零报告。"
    parts = [
        f"受理来信来访{v['total']}件（集体访{v['group']}件、重复访{v['repeat']}件、越级访{v['skip_level']}件）",
        f"排查受理矛盾纠纷{d['total']}件，调解{d['mediated']}件，调解成功{d['succeeded']}件，"
        f"调解成功率{_pct(d['success_rate'])}",
    ]
    if d.get("agreement_amount_yuan"):
        parts.append(f"协议涉及金额{format_yuan(d['agreement_amount_yuan'])}")
    if d.get("prevented_criminal") or d.get("prevented_group_petition"):
        parts.append(
            f"防止民转刑案件{d.get('prevented_criminal', 0)}件、防止群体性上访{d.get('prevented_group_petition', 0)}件"
        )
    if v.get("overdue") or d.get("overdue"):
        parts.append(
            f"截至{stats['as_of']}，超期未办结信访件{v['overdue']}件、纠纷{d['overdue']}件"
        )
    return f"{stats['period']}，" + "；".join(parts) + "。"


def default_narrative(station_name: str, stats: Mapping[str, Any]) -> str:
    v, d = stats["visits"], stats["disputes"]
    lines = ["一、基本情况", stats_summary(stats)]
    if d["by_category"]:
        top = sorted(d["by_category"].items(), key=lambda kv: -kv[1])[:3]
        lines.append("纠纷类型以" + "、".join(f"{k}（{n}件）" for k, n in top) + "为主。")
    if v["by_category"]:
        top = sorted(v["by_category"].items(), key=lambda kv: -kv[1])[:3]
        lines.append("信访反映的问题主要集中在" + "、".join(f"{k}（{n}件）" for k, n in top) + "。")
    lines.append("二、工作要求")
    reqs = ["继续坚持矛盾纠纷定期排查，做到早发现、早报告、早化解，努力把矛盾纠纷化解在基层。"]
    if v.get("overdue") or d.get("overdue"):
        reqs.append(
            f"对超期未办结的信访件{v['overdue']}件、纠纷{d['overdue']}件，承办人员要逐件说明原因，限期办结。"
        )
    if v.get("group") or v.get("repeat"):
        reqs.append("对集体访、重复访要落实包案责任，做好稳控和回访工作。")
    reqs.append("紧急情况须在事发后1小时内报告，不得迟报、漏报、瞒报。")
    lines += [f"（{i}）{r}" for i, r in enumerate(reqs, 1)]
    lines.append(f"{station_name}")
    return "\n".join(lines)


def _bulletin_extra(
    ctx: Ctx,
    info: RegisterTypeInfo,
    values: Mapping[str, Any],
    rec: RegisterRecord | None,
    stored: Mapping[str, Any],
) -> dict[str, Any]:
    """The stats snapshot of a 月通报; one bulletin per month."""
    from .stats import compute

    month = str(values["month"])
    clash = ctx.session.scalars(
        select(RegisterRecord.id).where(
            RegisterRecord.type_id == info.id,
            RegisterRecord.period_key == month,
            RegisterRecord.deleted_at.is_(None),
            RegisterRecord.id != (rec.id if rec is not None else ""),
        )
    ).first()
    if clash is not None:
        raise ValidationError.single(
            "month",
            "通报月份",
            f"{rr.period_label('monthly', month)}的月通报已存在",
            "请打开原通报修改",
        )
    if rec is not None and stored.get("month") == month and stored.get("_stats"):
        return {"_stats": stored["_stats"], "stats_summary": stored.get("stats_summary", "")}
    stats = compute(ctx, month)
    return {"_stats": stats, "stats_summary": stats_summary(stats)}


def generate_bulletin(ctx: Ctx, month: str, *, refresh: bool = False) -> Saved[RecordRow]:
    """月通报 for ``month`` (YYYY-MM): create it from the month's statistics with a drafted
    narrative, or return the existing one; ``refresh`` re-takes the figures, keeping the text."""
    from .stats import Period, compute

    ctx.require("register.edit")
    info = get_type_by_source(ctx, "monthly_stats")
    _own_type(ctx, info)
    period = Period.month(month)
    assert period.start is not None
    if period.start > ctx.today():
        raise ValidationError.single(
            "month", "通报月份", f"{period.label}尚未到来", "请选择已过去或当前的月份"
        )
    key = f"{period.start.year:04d}-{period.start.month:02d}"
    rec = ctx.session.scalars(
        select(RegisterRecord).where(
            RegisterRecord.type_id == info.id,
            RegisterRecord.period_key == key,
            RegisterRecord.deleted_at.is_(None),
        )
    ).first()
    if rec is not None:
        if rec.origin != ctx.station_code:
            raise ConflictError("该月通报由其他工作站登记")
        if not refresh:
            return Saved(get_record(ctx, rec.id), ["该月的月通报已存在，已打开原通报"])
        stats = compute(ctx, key)
        values = _loads(rec.data)
        values["_stats"] = stats
        values["stats_summary"] = stats_summary(stats)
        with ctx.write():
            rec.data = _dumps(values)
            _apply_index(ctx, info, rec, values)
        return Saved(get_record(ctx, rec.id), ["已按最新台账数据更新统计数字，通报正文未改动"])
    stats = compute(ctx, key)
    issue_no = (
        int(
            ctx.session.scalar(
                select(func.count()).where(
                    RegisterRecord.type_id == info.id,
                    RegisterRecord.period_key.like(f"{period.start.year:04d}-%"),
                    RegisterRecord.deleted_at.is_(None),
                )
            )
            or 0
        )
        + 1
    )
    raw = {
        "month": key,
        "issue_no": issue_no,
        "title": f"{ctx.station.name}{period.label}综治维稳工作通报",
        "narrative": default_narrative(ctx.station.name, stats),
    }
    saved = save_record(ctx, info.id, raw)
    if stats.get("zero_report"):
        saved.warnings.append("本月无新增事项，已生成零报告")
    return saved


def bulletin_stats(row: RecordRow) -> dict[str, Any]:
    """The statistics snapshot a 月通报 was generated from (for its printed form)."""
    stats = row.values.get("_stats")
    return dict(stats) if isinstance(stats, Mapping) else {}


# --- meeting decisions for the dashboard --------------------------------------------------------


@dataclass(frozen=True)
class DueDecision:
    record_id: str
    register_name: str
    meeting_on: date | None
    meeting_title: str
    index: int  # row in the decisions table (0-based)
    content: str
    owner: str
    due_on: date
    days_left: int

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def deadline_label(self) -> str:
        if self.days_left < 0:
            return f"超期{-self.days_left}天"
        if self.days_left == 0:
            return "今日到期"
        return f"剩{self.days_left}天"


def _decision_tables(ctx: Ctx) -> list[tuple[RegisterTypeInfo, FieldInfo]]:
    out = []
    for info in list_types(ctx):
        if not info.is_own:
            continue
        for f in info.active_fields:
            if f.type == "table" and f.options.get("tracks_due"):
                out.append((info, f))
    return out


def due_decisions(ctx: Ctx, within_days: int = 7) -> list[DueDecision]:
    """Open meeting decisions (not done) due within ``within_days`` or overdue, soonest first."""
    today = ctx.today()
    horizon = today + timedelta(days=within_days)
    out: list[DueDecision] = []
    for info, f in _decision_tables(ctx):
        recs = ctx.session.scalars(
            select(RegisterRecord).where(
                RegisterRecord.type_id == info.id, RegisterRecord.deleted_at.is_(None)
            )
        ).all()
        for rec in recs:
            values = _loads(rec.data)
            for i, row in enumerate(values.get(f.key) or []):
                if row.get("done") or not row.get("due_on"):
                    continue
                due = date.fromisoformat(row["due_on"])
                if due > horizon:
                    continue
                owner = row.get("owner") or {}
                out.append(
                    DueDecision(
                        record_id=rec.id,
                        register_name=info.name,
                        meeting_on=rec.record_date,
                        meeting_title=rec.title,
                        index=i,
                        content=str(row.get("content", "")),
                        owner=str(owner.get("name", "")) if isinstance(owner, Mapping) else "",
                        due_on=due,
                        days_left=(due - today).days,
                    )
                )
    out.sort(key=lambda d: (d.due_on, d.meeting_on or date.min, d.index))
    return out


def complete_decision(ctx: Ctx, record_id: str, index: int, result: str = "") -> RecordRow:
    """Mark one meeting decision done (from the dashboard), with what was done."""
    ctx.require("register.edit")
    rec = _load_record(ctx, record_id)
    t = ctx.session.get(RegisterType, rec.type_id)
    assert t is not None
    info = _info(ctx, t)
    f = next(
        (f for f in info.active_fields if f.type == "table" and f.options.get("tracks_due")), None
    )
    values = _loads(rec.data)
    rows = list(values.get(f.key) or []) if f is not None else []
    if f is None or not 0 <= index < len(rows):
        raise NotFoundError("找不到该议定事项")
    rows[index] = {**rows[index], "done": True}
    if clean_multiline(result):
        rows[index]["result"] = clean(result)
    return update_record(ctx, rec.id, {f.key: rows}, partial=True).record


# --- 综治维稳工作信息: urgency ----------------------------------------------------------------


@dataclass(frozen=True)
class ReportAlert:
    record_id: str
    title: str
    occurred_at: datetime
    reported_at: datetime | None
    late: bool

    @property
    def label(self) -> str:
        if self.reported_at is None:
            return "超过1小时未报送" if self.late else "紧急信息待报送"
        return "超时报送" if self.late else "已按时报送"


def report_alerts(ctx: Ctx, days: int = 7) -> list[ReportAlert]:
    """Urgent information of the last ``days`` that is unreported or was reported late."""
    since = ctx.now() - timedelta(days=days)
    recs = ctx.session.scalars(
        select(RegisterRecord)
        .where(
            RegisterRecord.is_urgent,
            RegisterRecord.deleted_at.is_(None),
            RegisterRecord.origin == ctx.station_code,
            RegisterRecord.occurred_at >= since,
        )
        .order_by(RegisterRecord.occurred_at.desc())
    ).all()
    out = []
    for rec in recs:
        assert rec.occurred_at is not None
        late = rr.report_is_late(True, rec.occurred_at, rec.reported_at, ctx.now())
        if rec.reported_at is None or late:
            out.append(ReportAlert(rec.id, rec.title, rec.occurred_at, rec.reported_at, late))
    return out


def urgent_record_ids(session: Session, after_rev: int = 0) -> list[str]:
    """Changed urgent records (rev > ``after_rev``), for putting them first in the sync queue."""
    return list(
        session.scalars(
            select(RegisterRecord.id)
            .where(RegisterRecord.is_urgent, RegisterRecord.rev > after_rev)
            .order_by(RegisterRecord.rev)
        )
    )


# --- printing ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Printout:
    """Everything the landscape table helper needs for one register printout."""

    title: str
    subtitle: str
    columns: list[PrintColumn]
    rows: list[list[str]]
    landscape: bool
    file_stem: str


class _Blank(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def printout(
    ctx: Ctx, type_ref: str, start: date | None = None, end: date | None = None
) -> Printout:
    """The register's rows in [start, end] (oldest first) laid out by the type's print layout.
    ID numbers and phones are masked unless the operator may see them."""
    info = get_type(ctx, type_ref)
    page = list_records(ctx, info.id, RecordFilter(start=start, end=end, ascending=True))
    cols = info.print_columns()
    codes = CodeBook(ctx.session)
    show_id = ctx.can("id_number.view")
    show_phone = ctx.can("phone.view")
    rows: list[list[str]] = []
    for i, row in enumerate(page.rows, 1):
        cells = []
        for c in cols:
            f = info.field(c.key)
            text = rr.display_value(
                f.spec,
                row.values.get(c.key),
                choice_label=codes.label,
                show_id=show_id,
                multiline=True,
                show_phone=show_phone,
            )
            cells.append(text)
        rows.append([str(i), *cells])
    period = (
        rr.range_label(start, end)
        if start is not None or end is not None
        else f"截至{format_cn_date(ctx.today())}"
    )
    names = _Blank(
        station=info.station_name if not info.is_own else ctx.station.name,
        name=info.name,
        period=period,
        year=str((start or end or ctx.today()).year),
    )
    title = str(info.layout.get("title") or "{station}{name}").format_map(names)
    subtitle_tpl = str(info.layout.get("subtitle") or "{period}")
    subtitle = subtitle_tpl.format_map(names)
    subtitle = f"{subtitle}    共{len(rows)}条    打印日期：{format_cn_date(ctx.today())}".strip()
    stem = f"{info.name}_{period}".replace("/", "-").replace(" ", "")
    return Printout(
        title=title,
        subtitle=subtitle,
        columns=[PrintColumn("_seq", "序号", 10), *cols],
        rows=rows,
        landscape=info.landscape,
        file_stem=stem,
    )


def default_print_range(info: RegisterTypeInfo, today: date) -> tuple[date | None, date | None]:
    """The current period of a register (this month for monthly ones; all for none)."""
    if info.period == "none":
        return None, None
    key = rr.period_key(info.period, today)
    return rr.period_bounds(info.period, key)


# --- local types and fields (station admin) ---------------------------------------------------


@dataclass
class TypeInput:
    name: str = ""
    period: str = "monthly"
    description: str = ""
    orientation: str = "landscape"


@dataclass
class FieldInput:
    label: str = ""
    type: str = "text"
    required: bool = False
    help: str = ""
    show_in_list: bool = True
    in_print: bool = True
    code_table: str = ""
    choices: list[str] = field(default_factory=list)
    min: float | int | None = None
    max: float | int | None = None
    decimals: int = 0
    unit: str = ""
    future: bool = False
    open_end: bool = False
    multiple: bool = False
    index_as: str = ""


def _check_type_input(ctx: Ctx, data: TypeInput, exclude_id: str | None) -> tuple[str, str]:
    problems = Problems()
    name = ""
    try:
        name = rr.check_label(data.name, "name", "台账名称")
    except ValidationError as e:
        problems.extend(e)
    if name:
        if len(name) > 30:
            problems.add("name", "台账名称", "不超过30个字", "请使用简称")
        clash = ctx.session.scalars(
            select(RegisterType.id).where(
                RegisterType.origin == ctx.station_code,
                RegisterType.name == name,
                RegisterType.deleted_at.is_(None),
                RegisterType.id != (exclude_id or ""),
            )
        ).first()
        if clash is not None:
            problems.add("name", "台账名称", f"“{name}”已存在", "请换一个名称")
    if data.period not in rr.PERIODS:
        problems.add(
            "period", "登记周期", f"“{data.period}”无效", "可选：" + "、".join(rr.PERIODS.values())
        )
    if data.orientation not in ("landscape", "portrait"):
        problems.add("orientation", "打印方向", "无效", "请选择横向或纵向")
    desc = clean_multiline(data.description)
    if len(desc) > 500:
        problems.add("description", "说明", "不超过500个字", "请精简")
    problems.raise_if_any()
    return name, desc


def add_type(ctx: Ctx, data: TypeInput) -> RegisterTypeInfo:
    """A station's own register (e.g. 值班记录), to which fields are then added."""
    ctx.require("settings.manage")
    name, desc = _check_type_input(ctx, data, None)
    taken = set(ctx.session.scalars(select(RegisterType.key))) | set(shipped_presets())
    last = ctx.session.scalar(
        select(func.max(RegisterType.sort_order)).where(RegisterType.origin == ctx.station_code)
    )
    with ctx.write() as s:
        t = RegisterType(
            key=rr.make_key(name, taken, prefix="local"),
            name=name,
            description=desc,
            period=data.period,
            source="",
            print_layout=_dumps(
                {
                    "orientation": data.orientation,
                    "title": "{station}{name}",
                    "subtitle": "{period}",
                    "columns": [],
                }
            ),
            preset_key="",
            preset_version=0,
            sort_order=max(int(last or 0), 1000) + 10,
            active=True,
        )
        s.add(t)
    return _info(ctx, t)


def update_type(ctx: Ctx, type_id: str, data: TypeInput) -> RegisterTypeInfo:
    """Rename a register, change its period, description or print orientation."""
    ctx.require("settings.manage")
    t = _type_row(ctx, type_id)
    info = _info(ctx, t)
    _own_type_for_admin(info)
    name, desc = _check_type_input(ctx, data, t.id)
    if t.source and data.period != t.period:
        raise ValidationError.single(
            "period", "登记周期", "由台账生成的登记表不能改周期", "请保持原周期"
        )
    layout = dict(info.layout)
    layout["orientation"] = data.orientation
    with ctx.write():
        t.name, t.description, t.period = name, desc, data.period
        t.print_layout = _dumps(layout)
        if data.period != info.period:
            for rec in ctx.session.scalars(
                select(RegisterRecord).where(RegisterRecord.type_id == t.id)
            ):
                rec.period_key = rr.period_key(data.period, rec.record_date)
    return _info(ctx, t)


def set_type_active(ctx: Ctx, type_id: str, active: bool) -> RegisterTypeInfo:
    """停用 / 启用 a register: a retired register disappears from the list; records stay."""
    ctx.require("settings.manage")
    t = _type_row(ctx, type_id)
    _own_type_for_admin(_info(ctx, t))
    with ctx.write():
        t.active = active
    return _info(ctx, t)


def _own_type_for_admin(info: RegisterTypeInfo) -> None:
    if not info.is_own:
        raise ConflictError(f"台账“{info.name}”由{info.station_name}定义，只能由该单位修改")


def _field_options(data: FieldInput) -> dict[str, Any]:
    opts: dict[str, Any] = {}
    if data.type == "choice":
        if clean(data.code_table):
            opts["code_table"] = clean(data.code_table)
        else:
            opts["choices"] = [clean(c) for c in data.choices if clean(c)]
    if data.type == "number":
        if data.min is not None:
            opts["min"] = data.min
        if data.max is not None:
            opts["max"] = data.max
        if data.decimals:
            opts["decimals"] = data.decimals
        if clean(data.unit):
            opts["unit"] = clean(data.unit)
    if data.type in ("date", "datetime", "date_range", "month") and data.future:
        opts["future"] = True
    if data.type == "date_range" and data.open_end:
        opts["open_end"] = True
    if data.type == "person" and data.multiple:
        opts["multiple"] = True
    return opts


def add_field(ctx: Ctx, type_ref: str, data: FieldInput) -> FieldInfo:
    """A local field (栏目) on a register; new records are validated against it at once."""
    ctx.require("settings.manage")
    t = _type_row(ctx, type_ref)
    info = _info(ctx, t)
    _own_type_for_admin(info)
    if not info.can_add_fields:
        raise WorkflowError(f"“{info.name}”由矛盾纠纷台账自动生成，不能添加栏目")
    opts = _field_options(data)
    known_tables = [name for name, _ in code_tables(ctx)]
    rr.check_field_definition(data.label, data.type, opts, known_code_tables=known_tables)
    label = clean(data.label)
    if any(f.label == label for f in info.fields):
        raise ValidationError.single("label", "栏目名称", f"“{label}”已存在", "请换一个名称")
    if clean(data.help) and len(clean(data.help)) > 200:
        raise ValidationError.single("help", "填写说明", "不超过200个字", "请精简")
    index_as = data.index_as
    if index_as not in rr.INDEX_ROLES:
        raise ValidationError.single("index_as", "用途", "无效", "请留空")
    roles = {f.index_as for f in info.active_fields if f.index_as}
    if not index_as:
        if data.type in ("date", "date_range", "month") and "date" not in roles:
            index_as = "date"
        elif data.type == "text" and "title" not in roles:
            index_as = "title"
    order = max((f.sort_order for f in info.fields), default=0) + 10
    with ctx.write() as s:
        fld = RegisterField(
            type_id=t.id,
            key=rr.make_key(label, [f.key for f in info.fields]),
            label=label,
            field_type=data.type,
            required=bool(data.required),
            options=_dumps(opts),
            index_as=index_as,
            help=clean(data.help),
            show_in_list=bool(data.show_in_list),
            sort_order=order,
            active=True,
            is_local=True,
        )
        s.add(fld)
        s.flush()
        layout = dict(info.layout)
        columns = list(layout.get("columns", ()))
        if data.in_print and columns:  # an empty layout already prints every listed field
            columns.append({"field": fld.key, "width": DEFAULT_WIDTHS.get(data.type, 25)})
            layout["columns"] = columns
            t.print_layout = _dumps(layout)
    return next(f for f in _info(ctx, t).fields if f.id == fld.id)


def update_field(ctx: Ctx, field_id: str, data: FieldInput) -> FieldInfo:
    """Change a local field's label, requiredness, help, list/print visibility or options.
    Its type cannot change once records exist (their values were validated as that type)."""
    ctx.require("settings.manage")
    fld = ctx.session.get(RegisterField, field_id)
    if fld is None or fld.deleted_at is not None:
        raise NotFoundError("找不到该栏目")
    t = ctx.session.get(RegisterType, fld.type_id)
    assert t is not None
    info = _info(ctx, t)
    _own_type_for_admin(info)
    if not fld.is_local:
        # preset fields: only visibility in the list may change (the preset defines the rest)
        with ctx.write():
            fld.show_in_list = bool(data.show_in_list)
        return next(f for f in _info(ctx, t).fields if f.id == fld.id)
    opts = {**_loads(fld.options), **_field_options(data)}
    known_tables = [name for name, _ in code_tables(ctx)]
    rr.check_field_definition(data.label, data.type, opts, known_code_tables=known_tables)
    label = clean(data.label)
    if any(f.label == label and f.id != fld.id for f in info.fields):
        raise ValidationError.single("label", "栏目名称", f"“{label}”已存在", "请换一个名称")
    if data.type != fld.field_type:
        used = ctx.session.scalars(
            select(RegisterRecord.id).where(
                RegisterRecord.type_id == t.id, RegisterRecord.data.like(f'%"{fld.key}":%')
            )
        ).first()
        if used is not None:
            raise ValidationError.single(
                "type", "栏目类型", "已有记录填写了该栏目，不能改类型", "可停用该栏目后新增一个栏目"
            )
    with ctx.write():
        fld.label = label
        fld.field_type = data.type
        fld.required = bool(data.required)
        fld.help = clean(data.help)
        fld.show_in_list = bool(data.show_in_list)
        fld.options = _dumps(opts)
    return next(f for f in _info(ctx, t).fields if f.id == fld.id)


def set_field_active(ctx: Ctx, field_id: str, active: bool) -> FieldInfo:
    """停用 a field (hidden from forms and lists; stored values are kept) or 启用 it again."""
    ctx.require("settings.manage")
    fld = ctx.session.get(RegisterField, field_id)
    if fld is None or fld.deleted_at is not None:
        raise NotFoundError("找不到该栏目")
    t = ctx.session.get(RegisterType, fld.type_id)
    assert t is not None
    _own_type_for_admin(_info(ctx, t))
    if not fld.is_local and not active:
        raise WorkflowError("预设栏目不能停用；如不需要显示，可取消“在列表中显示”")
    with ctx.write():
        fld.active = active
    return next(f for f in _info(ctx, t).fields if f.id == fld.id)


def move_field(ctx: Ctx, field_id: str, step: int) -> RegisterTypeInfo:
    """Move a field up (step < 0) or down in the form and list order."""
    ctx.require("settings.manage")
    fld = ctx.session.get(RegisterField, field_id)
    if fld is None:
        raise NotFoundError("找不到该栏目")
    t = ctx.session.get(RegisterType, fld.type_id)
    assert t is not None
    info = _info(ctx, t)
    _own_type_for_admin(info)
    ids = [f.id for f in info.fields]
    i = ids.index(fld.id)
    j = max(0, min(len(ids) - 1, i + step))
    if i == j:
        return info
    ids.insert(j, ids.pop(i))
    with ctx.write() as s:
        for n, fid in enumerate(ids, 1):
            row = s.get(RegisterField, fid)
            assert row is not None
            if row.sort_order != n * 10:
                row.sort_order = n * 10
    return _info(ctx, t)


def export_rows(ctx: Ctx, type_ref: str, flt: RecordFilter | None = None) -> list[dict[str, Any]]:
    """Rows as plain dicts (for ``--json``): id, date, flags and each field's display text."""
    info = get_type(ctx, type_ref)
    out = []
    for row in list_records(ctx, info.id, flt).rows:
        out.append(
            {
                "id": row.id,
                "date": row.record_date.isoformat() if row.record_date else None,
                "title": row.title,
                "origin": row.origin,
                "voided": row.voided,
                "flags": row.flags,
                "fields": {f.label: row.display.get(f.key, "") for f in info.active_fields},
            }
        )
    return out


def type_summary(info: RegisterTypeInfo) -> dict[str, Any]:
    return {
        "id": info.id,
        "key": info.key,
        "name": info.name,
        "period": info.period,
        "period_label": info.period_label,
        "source": info.source_label,
        "origin": info.origin,
        "station": info.station_name,
        "preset": info.is_preset,
        "active": info.active,
        "fields": [
            {
                "key": f.key,
                "label": f.label,
                "type": f.type,
                "type_label": f.type_label,
                "required": f.required,
                "local": f.is_local,
                "active": f.active,
            }
            for f in info.fields
        ],
    }


@dataclass(frozen=True)
class PersonSuggestion:
    id: str
    name: str
    hint: str  # gender, birth year, masked phone: enough to tell namesakes apart


def person_suggestions(ctx: Ctx, text: str, limit: int = 12) -> list[PersonSuggestion]:
    """Known people for a person field's autocomplete (name, pinyin initials, ID, phone)."""
    from app.rules.text import mask_phone

    from .persons import search_persons

    out = []
    for p in search_persons(ctx.session, text, limit):
        parts = [p.gender, f"{p.birth_date.year}年生" if p.birth_date else "", mask_phone(p.phone)]
        out.append(PersonSuggestion(p.id, p.name, " ".join(x for x in parts if x)))
    return out


def iter_types_with_records(ctx: Ctx) -> Iterable[tuple[RegisterTypeInfo, int]]:
    """Each register with its number of live records (the type list's counts)."""
    counts = dict(
        ctx.session.execute(
            select(RegisterRecord.type_id, func.count())
            .where(RegisterRecord.deleted_at.is_(None))
            .group_by(RegisterRecord.type_id)
        ).all()
    )
    for info in list_types(ctx):
        yield info, int(counts.get(info.id, 0))


__all__ = [
    "AttachmentFile",
    "AttachmentInfo",
    "DueDecision",
    "FieldInfo",
    "FieldInput",
    "NewFile",
    "PersonSuggestion",
    "PrintColumn",
    "Printout",
    "RecordFilter",
    "RecordPage",
    "RecordRow",
    "RegisterTypeInfo",
    "ReportAlert",
    "TypeInput",
    "add_field",
    "add_record",
    "add_type",
    "bulletin_stats",
    "choice_options",
    "code_tables",
    "complete_decision",
    "default_print_range",
    "due_decisions",
    "export_rows",
    "file_from_path",
    "generate_bulletin",
    "get_record",
    "get_type",
    "list_records",
    "list_types",
    "move_field",
    "new_record_defaults",
    "person_suggestions",
    "printout",
    "read_attachment",
    "report_alerts",
    "save_record",
    "seed_register_presets",
    "set_field_active",
    "set_type_active",
    "update_field",
    "update_record",
    "update_type",
    "urgent_record_ids",
    "void_record",
]
