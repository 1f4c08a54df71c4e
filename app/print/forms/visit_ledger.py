"""来信来访登记台账 — the visit ledger for a period (landscape; ID numbers masked per role;
restricted petitions listed without their content for roles that may not see them)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from app.models import Visit
from app.rules.dates import format_cn_date
from app.rules.workflow import VISIT
from app.services.codes import CodeBook
from app.services.context import Ctx

from .. import data
from ..spec import FormSpec
from ..table import TableColumn, parse_period, render_table

TITLE = "来信来访登记台账"
METHODS = {"on_spot": "当场答复", "self": "自行办理", "transfer": "转办", "assign": "交办"}

COLUMNS = [
    TableColumn("序号", 2.5, "center"),
    TableColumn("案件编码", 16),
    TableColumn("登记日期", 7, "center"),
    TableColumn("形式", 3.5, "center"),
    TableColumn("信访人", 5.5),
    TableColumn("公民身份号码", 12),
    TableColumn("人数", 2.5, "center"),
    TableColumn("内容分类", 5.5),
    TableColumn("事由及诉求", 17),
    TableColumn("办理方式\n承办单位", 8),
    TableColumn("办理期限", 7, "center"),
    TableColumn("答复日期", 7, "center"),
    TableColumn("状态", 4.5, "center"),
    TableColumn("满意度", 5, "center"),
]


def rows(ctx: Ctx, start: Any, end: Any) -> list[list[str]]:
    codes = CodeBook(ctx.session)
    restricted_ok = ctx.can("restricted.view")
    visits = ctx.session.scalars(
        select(Visit)
        .where(Visit.deleted_at.is_(None), Visit.received_on >= start, Visit.received_on <= end)
        .order_by(Visit.received_on, Visit.case_code)
    ).all()
    out: list[list[str]] = []
    for i, v in enumerate(visits, 1):
        hidden = (v.is_confidential or v.is_accusation) and not restricted_ok
        people = [p for role, p in data.petitioners_of(ctx, v) if role == "信访人"]
        names = "（保密）" if hidden else ("\n".join(p.name for p in people) or "（匿名）")
        ids = "" if hidden else "\n".join(p.id_number or "—" for p in people)
        subject = "（保密件，内容不予显示）" if hidden else f"{v.subject}：{v.request}"
        method = METHODS.get(v.handling_method, "")
        if v.handler_unit and v.handling_method in ("transfer", "assign"):
            method += f"\n{v.handler_unit}"
        deadline = v.due_on or v.handle_due or v.accept_due
        out.append(
            [
                str(i),
                v.case_code,
                format_cn_date(v.received_on),
                codes.label("visit_channel", v.channel),
                names,
                ids,
                str(v.headcount),
                codes.label("visit_category", v.category),
                subject,
                method,
                format_cn_date(deadline) if deadline else "",
                format_cn_date(v.replied_on) if v.replied_on else "",
                VISIT.status_label(v.status),
                codes.label("satisfaction", v.satisfaction),
            ]
        )
    return out


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    period = parse_period(ref)
    body = rows(ctx, period.start, period.end)
    station = ctx.station.name
    subtitle = (
        f"填报单位：{station}　　期间：{period.label}　　共{len(body)}件　　"
        f"打印日期：{data.cn_date(ctx.today())}"
    )
    return render_table(
        f"{station}{TITLE}", subtitle, COLUMNS, body, landscape=True, author=station, font_size=8.5
    )


SPEC = FormSpec(
    key="visit_ledger",
    title=TITLE,
    kind="register",
    target="period",
    landscape=True,
    build=build,
    description="指定期间的来信来访台账（横向）",
)
