"""Register tests: helpers over the shared village ledger fixture (tests/conftest.py)."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import func, select, text

from app.models import RegisterAttachment, RegisterRecord
from app.services.context import Ctx
from app.services.disputes import DisputeInput, PartyInput
from app.services.persons import PersonInput
from app.services.visits import VisitInput


def ledger_state(ctx: Ctx) -> tuple[int, int, int]:
    """(records, attachments, change counter): unchanged after a refused write."""
    s = ctx.session
    records = int(s.scalar(select(func.count()).select_from(RegisterRecord)) or 0)
    atts = int(s.scalar(select(func.count()).select_from(RegisterAttachment)) or 0)
    rev = int(s.execute(text("SELECT rev_counter FROM local_state")).scalar_one())
    s.commit()
    return records, atts, rev


def png_bytes(width: int = 40, height: int = 30, *, noisy: bool = False) -> bytes:
    from PIL import Image

    if noisy:
        import os

        img = Image.frombytes("RGB", (width, height), os.urandom(width * height * 3))
    else:
        img = Image.new("RGB", (width, height), (200, 30, 30))
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def visit_input(**over: Any) -> VisitInput:
    data = VisitInput(
        channel="来访",
        received_at="2026-03-02 09:00",
        category="村务管理",
        subject="反映村务公开不及时",
        request="要求公开去年村集体收支明细",
        petitioners=[PersonInput(name="张三", id_number="11010519491231002X", phone="13800138000")],
    )
    for k, v in over.items():
        setattr(data, k, v)
    return data


def dispute_input(**over: Any) -> DisputeInput:
    data = DisputeInput(
        source="当事人申请",
        category="邻里纠纷",
        summary="李四修建围墙时将公用排水沟填埋，雨季张三家院坝积水。",
        registered_on="2026-03-10",
        parties=[
            PartyInput(PersonInput(name="张三", phone="13800138000"), "申请人"),
            PartyInput(PersonInput(name="李四", phone="13900139000"), "被申请人"),
        ],
    )
    for k, v in over.items():
        setattr(data, k, v)
    return data
