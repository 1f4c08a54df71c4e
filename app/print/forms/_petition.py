"""What the petition notices (信访工作条例 2022) share: the addressee, the opening sentence that
names the petition, the periods computed from the record, and the notice's page.

Every notice is dated on the day of the act it records (受理/不予受理: the decision day; 转送/
交办: the day sent; 延期: the day the extension was recorded; 处理意见书: the day of the reply),
never the day it is printed, so a reprint carries the original date. A fact the notice must
state and the record lacks refuses the print, naming what to record first.

Sources of the fixed wording: :mod:`app.rules.petition` (the regulation's articles) and the
model 答复意见书 format published by local petition bureaus (标题、受理情况、事实认定及处理意见、
告知不服的救济途径、落款), e.g. “信访事项答复意见书格式”, http://caiyes.cn/thread-49764-2-1.html.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from app.models import Visit
from app.rules import petition as law
from app.rules.dates import local_date
from app.rules.errors import WorkflowError
from app.services.context import Ctx

from .. import data
from ..layout import (
    FORM,
    DocInfo,
    anchor,
    build_pdf,
    doc_number,
    keep,
    look,
    seal_block,
    title,
)

YOU = "你（你们）"
SIGN_SPACE = "\u3000" * 8
SIGN_DATE = "年\u3000\u3000月\u3000\u3000日"  # written in by the petitioner on receipt


def periods(
    ctx: Ctx, v: Visit, *, accepted: date | None = None, extension_days: int = 0
) -> law.PetitionPeriods:
    return law.periods(
        data.settings(ctx).deadlines,
        received=v.received_on,
        accepted=accepted,
        extension_days=extension_days,
    )


def addressee(ctx: Ctx, v: Visit, form_title: str) -> str:
    """The petitioners' names; an anonymous petition has nobody to send a notice to."""
    names = [p.name for role, p in data.petitioners_of(ctx, v) if role == "信访人"]
    if v.is_anonymous or not names:
        raise WorkflowError(
            f"信访件 {v.case_code} 为匿名信访，没有可送达的信访人，不能打印《{form_title}》"
        )
    return "、".join(names)


def opening(ctx: Ctx, v: Visit) -> str:
    """“你（你们）于2026年6月3日以来访形式反映的“…”（编码…）”."""
    channel = data.label(ctx, "visit_channel", v.channel)
    return (
        f"{YOU}于{data.cn_date(v.received_on)}以{channel}形式反映的“{v.subject}”"
        f"（编码{v.case_code}）"
    )


def event_day(ctx: Ctx, v: Visit, *events: str) -> date | None:
    ev = data.last_event(ctx, v, *events)
    return local_date(ev.occurred_at) if ev is not None else None


def require(v: Visit, checks: Sequence[tuple[bool, str]], form_title: str) -> None:
    """Refuse the print when a fact is missing: each check is (present, what to record)."""
    missing = [what for ok, what in checks if not ok]
    if missing:
        raise WorkflowError(
            f"信访件 {v.case_code} 缺少{'、'.join(missing)}，不能打印《{form_title}》；"
            "请先在案件中记录后再打印"
        )


def notice_pdf(
    ctx: Ctx,
    v: Visit,
    heading: str,
    names: str,
    body: Sequence[Any],
    day: date,
    *,
    receipt: bool = True,
    closing: str = "特此告知。",
) -> bytes:
    """A one-page notice: title, code, addressee, body, 特此告知, seal and date, and the
    petitioner's acknowledgement of receipt (签收) kept with the seal."""
    lx = look()
    station = ctx.station.name
    flow = [lx.p(t, "body") if isinstance(t, str) else t for t in body]
    story: list[Any] = [
        title(heading),
        doc_number(f"编码：{v.case_code}"),
        lx.p(f"{names}：", "body_flush"),
        *flow[:-1],
    ]
    # the last paragraph is the anchor: at least its last two lines go with 特此告知, the
    # seal and the receipt line, so no page holds only the set phrase, a seal or a signature
    tail: list[Any] = [
        *[anchor(f) for f in flow[-1:]],
        lx.p(closing, "body"),
        *seal_block(station, data.cn_date(day)),
    ]
    if receipt:
        tail.append(lx.p(f"信访人签收：{SIGN_SPACE}{SIGN_DATE}", "body_flush", spaceBefore=8))
    story.append(keep(tail))
    info = DocInfo(f"{heading} {v.case_code}", station, v.subject, v.case_code)
    return build_pdf(story, info, page=FORM)


AFTER_ACCEPT = ("accepted", "in_progress", "concluded", "followed_up")


def was_accepted(r: Any) -> bool:
    """The record passed the 受理 step (also when archived since)."""
    if not isinstance(r, Visit) or r.decision_on is None:
        return False
    return r.status in AFTER_ACCEPT or (r.status == "archived" and r.handling_method != "")


def was_refused(r: Any) -> bool:
    """The record was decided 不予受理 (also when archived since; the build checks the log)."""
    if not isinstance(r, Visit) or r.decision_on is None:
        return False
    return r.status == "not_accepted" or (r.status == "archived" and r.handling_method == "")
