"""月通报 as issued: a 月通报 register record printed with its own frozen figures, its edited
narrative and issue number (the live statistics can have moved on since it was issued)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from app.models import Station
from app.rules.errors import NotFoundError
from app.services.context import Ctx
from app.services.registers import bulletin_stats, get_record, get_type
from app.services.stats import compute

from ..spec import FormSpec
from .month_report import bulletin_pdf


def _is_bulletin(ctx: Ctx, row: Any) -> bool:
    return get_type(ctx, row.type_id).source == "monthly_stats"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    row = get_record(ctx, ref.strip())
    if not _is_bulletin(ctx, row):
        raise NotFoundError("该记录不是月通报，请在“月通报”台账中选择一期通报")
    stats = bulletin_stats(row) or compute(ctx, str(row.values.get("month") or "") or None)
    parent = ""
    if ctx.station.parent_code:
        p = ctx.session.get(Station, ctx.station.parent_code)
        parent = p.name if p is not None else ""
    issue = row.values.get("issue_no")
    issued = row.record_date if isinstance(row.record_date, date) else ctx.today()
    return bulletin_pdf(
        stats,
        str(row.values.get("narrative") or ""),
        station_name=ctx.station.name,
        title=str(row.values.get("title") or "") or None,
        issue_no=int(issue) if issue else None,
        issued_on=issued,
        issuer=str(options.get("issuer") or row.values.get("issuer") or ""),
        report_to=parent,
    )


SPEC = FormSpec(
    key="bulletin",
    title="月通报（已印发）",
    kind="register_record",
    build=build,
    description="按“月通报”台账中的一期通报打印：印发时的统计数据、编辑后的正文和期号",
)
