"""Valid inputs for a visit and a dispute, overridable per test (shared by every test area)."""

from __future__ import annotations

from app.services.disputes import DisputeInput, PartyInput
from app.services.persons import PersonInput
from app.services.visits import VisitInput


def visit_input(**over: object) -> VisitInput:
    data = VisitInput(
        channel="来访",
        received_at="2026-03-16 09:00",
        category="村务管理",
        subject="反映村务公开不及时",
        request="要求公开去年村集体收支明细",
        facts="村务公开栏半年未更新。",
        petitioners=[
            PersonInput(
                name="张三",
                id_number="11010519491231002X",
                phone="13800138000",
                address="柳树村三组",
            )
        ],
    )
    for k, v in over.items():
        setattr(data, k, v)
    return data


def dispute_input(**over: object) -> DisputeInput:
    data = DisputeInput(
        source="当事人申请",
        category="邻里纠纷",
        summary="李四修建围墙时将公用排水沟填埋，雨季张三家院坝积水。",
        requests="请求恢复排水沟",
        registered_on="2026-03-16",
        amount="3000",
        parties=[
            PartyInput(
                PersonInput(name="张三", id_number="11010519491231002X", phone="13800138000"),
                "申请人",
            ),
            PartyInput(
                PersonInput(name="李四", phone="13900139000", address="柳树村三组"), "被申请人"
            ),
        ],
    )
    for k, v in over.items():
        setattr(data, k, v)
    return data
