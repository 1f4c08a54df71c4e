"""Reading hand-kept legacy ledgers (Excel/WPS): the rules, without any file or database.

Stations have kept their 台账 in spreadsheets for years. What those sheets contain is messy but
predictable: merged title rows above the header, headers in local wording, dates typed every
way a person can type a date (or stored as real date cells, or as bare serial numbers), parties
joined by 、，, or spaces, and ID numbers that Excel turned into floating-point numbers and
thereby destroyed. These functions turn such cells into exact values — or refuse them with a
Chinese reason and fix (:class:`LegacyProblem`). Nothing is guessed: lost digits stay lost.
"""

from __future__ import annotations

import hashlib
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from .dates import EARLIEST
from .errors import ValidationError
from .idcard import check_char, convert_15_to_18, validate_id_number
from .legacy_values import (
    DISPUTE_STATUS_LABELS,
    VISIT_STATUS_LABELS,
    Reading,
    read_status,
    status_label,
)
from .phone import validate_phone
from .text import clean, to_halfwidth


class LegacyProblem(Exception):
    """A cell that cannot be trusted: ``reason`` says why (Chinese), ``fix`` what to do."""

    def __init__(self, reason: str, fix: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.fix = fix


# --- fields and header synonyms -----------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """One importable field of a ledger: machine key, Chinese label, header synonyms."""

    key: str
    label: str
    synonyms: tuple[str, ...] = ()
    required: bool = False
    kind: str = "text"  # text | date | id | phone | int | parties | code | amount


def _f(
    key: str, label: str, *synonyms: str, required: bool = False, kind: str = "text"
) -> FieldSpec:
    return FieldSpec(key, label, (label, *synonyms), required, kind)


def field_spec(fields: Sequence[FieldSpec], key: str) -> FieldSpec:
    """The field ``key`` of a ledger's fields (by name, never by position)."""
    return next(f for f in fields if f.key == key)


DISPUTE_FIELDS: tuple[FieldSpec, ...] = (
    _f("seq", "序号", "编号", "序", "顺序号", "排序"),
    _f(
        "registered_on",
        "受理日期",
        "受理时间",
        "登记日期",
        "登记时间",
        "排查日期",
        "排查时间",
        "收案日期",
        "收案时间",
        "受理",
        "日期",
        "时间",
        required=True,
        kind="date",
    ),
    _f(
        "parties",
        "当事人",
        "当事人姓名",
        "纠纷当事人",
        "双方当事人",
        "当事人双方",
        "纠纷双方",
        "涉及当事人",
        "姓名",
        kind="parties",
    ),
    _f("applicant", "申请人", "申请方", "甲方", "当事人甲", "当事人一", kind="parties"),
    _f(
        "respondent",
        "被申请人",
        "被申请方",
        "乙方",
        "当事人乙",
        "当事人二",
        "对方当事人",
        kind="parties",
    ),
    _f(
        "id_number",
        "身份证号码",
        "身份证号",
        "身份证",
        "公民身份号码",
        "身份号码",
        "证件号码",
        "身份证件号码",
        kind="id",
    ),
    _f(
        "phone",
        "联系电话",
        "电话",
        "手机",
        "手机号",
        "手机号码",
        "联系方式",
        "电话号码",
        kind="phone",
    ),
    _f("address", "住址", "家庭住址", "地址", "现住址", "居住地址"),
    _f(
        "category",
        "纠纷类型",
        "纠纷类别",
        "纠纷种类",
        "类型",
        "类别",
        "案件类型",
        "纠纷性质",
        required=True,
        kind="code",
    ),
    _f("source", "案件来源", "纠纷来源", "来源", "受理方式", kind="code"),
    _f(
        "summary",
        "纠纷简要情况",
        "简要情况",
        "纠纷简要",
        "纠纷事由",
        "基本情况",
        "纠纷情况",
        "案情简介",
        "主要内容",
        "纠纷内容",
        "简要案情",
        "事由",
        "主要问题",
    ),
    _f("requests", "申请事项", "诉求", "当事人诉求", "申请调解事项"),
    _f("place", "发生地点", "纠纷地点", "地点"),
    _f("occurred_on", "发生日期", "发生时间", kind="date"),
    _f("amount", "涉及金额", "金额", "标的额", "涉案金额", "争议金额", kind="amount"),
    _f(
        "mediator",
        "调解员",
        "调处责任人",
        "责任人",
        "承办人",
        "调解人",
        "主持人",
        "调解人员",
        "经办人",
    ),
    _f(
        "result",
        "调处结果",
        "调解结果",
        "处理结果",
        "结果",
        "化解情况",
        "调处情况",
        "办理结果",
        "调解情况",
        "化解结果",
    ),
    _f(
        "resolved",
        "是否化解",
        "是否调解成功",
        "是否化解到位",
        "是否解决",
        "是否办结",
        "是否调结",
        kind="code",
    ),
    _f(
        "outcome_on",
        "调结日期",
        "调结时间",
        "结案日期",
        "结案时间",
        "办结日期",
        "办结时间",
        "调处日期",
        "调解日期",
        "化解日期",
        "化解时间",
        "化解完成时间",
        "化解完成日期",
        "调处时间",
        "调解时间",
        "完成时间",
        "完成日期",
        kind="date",
    ),
    _f(
        "agreement",
        "协议形式",
        "是否签订协议",
        "是否达成协议",
        "协议类型",
        "签订协议",
        "协议",
        kind="code",
    ),
    _f("terms", "协议内容", "协议主要内容", "调解协议内容"),
    _f("follow_up", "回访情况", "回访", "回访记录", "履行情况", "回访结果"),
    _f("transferred_to", "移送单位", "移交单位", "移送部门", "转办单位", "移交部门"),
    # columns of 矛盾纠纷排查化解 ledgers that the model keeps as labelled notes
    _f("measures", "调处措施", "化解措施", "调解措施", "处置措施", "工作措施", "稳控措施"),
    _f("lead", "包案领导", "包案责任人", "包联领导", "责任领导", "包案干部"),
    _f("stability", "稳控情况", "稳控责任人", "稳控人"),
    _f("volume", "卷号", "卷宗号", "档案号", "案卷号"),
    _f("note", "备注", "说明"),
    # one row per party: the row's party's role (申请人/被申请人), never a name; last, so that
    # 当事人身份证号码 is an ID number column (equal-length matches go to the earlier field)
    _f(
        "party_role",
        "当事人身份",
        "当事人类别",
        "当事人类型",
        "当事人角色",
        "当事人地位",
        "身份类别",
    ),
)

VISIT_FIELDS: tuple[FieldSpec, ...] = (
    _f("seq", "序号", "编号", "序", "顺序号"),
    _f(
        "received_on",
        "登记日期",
        "来访日期",
        "来访时间",
        "来信日期",
        "来信时间",
        "来电日期",
        "接待日期",
        "接待时间",
        "收件日期",
        "登记时间",
        "日期",
        "时间",
        required=True,
        kind="date",
    ),
    _f(
        "channel",
        "信访形式",
        "形式",
        "来访方式",
        "信访方式",
        "方式",
        "渠道",
        "信访类型",
        "来访类型",
        "来访形式",
        "信访渠道",
        "反映方式",
        "反映渠道",
        "来信来访方式",
        kind="code",
    ),
    _f(
        "petitioner",
        "信访人",
        "来访人",
        "来访人姓名",
        "信访人姓名",
        "来信人",
        "来电人",
        "反映人",
        "姓名",
        "来访群众",
        required=True,
        kind="parties",
    ),
    _f("headcount", "人数", "来访人数", "信访人数", kind="int"),
    field_spec(DISPUTE_FIELDS, "id_number"),
    field_spec(DISPUTE_FIELDS, "phone"),
    field_spec(DISPUTE_FIELDS, "address"),
    _f("category", "内容分类", "问题类别", "分类", "类别", "问题类型", "类型", kind="code"),
    _f(
        "request",
        "反映问题",
        "诉求",
        "主要诉求",
        "反映事项",
        "来访事由",
        "信访事项",
        "主要问题",
        "反映内容",
        "内容",
        "事由",
        "反映情况",
        "来访事项",
        required=True,
    ),
    _f("first_responder", "接待人", "接待人员", "登记人", "经办人", "接访人"),
    _f("opinion", "处理意见", "办理意见", "拟办意见", "处置意见", "答复意见"),
    _f(
        "result",
        "办理结果",
        "处理结果",
        "结果",
        "办结情况",
        "办理情况",
        "办理状态",
        "化解情况",
        "化解结果",
    ),
    _f("resolved", "是否办结", "是否化解", "是否解决", "是否化解到位", kind="code"),
    _f(
        "replied_on",
        "办结日期",
        "答复日期",
        "办结时间",
        "答复时间",
        "化解时间",
        "化解日期",
        "回复日期",
        "回复时间",
        "完成时间",
        kind="date",
    ),
    _f("follow_up", "回访情况", "回访", "回访记录", "回访结果"),
    _f("measures", "调处措施", "化解措施", "处置措施", "工作措施", "稳控措施"),
    _f("lead", "包案领导", "包案责任人", "包联领导", "责任领导", "包案干部"),
    _f("stability", "稳控情况", "稳控责任人"),
    _f("volume", "卷号", "卷宗号", "档案号", "案卷号"),
    _f("note", "备注", "说明"),
)

# Field keys of the kinds that the import reports with a column (problems on those cells).
LEDGER_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "disputes": DISPUTE_FIELDS,
    "visits": VISIT_FIELDS,
}


def normalize_header(text: Any) -> str:
    """Header text for matching: NFKC (full-width → ASCII), no spaces, line breaks, stars,
    colons or trailing punctuation; ASCII lower case."""
    if text is None:
        return ""
    s = unicodedata.normalize("NFKC", str(text))
    s = re.sub(r"[\s*★☆:：#№]+", "", s)
    return s.strip("、，,.;；").lower()


def _strip_brackets(text: str) -> str:
    return re.sub(r"[(\[（【][^)\]）】]*[)\]）】]", "", text)


def match_header(header: Any, fields: Sequence[FieldSpec]) -> str | None:
    """The field a header names: exact synonym, then without a bracketed note
    (“联系电话（手机）”), then the longest synonym the header contains."""
    n = normalize_header(header)
    if not n:
        return None
    table = {normalize_header(s): f.key for f in fields for s in reversed(f.synonyms)}
    # exact matches prefer the earlier synonym of the earlier field
    for f in fields:
        for s in f.synonyms:
            if normalize_header(s) == n:
                return f.key
    bare = _strip_brackets(n)
    if bare and bare in table:
        for f in fields:
            if any(normalize_header(s) == bare for s in f.synonyms):
                return f.key
    if len(bare) > 16:  # a title or a sentence, not a header
        return None
    best: tuple[int, str] | None = None
    for f in fields:
        for s in f.synonyms:
            ns = normalize_header(s)
            if len(ns) >= 2 and ns in bare and (best is None or len(ns) > best[0]):
                best = (len(ns), f.key)
    return best[1] if best else None


@dataclass(frozen=True)
class HeaderGuess:
    """Where the header is and what each column means (0-based indices)."""

    row: int  # index of the (last) header row
    data_start: int  # index of the first data row
    headers: tuple[str, ...]  # header text per column (for display and remembering)
    mapping: dict[int, str]  # column index → field key


def _row_matches(row: Sequence[Any], fields: Sequence[FieldSpec]) -> dict[int, str]:
    found: dict[int, str] = {}
    for i, v in enumerate(row):
        if isinstance(v, str) and v.strip():
            key = match_header(v, fields)
            if key is not None:
                found[i] = key
    return found


def _header_like(row: Sequence[Any], fields: Sequence[FieldSpec]) -> bool:
    texts = [v for v in row if v not in (None, "")]
    found = _row_matches(row, fields)
    distinct = set(found.values())
    return len(distinct) >= 2 and len(found) * 2 >= len(texts)


def detect_header(
    rows: Sequence[Sequence[Any]], fields: Sequence[FieldSpec], *, scan: int = 25
) -> HeaderGuess | None:
    """Find the header row under any merged title rows; None if no row looks like a header.

    The header is the row (among the first ``scan``) naming the most distinct fields. A
    two-level header (a merged group cell above sub-headers) is combined column by column.
    """
    best: tuple[int, int] | None = None  # (score, index)
    for idx, row in enumerate(rows[:scan]):
        distinct = set(_row_matches(row, fields).values())
        score = len(distinct)
        if score >= 2 and (best is None or score > best[0]):
            best = (score, idx)
    if best is None:
        return None
    h = best[1]
    width = max((len(r) for r in rows), default=0)

    def text_at(r: int, c: int) -> str:
        if 0 <= r < len(rows) and c < len(rows[r]):
            v = rows[r][c]
            return "" if v is None else str(v).strip()
        return ""

    headers = [text_at(h, c) for c in range(width)]
    mapping = _row_matches(rows[h], fields)
    data_start = h + 1
    # a group row above (e.g. 当事人 merged over 姓名 / 身份证号) fills unmatched columns
    if h > 0 and _header_like(rows[h - 1], fields):
        above = _row_matches(rows[h - 1], fields)
        for c, key in above.items():
            if c not in mapping and key not in mapping.values():
                mapping[c] = key
                headers[c] = text_at(h - 1, c) or headers[c]
    # sub-headers below (申请人 over 姓名 | 身份证号码): the last header row is the lower one
    last = h
    if h + 1 < len(rows) and _header_like(rows[h + 1], fields):
        kinds = {f.key: f.kind for f in fields}
        below = _row_matches(rows[h + 1], fields)
        for c, key in below.items():
            parent = text_at(h, c)
            child = text_at(h + 1, c)
            if c in mapping and kinds.get(mapping[c]) == kinds.get(key) == "parties":
                headers[c] = parent + child if child != parent else parent
                continue  # 申请人 → 姓名: still the applicant
            if c not in mapping or (child and child != parent):
                mapping[c] = key
                headers[c] = child
        data_start = h + 2
        last = h + 1
    # one field per column, first column wins on duplicates (e.g. two 日期 columns)
    seen: set[str] = set()
    for c in sorted(mapping):
        if mapping[c] in seen:
            del mapping[c]
        else:
            seen.add(mapping[c])
    return HeaderGuess(last, data_start, tuple(headers), mapping)


def header_signature(headers: Iterable[str]) -> str:
    """A short stable key for a header layout (order-independent, so shuffled columns of the
    same ledger share their remembered mapping)."""
    names = sorted({normalize_header(h) for h in headers if normalize_header(h)})
    return hashlib.sha1("|".join(names).encode("utf-8")).hexdigest()[:16]


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


# --- row classification ---------------------------------------------------------------------

_TOTAL_WORDS = ("合计", "小计", "总计", "共计", "累计", "总数")
_FOOTER_PREFIXES = (
    "填表人",
    "制表人",
    "审核人",
    "填报人",
    "负责人",
    "填报单位",
    "填表单位",
    "填报日期",
    "填表日期",
    "制表日期",
    "制表",
    "注:",
    "注：",
    "说明:",
    "说明：",
    "备注:",
    "备注：",
)


def is_blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def classify_row(
    row: Sequence[Any],
    mapping: Mapping[int, str],
    headers: Sequence[str],
) -> str | None:
    """Why a row is not a record (``空行``, ``合计行`` …) or None for a data row."""
    cells = [(i, v) for i, v in enumerate(row) if not is_blank(v)]
    if not cells:
        return "空行"
    texts = [re.sub(r"\s+", "", str(v)) for _, v in cells]
    if any(t.startswith(_TOTAL_WORDS) for t in texts[:3]):
        return "合计行"
    if texts[0].startswith(_FOOTER_PREFIXES):
        return "表尾签注"
    norm_headers = {normalize_header(h) for h in headers if normalize_header(h)}
    same = sum(1 for t in texts if normalize_header(t) in norm_headers)
    if norm_headers and same >= 2 and same * 2 >= len(texts):
        return "重复的表头"
    used = [i for i, _ in cells if mapping.get(i) not in (None, "seq")]
    if not used:
        return "只有序号的空白行"
    return None


# --- dates ----------------------------------------------------------------------------------

_CN_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "Ｏ": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def _cn_number(part: str) -> str:
    """二〇二五 → 2025, 十二 → 12, 二十五 → 25; digits pass through."""
    if not part or part.isdigit():
        return part
    if "十" in part:
        tens, _, units = part.partition("十")
        t = _CN_DIGITS.get(tens, -1) if tens else 1
        u = _CN_DIGITS.get(units, -1) if units else 0
        if t < 0 or u < 0:
            return part
        return str(t * 10 + u)
    out = []
    for ch in part:
        if ch.isdigit():
            out.append(ch)
        elif ch in _CN_DIGITS:
            out.append(str(_CN_DIGITS[ch]))
        else:
            return part
    return "".join(out)


def _cn_date_to_digits(text: str) -> str:
    if not any(ch in _CN_DIGITS or ch == "十" for ch in text):
        return text
    m = re.fullmatch(r"(.+?)年(.+?)月(.+?)[日号]?", text)
    if not m:
        return text
    return f"{_cn_number(m.group(1))}年{_cn_number(m.group(2))}月{_cn_number(m.group(3))}日"


_YMD = re.compile(r"^(\d{4})\s*[-./年、]\s*(\d{1,2})\s*[-./月、]\s*(\d{1,2})\s*[日号]?\.?$")
_YMD_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
_YM_ONLY = re.compile(r"^(\d{4})\s*[-./年]\s*(\d{1,2})\s*月?$")
_SHORT_YEAR = re.compile(r"^(\d{2})\s*[-./年]\s*(\d{1,2})\s*[-./月]\s*(\d{1,2})\s*[日号]?$")
_YEAR_LAST = re.compile(r"^(\d{1,2})[-./](\d{1,2})[-./](\d{4})$")
_TRAILING_TIME = re.compile(r"[T\s]+\d{1,2}[:：]\d{2}([:：]\d{2}(\.\d+)?)?$")

EXCEL_1900 = date(1899, 12, 30)
EXCEL_1904 = date(1904, 1, 1)


def excel_serial_to_date(serial: float, *, epoch_1904: bool = False) -> date:
    """An Excel serial day number → date (1900 system with its phantom 1900-02-29)."""
    days = int(serial)
    if epoch_1904:
        return EXCEL_1904 + timedelta(days=days)
    if days == 60:
        raise LegacyProblem(
            "日期序号60对应“1900年2月29日”，该日不存在", "请核对日期并按 2025-03-05 的格式填写"
        )
    if days < 60:
        return EXCEL_1900 + timedelta(days=days + 1)
    return EXCEL_1900 + timedelta(days=days)


def _make_date(y: int, m: int, d: int, raw: Any) -> date:
    try:
        return date(y, m, d)
    except ValueError:
        raise LegacyProblem(
            f"“{raw}”不是存在的日期", "请核对月份和日（如2月没有30日、月份不超过12）"
        ) from None


def parse_legacy_date(
    value: Any, *, today: date | None = None, epoch_1904: bool = False
) -> date | None:
    """Any common hand-typed or stored form of a date → date; None for an empty cell.

    Accepts real date cells, Excel serial numbers, 2025-03-05, 2025.3.5, 2025/03/05,
    2025年3月5日, 二〇二五年三月五日, 20250305 and full-width digits. Refuses two-digit years,
    day-month-year orders, year-and-month only, impossible dates, dates before 1949-10-01 and
    (given ``today``) dates in the future.
    """
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    elif isinstance(value, time):
        raise LegacyProblem("单元格只有时间，没有日期", "请填写完整日期，如 2025-03-05")
    elif isinstance(value, bool):
        raise LegacyProblem(f"“{value}”不是日期", "请填写日期，如 2025-03-05")
    elif isinstance(value, int | float):
        day = _date_from_number(value, epoch_1904)
    else:
        day = _date_from_text(str(value), epoch_1904)
    if day < EARLIEST:
        raise LegacyProblem(f"日期 {day.isoformat()} 早于1949年10月1日", "请核对年份")
    if today is not None and day > today:
        raise LegacyProblem(f"日期 {day.isoformat()} 晚于今天", "请核对年份和月份")
    return day


def _date_from_number(value: float, epoch_1904: bool) -> date:
    if math.isnan(value) or value <= 0:
        raise LegacyProblem(f"“{value}”不是日期", "请填写日期，如 2025-03-05")
    if float(value).is_integer() and 19000101 <= value <= 29991231:
        s = str(int(value))
        return _make_date(int(s[:4]), int(s[4:6]), int(s[6:]), s)
    if float(value).is_integer() is False and 1900 < value < 2200:
        raise LegacyProblem(
            f"“{value}”只有年和月（被当作数字保存），缺少日",
            "请把该单元格设为文本或日期格式，并填写完整日期",
        )
    if 1 <= value < 2958466:
        return excel_serial_to_date(value, epoch_1904=epoch_1904)
    raise LegacyProblem(f"“{value}”不是日期", "请填写日期，如 2025-03-05")


def _date_from_text(raw: str, epoch_1904: bool) -> date:
    text = to_halfwidth(unicodedata.normalize("NFKC", raw)).strip()
    text = _TRAILING_TIME.sub("", text).strip()
    text = _cn_date_to_digits(text.replace(" ", ""))
    m = _YMD.match(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        return _make_date(y, mo, d, raw)
    m = _YMD_COMPACT.match(text)
    if m:
        y, mo, d = (int(g) for g in m.groups())
        return _make_date(y, mo, d, raw)
    if re.fullmatch(r"\d{5}(\.\d+)?", text):
        return excel_serial_to_date(float(text), epoch_1904=epoch_1904)
    if _YM_ONLY.match(text):
        raise LegacyProblem(f"“{raw}”只有年和月，缺少日", "请补全日期，如 2025-03-05")
    if _SHORT_YEAR.match(text):
        raise LegacyProblem(f"“{raw}”的年份只有两位", "请写成四位年份，如 2025-03-05")
    if _YEAR_LAST.match(text):
        raise LegacyProblem(
            f"“{raw}”的年份在最后，无法确定哪一位是月份", "请写成“年-月-日”，如 2025-03-05"
        )
    raise LegacyProblem(f"“{raw}”无法识别为日期", "请按 2025-03-05 或 2025年3月5日 的格式填写")


# --- parties --------------------------------------------------------------------------------

_ROLE_WORDS = {
    "被申请人": "respondent",
    "被申请方": "respondent",
    "申请人": "applicant",
    "申请方": "applicant",
    "第三人": "third_party",
}
_CN_COUNT = {**{k: v for k, v in _CN_DIGITS.items() if v}, "十": 10}
_ETAL = re.compile(r"等\s*([0-9一二两三四五六七八九十]{1,3})?\s*(?:人|名|户|位)?$")


@dataclass(frozen=True)
class PartyName:
    name: str
    role: str | None = None  # applicant | respondent | third_party


@dataclass(frozen=True)
class PartySplit:
    names: tuple[PartyName, ...]
    headcount: int | None = None  # from “张三等7人”
    has_etal: bool = False  # “等” present (more people than named)


def _count(text: str) -> int | None:
    if text.isdigit():
        return int(text)
    value = _cn_number(text)
    return int(value) if value.isdigit() else None


_CJK = "\u3400-\u4dbf\u4e00-\u9fff"
# exactly two single Han characters separated by spaces (“王 芳”, “王　芳”): one name. Two
# names (“王芳 李明”) or three single characters stay separate or are refused.
_SPACED_NAME = re.compile(rf"[{_CJK}]\s+[{_CJK}]")
# “赵春花与黄明”, “张三及李四”: two names joined by 与/及 (not 和: it is a surname and a common
# given-name character). Both sides must look like names (2–4 Han characters).
_JOINED = re.compile(rf"([{_CJK}]{{2,4}})[与及]([{_CJK}]{{2,4}})")


def _split_joined(token: str) -> list[str]:
    bare = _strip_brackets(token)
    m = _JOINED.fullmatch(bare)
    if m is None or bare != token:
        return [token]
    return [m.group(1), m.group(2)]


ANONYMOUS_WORDS = frozenset({"匿名", "匿名信", "匿名来信", "匿名信件", "无名氏", "匿名举报"})


def is_anonymous(raw: Any) -> bool:
    """“匿名”, “匿名信” in the petitioner column: a letter whose writer gave no name."""
    if is_blank(raw):
        return False
    text = re.sub(r"[\s()（）]", "", unicodedata.normalize("NFKC", str(raw)))
    return text in ANONYMOUS_WORDS


def split_parties(raw: Any) -> PartySplit:
    """“张三、李四”, “张三，李四”, “张三,李四”, “张三 李四”, “张三；李四”, one per line,
    “赵春花与黄明”, “王 芳” (one spaced two-character name) and “朱平等7人” → names (+ roles
    written in brackets, + headcount)."""
    if is_blank(raw):
        return PartySplit(())
    text = unicodedata.normalize("NFKC", str(raw)).replace("\u3000", " ").strip()
    headcount: int | None = None
    has_etal = False
    m = _ETAL.search(text)
    if m and m.start() > 0:
        has_etal = True
        if m.group(1):
            headcount = _count(m.group(1))
        text = text[: m.start()].strip()
    if re.search(r"[、,，;；/\n]", text):
        tokens = [t for t in re.split(r"[、,，;；/\n]+", text)]
        tokens = [re.sub(r"\s+", "", t) for t in tokens]
    else:
        tokens = text.split()
        if _SPACED_NAME.fullmatch(text):
            tokens = ["".join(tokens)]  # “王 芳”: a two-character name spaced to align columns
        elif len(tokens) > 1 and any(len(_strip_brackets(t)) == 1 for t in tokens):
            raise LegacyProblem(
                f"“{raw}”中的姓名分隔不清（单字之间有空格）",
                "请用顿号“、”分隔各方当事人，如“张三、李四”",
            )
    tokens = [part for t in tokens for part in _split_joined(t)]
    names: list[PartyName] = []
    for token in tokens:
        if not token:
            continue
        role: str | None = None
        bracket = re.search(r"[(（]([^)）]*)[)）]", token)
        if bracket:
            inner = bracket.group(1)
            role = next((code for word, code in _ROLE_WORDS.items() if word in inner), None)
        name = _strip_brackets(token).strip()
        if not name:
            continue
        if re.search(r"\d", name):
            raise LegacyProblem(
                f"姓名“{name}”中含有数字", "请把电话、身份证号等填到各自的列，姓名列只写姓名"
            )
        if len(name) > 60:
            raise LegacyProblem(f"“{name[:12]}…”过长，不像姓名", "请核对该列是否为当事人姓名")
        names.append(PartyName(name, role))
    return PartySplit(tuple(names), headcount, has_etal)


def split_values(raw: Any) -> list[str]:
    """Several ID numbers or phones in one cell (one per party): split on line breaks,
    顿号, commas, semicolons and slashes — never on spaces (``138 0013 8000``)."""
    if is_blank(raw):
        return []
    text = str(raw).replace("\u3000", " ")
    parts = [p.strip() for p in re.split(r"[\n、,，;；/]+", text)]
    return [p for p in parts if p]


EMPTY_MARKS = frozenset({"-", "—", "——", "/", "无", "空", "暂无", "不详", "未知", "未提供"})


# --- ID numbers and phones -------------------------------------------------------------------

_RE18 = re.compile(r"^\d{17}[\dX]$")
ID_LOST = "身份证号码被存为数字，末位精度丢失"
ID_LOST_FIX = "请找到原始证件号码，把该列设为“文本”格式后重新填写（不能从被截断的数字推算）"
ID_BAD_CHECK = "身份证号码校验位错误"


def id_cell_is_number(value: Any) -> bool:
    """True when the cell's ID number went through a floating-point number: a numeric cell of
    16+ digits, scientific notation text (1.10105E+17) or a number printed with “.0”."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return len(str(abs(value))) >= 16
    if isinstance(value, float):
        return value >= 1e15 or not value.is_integer()
    text = unicodedata.normalize("NFKC", str(value)).strip().lstrip("'").replace(" ", "")
    if re.fullmatch(r"\d+(\.\d+)?[eE][+]?\d+", text):
        return True
    return bool(re.fullmatch(r"\d{15,18}\.0+", text))


def parse_id_number(value: Any, *, today: date | None = None) -> str | None:
    """One ID-number cell → a validated 18-character number, or None when empty.

    A legacy 15-digit number is converted (GB 11643 defines the conversion exactly). Digits lost
    by storage as a number are reported, never reconstructed.
    """
    if is_blank(value):
        return None
    if id_cell_is_number(value):
        raise LegacyProblem(ID_LOST, ID_LOST_FIX)
    if isinstance(value, int | float) and not isinstance(value, bool):
        text = str(int(value))  # a 15-digit number is exact in a float
    else:
        text = to_halfwidth(unicodedata.normalize("NFKC", str(value))).strip().lstrip("'")
    text = re.sub(r"[\s\-]", "", text).upper()
    if text in EMPTY_MARKS:
        return None
    if "*" in text:
        raise LegacyProblem(
            "身份证号码已打码（含*），无法得到完整号码", "请填写完整号码，或清空该单元格"
        )
    if re.fullmatch(r"\d{15}", text):
        try:
            text = convert_15_to_18(text)
        except ValidationError as exc:  # pragma: no cover - a 15-digit string always converts
            raise LegacyProblem("身份证号码" + exc.problems[0].problem) from None
    if len(text) != 18:
        raise LegacyProblem(
            f"身份证号码应为18位，现为{len(text)}位", "请核对是否漏输或多输，或被截断"
        )
    if not _RE18.match(text):
        raise LegacyProblem(
            "身份证号码只能由17位数字和最后一位数字或X组成", "请删除其中的字母或符号"
        )
    if check_char(text[:17]) != text[17]:
        raise LegacyProblem(ID_BAD_CHECK, "请逐位核对号码（常见为抄错一位或两位颠倒）")
    try:
        return validate_id_number(text, today=today).number
    except ValidationError as exc:
        p = exc.problems[0]
        raise LegacyProblem("身份证号码" + p.problem, p.fix) from None


def phone_text(value: Any) -> str:
    """A phone cell as text: numeric cells lose their “.0”; full-width digits become ASCII."""
    if is_blank(value):
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int):
        return str(value)
    return to_halfwidth(unicodedata.normalize("NFKC", str(value))).strip().lstrip("'")


def parse_phone(value: Any) -> str | None:
    """One phone cell → normalised number, None when empty."""
    text = phone_text(value)
    if not text or text in EMPTY_MARKS:
        return None
    try:
        return validate_phone(text)
    except ValidationError as exc:
        p = exc.problems[0]
        raise LegacyProblem("联系电话" + p.problem, p.fix) from None


def parse_count(value: Any, label: str) -> int | None:
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise LegacyProblem(f"{label}“{value}”不是整数", f"请填写{label}")
    if isinstance(value, int | float):
        if float(value).is_integer() and value >= 0:
            return int(value)
        raise LegacyProblem(f"{label}“{value}”不是整数", f"请填写{label}")
    text = to_halfwidth(str(value)).strip().removesuffix("人").removesuffix("名").strip()
    n = _count(text)
    if n is None:
        raise LegacyProblem(f"{label}“{value}”不是整数", f"请填写{label}，如 3")
    return n


# --- code tables: loose spellings ------------------------------------------------------------

_SUFFIXES = ("纠纷", "矛盾", "关系", "问题", "类", "案件", "事项", "方面")


@dataclass(frozen=True)
class CodeOption:
    code: str
    label: str
    aliases: tuple[str, ...] = ()


def _loose(text: str) -> str:
    t = normalize_header(text)
    changed = True
    while changed:
        changed = False
        for suf in _SUFFIXES:
            if t.endswith(suf) and len(t) > len(suf):
                t = t[: -len(suf)]
                changed = True
    return t


def match_code(value: Any, options: Sequence[CodeOption]) -> str | None:
    """A loose spelling (“家庭纠纷”, “劳资”, “赔偿纠纷”, “林地纠纷”) → the code, or None."""
    if is_blank(value):
        return None
    text = normalize_header(value)
    for o in options:
        if text in (normalize_header(o.code), normalize_header(o.label)):
            return o.code
    for o in options:
        if any(text == normalize_header(a) for a in o.aliases):
            return o.code
    loose = _loose(text)
    if not loose:
        return None
    for o in options:
        if loose == _loose(o.label) or any(loose == _loose(a) for a in o.aliases):
            return o.code
    return None


# --- results ---------------------------------------------------------------------------------

DISPUTE_RESULT_LABELS = DISPUTE_STATUS_LABELS


def _status_problem(
    label: str, value: Any, reading: Reading, ledger: str, options: str
) -> LegacyProblem:
    if reading.code is not None:
        return LegacyProblem(
            f"{label}“{clean(str(value))}”{reading.why}，建议对应为“{status_label(ledger, reading.code)}”，需要确认",
            f"请确认或改写为：{options}",
        )
    return LegacyProblem(
        f"{label}“{clean(str(value))}”无法识别（{reading.why}）", f"应为{options}之一"
    )


def dispute_result(value: Any) -> str:
    """The dispute's imported outcome: succeeded | failed | mediating | registered |
    terminated | transferred, read through the explicit vocabulary of
    :mod:`app.rules.legacy_values` (a doubtful or unknown wording is refused, never guessed).
    An empty cell means the case is still being mediated."""
    if is_blank(value):
        return "mediating"
    reading = read_status(value, "disputes")
    if reading.sure and reading.code is not None:
        return reading.code
    raise _status_problem(
        "调处结果", value, reading, "disputes", "调解成功、调解不成、调处中、终止调解或移送"
    )


_VISIT_OPTIONS = "已登记、已受理、办理中、已办结、已告知或不予受理"
VISIT_RESULT_LABELS = VISIT_STATUS_LABELS


def visit_result(result: Any, opinion: Any) -> str:
    """The visit's imported status from 办理结果 (explicit vocabulary, see
    :mod:`app.rules.legacy_values`), else from 处理意见 (an opinion on record means handling
    started; “当场答复” means it was answered on the spot)."""
    if not is_blank(result):
        reading = read_status(result, "visits")
        if reading.sure and reading.code is not None:
            return reading.code
        raise _status_problem("办理结果", result, reading, "visits", _VISIT_OPTIONS)
    if is_blank(opinion):
        return "registered"
    if "当场答复" in normalize_header(opinion):
        return "concluded"
    return "in_progress"


@dataclass(frozen=True)
class Handling:
    """How a visit's 处理意见 reads: handle (自行办理), transfer (转…办理), assign (交…办理),
    answer (当场答复)."""

    method: str
    unit: str = ""


def visit_handling(opinion: Any) -> Handling:
    text = clean(str(opinion)) if not is_blank(opinion) else ""
    if "当场答复" in text:
        return Handling("answer")
    m = re.match(
        r"^(转|交)(?:由|给|至|到)?(.{2,30}?)(?:办理|处理|调查|核实|调处|解决|落实|答复)", text
    )
    if m:
        return Handling("transfer" if m.group(1) == "转" else "assign", m.group(2))
    return Handling("handle")


def agreement_kind(value: Any) -> str | None:
    """是否签订协议 / 协议形式 → written | oral | None (no written agreement recorded)."""
    if is_blank(value):
        return None
    text = normalize_header(value)
    if "口头" in text:
        return "oral"
    if text in ("否", "无", "没有", "未签订", "未签", "不签", "n", "no") or text.startswith(
        ("未", "否", "无")
    ):
        return None
    if text in ("是", "有", "已签订", "签订", "已签", "y", "yes", "√", "✓") or "书面" in text:
        return "written"
    raise LegacyProblem(f"协议形式“{value}”无法识别", "应为“书面”“口头”“是”或“否”")


# --- idempotency -----------------------------------------------------------------------------


def fingerprint(ledger: str, day: date, names: Iterable[str], category: str, *extra: str) -> str:
    """A file-independent identity of a legacy row: the same dispute in a re-imported or an
    overlapping file yields the same fingerprint (party order and spacing do not matter)."""
    parts = [
        ledger,
        day.isoformat(),
        "、".join(sorted(re.sub(r"\s+", "", n) for n in names)),
        category,
        *(re.sub(r"\s+", "", unicodedata.normalize("NFKC", e)) for e in extra),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:40]


@dataclass
class CellProblem:
    """A problem on one cell (or the whole row when ``field`` is empty)."""

    field: str
    reason: str
    fix: str = ""
    value: str = ""
    unknown_code: str = ""  # the code table a spelling was not found in (can be mapped)


@dataclass
class ParsedCells:
    """Typed values of one row plus the problems found; a row with problems is not imported."""

    values: dict[str, Any] = field(default_factory=dict)
    problems: list[CellProblem] = field(default_factory=list)

    def take(self, key: str, fn: Callable[[Any], Any], raw: Any, display: str = "") -> Any:
        try:
            value = fn(raw)
        except LegacyProblem as exc:
            shown = display if display else ("" if raw is None else str(raw))
            self.problems.append(CellProblem(key, exc.reason, exc.fix, shown))
            return None
        self.values[key] = value
        return value
