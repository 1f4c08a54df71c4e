"""Records for the pagination matrix: every form × (1, 2, 3, 5 parties) × (short, very long
text), made through the services on a fresh village ledger (and a township ledger for the
督办通知书), so each form prints what a real case would give it.

The long texts are ordinary sentences of the kind mediators record, repeated to the length a
difficult case reaches (a statement of several pages); the short ones are one line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from app.db import Database
from app.models import Station, Supervision
from app.services import registers as reg
from app.services.context import Ctx, open_ctx
from app.services.disputes import (
    DisputeAction,
    DisputeInput,
    PartyInput,
    SessionInput,
    advance_dispute,
    record_session,
    register_dispute,
)
from app.services.persons import PersonInput
from app.services.visits import VisitAction, VisitInput, advance_visit, register_visit
from tests.conftest import TOWNSHIP, VILLAGE, FakeClock, make_station_db

PARTY_COUNTS = (1, 2, 3, 5)
LENGTHS = ("short", "long")

PEOPLE = [
    PersonInput(
        name="张秀兰",
        id_number="11010519491231002X",
        phone="13800138000",
        address="柳树村一组5号",
        occupation="务农",
        ethnicity="汉族",
    ),
    PersonInput(
        name="李建国",
        id_number="34052419800101001X",
        phone="13900139000",
        address="柳树村二组18号",
        occupation="个体经营",
        ethnicity="汉族",
    ),
    PersonInput(name="王德福", phone="13700137000", address="柳树村三组2号", occupation="务农"),
    PersonInput(name="赵春梅", phone="13600136000", address="柳树村一组7号", ethnicity="回族"),
    PersonInput(name="欧阳明远", phone="13500135000", address="柳树村四组11号", occupation="教师"),
]
ROLES = ["applicant", "respondent", "third_party", "applicant", "respondent"]

_FACT = (
    "李建国在两家共用的排水沟上修建围墙，雨季张秀兰家院坝积水，墙基渗水浸泡了东侧厢房，"
    "双方多次争吵，并由此引发了宅基地界址、院坝通行和赔偿损失等一系列争议。"
)
_TERM = (
    "李建国于2026年3月20日前拆除压占排水沟的围墙，恢复排水沟原状，拆除所产生的建筑垃圾由其自行清运"
)
_TALK = (
    "调解员释明民法典关于相邻关系的规定，听取双方陈述；张秀兰提出恢复排水沟并赔偿厢房损失，"
    "李建国认为围墙建在自家宅基地上，同意协商排水问题。"
)


def text(kind: str, length: str) -> str:
    if length == "short":
        return {
            "facts": "李建国修建围墙压占两家共用的排水沟，张秀兰家院坝积水。",
            "terms": "一、李建国于2026年3月20日前拆除压占排水沟的围墙；\n二、双方今后和睦相处。",
            "talk": "调解员释明相关法律规定，双方各自陈述意见。",
            "request": "请求恢复排水沟",
        }[kind]
    return {
        "facts": "\n".join([_FACT * 2] * 6),
        "terms": "\n".join(f"{_TERM}（第{i}项）；" for i in range(1, 11)),
        "talk": "\n".join([_TALK * 3] * 8),
        "request": "请求恢复排水沟，赔偿厢房损失，并明确两家宅基地界址。" * 6,
    }[kind]


@dataclass
class Scenario:
    """One ledger with a record for every record form, for ``parties`` and ``length``."""

    parties: int
    length: str
    db: Database
    refs: dict[str, str] = field(default_factory=dict)
    township: Database | None = None

    def ctx(self, form: str) -> Ctx:
        db = self.township if form == "supervision_notice" and self.township else self.db
        return open_ctx(db, "admin", clock=FakeClock())


def _dispute(ctx: Ctx, n: int, length: str, *, registered: str) -> str:
    people = [PartyInput(PEOPLE[i], ROLES[i]) for i in range(n)]
    return register_dispute(
        ctx,
        DisputeInput(
            category="邻里",
            summary=text("facts", length),
            requests=text("request", length),
            registered_on=registered,
            parties=people,
            place="柳树村二组",
            amount="3000",
        ),
    ).record.id


def build(tmp: Path, factory: pytest.TempPathFactory, parties: int, length: str) -> Scenario:
    db = make_station_db(tmp / f"v{parties}{length}.sqlite3", VILLAGE, factory)
    sc = Scenario(parties, length, db)
    ctx = open_ctx(db, "admin", clock=FakeClock())
    n = max(parties, 2)  # a dispute has two sides at least
    try:
        for agreement in ("written", "oral"):
            d = _dispute(ctx, n, length, registered="2026-03-02")
            advance_dispute(ctx, d, "assign", DisputeAction(mediator="李晓梅", on="2026-03-03"))
            record_session(
                ctx,
                d,
                SessionInput(
                    kind="investigation",
                    held_at="2026-03-05 10:00",
                    place="柳树村二组现场",
                    mediators="李晓梅",
                    recorder="赵琳",
                    content=text("talk", length),
                ),
            )
            record_session(
                ctx,
                d,
                SessionInput(
                    kind="mediation",
                    held_at="2026-03-10 09:30",
                    place="柳树村村委会调解室",
                    mediators="李晓梅",
                    recorder="赵琳",
                    content=text("talk", length),
                    result="双方达成一致意见",
                ),
            )
            advance_dispute(
                ctx,
                d,
                "succeed",
                DisputeAction(
                    on="2026-03-10",
                    agreement_type=agreement,
                    facts=text("facts", length),
                    terms=text("terms", length),
                    performance_manner="拆除围墙并现金支付",
                    performance_place="柳树村村委会",
                    performance_deadline="2026-03-20",
                ),
            )
            advance_dispute(
                ctx,
                d,
                "follow_up",
                DisputeAction(
                    on="2026-03-14",
                    performance_status="已履行",
                    note=text("talk", length) if length == "long" else "已履行完毕，双方满意。",
                ),
            )
            key = "agreement" if agreement == "written" else "oral_agreement"
            sc.refs[key] = d
            if agreement == "written":
                for form in (
                    "application",
                    "acceptance",
                    "rights_notice",
                    "investigation",
                    "mediation_record",
                    "follow_up",
                    "closing_report",
                    "dossier",
                ):
                    sc.refs[form] = d
        t = _dispute(ctx, n, length, registered="2026-03-04")
        advance_dispute(
            ctx,
            t,
            "transfer",
            DisputeAction(on="2026-03-05", unit="东风镇综治中心", note="涉及土地权属"),
        )
        sc.refs["transfer_slip"] = t
        v = register_visit(
            ctx,
            VisitInput(
                channel="来访",
                received_at="2026-03-09 09:00",
                category="村务管理",
                subject="反映排水沟被占",
                request=text("request", length),
                facts=text("facts", length),
                headcount=parties,
                petitioners=PEOPLE[:parties],
            ),
        ).record
        advance_visit(ctx, v.id, "review", VisitAction(note="同意受理", on="2026-03-09"))
        advance_visit(ctx, v.id, "accept", VisitAction(on="2026-03-10"))
        advance_visit(
            ctx,
            v.id,
            "transfer",
            VisitAction(on="2026-03-11", unit="东风镇国土所", note="转办处理"),
        )
        for form in ("receipt", "visit_register", "transfer_notice"):
            sc.refs[form] = v.case_code
        sc.refs["visit_ledger"] = "2026-03"
        sc.refs["dispute_ledger"] = "2026-03"
        sc.refs["month_report"] = "2026-03"
        sc.refs["bulletin"] = str(reg.generate_bulletin(ctx, "2026-03").record.record_id)
    finally:
        ctx.close()
    sc.township = _township(tmp, factory, parties, length)
    sc.refs["supervision_notice"] = "（2026）东风督字第3号"
    return sc


def _township(tmp: Path, factory: pytest.TempPathFactory, parties: int, length: str) -> Database:
    db = make_station_db(tmp / f"t{parties}{length}.sqlite3", TOWNSHIP, factory)
    ctx = open_ctx(db, "admin", clock=FakeClock())
    try:
        with ctx.write() as s:
            s.add(
                Station(
                    code="110105001001",
                    name="柳树村综治中心",
                    level="village",
                    parent_code="110105001000",
                )
            )
            s.add(
                Supervision(
                    supervision_no="（2026）东风督字第3号",
                    kind="supervise",
                    case_type="dispute",
                    case_id="0190c0de-0000-7000-8000-000000000001",
                    case_code="110105001001-2026-J-00012",
                    case_origin="110105001001",
                    case_title="张秀兰与李建国宅基地纠纷",
                    content=text("facts", length),
                    requirement=text("request", length),
                    lead_name="王镇长",
                    responsible_unit="柳树村人民调解委员会",
                    responsible_person="李晓梅",
                    measures=text("talk", length) if length == "long" else "组织双方再次调解。",
                    due_on=date(2026, 3, 31),
                    supervisor_name="陈主任",
                    issued_on=date(2026, 3, 16),
                )
            )
    finally:
        ctx.close()
    return db
