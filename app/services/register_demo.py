"""Sample register entries for a demo station (called by ``zongzhi demo`` after the ledgers).

Written through the register service like real entries: work log, responsibility letters,
publicity boards, the roster, an emergency plan with drills, meeting minutes with decisions
(some due soon, one overdue), urgent and ordinary information (one reported late), receipt and
feedback on some transferred visits, and the last two months' bulletins.
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.models import Visit
from app.rules.dates import CHINA_TZ
from app.rules.registers import NewFile

from . import registers as reg
from .context import Ctx

WORK = [
    (
        "矛盾纠纷排查",
        "到{g}走访农户{n}户，排查矛盾纠纷，发现邻里通行纠纷1起，已登记并约定调解时间。",
    ),
    ("治安巡逻防控", "晚间与联防队员{n}人巡逻村主干道、学校周边和{g}，未发现异常。"),
    ("法治宣传教育", "在村委会广场开展反电诈宣传，发放宣传资料{n}份，现场指导安装反诈APP。"),
    ("走访群众", "走访{g}独居老人和困难家庭{n}户，了解诉求，登记需协调事项2件。"),
    ("会议学习", "组织网格员学习矛盾纠纷多元化解工作要求，参加{n}人。"),
    ("上级交办", "落实镇综治中心交办事项，核实{g}宅基地纠纷情况并上报。"),
    ("重点人员服务管理", "走访社区矫正对象和刑满释放人员{n}人，了解思想动态和生活情况。"),
    ("日常工作", "整理本周来信来访台账，更新纠纷办理进度，催办超期事项{n}件。"),
]
ROSTER = [
    ("治安中心户长", "一组"),
    ("治安中心户长", "三组"),
    ("楼幢长", "安置小区1号楼"),
    ("楼幢长", "安置小区2号楼"),
    ("联防队员", "巡防一队"),
    ("联防队员", "巡防一队"),
    ("联防队员", "巡防二队"),
    ("网格员", "第一网格"),
    ("网格员", "第二网格"),
    ("网格员", "第三网格"),
    ("信息员", "二组"),
    ("调解员", "村调委会"),
    ("调解员", "村调委会"),
    ("应急队员", "应急分队"),
    ("应急队员", "应急分队"),
]
NAMES = [
    "赵建国",
    "钱秀英",
    "孙志强",
    "李桂兰",
    "周海燕",
    "吴德福",
    "郑春生",
    "王红霞",
    "冯淑珍",
    "陈小平",
    "褚永刚",
    "卫金凤",
    "蒋国庆",
    "沈文杰",
    "韩晓东",
    "杨丽",
    "朱明",
    "秦勇",
]
SKILLS = ["急救", "驾驶", "调解", "电工", "水上救援", "", "", "熟悉村情"]
PUBLICITY = [
    ("防范电信网络诈骗", "典型案例、“五个凡是”防骗口诀、国家反诈中心APP安装指引"),
    ("平安建设宣传月", "平安建设知识问答、群防群治队伍风采、举报电话"),
    ("人民调解法宣传", "人民调解的原则、调解协议的效力、司法确认程序"),
    ("安全生产月", "农村用电、燃气使用、秸秆禁烧和防溺水常识"),
]
INFO = [
    (
        "normal",
        "dispute",
        "{g}两户村民因宅基地界址发生争执",
        "两户因翻建房屋界址发生口角，村调委会已介入，约定近日调解。",
    ),
    ("normal", "work_progress", "本村开展反电诈集中宣传", "组织网格员入户宣传，覆盖农户三百余户。"),
    (
        "urgent",
        "group_event",
        "{g}十余名村民聚集反映土地补偿问题",
        "村民在村委会门口聚集，情绪较激动，村干部正在现场劝解。",
    ),
    (
        "normal",
        "public_order",
        "夜间巡逻发现可疑人员已移交派出所",
        "联防队员发现陌生人员撬车，已报警并协助民警处置。",
    ),
    ("urgent", "work_safety", "{g}一处民房发生火情", "村民家中厨房起火，已扑灭，无人员伤亡。"),
    ("normal", "key_persons", "重点人员近期情况", "走访重点人员，情况稳定。"),
]


def _png(rng: random.Random) -> bytes:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (480, 320), (230, 238, 248))
    draw = ImageDraw.Draw(img)
    draw.rectangle((20, 20, 460, 300), outline=(31, 95, 168), width=6)
    for i in range(6):
        y = 60 + i * 36
        draw.rectangle(
            (50, y, 430 - rng.randrange(0, 120), y + 14),
            fill=(180, 40, 40) if i == 0 else (90, 110, 140),
        )
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def _at(day: date, hour: int, minute: int) -> str:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=CHINA_TZ).strftime(
        "%Y-%m-%d %H:%M"
    )


def generate_register_demo(ctx: Ctx, *, seed: int = 20251124) -> int:
    """Fill the plain registers with sample entries; return how many were written."""
    rng = random.Random(seed)
    today = ctx.today()
    groups = ["一组", "二组", "三组", "四组", "五组"]
    clerk = ctx.operator.display_name if ctx.operator.role != "system" else "王芳"
    base = ctx.station.name.removesuffix("综治中心").removesuffix("综治工作站")
    committee = f"{base}村民委员会" if base.endswith("村") else f"{base}人民政府"
    n = 0

    def add(key: str, values: dict[str, object]) -> None:
        nonlocal n
        reg.add_record(ctx, key, values)
        n += 1

    for i in range(24):
        day = today - timedelta(days=rng.randrange(0, 60))
        category, text = WORK[i % len(WORK)]
        add(
            "work_log",
            {
                "date": day.isoformat(),
                "author": rng.choice([clerk, "李晓梅", "王建国"]),
                "category": category,
                "content": text.format(g=rng.choice(groups), n=rng.randrange(3, 30)),
            },
        )
    year = today.year
    for party_b in (committee, "村治保会", "村调委会"):
        add(
            "responsibility",
            {
                "year": year,
                "title": f"{year}年度综治维稳（平安建设）目标管理责任书",
                "party_a": "上级人民政府" if party_b == committee else committee,
                "party_b": party_b,
                "scope": "一、矛盾纠纷排查化解率达到98%以上；\n二、无重大群体性事件和民转刑案件；\n三、按时报送综治维稳工作信息和台账。",
                "term": {"start": f"{year}-01-01", "end": f"{year}-12-31"},
                "signed_on": min(today, date(year, 1, 10 + n % 5)).isoformat(),
            },
        )
    for i, (theme, content) in enumerate(PUBLICITY):
        posted = today - timedelta(days=15 + 30 * (len(PUBLICITY) - 1 - i))
        removed = posted + timedelta(days=28)
        add(
            "publicity",
            {
                "posted_on": posted.isoformat(),
                "removed_on": removed.isoformat() if removed <= today else "",
                "theme": theme,
                "location": "村委会宣传栏",
                "content": content,
                "responsible": clerk,
                "photo": [NewFile(f"宣传栏{i + 1}.png", _png(rng), "image/png")],
            },
        )
    for i, (role, grid) in enumerate(ROSTER):
        start = date(today.year - rng.randrange(0, 5), rng.randrange(1, 13), 1)
        end = ""
        if i in (5, 11):
            end = (today - timedelta(days=rng.randrange(20, 200))).isoformat()
            start = min(start, today - timedelta(days=400))
        add(
            "roster",
            {
                "name": NAMES[i],
                "role": role,
                "grid": grid,
                "phone": f"13{rng.randrange(0, 10)}{rng.randrange(10_000_000, 99_999_999)}",
                "service": {"start": start.isoformat(), "end": end},
                "skills": rng.choice(SKILLS),
            },
        )
    add(
        "emergency_plan",
        {
            "title": f"{base}突发性群体性事件处置预案",
            "version": f"{year}年修订版",
            "effective_on": date(year, 1, 1).isoformat(),
            "status": "current",
            "approved_by": f"{base}党组织",
            "summary": "一、组织指挥体系：成立处置工作领导小组，村党支部书记任组长。\n二、预警与报告：发现苗头1小时内报告镇综治中心。\n三、处置程序：先期处置、稳控现场、疏导劝解、依法处置。\n四、保障措施：应急分队、通讯联络、后勤保障。",
            "contacts": [
                {"name": "赵建国", "duty": "组长（村党支部书记）", "phone": "13900139001"},
                {"name": "孙志强", "duty": "副组长（村委会主任）", "phone": "13900139002"},
                {"name": "李晓梅", "duty": "联络员（综治专干）", "phone": "13900139003"},
            ],
            "drills": [
                {
                    "date": (today - timedelta(days=40)).isoformat(),
                    "place": "村委会广场",
                    "participants": "赵建国、孙志强、应急分队",
                    "headcount": 26,
                    "summary": "模拟群众聚集上访的劝解疏导和信息报告",
                }
            ],
        },
    )
    for i, ago in enumerate((55, 25, 3)):
        day = today - timedelta(days=ago)
        add(
            "meeting_minutes",
            {
                "meeting_on": day.isoformat(),
                "meeting_type": "analysis",
                "place": "村委会二楼会议室",
                "host": "赵建国",
                "recorder": clerk,
                "attendees": "赵建国、孙志强、李晓梅、王建国、各组组长",
                "topics": f"第{i + 1}次社会治安形势和矛盾纠纷排查分析",
                "situation": "本月社会治安总体平稳，排查出邻里、婚姻家庭类纠纷若干起，均已落实包案责任人。",
                "decisions": [
                    {
                        "content": "化解三组宅基地界址纠纷",
                        "owner": "王建国",
                        "due_on": (day + timedelta(days=14)).isoformat(),
                        "done": ago > 20,
                    },
                    {
                        "content": "更新宣传栏反诈内容",
                        "owner": "李晓梅",
                        "due_on": (day + timedelta(days=7)).isoformat(),
                        "done": ago > 20,
                    },
                    {
                        "content": "组织应急分队开展一次演练",
                        "owner": "孙志强",
                        "due_on": (day + timedelta(days=30)).isoformat(),
                    },
                ],
            },
        )
    for i, (urgency, category, title, content) in enumerate(INFO):
        day = today - timedelta(days=2 + i * 6)
        occurred = _at(day, 8 + i, 15)
        delay = 50 if i != 4 else 95  # the fire was reported late
        reported = (
            datetime.strptime(occurred, "%Y-%m-%d %H:%M") + timedelta(minutes=delay)
        ).strftime("%Y-%m-%d %H:%M")
        add(
            "work_info",
            {
                "title": title.format(g=rng.choice(groups)),
                "urgency": urgency,
                "category": category,
                "occurred_at": occurred,
                "content": content,
                "reported_to": "上级综治中心",
                "reported_at": reported,
                "reporter": clerk,
            },
        )
    transfer = reg.get_type_by_source(ctx, "visit_transfers")
    visits = ctx.session.scalars(
        select(Visit)
        .where(Visit.deleted_at.is_(None), Visit.handling_method.in_(["transfer", "assign"]))
        .order_by(Visit.handled_on)
    ).all()
    for i, v in enumerate(visits):
        if v.handled_on is None or i % 3 == 2:
            continue
        receipt = min(today, v.handled_on + timedelta(days=1 + i % 3))
        values: dict[str, object] = {"receipt_on": receipt.isoformat()}
        feedback = v.handled_on + timedelta(days=10 + i % 20)
        if i % 3 == 0 and feedback <= today:
            values["feedback_on"] = feedback.isoformat()
            values["feedback"] = f"{v.handler_unit}已核实办理，已向信访人答复。"
        reg.save_record(ctx, transfer.id, values, ref_id=v.id)
        n += 1
    for back in (2, 1):
        first = today.replace(day=1)
        for _ in range(back):
            first = (first - timedelta(days=1)).replace(day=1)
        reg.generate_bulletin(ctx, f"{first.year:04d}-{first.month:02d}")
        n += 1
    return n
