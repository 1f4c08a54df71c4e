"""矛盾纠纷排查调处情况登记表 — the dispute ledger for a period (landscape; ID numbers
masked per role)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from app.models import Dispute
from app.rules.dates import format_cn_date
from app.rules.workflow import DISPUTE
from app.services.codes import CodeBook
from app.services.context import Ctx

from .. import data
from ..spec import FormSpec
from ..table import TableColumn, parse_period, render_table

TITLE = "矛盾纠纷排查调处情况登记表"
OUTCOMES = {"succeeded": "调解成功", "failed": "调解不成", "terminated": "终止调解"}

COLUMNS = [
    TableColumn("序号", 2.5, "center"),
    TableColumn("编号\n案件编码", 16),
    TableColumn("受理日期", 7, "center"),
    TableColumn("当事人", 6.5),
    TableColumn("公民身份号码", 12),
    TableColumn("纠纷类别", 5.5),
    TableColumn("来源", 5.5),
    TableColumn("纠纷简要情况", 19),
    TableColumn("调解员", 5),
    TableColumn("调处结果", 7.5),
    TableColumn("履行情况", 5.5, "center"),
    TableColumn("回访日期", 7, "center"),
    TableColumn("状态", 5.5, "center"),
]
ROLE_SHORT = {"applicant": "申", "respondent": "被", "third_party": "第三人", "party": ""}


def rows(ctx: Ctx, start: Any, end: Any) -> list[list[str]]:
    codes = CodeBook(ctx.session)
    disputes = ctx.session.scalars(
        select(Dispute)
        .where(
            Dispute.deleted_at.is_(None),
            Dispute.registered_on >= start,
            Dispute.registered_on <= end,
        )
        .order_by(Dispute.registered_on, Dispute.case_code)
    ).all()
    out: list[list[str]] = []
    for i, d in enumerate(disputes, 1):
        parties = data.parties_of(ctx, d)
        result = OUTCOMES.get(d.outcome, "")
        if d.outcome == "succeeded" and d.agreement_type:
            result += f"\n{codes.label('agreement_type', d.agreement_type)}"
        if d.transferred_to:
            result += f"\n移送{d.transferred_to}"
        out.append(
            [
                str(i),
                f"{d.mediation_no}\n{d.case_code}",
                format_cn_date(d.registered_on),
                "\n".join(f"{ROLE_SHORT.get(p.role_code, '')} {p.name}".strip() for p in parties),
                "\n".join(p.id_number or "—" for p in parties),
                codes.label("dispute_category", d.category),
                codes.label("case_source", d.source),
                d.summary,
                data.mediators_of(d),
                result.strip(),
                codes.label("performance_status", d.performance_status),
                format_cn_date(d.followed_up_on) if d.followed_up_on else "",
                DISPUTE.status_label(d.status),
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
        f"{station}{TITLE}",
        subtitle + "　　（当事人栏：申＝申请人，被＝被申请人）",
        COLUMNS,
        body,
        landscape=True,
        author=station,
        font_size=8.5,
    )


SPEC = FormSpec(
    key="dispute_ledger",
    title=TITLE,
    kind="register",
    target="period",
    landscape=True,
    build=build,
    description="指定期间的矛盾纠纷台账（横向）",
)
