"""人民调解记录 — one mediation session, or every mediation session of a dispute.

Source of the layout and wording: 人民调解记录 (MBA智库百科), https://wiki.mbalib.com/zh-tw/人民调解记录 (首部:
时间、地点、事由、参加人、当事人; read back, then signed).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.models import Dispute, MediationSession
from app.services.context import Ctx

from .. import data
from ..spec import FormSpec
from ._session_record import build_records

TITLE = "人民调解记录"


def build(ctx: Ctx, ref: str, options: Mapping[str, Any]) -> bytes:
    d, sessions = data.sessions_for(ctx, ref, "mediation", TITLE)
    return build_records(ctx, d, sessions, title_text=TITLE, investigation=False)


SPEC = FormSpec(
    key="mediation_record",
    title=TITLE,
    kind="mediation_session",
    also=("dispute",),
    build=build,
    description="调解笔录（纠纷编码打印全部调解记录，记录编号打印一次）",
    applies=lambda r: (
        (isinstance(r, MediationSession) and r.kind == "mediation") or isinstance(r, Dispute)
    ),
)
