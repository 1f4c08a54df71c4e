"""Realistic sample data for a demo station (``zongzhi demo``).

Everything is written through the real services, at simulated times, so numbers, deadlines,
case logs and flags are exactly what real use would produce. Some cases are left overdue.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.models import Operator
from app.rules.dates import CHINA_TZ
from app.rules.errors import ValidationError
from app.rules.idcard import check_char

from .context import Ctx
from .disputes import (
    DisputeAction,
    DisputeInput,
    PartyInput,
    SessionInput,
    advance_dispute,
    record_session,
    register_dispute,
)
from .operators import OperatorInput, create_operator
from .persons import PersonInput
from .visits import VisitAction, VisitInput, advance_visit, register_visit

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "建国华明丽芳军伟秀英桂兰玉梅志强海燕德福春生红霞淑珍小平永刚金凤国庆文杰晓东婷静敏磊勇超艳娟涛斌波辉俊鹏丹宇浩洋慧琴云"
GROUPS = ["一组", "二组", "三组", "四组", "五组", "六组", "七组", "八组"]
OCCUPATIONS = [
    "务农",
    "个体经营",
    "外出务工",
    "退休",
    "教师",
    "村民",
    "货车司机",
    "养殖户",
    "建筑工人",
    "无业",
]

DISPUTE_STORIES: dict[str, list[tuple[str, str, str]]] = {
    "marriage_family": [
        (
            "赡养费纠纷",
            "{b}系{a}之子，{a}年老多病，{b}以外出务工为由长期未支付赡养费，{a}要求其按月给付赡养费并分担医疗费用。",
            "请求{b}每月支付赡养费600元，分担住院费用",
        ),
        (
            "离婚财产分割纠纷",
            "{a}与{b}协议离婚，双方对共同修建的房屋及养殖场收益如何分割存在争议，多次争吵。",
            "请求依法分割共同财产",
        ),
    ],
    "neighbour": [
        (
            "排水沟堵塞纠纷",
            "{a}与{b}系前后邻居，{b}修建围墙时将公用排水沟填埋，雨季{a}家院坝积水，双方发生口角。",
            "请求{b}恢复排水沟",
        ),
        (
            "通行纠纷",
            "{b}在两家之间的通道上堆放柴草和建材，{a}出入不便，双方多次争执。",
            "请求{b}清理通道、保障通行",
        ),
    ],
    "housing_homestead": [
        (
            "宅基地界址纠纷",
            "{a}翻建房屋时，{b}认为其地基越过原界址约半米，双方对界址认识不一，工程被迫停工。",
            "请求确认宅基地界址，允许继续施工",
        ),
    ],
    "contract": [
        (
            "借款纠纷",
            "{b}于前年向{a}借款3万元用于购买农机，约定一年内归还，到期后经多次催要未还。",
            "请求{b}归还借款3万元",
        ),
        (
            "土地流转合同纠纷",
            "{a}将承包地流转给{b}种植果树，{b}拖欠两年流转费，{a}要求解除合同。",
            "请求支付拖欠流转费并解除合同",
        ),
    ],
    "damages": [
        (
            "犬只伤人赔偿纠纷",
            "{b}家饲养的犬只未拴养，将路过的{a}咬伤，{a}花去医疗费2000余元，双方就赔偿数额协商不成。",
            "请求赔偿医疗费、误工费",
        ),
    ],
    "forest_land": [
        (
            "林地边界纠纷",
            "{a}与{b}相邻承包林地，{b}采伐时越界砍伐{a}林木十余株，双方发生争执。",
            "请求赔偿被砍林木损失",
        ),
    ],
    "labour": [
        (
            "拖欠工资纠纷",
            "{a}等人在{b}承包的民房建设工地务工，工程完工后{b}以未收到工程款为由拖欠工资。",
            "请求支付拖欠工资",
        ),
    ],
    "traffic": [
        (
            "交通事故赔偿纠纷",
            "{b}驾驶三轮车在村道上与{a}驾驶的电动车相撞，{a}受伤住院，双方对赔偿金额分歧较大。",
            "请求赔偿医疗费和车辆维修费",
        ),
    ],
    "property_mgmt": [
        (
            "物业费纠纷",
            "{a}所在安置小区物业公司以{b}拖欠物业费为由停止为其提供服务，{b}认为物业服务不到位。",
            "请求明确物业费缴纳和服务标准",
        ),
    ],
}

VISIT_STORIES: list[tuple[str, str, str, str]] = [
    (
        "village_affairs",
        "反映村务公开不及时",
        "要求村委会公开去年村集体收支明细",
        "村务公开栏长期未更新，群众对集体资金使用有疑问。",
    ),
    (
        "land_resources",
        "反映承包地被占用",
        "要求恢复被占用的承包地或给予补偿",
        "邻组修建水泥路时占用了其承包地约0.3亩，未协商补偿。",
    ),
    (
        "labour_social",
        "反映拖欠农民工工资",
        "要求帮助追讨工地拖欠的工资",
        "在镇上某工地务工三个月，包工头拖欠工资至今未付。",
    ),
    (
        "civil_affairs",
        "咨询低保申请",
        "询问低保申请条件和办理程序",
        "家中老人长期患病，生活困难，希望申请低保。",
    ),
    (
        "urban_construction",
        "反映危房改造进度",
        "要求加快危房改造补助审批",
        "去年申请危房改造，至今未收到审批结果。",
    ),
    (
        "environment",
        "反映养殖场异味扰民",
        "要求养殖场整改，减少异味和污水排放",
        "村东养猪场距离居民区较近，夏季异味严重，污水外排。",
    ),
    (
        "rural_agri",
        "反映灌溉水渠年久失修",
        "要求修缮灌溉水渠",
        "村里主干渠多处垮塌，影响春耕灌溉。",
    ),
    (
        "politics_law",
        "反映夜间有人聚众赌博",
        "要求加强治安巡逻",
        "村口小卖部夜间经常有人聚集赌博，影响休息。",
    ),
    (
        "health",
        "反映村卫生室开门时间不固定",
        "要求卫生室按时开诊",
        "村卫生室经常关门，老人看病需到镇上。",
    ),
    (
        "education",
        "反映校车接送问题",
        "要求恢复校车接送",
        "学校调整线路后，本组学生上学需步行三公里。",
    ),
]


@dataclass
class DemoCounts:
    visits: int
    disputes: int
    operators: int


class _Clock:
    def __init__(self, start: datetime) -> None:
        self.at = start

    def __call__(self) -> datetime:
        return self.at


def _id_number(rng: random.Random, region: str, born: date, male: bool) -> str:
    seq = rng.randrange(0, 99) * 10 + (
        rng.choice([1, 3, 5, 7, 9]) if male else rng.choice([0, 2, 4, 6, 8])
    )
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    return body + check_char(body)


def _phone(rng: random.Random) -> str:
    return (
        rng.choice(["13", "15", "17", "18", "19"])
        + str(rng.randrange(0, 9))
        + f"{rng.randrange(0, 10**8):08d}"
    )


def _person(rng: random.Random, region: str, village: str, today: date) -> PersonInput:
    male = rng.random() < 0.55
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
    born = today - timedelta(days=rng.randrange(20 * 365, 80 * 365))
    return PersonInput(
        name=name,
        id_number=_id_number(rng, region, born, male) if rng.random() < 0.85 else "",
        gender="男" if male else "女",
        phone=_phone(rng),
        ethnicity="汉族" if rng.random() < 0.9 else rng.choice(["苗族", "土家族", "回族"]),
        address=f"{village}{rng.choice(GROUPS)}{rng.randrange(1, 80)}号",
        occupation=rng.choice(OCCUPATIONS),
    )


def _at(day: date, rng: random.Random) -> datetime:
    local = datetime(
        day.year, day.month, day.day, rng.randrange(8, 17), rng.randrange(0, 60), tzinfo=CHINA_TZ
    )
    return local.astimezone(UTC)


def ensure_demo_operators(ctx: Ctx) -> list[Operator]:
    made: list[Operator] = []
    for username, name, role in (
        ("lixm", "李晓梅", "mediator"),
        ("wangjg", "王建国", "mediator"),
        ("zhaol", "赵琳", "clerk"),
    ):
        if ctx.session.scalars(select(Operator).where(Operator.username == username)).first():
            continue
        made.append(create_operator(ctx, OperatorInput(username, name, role, "demo123")))
    return made


def generate(
    ctx: Ctx, *, visits: int = 60, disputes: int = 80, seed: int = 20251124, days: int = 180
) -> DemoCounts:
    """Fill the ledger with ``visits`` and ``disputes`` spread over the last ``days`` days."""
    if visits < 0 or disputes < 0:
        raise ValidationError.single("visits", "数量", "不能为负数", "请填写0或正整数")
    rng = random.Random(seed)
    real_clock = ctx.clock
    now = real_clock()
    today = now.astimezone(CHINA_TZ).date()
    region = ctx.station.code[:6]
    village = ctx.station.name.removesuffix("综治中心").removesuffix("综治工作站")
    ops = ensure_demo_operators(ctx)
    mediators = ["李晓梅", "王建国"]
    pool = [_person(rng, region, village, today) for _ in range(max(10, visits // 3))]
    clock = _Clock(now)
    ctx.clock = clock
    try:
        plan: list[tuple[date, str]] = sorted(
            [(today - timedelta(days=rng.randrange(0, days)), "visit") for _ in range(visits)]
            + [(today - timedelta(days=rng.randrange(0, days)), "dispute") for _ in range(disputes)]
        )
        for day, kind in plan:
            clock.at = _at(day, rng)
            if kind == "visit":
                _demo_visit(ctx, rng, clock, day, today, pool, region, village)
            else:
                _demo_dispute(ctx, rng, clock, day, today, pool, region, village, mediators)
    finally:
        ctx.clock = real_clock
        ctx.session.info["clock"] = real_clock
    from .register_demo import generate_register_demo

    generate_register_demo(ctx, seed=seed)
    return DemoCounts(visits, disputes, len(ops))


def _step(
    clock: _Clock, rng: random.Random, day: date, today: date, lo: int, hi: int
) -> date | None:
    nxt = day + timedelta(days=rng.randrange(lo, hi + 1))
    if nxt > today:
        return None
    clock.at = _at(nxt, rng)
    return nxt


def _demo_visit(
    ctx: Ctx,
    rng: random.Random,
    clock: _Clock,
    day: date,
    today: date,
    pool: list[PersonInput],
    region: str,
    village: str,
) -> None:
    category, subject, request, facts = rng.choice(VISIT_STORIES)
    group = rng.random() < 0.08
    petitioner = rng.choice(pool) if rng.random() < 0.2 else _person(rng, region, village, today)
    reps = (
        [_person(rng, region, village, today) for _ in range(rng.randrange(2, 5))] if group else []
    )
    data = VisitInput(
        channel=rng.choices(["visit", "phone", "letter", "online"], [6, 3, 1, 1])[0],
        received_at=clock.at,
        headcount=rng.randrange(6, 30) if group else rng.choice([1, 1, 1, 2]),
        category=category,
        subject=subject,
        request=request,
        facts=facts,
        place=f"{village}{rng.choice(GROUPS)}",
        petitioners=[petitioner],
        representatives=reps,
        is_urgent=rng.random() < 0.05,
        is_skip_level=rng.random() < 0.03,
    )
    visit = register_visit(ctx, data).record
    steps: list[tuple[str, VisitAction, int, int]] = [
        ("review", VisitAction(note="同意受理，请按程序办理"), 0, 2),
    ]
    roll = rng.random()
    if roll < 0.1:
        steps.append(
            (
                "inform",
                VisitAction(
                    note="该事项属于法院受理范围，已告知其向人民法院起诉",
                    unit="所在地基层人民法院",
                ),
                0,
                3,
            )
        )
        steps.append(("archive", VisitAction(), 1, 5))
    else:
        steps.append(("accept", VisitAction(note="属于本级职责范围，予以受理"), 1, 6))
        if roll < 0.35:
            steps.append(
                ("answer", VisitAction(note="经核实，已当场向信访人解释相关政策并答复"), 0, 1)
            )
        else:
            method = rng.choice(["transfer", "assign", "handle"])
            unit = {"transfer": "镇国土所", "assign": "村民委员会", "handle": ""}[method]
            steps.append((method, VisitAction(unit=unit, note="请在规定期限内办结并反馈"), 0, 3))
            steps.append(
                (
                    "conclude",
                    VisitAction(
                        note="经协调，问题已解决，已书面答复信访人",
                        legal_basis="《信访工作条例》第三十三条",
                    ),
                    10,
                    70,
                )
            )
        steps.append(
            (
                "follow_up",
                VisitAction(
                    note="电话回访，信访人表示认可",
                    satisfaction=rng.choice(["满意", "满意", "基本满意"]),
                ),
                2,
                10,
            )
        )
        steps.append(("archive", VisitAction(), 1, 10))
    cur = day
    for action, details, lo, hi in steps:
        nxt = _step(clock, rng, cur, today, lo, hi)
        if nxt is None:
            return
        if rng.random() < 0.04:  # a few stall and become overdue
            return
        details.on = nxt
        advance_visit(ctx, visit.id, action, details)
        cur = nxt


def _demo_dispute(
    ctx: Ctx,
    rng: random.Random,
    clock: _Clock,
    day: date,
    today: date,
    pool: list[PersonInput],
    region: str,
    village: str,
    mediators: list[str],
) -> None:
    category = rng.choice(list(DISPUTE_STORIES))
    title, story, req = rng.choice(DISPUTE_STORIES[category])
    a = rng.choice(pool) if rng.random() < 0.1 else _person(rng, region, village, today)
    b = _person(rng, region, village, today)
    while b.name == a.name:
        b = _person(rng, region, village, today)
    parties = [PartyInput(a, "applicant"), PartyInput(b, "respondent")]
    if rng.random() < 0.15:
        parties.append(PartyInput(_person(rng, region, village, today), "third_party"))
    data = DisputeInput(
        title=f"{a.name}与{b.name}{title}",
        source=rng.choices(
            ["party_application", "committee_initiative", "police_referral", "court_entrusted"],
            [6, 3, 1, 1],
        )[0],
        category=category,
        occurred_on=day - timedelta(days=rng.randrange(0, 20)),
        place=f"{village}{rng.choice(GROUPS)}",
        summary=story.format(a=a.name, b=b.name),
        requests=req.format(a=a.name, b=b.name),
        registered_on=day,
        parties=parties,
        amount=rng.choice(["", "3000", "1.2万", "30000", "5000", "800"]),
        risk_level=rng.choices(["low", "medium", "high"], [8, 3, 1])[0],
        prevented_criminal=rng.random() < 0.05,
    )
    dispute = register_dispute(ctx, data).record
    mediator = rng.choice(mediators)
    nxt = _step(clock, rng, day, today, 0, 2)
    if nxt is None or rng.random() < 0.05:
        return
    advance_dispute(ctx, dispute.id, "assign", DisputeAction(mediator=mediator, on=nxt))
    nxt = _step(clock, rng, nxt, today, 0, 4)
    if nxt is None:
        return
    record_session(
        ctx,
        dispute.id,
        SessionInput(
            kind="investigation",
            held_at=clock.at,
            place=f"{village}村委会调解室",
            mediators=mediator,
            content=f"分别听取了{a.name}、{b.name}的陈述，查看了现场。",
        ),
    )
    if rng.random() < 0.06:  # stalled: becomes overdue
        return
    nxt = _step(clock, rng, nxt, today, 1, 20)
    if nxt is None:
        return
    record_session(
        ctx,
        dispute.id,
        SessionInput(
            kind="mediation",
            held_at=clock.at,
            place=f"{village}村委会调解室",
            mediators=mediator,
            parties_present=f"{a.name}、{b.name}",
            content="调解员释明相关法律规定，双方各自陈述意见，经耐心疏导，双方情绪趋于平稳。",
            result="双方初步形成一致意见" if rng.random() < 0.85 else "双方分歧较大",
        ),
    )
    roll = rng.random()
    if roll < 0.82:
        advance_dispute(
            ctx,
            dispute.id,
            "succeed",
            DisputeAction(
                on=nxt,
                agreement_type=rng.choice(["written", "written", "oral"]),
                facts=story.format(a=a.name, b=b.name),
                terms=f"一、{b.name}于协议签订之日起十日内一次性向{a.name}支付人民币3000元；\n二、双方今后和睦相处，不再因此事发生争执。",
                performance_manner="现金或银行转账一次性支付",
                performance_place=f"{village}村委会",
                performance_deadline=nxt + timedelta(days=10),
            ),
        )
        nxt2 = _step(clock, rng, nxt, today, 10, 40)
        if nxt2 is None:
            return
        advance_dispute(
            ctx,
            dispute.id,
            "follow_up",
            DisputeAction(
                on=nxt2,
                note="电话回访，协议已按期履行，双方无异议",
                performance_status=rng.choice(["performed", "performed", "partial"]),
            ),
        )
        nxt3 = _step(clock, rng, nxt2, today, 1, 15)
        if nxt3 is not None:
            advance_dispute(ctx, dispute.id, "archive", DisputeAction(on=nxt3))
    elif roll < 0.94:
        advance_dispute(
            ctx,
            dispute.id,
            "fail",
            DisputeAction(
                on=nxt, note="双方对赔偿数额分歧较大，调解不成，已告知当事人可向人民法院起诉"
            ),
        )
    else:
        advance_dispute(
            ctx,
            dispute.id,
            "transfer",
            DisputeAction(
                on=nxt, unit="镇综治中心", note="涉及多户群众，村级难以化解，移送镇综治中心"
            ),
        )


def summary(ctx: Ctx) -> dict[str, Any]:
    from .stats import compute

    return compute(ctx)
