"""调查记录 — one investigation session, or every investigation session of a dispute.

Source of the layout: 人民调解记录 (MBA智库百科), https://wiki.mbalib.com/zh-tw/人民调解记录 (首部: 时间、地点、事由), as
for the 调解记录.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.models import Dispute, MediationSession
from app.services.context import Ctx

from .. import data
from ..spec import FormSpec
from ._session_record import build_records

TITLE = "调查记录"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d, sessions = data.sessions_for(ctx, ref, "investigation", TITLE)
    return build_records(ctx, d, sessions, title_text=TITLE, investigation=True)


SPEC = FormSpec(
    key="investigation",
    title=TITLE,
    kind="mediation_session",
    also=("dispute",),
    build=build,
    description="调查笔录（纠纷编码打印全部调查记录，记录编号打印一次）",
    applies=lambda r: (
        (isinstance(r, MediationSession) and r.kind == "investigation") or isinstance(r, Dispute)
    ),
)
