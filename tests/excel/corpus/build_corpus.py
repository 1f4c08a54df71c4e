"""Build the issue-14 corpus: workbooks laid out like the ledgers stations publish, each with a
truth file saying, for every source row, what a clerk expects the product to store.

Run ``python -m tests.excel.corpus.build_corpus`` (or the file directly); it rewrites the
``.xlsx`` and ``.truth.json`` files next to it, byte for byte the same on every run. It uses
openpyxl directly and nothing of ``app``: the yardstick must not be made by the thing it measures.

Published layouts the workbooks follow (every title + URL is repeated in each truth file):

- 人民调解申请书 / 人民调解受理登记表 (a county's 调解卷宗 template after the Ministry of
  Justice set): 申请人 and 被申请人 each with 姓名、性别、民族、年龄、联系方式、单位或住址;
  纠纷类型; 案件来源 written “①当事人申请 ②人民调解委员会主动调解”; 纠纷简要情况.
  https://bdocx.com/doc/4951888.html
- 人民调解卷宗填写说明 (卷号; 结案报告表: 受案时间、结案时间、当事人信息、案件来源 当事人申请、
  调委会主动调解、公安机关移交、审判机关委托、政府部门指定; 回访记录: 回访情况).
  http://www.yunnanlong.com/c/051HTA942023_3.html
- 信访台账怎么建立: columns 序号/来信编号、信访类型 (群众来访、电话来访…)、接件时间、
  信访人姓名和相关信息 (匿名、某先生 when withheld)、信访内容、联系电话、办理情况.
  https://search.52zhanxing.com/guide/xqyxgjn967
- 群众来访接待登记表: 来访人基本信息 (姓名、联系方式、居住地)、来访时间、来访事由、
  接待人员、处理意见与结果、备注.  http://ent.zjrxz.com/jxfw/202507/450998.html
- 凫城镇网格化管理: 网格员工作日志、群众诉求受理工作登记台账、矛盾纠纷排查化解工作台账,
  入户走访 recorded in 日志 and 台账.
  http://www.shanting.gov.cn/stxw/zjyq/202208/t20220830_1496033.html
- 网格员工作日志规范: 巡查时间、地点、发现的问题及处理结果.
  http://www.942113.com/yangguangwenan/95315.html
- 矛盾纠纷排查调处工作九项制度 (领导包案、限期办结、个案备案 《排查调处矛盾纠纷…》).
  https://www.sh196.com/rendagongzuo/36043.html
- 信访矛盾排查记录表标准版 (排查日期、排查人员、化解进展、稳控).
  http://www.boteman.cn/paper/501163533.html
- 矛盾纠纷排查协调分析例会和月报制度 (monthly reporting → one sheet per month).
  https://m.docduoduo.com/p-3572639.html
- Names: 公安部户政管理研究中心《二〇一九年全国姓名报告》 (百家姓 order 王 李 张 刘 陈 杨 黄
  赵 吴 周 …; most used names 张伟 王伟 李娜 王芳 李伟 王静 李静 张敏 刘伟 张静).
  http://perth.aichixiu.com/content-102004334144010 and
  https://m.ryxmt.com.cn/finance/money/67037.html
- ID numbers: GB 11643-1999 公民身份号码, check character by ISO 7064 MOD 11-2 (weights
  7 9 10 5 8 4 2 1 6 3 7 9 10 5 8 4 2, remainder → 1 0 X 9 8 7 6 5 4 3 2); 15-digit numbers of
  GB 11643-1989 convert by inserting “19” and adding the check character.
  https://barkure.xlog.app/MOD-112?locale=zh and https://www.zhshbaida.com/life/285204.html
- The shared sample ``/work/shared/fixtures/legacy_ledger_sample.xlsx`` (title row, 合计 row,
  mixed date spellings) was read as a reference; nothing is copied from it.

The truth vocabulary is the product's own (code tables in ``resources/codes``, statuses of
``app/rules/workflow.py``); see ``README.md`` in this folder for the rules, in particular:
a status word the product cannot know for certain (化解中, 未完全化解, 未解决, 稳控中, 部分化解,
尚未化解, 正在调解, 是否化解=否 …) must NOT be imported as a finished state — its truth is the set
of open statuses.
"""

from __future__ import annotations

import io
import json
import random
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

HERE = Path(__file__).parent
OUT = HERE  # where build_all writes (a test rebuilds into a temporary folder and compares)
TODAY = date(2026, 3, 16)  # the day the tests' clock shows (tests/conftest.FakeClock)
FIXED_TIME = datetime(2026, 1, 1, 0, 0, 0)

SOURCES: dict[str, tuple[str, str]] = {
    "dossier": (
        "调解卷宗（人民调解申请书、人民调解受理登记表，案件来源 ①当事人申请 ②人民调解委员会主动调解）",
        "https://bdocx.com/doc/4951888.html",
    ),
    "dossier_rules": (
        "人民调解卷宗怎么写（卷号、结案报告表、案件来源、回访情况）",
        "http://www.yunnanlong.com/c/051HTA942023_3.html",
    ),
    "petition_ledger": (
        "信访台账怎么建立（信访类型、接件时间、信访人、匿名、办理情况）",
        "https://search.52zhanxing.com/guide/xqyxgjn967",
    ),
    "reception_form": (
        "群众来访接待登记表（来访人基本信息、来访事由、接待人员、处理意见与结果）",
        "http://ent.zjrxz.com/jxfw/202507/450998.html",
    ),
    "grid_visits": (
        "凫城镇网格化管理（网格员工作日志、群众诉求受理工作登记台账、矛盾纠纷排查化解工作台账、入户走访）",
        "http://www.shanting.gov.cn/stxw/zjyq/202208/t20220830_1496033.html",
    ),
    "grid_log": (
        "网格员工作日志规范（巡查时间、地点、发现的问题及处理结果）",
        "http://www.942113.com/yangguangwenan/95315.html",
    ),
    "screening_rules": (
        "矛盾纠纷排查调处工作九项制度（领导包案、限期办结、个案备案）",
        "https://www.sh196.com/rendagongzuo/36043.html",
    ),
    "screening_record": (
        "信访矛盾排查记录表标准版（排查日期、排查人员、化解进展）",
        "http://www.boteman.cn/paper/501163533.html",
    ),
    "monthly_report": (
        "矛盾纠纷排查协调分析例会和月报制度（每月报送）",
        "https://m.docduoduo.com/p-3572639.html",
    ),
    "names": (
        "公安部户政管理研究中心《二〇一九年全国姓名报告》（百家姓排名、最常用姓名）",
        "http://perth.aichixiu.com/content-102004334144010",
    ),
    "id_rule": (
        "GB 11643-1999 公民身份号码 MOD 11-2 校验码",
        "https://barkure.xlog.app/MOD-112?locale=zh",
    ),
}

# --- people ---------------------------------------------------------------------------------

# 2019 全国姓名报告: the first 40 of the 百家姓 in order of population.
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林高罗郑梁谢宋唐许韩冯邓曹彭曾肖田董潘袁蔡蒋余"
# given names: the characters of the report's most used names (伟 芳 娜 静 敏 …) and other
# common ones, by the sex they are usually given to
_MALE = "伟 强 磊 军 洋 勇 杰 涛 明 超 平 刚 建华 国强 志刚 建国 德明 文华 晓东 长青 福全 学文 大勇 光明 志强 树林 永福 海军"
_FEMALE = "芳 娜 静 敏 秀英 丽 艳 娟 秀兰 霞 桂英 春花 玉兰 海燕 红梅 淑珍 永红 兰英 金凤 小红 秀珍 凤英 丽华 玉梅 春燕 桂芳"
GIVEN_MALE = tuple(_MALE.split())
GIVEN_FEMALE = tuple(_FEMALE.split())
# Real county codes (GB/T 2260): 中江县, 罗江区, 旌阳区, 广汉市, 绵竹市 (德阳, Sichuan)
AREAS = ("510623", "510626", "510603", "510681", "510683")
MOBILE_PREFIXES = (
    "133",
    "135",
    "136",
    "138",
    "139",
    "150",
    "151",
    "152",
    "157",
    "158",
    "159",
    "177",
    "180",
    "181",
    "182",
    "183",
    "187",
    "188",
    "189",
    "199",
)
WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK = "10X98765432"


def check_char(body17: str) -> str:
    """GB 11643-1999 / ISO 7064 MOD 11-2 check character."""
    return CHECK[sum(int(d) * w for d, w in zip(body17, WEIGHTS, strict=True)) % 11]


def id18_from_15(id15: str) -> str:
    body = id15[:6] + "19" + id15[6:]
    return body + check_char(body)


@dataclass
class Person:
    name: str
    id_number: str | None
    phone: str | None
    address: str
    male: bool


@dataclass
class Pool:
    """Unique names, ID numbers and phones for one workbook."""

    rng: random.Random
    village: str = "柳树村"
    names: set[str] = field(default_factory=set)
    ids: set[str] = field(default_factory=set)

    def name(self, male: bool = True) -> str:
        while True:
            n = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN_MALE if male else GIVEN_FEMALE)
            if n not in self.names:
                self.names.add(n)
                return n

    def name2(self, male: bool = True) -> str:
        """A two-character name (the ones clerks space out: “王 芳”)."""
        given = GIVEN_MALE if male else GIVEN_FEMALE
        while True:
            n = self.rng.choice(SURNAMES) + self.rng.choice([g for g in given if len(g) == 1])
            if n not in self.names:
                self.names.add(n)
                return n

    def id_number(self, male: bool, *, numeric_only: bool = False) -> str:
        while True:
            born = date(1950, 1, 1) + timedelta(days=self.rng.randrange(0, 365 * 50))
            seq = self.rng.randrange(0, 500) * 2 + (1 if male else 0)
            body = f"{self.rng.choice(AREAS)}{born:%Y%m%d}{seq:03d}"
            n = body + check_char(body)
            if numeric_only and n.endswith("X"):
                continue
            if n not in self.ids:
                self.ids.add(n)
                return n

    def phone(self) -> str:
        return self.rng.choice(MOBILE_PREFIXES) + "".join(
            str(self.rng.randrange(10)) for _ in range(8)
        )

    def address(self) -> str:
        return f"{self.village}{'一二三四五六七八'[self.rng.randrange(8)]}组{self.rng.randrange(1, 80)}号"

    def person(self, *, with_id: bool = True, with_phone: bool = True) -> Person:
        male = self.rng.random() < 0.55
        return Person(
            self.name(male),
            self.id_number(male) if with_id else None,
            self.phone() if with_phone else None,
            self.address(),
            male,
        )


def bad_check(n: str) -> str:
    """The same number with a wrong check character (a copying slip in the last place)."""
    right = n[-1]
    wrong = next(c for c in "0123456789X" if c != right)
    return n[:-1] + wrong


def id_as_float(n: str) -> float:
    """An ID number typed into a cell formatted 常规: Excel keeps 15 significant digits."""
    return float(n)


FW = str.maketrans("0123456789", "０１２３４５６７８９")


def fullwidth(text: str) -> str:
    return text.translate(FW)


def date_cell(d: date, style: str) -> Any:
    """A date the way clerks type or store it."""
    if style == "excel":
        return datetime(d.year, d.month, d.day)
    if style == "dot":
        return f"{d.year}.{d.month}.{d.day}"
    if style == "cn":
        return f"{d.year}年{d.month}月{d.day}日"
    if style == "slash":
        return f"{d:%Y/%m/%d}"
    if style == "dash":
        return d.isoformat()
    if style == "fullwidth":
        return fullwidth(f"{d.year}年{d.month}月{d.day}日")
    raise ValueError(style)


DATE_STYLES = ("excel", "excel", "excel", "dot", "cn", "slash", "dash")

# --- status vocabulary (the truth rules) ---------------------------------------------------

DISPUTE_OPEN = ["registered", "triaged", "mediating"]
VISIT_OPEN = ["registered", "reviewed", "accepted", "in_progress"]


def dispute_state(kind: str, *, followed_up: bool) -> dict[str, Any]:
    """The truth of a dispute's state for a result kind (see README.md)."""
    if kind == "succeeded":
        statuses = (
            ["followed_up", "archived"]
            if followed_up
            else [
                "succeeded",
                "followed_up",
                "archived",
            ]
        )
        return {"status_in": statuses, "outcome": "succeeded", "overdue": False}
    if kind == "failed":
        return {"status_in": ["failed", "archived"], "outcome": "failed", "overdue": False}
    if kind == "terminated":
        return {"status_in": ["terminated", "archived"], "outcome": "terminated", "overdue": False}
    if kind == "transferred":
        return {"status_in": ["transferred", "archived"], "overdue": False}
    return {"status_in": list(DISPUTE_OPEN), "outcome": ""}


# (word in the ledger, kind, extra truth)
DISPUTE_WORDS: list[tuple[str, str, dict[str, Any]]] = [
    ("调解成功", "succeeded", {}),
    ("已化解", "succeeded", {}),
    ("双方达成口头协议", "succeeded", {"agreement_type": "oral"}),
    ("达成书面调解协议", "succeeded", {"agreement_type": "written"}),
    ("调解不成", "failed", {}),
    ("调解失败", "failed", {}),
    ("化解中", "open", {}),
    ("未完全化解", "open", {}),
    ("未解决", "open", {}),
    ("稳控中", "open", {}),
    ("正在调解", "open", {}),
    ("尚未化解", "open", {}),
    ("部分化解", "open", {}),
    ("已转镇城建办", "transferred", {"transferred_to": "镇城建办"}),
    ("已移交镇派出所", "transferred", {"transferred_to": "镇派出所"}),
]

# (category spelling in the ledger, code, summary templates)
DISPUTE_KINDS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "邻里纠纷",
        "neighbour",
        ("宅前排水沟堵塞、雨水漫进对方院坝", "修建围墙占用公共通道", "家禽毁坏对方菜地"),
    ),
    ("相邻关系", "neighbour", ("新建房屋滴水落到对方屋顶",)),
    ("婚姻家庭", "marriage_family", ("兄妹之间对老人赡养费分担意见不一", "离婚后子女抚养费支付")),
    ("赡养纠纷", "marriage_family", ("三兄弟对母亲赡养轮住时间争执",)),
    ("宅基地纠纷", "housing_homestead", ("宅基地界址不清",)),
    ("土地纠纷", "forest_land", ("承包地边界田坎被挖", "流转土地租金支付")),
    ("山林纠纷", "forest_land", ("自留山界址不清、砍伐林木",)),
    ("借贷纠纷", "contract", ("借款2万元到期未还", "购买化肥欠款3600元未付")),
    ("劳资纠纷", "labour", ("务工工资8600元被拖欠", "装修工程尾款及工资结算")),
    ("损害赔偿", "damages", ("耕牛啃食对方秧苗的赔偿", "电动车碰撞致一方腿部受伤")),
    ("交通事故", "traffic", ("三轮车与摩托车在村道相撞，医疗费分担",)),
]


def kind_for(rng: random.Random, extra: dict[str, Any]) -> tuple[str, str, tuple[str, ...]]:
    """A category fitting the result: 城建办 takes building matters, 派出所 injuries."""
    unit = extra.get("transferred_to", "")
    if unit == "镇城建办":
        pool = [k for k in DISPUTE_KINDS if k[1] in ("housing_homestead", "neighbour")]
    elif unit == "镇派出所":
        pool = [k for k in DISPUTE_KINDS if k[1] in ("damages", "traffic")]
    else:
        pool = DISPUTE_KINDS
    return rng.choice(pool)


MEASURES = (
    "村调委会组织双方现场查看，讲解相关法律规定",
    "包案领导约谈双方，背靠背做工作",
    "邀请村民代表参与调解，释法明理",
    "联系镇司法所共同调处",
    "多次上门做思想工作，稳控情绪",
)
FOLLOW_UPS = ("已回访，双方均表示满意", "电话回访，协议已履行", "已回访，无反复")
LEADERS = ("张伟", "王静", "刘伟", "李静")
MEDIATORS = ("杨建平", "陈永淑", "赵德明", "周志刚", "黄玉兰")


# --- sheet writing and truth rows -----------------------------------------------------------


class Book:
    """One workbook plus its truth, written row by row."""

    def __init__(self, name: str, ledger: str, title: str, sources: list[str], about: str) -> None:
        self.name = name
        self.wb = openpyxl.Workbook()
        self._first = True
        self.truth: dict[str, Any] = {
            "workbook": f"{name}.xlsx",
            "ledger": ledger,
            "title": title,
            "about": about,
            "today": TODAY.isoformat(),
            "sources": [{"title": SOURCES[s][0], "url": SOURCES[s][1]} for s in sources],
            "rows": [],
        }

    def sheet(self, title: str) -> Sheet:
        if self._first:
            ws = self.wb.active
            assert ws is not None
            ws.title = title
            self._first = False
        else:
            ws = self.wb.create_sheet(title)
        return Sheet(self, ws)

    def add(self, sheet: str, row: int, expect: str, **data: Any) -> None:
        self.truth["rows"].append({"sheet": sheet, "row": row, "expect": expect, **data})

    def save(self) -> None:
        self.wb.properties.creator = "柳树村综治中心"
        self.wb.properties.created = FIXED_TIME
        self.wb.properties.modified = FIXED_TIME
        buf = io.BytesIO()
        self.wb.save(buf)
        (OUT / f"{self.name}.xlsx").write_bytes(_stable_zip(buf.getvalue()))
        (OUT / f"{self.name}.truth.json").write_text(
            json.dumps(self.truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
        )


def _stable_zip(data: bytes) -> bytes:
    """Re-pack with fixed timestamps (openpyxl stamps the save time) so builds are identical."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            body = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                text = body.decode("utf-8")
                text = re.sub(
                    r"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    r"\g<1>2026-01-01T00:00:00Z\g<2>",
                    text,
                )
                body = text.encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=(2026, 1, 1, 0, 0, 0))
            zi.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(zi, body)
    return out.getvalue()


class Sheet:
    def __init__(self, book: Book, ws: Worksheet) -> None:
        self.book = book
        self.ws = ws
        self.r = 0
        self.title = ws.title

    def row(self, values: list[Any]) -> int:
        self.r += 1
        for c, v in enumerate(values, start=1):
            if v is not None:
                self.ws.cell(row=self.r, column=c, value=v)
        return self.r

    def merge(self, rng: str) -> None:
        self.ws.merge_cells(rng)

    def title_row(self, text: str, width: int) -> int:
        r = self.row([text])
        self.ws.cell(row=r, column=1).font = Font(bold=True, size=16)
        self.ws.cell(row=r, column=1).alignment = Alignment(horizontal="center")
        self.merge(f"A{r}:{_col(width)}{r}")
        self.book.add(self.title, r, "skip", why="标题行")
        return r

    def note_row(self, values: list[Any], why: str) -> int:
        r = self.row(values)
        self.book.add(self.title, r, "skip", why=why)
        return r

    def blank(self) -> int:
        self.r += 1
        self.book.add(self.title, self.r, "skip", why="空行")
        return self.r

    def add(self, row: int, expect: str, **data: Any) -> None:
        self.book.add(self.title, row, expect, **data)


def _col(n: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(n)


def party_truth(p: Person, role: str | None = None, *, address: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {"name": p.name, "id_number": p.id_number, "phone": p.phone}
    if role:
        out["role"] = role
    if address:
        out["address"] = p.address
    return out


def spaced(name: str) -> str:
    """“王 芳”: a two-character name typed with a space to line up with three-character names."""
    return f"{name[0]} {name[1]}" if len(name) == 2 else name


# --- 01: 矛盾纠纷排查调处台账, 申请人/被申请人 grouped two-row header -------------------------


def build_01() -> None:
    rng = random.Random(1401)
    pool = Pool(rng)
    book = Book(
        "01_矛盾纠纷排查调处台账_申请人被申请人",
        "disputes",
        "城关镇柳树村矛盾纠纷排查调处台账（2024—2025年）",
        ["dossier", "screening_rules", "screening_record", "names", "id_rule"],
        "两行表头：申请人、被申请人各合并在姓名/身份证号码/联系电话/住址之上；标题行、"
        "填报单位行、合计行、表尾签注；2024年已结案并回访的旧案；状态用语混杂（化解中、未完全化解、"
        "稳控中、双方达成口头协议、已转镇城建办…）；化解时间是结果日期。",
    )
    s = book.sheet("2024-2025")
    width = 19
    s.title_row("城关镇柳树村矛盾纠纷排查调处台账（2024—2025年）", width)
    r = s.note_row(
        ["填报单位：柳树村人民调解委员会"]
        + [None] * 9
        + ["填表人：王芳"]
        + [None] * 4
        + ["填报日期：2025年12月31日"],
        "填报单位行",
    )
    s.merge(f"A{r}:J{r}")
    top = [
        "序号",
        "排查时间",
        "申请人",
        None,
        None,
        None,
        "被申请人",
        None,
        None,
        None,
        "纠纷类型",
        "纠纷简要情况",
        "调处措施",
        "调处结果",
        "化解时间",
        "包案领导",
        "调处责任人",
        "回访情况",
        "备注",
    ]
    sub = [
        None,
        None,
        "姓名",
        "身份证号码",
        "联系电话",
        "住址",
        "姓名",
        "身份证号码",
        "联系电话",
        "住址",
    ] + [None] * 9
    h1 = s.note_row(top, "表头")
    h2 = s.note_row(sub, "表头")
    s.merge(f"C{h1}:F{h1}")
    s.merge(f"G{h1}:J{h1}")
    for c in [1, 2, *list(range(11, 20))]:
        s.merge(f"{_col(c)}{h1}:{_col(c)}{h2}")
    n_rows = 48
    days = sorted(date(2024, 1, 8) + timedelta(days=rng.randrange(0, 700)) for _ in range(n_rows))
    seq = 0
    for i, day in enumerate(days):
        if i == 24:
            s.blank()  # a blank line a clerk left between the years
        a = pool.person()
        b = pool.person(with_id=rng.random() < 0.6, with_phone=rng.random() < 0.7)
        if i == 3:
            a.name = pool.name2(a.male)
        if i == 5 and "王芳" not in pool.names:
            pool.names.add("王芳")  # the 4th most used full name of the 2019 report
            a = Person("王芳", pool.id_number(False), a.phone, a.address, False)
        old = day.year == 2024
        if old:
            word, kind, extra = rng.choice(
                [w for w in DISPUTE_WORDS if w[1] in ("succeeded", "failed", "transferred")]
            )
        else:
            word, kind, extra = DISPUTE_WORDS[i % len(DISPUTE_WORDS)]
        cat_word, cat_code, summaries = kind_for(rng, extra)
        summary = f"{a.name}与{b.name}因{rng.choice(summaries)}发生纠纷。"
        finished = kind in ("succeeded", "failed", "transferred")
        outcome_on = day + timedelta(days=rng.randrange(3, 25)) if finished else None
        if outcome_on and outcome_on > TODAY - timedelta(days=1):
            outcome_on = None
        follow = rng.choice(FOLLOW_UPS) if kind == "succeeded" and old else None
        mediator = rng.choice(MEDIATORS)
        seq += 1
        a_name, a_id, a_phone = a.name, a.id_number, a.phone
        b_id_cell: Any = b.id_number
        day_cell: Any = date_cell(day, rng.choice(DATE_STYLES))
        outcome_cell: Any = date_cell(outcome_on, rng.choice(DATE_STYLES)) if outcome_on else None
        refuse: tuple[str, str] | None = None
        if i in (3, 5):
            a_name = spaced(a.name)
        a_id_cell: Any = a_id
        if i == 7:
            a_id = pool.id_number(a.male, numeric_only=True)
            a = Person(a.name, a_id, a.phone, a.address, a.male)
            a_id_cell = id_as_float(a_id)
            refuse = ("id_lost", "身份证号码")
        if i == 11:
            b.id_number = b.id_number or pool.id_number(b.male)
            b_id_cell = bad_check(b.id_number)  # the respondent's number: a copying slip
            refuse = ("id_checksum", "身份证号码")
        if i == 15:
            day_cell = f"{day.year}年2月30日"
            refuse = ("date_impossible", "排查时间")
        if i == 19 and a_phone:
            a_phone_cell: Any = f"{a_phone[:3]}-{a_phone[3:7]}-{a_phone[7:]}"
        else:
            a_phone_cell = a_phone
        if i == 21:
            day_cell = date_cell(day, "fullwidth")
        if i == 27:
            outcome_cell = date_cell(day - timedelta(days=9), "cn")
            refuse = ("date_order", "化解时间")
        if i == 33:
            a_id_cell = f" {a_id} "  # stray spaces around a text ID
        values = [
            seq,
            day_cell,
            a_name,
            a_id_cell,
            a_phone_cell,
            a.address,
            b.name,
            b_id_cell,
            b.phone,
            b.address,
            cat_word,
            summary,
            rng.choice(MEASURES),
            word,
            outcome_cell,
            rng.choice(LEADERS),
            mediator,
            follow,
            None,
        ]
        row = s.row(values)
        key = {"date": day.isoformat(), "names": [a.name, b.name]}
        if refuse:
            s.add(row, "refuse", reason=refuse[0], column=refuse[1], key=key)
            continue
        rec: dict[str, Any] = {
            "registered_on": day.isoformat(),
            "category": cat_code,
            "summary": summary,
            "mediator_name": mediator,
            "parties": [
                party_truth(a, "applicant", address=True),
                party_truth(b, "respondent", address=True),
            ],
            **dispute_state(kind, followed_up=bool(follow)),
            **extra,
        }
        if outcome_on and kind in ("succeeded", "failed"):
            rec["outcome_on"] = outcome_on.isoformat()
        s.add(row, "record", key=key, record=rec)
    r = s.row(["合计", None, f"共排查{seq}件"])
    s.add(r, "skip", why="合计行")
    s.blank()
    r = s.row(["填表人：王芳", None, None, None, None, None, "审核人：张伟"])
    s.add(r, "skip", why="表尾签注")
    book.save()


# --- 02: 矛盾纠纷排查化解登记表, one sheet per month, 是否化解 是/否 ----------------------------


def build_02() -> None:
    rng = random.Random(1402)
    pool = Pool(rng)
    book = Book(
        "02_矛盾纠纷排查化解登记表_按月分表",
        "disputes",
        "柳树村2025年矛盾纠纷排查化解登记表（每月一张工作表）",
        ["monthly_report", "screening_record", "screening_rules", "names", "id_rule"],
        "每月一张工作表（1月—4月），每表有标题行、填报单位行、合计行和表尾；当事人写成“赵春花与黄明”"
        "“张伟、李娜”；是否化解 是/否；化解时间是结果日期；后一个月重复登记前月未化解的纠纷并写明新进展"
        "（应更新原记录，而不是“已存在”）。",
    )
    width = 12
    header = [
        "序号",
        "排查日期",
        "当事人",
        "联系电话",
        "纠纷类型",
        "基本情况",
        "化解措施",
        "是否化解",
        "化解时间",
        "稳控情况",
        "包案领导",
        "责任人",
    ]
    carry: list[dict[str, Any]] = []  # open cases to repeat later
    for month in (1, 2, 3, 4):
        s = book.sheet(f"{month}月")
        s.title_row(f"柳树村2025年{month}月矛盾纠纷排查化解登记表", width)
        r = s.note_row(
            ["填报单位：柳树村综治中心（盖章）"] + [None] * 6 + [f"填报时间：2025年{month}月28日"],
            "填报单位行",
        )
        s.merge(f"A{r}:F{r}")
        s.note_row(header, "表头")
        seq = 0
        # repeats of earlier open cases first, as clerks copy them to the top of the new month
        repeats, carry = carry, []
        for case in repeats:
            seq += 1
            resolved = rng.random() < 0.7
            outcome_on = date(2025, month, rng.randrange(2, 26)) if resolved else None
            values = list(case["values"])
            values[0] = seq
            values[7] = "是" if resolved else "否"
            values[8] = date_cell(outcome_on, "excel") if outcome_on else None
            values[9] = "已化解，双方签字确认" if resolved else "继续跟踪稳控"
            row = s.row(values)
            upd = dict(case["record"])
            upd.update(dispute_state("succeeded" if resolved else "open", followed_up=False))
            upd.pop("outcome_on", None)
            if outcome_on:
                upd["outcome_on"] = outcome_on.isoformat()
            s.add(row, "update", of=case["at"], key=case["key"], record=upd)
            if not resolved and month < 4:
                carry.append({**case, "values": values})
        n_new = 14 if month != 4 else 12
        for j in range(n_new):
            day = date(2025, month, 1 + rng.randrange(0, 27))
            a = pool.person()
            b = pool.person(with_id=False, with_phone=False)
            cat_word, cat_code, summaries = rng.choice(DISPUTE_KINDS)
            summary = f"{a.name}与{b.name}因{rng.choice(summaries)}发生纠纷。"
            style = j % 4
            if style == 0:
                who = f"{a.name}与{b.name}"
            elif style == 1:
                who = f"{a.name}、{b.name}"
            elif style == 2:
                who = f"{a.name}，{b.name}"
            else:
                who = f"{spaced(a.name)}、{b.name}"
            resolved = rng.random() < 0.55
            outcome_on = day + timedelta(days=rng.randrange(1, 20)) if resolved else None
            phone_cell: Any = a.phone
            if j == 5 and a.phone:
                phone_cell = fullwidth(a.phone)
            if j == 9:
                phone_cell = "—"
                a = Person(a.name, a.id_number, None, a.address, a.male)
            mediator = rng.choice(MEDIATORS)
            seq += 1
            day_cell: Any = date_cell(day, rng.choice(DATE_STYLES))
            refuse: tuple[str, str] | None = None
            if month == 2 and j == 7:
                day_cell = "2025年2月30日"
                refuse = ("date_impossible", "排查日期")
            if month == 3 and j == 3:
                who = a.name  # only one party written: a dispute needs two sides
                refuse = ("one_party", "当事人")
            values = [
                seq,
                day_cell,
                who,
                phone_cell,
                cat_word,
                summary,
                rng.choice(MEASURES),
                "是" if resolved else "否",
                date_cell(outcome_on, "excel") if outcome_on else None,
                "已化解" if resolved else rng.choice(("双方情绪稳定", "已稳控，继续跟踪")),
                rng.choice(LEADERS),
                mediator,
            ]
            row = s.row(values)
            key = {"date": day.isoformat(), "names": [a.name, b.name]}
            if refuse:
                s.add(row, "refuse", reason=refuse[0], column=refuse[1], key=key)
                continue
            rec: dict[str, Any] = {
                "registered_on": day.isoformat(),
                "category": cat_code,
                "summary": summary,
                "mediator_name": mediator,
                "parties": [
                    {"name": a.name, "id_number": None, "phone": a.phone},
                    {"name": b.name, "id_number": None, "phone": None},
                ],
                **dispute_state("succeeded" if resolved else "open", followed_up=False),
            }
            if outcome_on:
                rec["outcome_on"] = outcome_on.isoformat()
            at = {"sheet": s.title, "row": row}
            if not resolved and month < 4 and len(carry) < 3:
                static = {
                    k: v
                    for k, v in rec.items()
                    if k not in ("status_in", "outcome", "outcome_on", "overdue")
                }
                s.add(row, "record", key=key, record=static, superseded=True)
                carry.append({"values": values, "record": rec, "key": key, "at": at})
            else:
                s.add(row, "record", key=key, record=rec)
        s.blank()
        r = s.row(["合计", None, f"本月排查{seq}件"])
        s.add(r, "skip", why="合计行")
        r = s.row(["填表人：李娜", None, None, None, None, "审核人：张伟"])
        s.add(r, "skip", why="表尾签注")
    book.save()


# --- 03: 人民调解案件登记台账, one row per party, dispute cells merged down --------------------


SOURCES_03 = [
    ("①当事人申请", "party_application"),
    ("②人民调解委员会主动调解", "committee_initiative"),
    ("③公安机关移交", "police_referral"),
]


def build_03() -> None:
    rng = random.Random(1403)
    pool = Pool(rng, village="城关镇新桥村")
    book = Book(
        "03_人民调解案件登记台账_一案多人",
        "disputes",
        "城关镇人民调解委员会人民调解案件登记台账（2024年度）",
        ["dossier", "dossier_rules", "names", "id_rule"],
        "每个当事人占一行，案件的序号、卷号、受理日期、来源、类型、简要情况、结果、协议形式、调解员、"
        "结案日期、回访情况向下合并（一案多人）；来源写成“①当事人申请”；2024年的旧案均已结案，"
        "调解成功的有回访情况（今天不应显示超期）。",
    )
    s = book.sheet("登记台账")
    width = 17
    s.title_row("城关镇人民调解委员会人民调解案件登记台账（2024年度）", width)
    r = s.note_row(["填报单位：城关镇人民调解委员会　　统计时段：2024年1月—12月"], "填报单位行")
    s.merge(f"A{r}:{_col(width)}{r}")
    s.note_row(
        [
            "序号",
            "卷号",
            "受理日期",
            "案件来源",
            "当事人身份",
            "姓名",
            "性别",
            "身份证号码",
            "联系电话",
            "住址",
            "纠纷类型",
            "纠纷简要情况",
            "调解结果",
            "协议形式",
            "调解员",
            "结案日期",
            "回访情况",
        ],
        "表头",
    )
    days = sorted(date(2024, 1, 5) + timedelta(days=rng.randrange(0, 350)) for _ in range(21))
    for i, day in enumerate(days):
        n_parties = 2 if i % 3 else 3
        people = [pool.person() for _ in range(n_parties)]
        roles = ["applicant"] + ["respondent"] * (n_parties - 1)
        if i % 5 == 4:
            roles = ["applicant", "applicant", "respondent"][:n_parties]
            if n_parties == 2:
                roles = ["applicant", "respondent"]
        src_word, src_code = SOURCES_03[i % 3]
        cat_word, cat_code, summaries = rng.choice(DISPUTE_KINDS)
        if i == 2:
            people[0].name = pool.name2(people[0].male)
        names = "、".join(p.name for p in people)
        summary = f"{names}因{rng.choice(summaries)}发生纠纷。"
        if i in (6, 13):
            result, kind, agreement = "调解不成", "failed", None
        elif i == 17:
            result, kind, agreement = "申请人撤回调解申请，终止调解", "terminated", None
        else:
            result, kind = "调解成功", "succeeded"
            agreement = rng.choice(("书面", "口头"))
        closed = day + timedelta(days=rng.randrange(2, 28))
        follow = rng.choice(FOLLOW_UPS) if kind == "succeeded" else None
        mediator = rng.choice(MEDIATORS)
        first = s.r + 1
        refuse: tuple[str, str] | None = None
        for k in range(n_parties):
            p = people[k]
            id_cell: Any = p.id_number
            if i == 9 and k == 1 and p.id_number:
                id_cell = bad_check(p.id_number)
                refuse = ("id_checksum", "身份证号码")
            if i == 15 and k == 0:
                num = pool.id_number(p.male, numeric_only=True)
                people[k] = p = Person(p.name, num, p.phone, p.address, p.male)
                id_cell = id_as_float(num)
                refuse = ("id_lost", "身份证号码")
            role_word = {"applicant": "申请人", "respondent": "被申请人"}[roles[k]]
            name_cell = spaced(p.name) if (i == 2 and k == 0) else p.name
            s.row(
                [
                    i + 1 if k == 0 else None,
                    f"（2024）城调字第{i + 1:03d}号" if k == 0 else None,
                    date_cell(day, "excel") if k == 0 else None,
                    src_word if k == 0 else None,
                    role_word,
                    name_cell,
                    "男" if p.male else "女",
                    id_cell,
                    p.phone,
                    p.address,
                    cat_word if k == 0 else None,
                    summary if k == 0 else None,
                    result if k == 0 else None,
                    agreement if k == 0 else None,
                    mediator if k == 0 else None,
                    date_cell(closed, "cn") if k == 0 else None,
                    follow if k == 0 else None,
                ]
            )
        last = s.r
        for c in [1, 2, 3, 4, 11, 12, 13, 14, 15, 16, 17]:
            s.merge(f"{_col(c)}{first}:{_col(c)}{last}")
        key = {"date": day.isoformat(), "names": [p.name for p in people]}
        if refuse:
            s.add(first, "refuse", reason=refuse[0], column=refuse[1], key=key)
        else:
            rec: dict[str, Any] = {
                "registered_on": day.isoformat(),
                "category": cat_code,
                "source": src_code,
                "summary": summary,
                "mediator_name": mediator,
                "parties": [party_truth(p, roles[k], address=True) for k, p in enumerate(people)],
                **dispute_state(kind, followed_up=bool(follow)),
            }
            if kind in ("succeeded", "failed"):
                rec["outcome_on"] = closed.isoformat()
            if agreement:
                rec["agreement_type"] = "written" if agreement == "书面" else "oral"
            s.add(first, "record", key=key, record=rec)
        for rr in range(first + 1, last + 1):
            s.add(rr, "part_of", of={"sheet": s.title, "row": first})
    r = s.row(["合计", None, f"共受理{len(days)}件"])
    s.add(r, "skip", why="合计行")
    r = s.row(["填表人：陈永淑", None, None, None, None, "审核人：刘伟"])
    s.add(r, "skip", why="表尾签注")
    book.save()


# --- 04: 群众来信来访登记簿, 来访人情况 grouped header --------------------------------------------

VISIT_CATS = [
    ("村务管理", "village_affairs", ("要求公开2024年村集体收支账目", "对村道硬化工程招标有疑问")),
    ("土地", "land_resources", ("反映邻居占用其承包地建房", "土地确权面积与实际不符")),
    ("低保", "civil_affairs", ("申请低保未获批准，要求说明理由", "残疾人补贴未按时发放")),
    ("欠薪", "labour_social", ("在本地工地务工被拖欠工资", "养殖场拖欠帮工工资")),
    ("环境污染", "environment", ("养猪场粪污直排河沟", "砖厂粉尘影响周边农户")),
    ("城乡建设", "urban_construction", ("危房改造补助未到位", "安置房漏水")),
    ("农村农业", "rural_agri", ("耕地地力保护补贴少发", "灌溉渠多年失修")),
    ("交通", "transport", ("村口路段无减速带，事故多发",)),
]
VISIT_CHANNELS = [("来访", "visit"), ("来电", "phone"), ("来信", "letter")]
RECEIVERS = ("杨小建", "王文玉", "朱永家", "陈永淑")


def visit_state(kind: str, *, followed_up: bool) -> dict[str, Any]:
    if kind == "done":
        st = (
            ["followed_up", "archived"] if followed_up else ["concluded", "followed_up", "archived"]
        )
        return {"status_in": st, "overdue": False}
    if kind == "transferred":
        return {"status_in": ["accepted", "in_progress"]}
    return {"status_in": list(VISIT_OPEN)}


# (办理结果 word, 处理意见, kind)
VISIT_RESULTS: list[tuple[str | None, str, str]] = [
    ("已办结", "交村委会调查处理", "done"),
    ("已答复", "经核实后书面答复", "done"),
    ("已解决，当事人满意", "协调相关部门解决", "done"),
    (None, "当场答复", "done"),
    ("办理中", "交村委会调查处理", "open"),
    ("正在办理", "协调镇农业服务中心核实", "open"),
    ("未办结", "交村委会调查处理", "open"),
    ("尚未答复", "调查核实中", "open"),
    ("部分解决", "协调相关部门解决", "open"),
    ("未解决", "交村委会调查处理", "open"),
    ("已转镇城建办", "转镇城建办办理", "transferred"),
]


def build_04() -> None:
    rng = random.Random(1404)
    pool = Pool(rng)
    book = Book(
        "04_群众来信来访登记簿",
        "visits",
        "柳树村群众来信来访登记簿（2024—2025年）",
        ["reception_form", "petition_ledger", "names", "id_rule"],
        "两行表头：来访人情况合并在姓名/身份证号码/联系电话/住址之上；来访方式 来访/来电/来信；"
        "匿名来信无联系方式；“朱平等3人”；办结时间是答复日期而不是登记日期；状态用语含 未办结、尚未答复、"
        "部分解决、未解决（不得导入为已办结）。",
    )
    s = book.sheet("来信来访登记")
    width = 15
    s.title_row("柳树村群众来信来访登记簿", width)
    r = s.note_row(
        ["填报单位：柳树村综治中心　　　　　　　　　　　　　填表人：朱永家"], "填报单位行"
    )
    s.merge(f"A{r}:{_col(width)}{r}")
    top = [
        "序号",
        "登记日期",
        "来访方式",
        "来访人情况",
        None,
        None,
        None,
        "人数",
        "反映问题",
        "问题类别",
        "接待人",
        "处理意见",
        "办理结果",
        "办结时间",
        "回访情况",
    ]
    sub = [None, None, None, "姓名", "身份证号码", "联系电话", "住址"] + [None] * 8
    h1 = s.note_row(top, "表头")
    h2 = s.note_row(sub, "表头")
    s.merge(f"D{h1}:G{h1}")
    for c in [1, 2, 3, *list(range(8, 16))]:
        s.merge(f"{_col(c)}{h1}:{_col(c)}{h2}")
    days = sorted(date(2024, 2, 1) + timedelta(days=rng.randrange(0, 650)) for _ in range(46))
    used_anon: set[date] = set()
    for i, day in enumerate(days):
        p = pool.person()
        ch_word, ch_code = VISIT_CHANNELS[0] if i % 4 else VISIT_CHANNELS[1 + (i // 4) % 2]
        cat_word, cat_code, asks = VISIT_CATS[i % len(VISIT_CATS)]
        request = f"{p.address[3:5]}村民{rng.choice(asks)}。" if i % 7 else rng.choice(asks) + "。"
        old = day.year == 2024
        res_word, opinion, kind = (
            VISIT_RESULTS[i % 4] if old else VISIT_RESULTS[i % len(VISIT_RESULTS)]
        )
        replied = day + timedelta(days=rng.randrange(1, 30)) if kind == "done" else None
        if opinion == "当场答复" and replied:
            replied = day
        if replied and replied >= TODAY:
            replied = None
        follow = (
            rng.choice(("电话回访，表示满意", "已回访，满意")) if kind == "done" and old else None
        )
        receiver = rng.choice(RECEIVERS)
        headcount = 1
        name_cell: Any = p.name
        petitioners = [
            {"name": p.name, "id_number": p.id_number, "phone": p.phone, "address": p.address}
        ]
        anonymous = False
        refuse: tuple[str, str] | None = None
        id_cell: Any = p.id_number
        phone_cell: Any = p.phone
        day_cell: Any = date_cell(day, rng.choice(DATE_STYLES))
        if i in (8, 20, 33) and day not in used_anon:
            ch_word, ch_code = "来信", "letter"
            name_cell, id_cell, phone_cell = "匿名", None, None
            petitioners, anonymous = [], True
            used_anon.add(day)
        elif i == 4:
            name_cell = f"{p.name}等3人"
            headcount = 3
        elif i == 12:
            p.name = pool.name2(p.male)
            petitioners[0]["name"] = p.name
            name_cell = spaced(p.name)
        elif i == 15:
            num = pool.id_number(p.male, numeric_only=True)
            id_cell = id_as_float(num)
            refuse = ("id_lost", "身份证号码")
        elif i == 24:
            day_cell = f"{day.year}-13-{day.day:02d}"
            refuse = ("date_impossible", "登记日期")
        elif i == 29 and p.id_number:
            id_cell = bad_check(p.id_number)
            refuse = ("id_checksum", "身份证号码")
        elif i == 37 and p.phone:
            phone_cell = fullwidth(p.phone)
        values = [
            i + 1,
            day_cell,
            ch_word,
            name_cell,
            id_cell,
            phone_cell,
            None if anonymous else p.address,
            headcount if i % 3 == 0 or headcount > 1 else None,
            request,
            cat_word,
            receiver,
            opinion,
            res_word,
            date_cell(replied, rng.choice(DATE_STYLES)) if replied else None,
            follow,
        ]
        row = s.row(values)
        key = {
            "date": day.isoformat(),
            "names": [x["name"] for x in petitioners],
            "request": request,
        }
        if refuse:
            s.add(row, "refuse", reason=refuse[0], column=refuse[1], key=key)
            continue
        rec: dict[str, Any] = {
            "received_on": day.isoformat(),
            "channel": ch_code,
            "category": cat_code,
            "request": request,
            "first_responder": receiver,
            "headcount": headcount,
            "is_anonymous": anonymous,
            "petitioners": petitioners,
            **visit_state(kind, followed_up=bool(follow)),
        }
        if replied:
            rec["replied_on"] = replied.isoformat()
        s.add(row, "record", key=key, record=rec)
    s.blank()
    r = s.row(["合计", None, f"共登记{len(days)}件"])
    s.add(r, "skip", why="合计行")
    book.save()


# --- 05: 信访登记台账 by month, 信访类型 来访/来电/来信 -------------------------------------------


def build_05() -> None:
    rng = random.Random(1405)
    pool = Pool(rng)
    book = Book(
        "05_信访登记台账_按月分表",
        "visits",
        "柳树村2026年信访登记台账（每月一张工作表）",
        ["petition_ledger", "reception_form", "monthly_report", "names", "id_rule"],
        "每月一张工作表（1月—3月）；信访类型 来访/来电/来信 是信访形式（不是内容分类）；"
        "后一个月重复登记前月在办的信访件并写明办结（应更新原记录）；15位旧身份证号码；全角数字电话；"
        "“王 芳”式空格姓名。",
    )
    header = [
        "序号",
        "信访日期",
        "信访类型",
        "信访人",
        "身份证号",
        "联系电话",
        "住址",
        "信访事项",
        "办理情况",
        "办结时间",
        "包案领导",
    ]
    carry: list[dict[str, Any]] = []
    asks = [a for _, _, group in VISIT_CATS for a in group]
    for month in (1, 2, 3):
        s = book.sheet(f"{month}月")
        s.title_row(f"柳树村2026年{month}月信访登记台账", len(header))
        s.note_row(header, "表头")
        seq = 0
        repeats, carry = carry, []
        for case in repeats:
            seq += 1
            done_on = date(2026, month, rng.randrange(2, 12))
            values = list(case["values"])
            values[0] = seq
            values[8] = "已办结，已答复信访人"
            values[9] = date_cell(done_on, "excel")
            row = s.row(values)
            upd = dict(case["record"])
            upd.update(visit_state("done", followed_up=False))
            upd["replied_on"] = done_on.isoformat()
            s.add(row, "update", of=case["at"], key=case["key"], record=upd)
        last_day = 13 if month == 3 else 28
        for j in range(14):
            day = date(2026, month, 1 + rng.randrange(0, last_day))
            p = pool.person()
            ch_word, ch_code = VISIT_CHANNELS[j % 3]
            request = rng.choice(asks) + "。"
            done = rng.random() < 0.5
            replied = day + timedelta(days=rng.randrange(0, 10)) if done else None
            if replied and replied >= TODAY:
                replied = None
                done = False
            name_cell: Any = p.name
            id_cell: Any = p.id_number
            phone_cell: Any = p.phone
            petitioners = [
                {"name": p.name, "id_number": p.id_number, "phone": p.phone, "address": p.address}
            ]
            anonymous = False
            refuse: tuple[str, str] | None = None
            day_cell: Any = date_cell(day, rng.choice(DATE_STYLES))
            if j == 2:
                p.name = pool.name2(p.male)
                petitioners[0]["name"] = p.name
                name_cell = spaced(p.name)
            if j == 4 and month == 1:
                born = date(1962, 7, 14)
                id15 = f"510623{born:%y%m%d}{'31' if p.male else '42'}{1 if p.male else 2}"
                id_cell = id15
                petitioners[0]["id_number"] = id18_from_15(id15)
            if j == 6 and p.phone:
                phone_cell = fullwidth(p.phone)
            if j == 8 and month == 2:
                day_cell = "2026年2月30日"
                refuse = ("date_impossible", "信访日期")
            if j == 10 and month != 2:
                ch_word, ch_code = "来信", "letter"
                name_cell, id_cell, phone_cell = "匿名", None, None
                petitioners, anonymous = [], True
            if j == 12 and month == 3 and p.id_number:
                id_cell = bad_check(p.id_number)
                refuse = ("id_checksum", "身份证号")
            seq += 1
            values = [
                seq,
                day_cell,
                ch_word,
                name_cell,
                id_cell,
                phone_cell,
                None if anonymous else p.address,
                request,
                "已办结" if done else rng.choice(("办理中", "正在核实", "未办结")),
                date_cell(replied, "dot") if replied else None,
                rng.choice(LEADERS),
            ]
            row = s.row(values)
            key = {
                "date": day.isoformat(),
                "names": [x["name"] for x in petitioners],
                "request": request,
            }
            if refuse:
                s.add(row, "refuse", reason=refuse[0], column=refuse[1], key=key)
                continue
            rec: dict[str, Any] = {
                "received_on": day.isoformat(),
                "channel": ch_code,
                "request": request,
                "is_anonymous": anonymous,
                "petitioners": petitioners,
                **visit_state("done" if done else "open", followed_up=False),
            }
            if replied:
                rec["replied_on"] = replied.isoformat()
            at = {"sheet": s.title, "row": row}
            if not done and not anonymous and month < 3 and len(carry) < 3:
                static = {
                    k: v for k, v in rec.items() if k not in ("status_in", "replied_on", "overdue")
                }
                s.add(row, "record", key=key, record=static, superseded=True)
                carry.append({"values": values, "record": rec, "key": key, "at": at})
            else:
                s.add(row, "record", key=key, record=rec)
        s.blank()
        r = s.row(["合计", None, f"{seq}件"])
        s.add(r, "skip", why="合计行")
    book.save()


# --- 06: 网格员入户走访台账 → 工作记录簿 (work_log) ----------------------------------------------

VISIT_TOPICS = [
    ("了解独居老人生活情况，检查用电用气安全", "厨房插线板老化", "已提醒更换，下次走访复查"),
    ("宣传防范电信网络诈骗知识，指导安装国家反诈中心APP", "无", "—"),
    ("排查邻里矛盾，听取群众意见建议", "与邻居因排水沟有争执", "已报村调委会，约定周五调解"),
    ("核实流动人口租住登记信息", "新增租户2人未登记", "已登记并报派出所"),
    ("走访困难家庭，了解低保申请进展", "低保材料缺少收入证明", "指导补齐材料"),
    ("检查自建房安全隐患", "院墙开裂", "已上报村委会"),
]


def build_06() -> None:
    rng = random.Random(1406)
    pool = Pool(rng)
    book = Book(
        "06_网格员入户走访台账",
        "work_log",
        "柳树村网格员入户走访台账（2025年）→ 十个一台账“工作记录簿”",
        ["grid_visits", "grid_log", "names"],
        "十个一台账（工作记录簿）：走访日期→日期，网格员→记录人，走访内容→工作内容；没有工作类别列，"
        "工作类别应为“走访群众”（按日常工作登记也可接受）；走访对象、住址、发现问题、处理情况不得丢失。",
    )
    s = book.sheet("入户走访")
    header = [
        "序号",
        "走访日期",
        "网格员",
        "走访对象",
        "住址",
        "联系电话",
        "走访内容",
        "发现问题",
        "处理情况",
    ]
    s.title_row("柳树村网格员入户走访台账（2025年）", len(header))
    r = s.note_row(["网格：柳树村第一网格　　网格长：周志刚"], "填报单位行")
    s.merge(f"A{r}:I{r}")
    s.note_row(header, "表头")
    workers = ["周志刚", "黄玉兰", "罗春英"]
    used: set[tuple[date, str]] = set()
    n = 0
    while n < 36:
        day = date(2025, 1, 3) + timedelta(days=rng.randrange(0, 360))
        worker = workers[n % 3]
        if (day, worker) in used:
            continue
        used.add((day, worker))
        n += 1
        who = pool.person(with_id=False)
        content, found, handled = rng.choice(VISIT_TOPICS)
        day_cell: Any = date_cell(day, rng.choice(DATE_STYLES))
        refuse: tuple[str, str] | None = None
        if n == 14:
            day_cell = f"{day.year}.6.31"
            refuse = ("date_impossible", "走访日期")
        if n == 27:
            content = ""
            refuse = ("content_missing", "走访内容")
        row = s.row(
            [n, day_cell, worker, who.name, who.address, who.phone, content or None, found, handled]
        )
        key = {"date": day.isoformat(), "names": [worker]}
        if refuse:
            s.add(row, "refuse", reason=refuse[0], column=refuse[1], key=key)
            continue
        s.add(
            row,
            "record",
            key=key,
            record={
                "date": day.isoformat(),
                "author": worker,
                "category_in": ["visiting", "routine"],
                "content_contains": [content],
            },
        )
    s.blank()
    r = s.row(["合计", None, f"入户走访{n}户次"])
    s.add(r, "skip", why="合计行")
    book.save()


# --- 07: 群防群治队伍花名册 → roster -----------------------------------------------------------

ROSTER_ROLES = [
    ("网格员", "grid_worker"),
    ("人民调解员", "mediator"),
    ("信息员", "informant"),
    ("治安中心户长", "household_head"),
    ("联防队员", "patrol_member"),
]


def build_07() -> None:
    rng = random.Random(1407)
    pool = Pool(rng)
    book = Book(
        "07_群防群治队伍花名册",
        "roster",
        "柳树村群防群治队伍花名册 → 十个一台账“治安中心户长及联防队伍花名册”",
        ["grid_visits", "names", "id_rule"],
        "十个一台账（队伍花名册）：所在网格→网格/小组，队伍类别→角色，任职时间→任职期间（至今在岗）；"
        "身份证号码存成数字的行、校验位错误的行、角色不在代码表中的行须拒绝并说明原因。",
    )
    s = book.sheet("花名册")
    header = [
        "序号",
        "姓名",
        "性别",
        "身份证号码",
        "联系电话",
        "所在网格",
        "队伍类别",
        "任职时间",
        "特长",
        "备注",
    ]
    s.title_row("柳树村群防群治队伍花名册", len(header))
    s.note_row(["（截至2025年12月）"], "填报单位行")
    s.note_row(header, "表头")
    for i in range(34):
        p = pool.person()
        role_word, role_code = ROSTER_ROLES[i % len(ROSTER_ROLES)]
        grid = f"第{'一二三四'[i % 4]}网格"
        start = date(2019, 1, 1) + timedelta(days=rng.randrange(0, 2000))
        style = i % 4
        start_cell: Any
        if style == 0:
            start_cell = date_cell(start, "excel")
        elif style == 1:
            start_cell = date_cell(start, "dot")
        elif style == 2:
            start_cell = f"{start.year}年{start.month}月{start.day}日至今"
        else:
            start_cell = start.isoformat()
        id_cell: Any = p.id_number
        refuse: tuple[str, str] | None = None
        name_cell = p.name
        if i == 5:
            p.name = pool.name2(p.male)
            name_cell = spaced(p.name)
        if i == 9:
            num = pool.id_number(p.male, numeric_only=True)
            id_cell = id_as_float(num)
            refuse = ("id_lost", "身份证号码")
        if i == 17 and p.id_number:
            id_cell = bad_check(p.id_number)
            refuse = ("id_checksum", "身份证号码")
        if i == 25:
            role_word = "志愿者"
            refuse = ("code_unknown", "队伍类别")
        row = s.row(
            [
                i + 1,
                name_cell,
                "男" if p.male else "女",
                id_cell,
                p.phone,
                grid,
                role_word,
                start_cell,
                rng.choice(("调解", "驾驶", "电工", None, None)),
                None,
            ]
        )
        key = {"names": [p.name]}
        if refuse:
            s.add(row, "refuse", reason=refuse[0], column=refuse[1], key=key)
            continue
        s.add(
            row,
            "record",
            key=key,
            record={
                "name": p.name,
                "role": role_code,
                "grid": grid,
                "phone": p.phone,
                "id_number": p.id_number,
                "service_start": start.isoformat(),
            },
        )
    r = s.row(["合计", None, "34人"])
    s.add(r, "skip", why="合计行")
    book.save()


# --- 08: 工作日志 by quarter → work_log ---------------------------------------------------------

WORK_CATS = [
    (
        "矛盾纠纷排查",
        "screening",
        "对全村8个组开展矛盾纠纷集中排查，排查出邻里纠纷2起，已登记并分流。",
    ),
    ("治安巡逻", "patrol", "组织联防队员夜间巡逻，重点检查村委会、学校周边。"),
    ("法治宣传", "publicity", "在村文化广场开展《民法典》宣传，发放资料120份。"),
    ("走访群众", "visiting", "入户走访五组困难群众6户，了解生产生活情况。"),
    ("会议学习", "meeting", "召开综治工作例会，传达镇综治办会议精神。"),
    ("上级交办", "assigned", "落实镇综治办交办的出租房屋排查任务，核查出租房屋11户。"),
    ("日常工作", "routine", "整理矛盾纠纷台账，更新重点人员信息。"),
    ("重点人员服务管理", "key_persons", "走访社区矫正对象1人，了解思想动态。"),
]


def build_08() -> None:
    rng = random.Random(1408)
    book = Book(
        "08_综治中心工作日志_按季度",
        "work_log",
        "柳树村综治中心工作日志（2025年，每季度一张工作表）→ 十个一台账“工作记录簿”",
        ["grid_log", "grid_visits"],
        "十个一台账（工作记录簿）每季度一张工作表；日期写法混杂；工作类别用台账常见写法；"
        "工作内容为空或日期不存在的行须拒绝并说明原因。",
    )
    header = ["日期", "记录人", "工作类别", "工作内容", "备注"]
    authors = ["王芳", "李娜", "朱永家"]
    used: set[tuple[date, str]] = set()
    for q, months in ((1, (1, 2, 3)), (2, (4, 5, 6))):
        s = book.sheet(f"{'一二'[q - 1]}季度")
        s.title_row(f"柳树村综治中心工作日志（2025年第{'一二'[q - 1]}季度）", len(header))
        s.note_row(header, "表头")
        n = 0
        while n < 20:
            day = date(2025, rng.choice(months), rng.randrange(1, 29))
            author = authors[n % 3]
            if (day, author) in used:
                continue
            used.add((day, author))
            n += 1
            cat_word, cat_code, content = WORK_CATS[(n + q) % len(WORK_CATS)]
            day_cell: Any = date_cell(day, rng.choice(DATE_STYLES))
            refuse: tuple[str, str] | None = None
            if q == 1 and n == 8:
                day_cell = "2025年2月29日"
                refuse = ("date_impossible", "日期")
            if q == 2 and n == 12:
                content = ""
                refuse = ("content_missing", "工作内容")
            row = s.row(
                [
                    day_cell,
                    author,
                    cat_word,
                    content or None,
                    "见会议记录" if cat_code == "meeting" else None,
                ]
            )
            key = {"date": day.isoformat(), "names": [author]}
            if refuse:
                s.add(row, "refuse", reason=refuse[0], column=refuse[1], key=key)
                continue
            s.add(
                row,
                "record",
                key=key,
                record={
                    "date": day.isoformat(),
                    "author": author,
                    "category_in": [cat_code],
                    "content_contains": [content],
                },
            )
        s.blank()
    book.save()


# --- 09: 当事人一/当事人二 grouped header, ID numbers in every broken form -------------------------

SOURCES_09 = [
    ("①当事人申请", "party_application"),
    ("②调委会主动调解", "committee_initiative"),
    ("③派出所移交", "police_referral"),
    ("④法院委托", "court_entrusted"),
]


def build_09() -> None:
    rng = random.Random(1409)
    pool = Pool(rng)
    book = Book(
        "09_矛盾纠纷调解台账_当事人一当事人二",
        "disputes",
        "柳树村人民调解委员会矛盾纠纷调解台账（2024—2025年）",
        ["dossier", "dossier_rules", "names", "id_rule"],
        "两行表头：当事人一、当事人二各合并在姓名/身份证号/联系电话之上；来源写成“①当事人申请”；"
        "身份证号码的各种写法：存成数字（精度丢失，须拒绝）、科学计数法文本（须拒绝）、全角数字、"
        "小写x、15位旧号码（按GB 11643换算）；是否签订协议 是/否/口头；回访情况。",
    )
    s = book.sheet("调解台账")
    top = [
        "序号",
        "卷号",
        "受理时间",
        "纠纷来源",
        "当事人一",
        None,
        None,
        "当事人二",
        None,
        None,
        "纠纷类别",
        "简要案情",
        "调处情况",
        "是否签订协议",
        "调结时间",
        "调解员",
        "回访情况",
    ]
    sub = [None] * 4 + ["姓名", "身份证号", "联系电话", "姓名", "身份证号", "联系电话"] + [None] * 7
    s.title_row("柳树村人民调解委员会矛盾纠纷调解台账", len(top))
    h1 = s.note_row(top, "表头")
    h2 = s.note_row(sub, "表头")
    s.merge(f"E{h1}:G{h1}")
    s.merge(f"H{h1}:J{h1}")
    for c in [1, 2, 3, 4, *list(range(11, 18))]:
        s.merge(f"{_col(c)}{h1}:{_col(c)}{h2}")
    days = sorted(date(2024, 3, 1) + timedelta(days=rng.randrange(0, 600)) for _ in range(36))
    for i, day in enumerate(days):
        a = pool.person()
        b = pool.person(with_phone=rng.random() < 0.6)
        src_word, src_code = SOURCES_09[i % 4]
        word, kind, extra = DISPUTE_WORDS[i % len(DISPUTE_WORDS)]
        cat_word, cat_code, summaries = kind_for(rng, extra)
        summary = f"{a.name}与{b.name}因{rng.choice(summaries)}发生纠纷。"
        old = day.year == 2024
        if old and kind == "open":
            word, kind, extra = "调解成功", "succeeded", {}
        agree_cell = None
        if kind == "succeeded":
            if extra.get("agreement_type") == "oral":
                agree_cell = "口头"
            elif extra.get("agreement_type") == "written" or i % 2:
                agree_cell = "是"
                extra = {**extra, "agreement_type": "written"}
            else:
                agree_cell = "口头"
                extra = {**extra, "agreement_type": "oral"}
        elif kind in ("failed", "open"):
            agree_cell = "否"
        closed = (
            day + timedelta(days=rng.randrange(2, 20)) if kind in ("succeeded", "failed") else None
        )
        if closed and closed >= TODAY:
            closed = None
        follow = rng.choice(FOLLOW_UPS) if kind == "succeeded" and old else None
        mediator = rng.choice(MEDIATORS)
        a_id_cell: Any = a.id_number
        b_id_cell: Any = b.id_number
        refuse: tuple[str, str] | None = None
        if i == 2:
            num = pool.id_number(a.male, numeric_only=True)
            a = Person(a.name, num, a.phone, a.address, a.male)
            a_id_cell = id_as_float(num)
            refuse = ("id_lost", "身份证号")
        if i == 6:
            num = pool.id_number(b.male, numeric_only=True)
            b = Person(b.name, num, b.phone, b.address, b.male)
            b_id_cell = f"{float(num):.5E}".replace("E+", "E+")
            refuse = ("id_lost", "身份证号")
        if i == 10 and a.id_number:
            a_id_cell = fullwidth(a.id_number)
        if i == 14:
            num = pool.id_number(a.male)
            while not num.endswith("X"):
                num = pool.id_number(a.male)
            a = Person(a.name, num, a.phone, a.address, a.male)
            a_id_cell = num.lower()
        if i == 18:
            id15 = (
                f"510623{date(1958, 4, 2):%y%m%d}{'11' if b.male else '12'}{'3' if b.male else '4'}"
            )
            b_id_cell = id15
            b = Person(b.name, id18_from_15(id15), b.phone, b.address, b.male)
        if i == 22 and b.id_number:
            b_id_cell = bad_check(b.id_number)
            refuse = ("id_checksum", "身份证号")
        if i == 26 and a.id_number:
            a_id_cell = a.id_number[:-1]  # one digit short
            refuse = ("id_length", "身份证号")
        row = s.row(
            [
                i + 1,
                f"（{day.year}）柳调字第{i + 1:03d}号",
                date_cell(day, rng.choice(DATE_STYLES)),
                src_word,
                a.name,
                a_id_cell,
                a.phone,
                b.name,
                b_id_cell,
                b.phone,
                cat_word,
                summary,
                word,
                agree_cell,
                date_cell(closed, rng.choice(DATE_STYLES)) if closed else None,
                mediator,
                follow,
            ]
        )
        key = {"date": day.isoformat(), "names": [a.name, b.name]}
        if refuse:
            s.add(row, "refuse", reason=refuse[0], column=refuse[1], key=key)
            continue
        rec: dict[str, Any] = {
            "registered_on": day.isoformat(),
            "category": cat_code,
            "source": src_code,
            "summary": summary,
            "mediator_name": mediator,
            "parties": [party_truth(a), party_truth(b)],
            **dispute_state(kind, followed_up=bool(follow)),
            **extra,
        }
        if closed:
            rec["outcome_on"] = closed.isoformat()
        s.add(row, "record", key=key, record=rec)
    r = s.row(["合计", None, f"{len(days)}件"])
    s.add(r, "skip", why="合计行")
    book.save()


# --- 10: 矛盾纠纷排查调处台账, one header row, every status word -----------------------------------


def build_10() -> None:
    rng = random.Random(1410)
    pool = Pool(rng)
    book = Book(
        "10_矛盾纠纷排查调处台账_单行表头",
        "disputes",
        "柳树村矛盾纠纷排查调处台账（2024年7月—2026年2月）",
        ["screening_record", "screening_rules", "names", "id_rule"],
        "最常见的单行表头（当事人一列，顿号分隔）：调处结果一列写尽各种说法——调解成功、已化解、"
        "双方达成口头协议、调解不成、化解中、未完全化解、未解决、稳控中、正在调解、尚未化解、部分化解、"
        "已转镇城建办；化解时间是结果日期（不是登记日期）；调处措施、包案领导、回访情况另列。"
        "版式简单，专门检验状态用语：进行中的说法不得导入为已结束的状态。",
    )
    s = book.sheet("排查调处台账")
    header = [
        "序号",
        "排查时间",
        "当事人",
        "身份证号码",
        "联系电话",
        "纠纷类型",
        "纠纷简要情况",
        "调处措施",
        "调处结果",
        "化解时间",
        "包案领导",
        "调处责任人",
        "回访情况",
        "备注",
    ]
    s.title_row("柳树村矛盾纠纷排查调处台账", len(header))
    s.note_row(header, "表头")
    days = sorted(date(2024, 7, 1) + timedelta(days=rng.randrange(0, 600)) for _ in range(45))
    for i, day in enumerate(days):
        a = pool.person()
        b = pool.person(with_id=False, with_phone=False)
        word, kind, extra = DISPUTE_WORDS[i % len(DISPUTE_WORDS)]
        cat_word, cat_code, summaries = kind_for(rng, extra)
        summary = f"{a.name}与{b.name}因{rng.choice(summaries)}发生纠纷。"
        old = day.year == 2024
        finished = kind in ("succeeded", "failed", "transferred")
        outcome_on = day + timedelta(days=rng.randrange(2, 30)) if finished else None
        if outcome_on and outcome_on >= TODAY:
            outcome_on = None
        follow = rng.choice(FOLLOW_UPS) if kind == "succeeded" and old else None
        mediator = rng.choice(MEDIATORS)
        id_cell: Any = a.id_number
        refuse: tuple[str, str] | None = None
        # clerks park the other side's details in 备注: kept as a note, never guessed onto a
        # party (the truth leaves that party's ID number and phone open), never shown unmasked
        remark: str | None = None
        other: dict[str, Any] = {"name": b.name, "id_number": None, "phone": None}
        if i % 6 == 2:
            remark = f"对方身份证号：{pool.id_number(b.male)}"
            other = {"name": b.name, "phone": None}
        elif i % 6 == 4:
            remark = f"对方电话：{pool.phone()}"
            other = {"name": b.name, "id_number": None}
        if i == 12:
            num = pool.id_number(a.male, numeric_only=True)
            a = Person(a.name, num, a.phone, a.address, a.male)
            id_cell = id_as_float(num)
            refuse = ("id_lost", "身份证号码")
        if i == 30 and a.id_number:
            id_cell = bad_check(a.id_number)
            refuse = ("id_checksum", "身份证号码")
        row = s.row(
            [
                i + 1,
                date_cell(day, rng.choice(DATE_STYLES)),
                f"{a.name}、{b.name}",
                id_cell,
                a.phone,
                cat_word,
                summary,
                rng.choice(MEASURES),
                word,
                date_cell(outcome_on, rng.choice(DATE_STYLES)) if outcome_on else None,
                rng.choice(LEADERS),
                mediator,
                follow,
                remark,
            ]
        )
        key = {"date": day.isoformat(), "names": [a.name, b.name]}
        if refuse:
            s.add(row, "refuse", reason=refuse[0], column=refuse[1], key=key)
            continue
        rec: dict[str, Any] = {
            "registered_on": day.isoformat(),
            "category": cat_code,
            "summary": summary,
            "mediator_name": mediator,
            "parties": [
                {"name": a.name, "id_number": a.id_number, "phone": a.phone},
                other,
            ],
            **dispute_state(kind, followed_up=bool(follow)),
            **extra,
        }
        if outcome_on and kind in ("succeeded", "failed"):
            rec["outcome_on"] = outcome_on.isoformat()
        s.add(row, "record", key=key, record=rec)
    r = s.row(["合计", None, f"{len(days)}件"])
    s.add(r, "skip", why="合计行")
    book.save()


BUILDERS = (
    build_01,
    build_02,
    build_03,
    build_04,
    build_05,
    build_06,
    build_07,
    build_08,
    build_09,
    build_10,
)


def build_all(out: Path = HERE) -> None:
    global OUT
    OUT = out
    try:
        for build in BUILDERS:
            build()
    finally:
        OUT = HERE


def main() -> None:
    build_all()
    print(f"corpus written to {HERE}")


if __name__ == "__main__":
    main()
