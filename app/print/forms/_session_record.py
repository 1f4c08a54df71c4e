"""The shared layout of 调查记录 and 调解记录 (one page block per session)."""

from __future__ import annotations

import re
from typing import Any

from reportlab.lib.units import mm

from app.models import Dispute, MediationSession
from app.rules.dates import CHINA_TZ
from app.services.context import Ctx

from .. import data
from ..layout import FORM, DocInfo, FormGrid, build_pdf, checks, look, page_break, title
from ._common import sign_cell

HALF = [30 * mm, 48 * mm, 30 * mm, 48 * mm]
# session records: the labels are short, the time needs room
SESSION = [24 * mm, 58 * mm, 24 * mm, 50 * mm]


def held_text(s: MediationSession) -> str:
    local = s.held_at.astimezone(CHINA_TZ)
    return f"{local.year}年{local.month}月{local.day}日{local.hour}时{local.minute:02d}分"


def _names(text: str | None) -> list[str]:
    """The people listed in a field (“张三、李四”, “张三，李四”): each signs on a line of his own."""
    return [
        n.strip() for n in re.split(r"[、，,；;\s]+", text or "") if n.strip() and n.strip() != "无"
    ]


def session_story(ctx: Ctx, d: Dispute, s: MediationSession, *, investigation: bool) -> list[Any]:
    lx = look()
    parties = data.parties_of(ctx, d)
    g = FormGrid(SESSION)
    g.pair_row(("时间", held_text(s)), ("地点", s.place))
    g.pair_row(("事由", d.title), ("", ""), spans=[(1, 3)])
    if investigation:
        g.pair_row(("调查人", s.mediators), ("记录人", data.person_name(s.recorder)))
        g.pair_row(
            ("被调查人", s.parties_present or "、".join(p.name for p in parties)),
            ("", ""),
            spans=[(1, 3)],
        )
        if s.participants:
            g.pair_row(("在场人", s.participants), ("", ""), spans=[(1, 3)])
        g.text("调查内容", s.content, min_height=80 * mm)
        if s.result:
            g.text("调查结论", s.result, min_height=18 * mm)
        confirm = "以上记录已向被调查人宣读（或经被调查人阅读），确认无误。"
        surveyed = _names(s.parties_present) or [p.name for p in parties]
        signers = [("被调查人（签名）", name) for name in surveyed]
        signers += [("调查人（签名）", ""), ("记录人（签名）", "")]
    else:
        present = s.parties_present or "、".join(p.name for p in parties)
        g.pair_row(("当事人", present), ("", ""), spans=[(1, 3)])
        g.pair_row(("参加人", s.participants or "无"), ("", ""), spans=[(1, 3)])
        g.pair_row(("人民调解员", s.mediators), ("记录人", data.person_name(s.recorder)))
        g.pair_row(
            ("告知事项", checks(["已告知当事人权利义务", "已告知调解原则及调解人员身份"], ())),
            ("", ""),
            spans=[(1, 3)],
        )
        g.text("调解情况", s.content, min_height=70 * mm)
        g.text("调解结果", s.result, min_height=18 * mm)
        confirm = "以上记录已向当事人宣读（或经当事人阅读），确认无误。"
        signers = [(f"{p.role}（签名）", p.name) for p in parties]
        signers += [("参加人（签名）", name) for name in _names(s.participants)]
        signers += [("人民调解员（签名）", ""), ("记录人（签名）", "")]
    g.full([lx.p(confirm, "cell_indent"), *sign_cell(signers, data.cn_date(data.session_day(s)))])
    return [g.table()]


def build_records(
    ctx: Ctx, d: Dispute, sessions: list[MediationSession], *, title_text: str, investigation: bool
) -> bytes:
    lx = look()
    story: list[Any] = []
    for i, s in enumerate(sessions):
        if i:
            story.append(page_break())
        heading = title_text if len(sessions) == 1 else f"{title_text}（第{s.seq}次）"
        story += [title(heading), lx.p(d.mediation_no, "number")]
        story += session_story(ctx, d, s, investigation=investigation)
    info = DocInfo(f"{title_text} {d.mediation_no}", data.committee(ctx), d.title, d.case_code)
    return build_pdf(story, info, page=FORM)
