"""卷宗情况说明 — the dossier's note: what the case was, how it ended, what the dossier holds and
what needs explaining (extension, transfer, judicial confirmation, performance), signed by the
filer and dated on the day of filing (立卷, the archiving step).

司法部《人民调解文书格式》卷内目录 item 12 (卷宗情况说明, 按需) — list as in a county's 调解卷宗
template following the Ministry's set, https://bdocx.com/doc/4951888.html; 人民调解法 第二十七条
(“人民调解委员会应当建立调解工作档案，将调解登记、调解工作记录、调解协议书等材料立卷归档”),
text as published at https://www.daowen.com/book/content/235878214/3352260.html.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.models import Dispute
from app.rules.errors import WorkflowError
from app.services.context import Ctx

from .. import data
from ..layout import (
    DocInfo,
    anchor,
    build_pdf,
    closing,
    doc_number,
    heading,
    keep,
    look,
    seal_block,
    title,
)
from ..spec import FormSpec
from .closing_report import dossier_no
from .dossier import what_we_have

TITLE = "卷宗情况说明"


def _ending(ctx: Ctx, d: Dispute) -> str:
    on = data.cn_date(d.outcome_on)
    if d.outcome == "succeeded":
        kind = "书面调解协议" if d.agreement_type == "written" else "口头调解协议"
        return f"于{on}调解成功，达成{kind}"
    if d.outcome == "failed":
        return f"于{on}调解不成"
    if d.outcome == "terminated":
        return f"于{on}终止调解"
    if d.transferred_to:
        return f"于{data.cn_date(d.transferred_on)}移送{d.transferred_to}"
    return "未经调解结案"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d = data.dispute_for(ctx, ref, TITLE)
    if d.status != "archived" or d.archived_on is None:
        raise WorkflowError(f"纠纷 {d.case_code} 尚未归档，不能打印《{TITLE}》；请先办理“归档”")
    lx = look()
    committee = data.committee(ctx)
    have = what_we_have(ctx, d)
    held = "；".join(f"{doc}（{n}）" for doc, n in have.items()) or "（无系统记录的文书）"
    notes: list[str] = []
    if d.extension_reason:
        notes.append(f"调解期限经当事人同意延长，理由：{d.extension_reason.rstrip('。')}。")
    if d.transferred_to and d.outcome:
        notes.append(f"本纠纷曾于{data.cn_date(d.transferred_on)}移送{d.transferred_to}。")
    if d.judicial_confirmed:
        notes.append("当事人已申请司法确认，司法确认材料附卷。")
    if d.performance_status:
        notes.append(
            f"协议履行情况：{data.label(ctx, 'performance_status', d.performance_status)}。"
        )
    said = [lx.p(n, "body") for n in notes or ["无。"]]
    story: list[Any] = [
        title(TITLE),
        doc_number(f"卷号：{dossier_no(d)}"),
        lx.p(
            f"本卷为{committee}调解{d.title}的卷宗，案件编码{d.case_code}。该纠纷于"
            f"{data.cn_date(d.registered_on)}受理，{_ending(ctx, d)}，"
            f"于{data.cn_date(d.archived_on)}立卷归档。",
            "body",
        ),
        heading("本卷收入的文书："),
        lx.p(held + "。", "body"),
        heading("需要说明的情况："),
        # the anchor: the notes (with their heading) go with the filer's signature and the
        # seal, so the signature page always states what the filer vouches for
        anchor(said[0]),
        *said[1:],
    ]
    filer = data.actor_of(ctx, d, "archived")
    story.append(
        keep(
            closing(lx.p(f"立卷人（签名）：{filer}", "body_right")),
            *seal_block(committee, data.cn_date(d.archived_on), space_mm=10),
        )
    )
    info = DocInfo(f"{TITLE} {dossier_no(d)}", committee, d.title, d.case_code)
    return build_pdf(story, info)


SPEC = FormSpec(
    key="dossier_note",
    title=TITLE,
    kind="dispute",
    build=build,
    description="立卷时对卷宗情况的说明（归档后）",
    applies=lambda r: isinstance(r, Dispute) and r.status == "archived",
)
