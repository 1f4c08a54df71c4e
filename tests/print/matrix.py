"""Records for the pagination matrix: every form × (1, 2, 3, 5 parties) × (short, very long
text), made through the services on a fresh village ledger (and a township ledger for the
督办通知书), so each form prints what a real case would give it.

The long texts are ordinary sentences of the kind mediators record, repeated to the length a
difficult case reaches (a statement of several pages); the short ones are one line. The long
处理依据 quotes the articles a neighbour's drainage dispute rests on, in the wording of the
published statutes (《中华人民共和国民法典》第二百八十八条、第二百九十条、第二百九十六条;
《中华人民共和国土地管理法》第十四条; 《中华人民共和国人民调解法》第三十三条), close to the
1000-character limit the 办结 step allows.

Every registered form (:data:`app.print.FORMS`) gets a record here: the petition notices from
visits taken to 受理/不予受理/告知/转办/延期/办结, the mediation documents from a written agreement
whose parties have agents (every party in the long variant) and which is archived.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from app.db import Database
from app.models import Station, Supervision, Visit
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


_REASON = (
    "该事项系张秀兰与李建国之间因宅基地界址和排水沟使用引发的民事纠纷，双方均已向柳树村人民"
    "调解委员会申请调解并在调解过程中，属于应当通过调解、诉讼等法定途径解决的事项，"
)
_OPINION = (
    "经调查核实，李建国所建围墙确有约一点五米压占两家共用排水沟，致使雨季排水不畅，"
    "张秀兰家院坝积水、东侧厢房墙基渗水属实；经村委会组织双方协商，李建国同意拆除压占部分，"
    "恢复排水沟原状，并由村委会监督实施。"
)
_BASIS = (
    "《中华人民共和国民法典》第二百八十八条：不动产的相邻权利人应当按照有利生产、方便生活、"
    "团结互助、公平合理的原则，正确处理相邻关系。",
    "《中华人民共和国民法典》第二百九十条：不动产权利人应当为相邻权利人用水、排水提供必要的"
    "便利。对自然流水的利用，应当在不动产的相邻权利人之间合理分配。对自然流水的排放，应当尊重"
    "自然流向。",
    "《中华人民共和国民法典》第二百九十六条：不动产权利人因用水、排水、通行、铺设管线等利用"
    "相邻不动产的，应当尽量避免对相邻的不动产权利人造成损害。",
    "《中华人民共和国土地管理法》第十四条：土地所有权和使用权争议，由当事人协商解决；协商不成"
    "的，由人民政府处理。",
    "《中华人民共和国人民调解法》第三十三条：经人民调解委员会调解达成调解协议后，双方当事人"
    "认为有必要的，可以自调解协议生效之日起三十日内共同向人民法院申请司法确认。",
)


def _long_basis(limit: int = 1000) -> str:
    """The articles, quoted in turn as long as they fit the 办结 step's 1000 characters."""
    out: list[str] = []
    i = 0
    while len("\n".join([*out, _BASIS[i % len(_BASIS)]])) <= limit:
        out.append(_BASIS[i % len(_BASIS)])
        i += 1
    return "\n".join(out)


def text(kind: str, length: str) -> str:
    if length == "short":
        return {
            "facts": "李建国修建围墙压占两家共用的排水沟，张秀兰家院坝积水。",
            "terms": "一、李建国于2026年3月20日前拆除压占排水沟的围墙；\n二、双方今后和睦相处。",
            "talk": "调解员释明相关法律规定，双方各自陈述意见。",
            "request": "请求恢复排水沟",
            "reason": "该事项正在人民调解程序中",
            "opinion": "李建国拆除压占排水沟的围墙，恢复排水沟原状。",
            "basis": "《中华人民共和国民法典》第二百九十条",
            "extension": "需会同镇国土所实地测量",
        }[kind]
    return {
        "facts": "\n".join([_FACT * 2] * 6),
        "terms": "\n".join(f"{_TERM}（第{i}项）；" for i in range(1, 11)),
        "talk": "\n".join([_TALK * 3] * 8),
        "request": "请求恢复排水沟，赔偿厢房损失，并明确两家宅基地界址。" * 6,
        "reason": _REASON * 4 + "本单位不予受理",
        "opinion": "\n".join([_OPINION * 2] * 6),
        "basis": _long_basis(),
        "extension": (
            "该事项涉及两家宅基地界址的重新测量，须会同镇国土所、村民小组共同到现场核实，"
            "并调取二〇〇八年宅基地确权登记档案，"
        )
        * 4
        + "还须等待测量报告",
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


AGENTS = ["张明", "李卫东", "王晓燕", "赵志刚", "欧阳静"]


def _dispute(ctx: Ctx, n: int, length: str, *, registered: str, agents: int = 0) -> str:
    """A dispute of ``n`` parties; the first ``agents`` of them have a 委托代理人."""
    people = [
        PartyInput(PEOPLE[i], ROLES[i])
        if i >= agents
        else PartyInput(PEOPLE[i], ROLES[i], AGENTS[i], f"1870187000{i}")
        for i in range(n)
    ]
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


def _mediated(
    ctx: Ctx, n: int, length: str, agreement: str, *, agents: int = 0, archive: bool = False
) -> str:
    """A dispute taken through investigation, mediation, agreement and follow-up (and, with
    ``archive``, an agreed extension before the agreement and the 归档 after it)."""
    d = _dispute(ctx, n, length, registered="2026-03-02", agents=agents)
    advance_dispute(ctx, d, "assign", DisputeAction(mediator="李晓梅", on="2026-03-03"))
    if archive:
        advance_dispute(
            ctx,
            d,
            "extend",
            DisputeAction(
                on="2026-03-04",
                note=text("extension", length),
                new_due="2026-04-30",
                consent=True,
            ),
        )
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
    if archive:
        advance_dispute(ctx, d, "archive", DisputeAction(on="2026-03-15"))
    return d


def _visit(ctx: Ctx, parties: int, length: str, subject: str) -> Visit:
    """A visit by ``parties`` petitioners, registered and reviewed."""
    v = register_visit(
        ctx,
        VisitInput(
            channel="来访",
            received_at="2026-03-09 09:00",
            category="村务管理",
            subject=subject,
            request=text("request", length),
            facts=text("facts", length),
            headcount=parties,
            petitioners=PEOPLE[:parties],
        ),
    ).record
    advance_visit(ctx, v.id, "review", VisitAction(note="同意受理", on="2026-03-09"))
    return v


def build(tmp: Path, factory: pytest.TempPathFactory, parties: int, length: str) -> Scenario:
    db = make_station_db(tmp / f"v{parties}{length}.sqlite3", VILLAGE, factory)
    sc = Scenario(parties, length, db)
    ctx = open_ctx(db, "admin", clock=FakeClock())
    n = max(parties, 2)  # a dispute has two sides at least
    try:
        sc.refs["agreement"] = _mediated(ctx, n, length, "written")
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
            sc.refs[form] = sc.refs["agreement"]
        sc.refs["oral_agreement"] = _mediated(ctx, n, length, "oral")
        # the mediation documents: agents for one party, or for every party (many agents)
        m = _mediated(ctx, n, length, "written", agents=n if length == "long" else 1, archive=True)
        for form in ("power_of_attorney", "judicial_confirmation", "dossier_note", "back_cover"):
            sc.refs[form] = m
        t = _dispute(ctx, n, length, registered="2026-03-04")
        advance_dispute(
            ctx,
            t,
            "transfer",
            DisputeAction(on="2026-03-05", unit="东风镇综治中心", note="涉及土地权属"),
        )
        sc.refs["transfer_slip"] = t
        v = _visit(ctx, parties, length, "反映排水沟被占")
        advance_visit(ctx, v.id, "accept", VisitAction(on="2026-03-10"))
        advance_visit(
            ctx,
            v.id,
            "transfer",
            VisitAction(on="2026-03-11", unit="东风镇国土所", note="转办处理"),
        )
        for form in ("receipt", "visit_register", "transfer_notice", "petition_transfer"):
            sc.refs[form] = v.case_code
        r = _visit(ctx, parties, length, "反映宅基地界址不清")
        advance_visit(
            ctx,
            r.id,
            "reject",
            VisitAction(note=text("reason", length), unit="柳树村人民调解委员会", on="2026-03-10"),
        )
        sc.refs["petition_reject"] = r.case_code
        i = _visit(ctx, parties, length, "反映土地承包经营权争议")
        advance_visit(
            ctx,
            i.id,
            "inform",
            VisitAction(
                note=text("reason", length), unit="东风镇农村土地承包仲裁委员会", on="2026-03-10"
            ),
        )
        sc.refs["petition_inform"] = i.case_code
        # accepted, handled, extended (on the clock's day) and concluded with an opinion
        x = _visit(ctx, parties, length, "反映排水沟被占，要求恢复")
        advance_visit(ctx, x.id, "accept", VisitAction(note="属本村职权", on="2026-03-10"))
        advance_visit(ctx, x.id, "handle", VisitAction(note="村委会办理", on="2026-03-11"))
        advance_visit(
            ctx,
            x.id,
            "extend",
            VisitAction(days=20, approver="王主任", note=text("extension", length)),
        )
        advance_visit(
            ctx,
            x.id,
            "conclude",
            VisitAction(
                note=text("opinion", length), legal_basis=text("basis", length), on="2026-03-16"
            ),
        )
        for form in ("petition_accept", "petition_extension", "petition_opinion"):
            sc.refs[form] = x.case_code
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
