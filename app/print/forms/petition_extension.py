"""信访事项延期办理告知书 — tells the petitioner the handling period is extended, why, and the
new deadline (《信访工作条例》第三十四条: 情况复杂的，经本机关、单位负责人批准，可以适当延长办理
期限，但延长期限不得超过30日，并告知信访人延期理由).

Dated on the day the extension was recorded (its case-log entry); the new deadline is computed
from the acceptance day, the 60 days and the days granted (never more than 30 in all).
Sources: see :mod:`app.rules.petition` (攀枝花市信访局, 信访事项办理的期限是多久).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.models import Visit
from app.rules import petition as law
from app.rules.errors import WorkflowError
from app.services.context import Ctx

from .. import data
from ..spec import FormSpec
from ._petition import YOU, addressee, event_day, notice_pdf, opening, periods, require

TITLE = "信访事项延期办理告知书"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    v = data.visit_for(ctx, ref, TITLE)
    day = event_day(ctx, v, "extended")
    if v.extension_days <= 0 or day is None or v.decision_on is None:
        raise WorkflowError(
            f"信访件 {v.case_code} 没有延期记录，不能打印《{TITLE}》；请先办理“延期”"
        )
    require(v, [(bool(v.extension_reason), "延期理由")], TITLE)
    names = addressee(ctx, v, TITLE)
    base = periods(ctx, v, accepted=v.decision_on)
    now = periods(ctx, v, accepted=v.decision_on, extension_days=v.extension_days)
    reason = v.extension_reason.rstrip("。；;，, ")
    times = len(data.events_of(ctx, v, "extended"))
    extended = (
        f"再次延长，累计延长{v.extension_days}日" if times > 1 else f"延长{v.extension_days}日"
    )
    body = [
        f"{opening(ctx, v)}，本单位已于{data.cn_date(v.decision_on)}受理，"
        f"原应于{data.cn_date(base.handle_due)}前办结。",
        f"因{reason}，不能在{base.handle_days}日内办结。依照{law.cite(law.ART_HANDLE)}的规定，"
        f"经本单位负责人批准，办理期限{extended}（延长期限不得超过"
        f"{now.max_extension_days}日），本单位将于{data.cn_date(now.handle_due)}前办结，"
        f"并将处理意见书面答复{YOU}。",
    ]
    return notice_pdf(ctx, v, TITLE, names, body, day)


SPEC = FormSpec(
    key="petition_extension",
    title="延期告知书",
    kind="visit",
    build=build,
    description="告知信访人延期理由及新的办结期限（信访工作条例第三十四条）",
    applies=lambda r: isinstance(r, Visit) and r.extension_days > 0,
)
