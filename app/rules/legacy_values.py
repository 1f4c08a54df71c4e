"""What a legacy ledger's status cell says — read through an explicit vocabulary (issue 14).

The first import of hand-kept ledgers matched status words as substrings, so “化解中” and
“未完全化解” (still open) became 调解成功 because they contain 化解, and “未解决” became 已办结
because it contains 解决. Here a cell is read as follows:

1. the cell is normalised (full-width → ASCII, spaces, enumerators such as “①” or “1.” removed);
2. an **exact** entry of the vocabulary below is *sure* (these are the spellings that published
   ledgers and the 人民调解 forms use: 已化解 / 化解中 / 未化解 / 稳控中, 调解成功 / 调解不成 /
   终止调解, 达成口头协议, 移送…, 已办结 / 办理中 / 不予受理 …);
3. a sentence made of such entries and of neutral clauses (amounts, dates — no status word at
   all) agrees with itself is sure (“经调解，双方达成协议，赔偿2000元”);
4. anything else is **doubtful** (a proposal the clerk must confirm) or **unknown**. A cell that
   holds a negation or progress marker (未 / 不 / 没有 / 尚未 / 无法 / 正在 / …中 / 部分 /
   未完全 / 基本 / 初步 / 待 / 跟进 / 稳控 …) is never read — not even proposed — as a finished
   state (调解成功, 已移送, 已办结).

Nothing here guesses: a doubtful reading is shown in the value review and refused until the
clerk confirms it (``--value 列名:原值=代码或名称`` or the wizard's value step).

Wording sources (the columns and the values clerks write in them):

- 人民调解工作若干规定（司法部令第75号）第三十四至三十九条: 调解协议书, 口头协议, 达不成协议,
  回访 — http://www.fymate.net/html/text/lar/168954/16895461_5.html
- 人民调解卷宗填写说明（“人民调解口头协议登记表”“回访情况”“卷号”“案件来源写明当事人申请、
  调委会主动调解或者公安机关移交…”）— http://www.yunnanlong.com/c/051HTA942023_3.html
- 调解卷宗 附件1（人民调解受理登记表 “案件来源：①当事人申请②人民调解委员会主动调解”）—
  https://bdocx.com/doc/4951888.html
- 太昌镇矛盾纠纷排查化解（“早发现、早稳控、早化解”，“排查36件，已化解34件”）—
  http://itrendsfashion.com/content/2024-04/28/content_678668.htm
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from .text import to_halfwidth

# --- normalising a cell ----------------------------------------------------------------------

_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳❶❷❸❹❺❻❼❽❾❿➀➁➂➃➄➅➆➇➈➉"
_ENUM_PREFIX = re.compile(
    r"^(?:[" + _CIRCLED + r"]|[(（]\s*[0-9一二三四五六七八九十]{1,2}\s*[)）]"
    r"|[0-9]{1,2}\s*[.、．)）](?!\d)|[一二三四五六七八九十]{1,2}\s*、|[√✓☑■▇●])\s*"
)


def circled_count(text: str) -> int:
    """How many enumerator marks (①②…) a cell holds: a form with all options printed has
    several, and then which one was meant is unknown."""
    return sum(1 for ch in text if ch in _CIRCLED)


def normalize_value(value: Any) -> str:
    """A cell as comparable text: NFKC, full-width → ASCII, no spaces or line breaks, one
    leading enumerator (“①”, “1.”, “（一）”, a tick) removed, trailing punctuation removed."""
    if value is None:
        return ""
    # before NFKC, which turns “①” into a plain “1”
    text = str(value).strip().lstrip(_CIRCLED).strip()
    text = to_halfwidth(unicodedata.normalize("NFKC", text))
    text = re.sub(r"\s+", "", text)
    text = _ENUM_PREFIX.sub("", text)
    return text.strip("。.;；,，、!！")


# --- markers ---------------------------------------------------------------------------------

# Negation: what follows did NOT happen (or not yet). 调解不成 / 不予受理 are in the vocabulary
# as what they are (failed / not accepted), never as success.
NEGATION_MARKERS: tuple[str, ...] = (
    "未完全",
    "尚未",
    "暂未",
    "仍未",
    "没有",
    "未能",
    "无法",
    "不能",
    "未",
    "不",
    "没",
    "否",
    "非",
)
# Progress or partial: the matter is still open.
PROGRESS_MARKERS: tuple[str, ...] = (
    "正在",
    "部分",
    "基本",
    "初步",
    "进行",
    "跟进",
    "跟踪",
    "稳控",
    "继续",
    "持续",
    "待",
    "拟",
    "仍",
    "尚",
    "暂",
)
# Reservations: the result was reached but something undoes it, or the text is a question.
DOUBT_MARKERS: tuple[str, ...] = (
    "但",
    "反悔",
    "拒",
    "可能",
    "预计",
    "争取",
    "力争",
    "准备",
    "计划",
    "要求",
    "?",
    "？",
    "或",
)
_ONGOING_SUFFIX = re.compile(r"中(?=$|[,，;；。、)）])")  # “化解中”, “调处中，…”


def markers_in(text: str) -> list[str]:
    """The negation / progress / doubt markers a normalised cell contains."""
    found = [m for m in (*NEGATION_MARKERS, *PROGRESS_MARKERS, *DOUBT_MARKERS) if m in text]
    if _ONGOING_SUFFIX.search(text):
        found.append("…中")
    return found


# --- the readings ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reading:
    """What a status cell says.

    ``code`` is the proposed status (None when nothing fits); ``sure`` is False for a doubtful
    proposal, which must be confirmed before a row is imported. ``unit`` is a transfer's
    receiving unit (“已转镇城建办” → 镇城建办); ``agreement`` is oral/written when the wording
    says so (“双方达成口头协议”)."""

    code: str | None
    sure: bool
    why: str = ""
    unit: str = ""
    agreement: str | None = None
    handling: str = ""  # visits: transfer (转…) | assign (交…) when the wording names a unit


def _entries(code: str, *words: str) -> dict[str, str]:
    return {normalize_value(w): code for w in words}


DISPUTE_STATUS_LABELS = {
    "registered": "受理登记",
    "mediating": "调处中",
    "succeeded": "调解成功",
    "failed": "调解不成",
    "terminated": "终止调解",
    "transferred": "已移送",
}
# Finished in the positive sense: a reading of a cell with a negation or progress marker is
# never one of these (property-tested).
DISPUTE_FINISHED = frozenset({"succeeded", "transferred"})

DISPUTE_VOCABULARY: dict[str, str] = {
    **_entries(
        "succeeded",
        "调解成功",
        "成功",
        "调处成功",
        "调解成",
        "已调解",
        "已调处",
        "调结",
        "已调结",
        "已化解",
        "化解",
        "化解成功",
        "已化解完毕",
        "化解完毕",
        "已解决",
        "解决",
        "问题已解决",
        "调成",
        "已调成",
        "已结案",
        "结案",
        "已办结",
        "办结",
        "息诉",
        "已息诉",
        "息诉罢访",
        "达成协议",
        "已达成协议",
        "双方达成协议",
        "达成调解协议",
        "已达成调解协议",
        "调解达成协议",
        "签订协议",
        "已签订协议",
        "履行完毕",
        "已履行",
        "协议已履行",
        "握手言和",
        "和解",
        "已和解",
        "双方和解",
    ),
    **_entries(
        "failed",
        "调解不成",
        "调解不成功",
        "调解失败",
        "失败",
        "不成功",
        "未成功",
        "调解未成功",
        "调解未成",
        "未达成协议",
        "未能达成协议",
        "双方未达成协议",
        "调解未果",
        "未果",
        "无果",
        "调解无果",
        "调处不成",
        "调处失败",
        "未调成",
        "调解无效",
        "达不成协议",
    ),
    **_entries(
        "terminated",
        "终止调解",
        "终止",
        "已终止",
        "调解终止",
        "撤回",
        "撤回申请",
        "当事人撤回",
        "当事人撤回申请",
        "申请人撤回申请",
        "撤回调解申请",
        "当事人撤回调解申请",
        "申请人撤回调解申请",
        "撤销申请",
        "不予受理",
        "不受理",
    ),
    **_entries(
        "transferred",
        "移送",
        "已移送",
        "移交",
        "已移交",
        "转交",
        "已转交",
        "上报",
        "已上报",
        "转办",
        "已转办",
    ),
    **_entries(
        "mediating",
        "调处中",
        "调解中",
        "化解中",
        "处理中",
        "办理中",
        "正在调解",
        "正在调处",
        "正在处理",
        "正在化解",
        "正在协调",
        "协调中",
        "稳控中",
        "已稳控",
        "稳控",
        "跟进中",
        "持续跟进",
        "继续跟进",
        "继续调解",
        "待调解",
        "在调",
        "进行中",
        "调解进行中",
        "未结",
        "未结案",
        "未调结",
        "未化解",
        "暂未化解",
        "尚未化解",
        "未完全化解",
        "部分化解",
        "基本化解",
        "初步化解",
        "未解决",
        "尚未解决",
        "未完全解决",
        "部分解决",
        "未完成",
        "未办结",
    ),
    **_entries("registered", "已受理", "受理", "登记", "已登记", "分流", "已分流", "未处理"),
}

# “双方达成口头协议” — a success with an oral agreement (人民调解口头协议登记表).
_ORAL = _entries(
    "succeeded",
    "口头协议",
    "达成口头协议",
    "已达成口头协议",
    "双方达成口头协议",
    "达成口头调解协议",
    "双方达成口头调解协议",
    "口头调解成功",
    "调解成功口头协议",
    "调解成功(口头协议)",
)
_WRITTEN = _entries(
    "succeeded",
    "书面协议",
    "达成书面协议",
    "双方达成书面协议",
    "签订书面协议",
    "签订调解协议书",
    "已签订调解协议书",
    "签订人民调解协议书",
    "达成书面调解协议",
    "调解成功书面协议",
    "调解成功(书面协议)",
)

VISIT_STATUS_LABELS = {
    "registered": "已登记",
    "accepted": "已受理",
    "not_accepted": "不予受理",
    "informed": "已告知",
    "in_progress": "办理中",
    "concluded": "已办结",
}
VISIT_FINISHED = frozenset({"concluded"})

VISIT_VOCABULARY: dict[str, str] = {
    **_entries(
        "concluded",
        "已办结",
        "办结",
        "办理完毕",
        "处理完毕",
        "已处理",
        "已答复",
        "答复",
        "已回复",
        "已反馈",
        "已解决",
        "解决",
        "问题已解决",
        "已结案",
        "结案",
        "已回访",
        "已归档",
        "息访",
        "已息访",
        "息诉罢访",
        "已化解",
        "化解",
        "已办理",
        "当场答复",
        "已当场答复",
        "已答复信访人",
        "已答复当事人",
        "已答复来访人",
        "已书面答复",
        "已电话答复",
        "已回复信访人",
        "已反馈信访人",
        "达成协议",
        "已达成协议",
        "双方达成协议",
        "达成调解协议",
        "息诉",
        "已息诉",
    ),
    **_entries(
        "in_progress",
        "办理中",
        "正在办理",
        "处理中",
        "正在处理",
        "在办",
        "未办结",
        "未结",
        "跟进中",
        "持续跟进",
        "化解中",
        "正在化解",
        "未化解",
        "未完全化解",
        "部分化解",
        "基本化解",
        "未解决",
        "尚未解决",
        "未完全解决",
        "部分解决",
        "稳控中",
        "已稳控",
        "调处中",
        "调解中",
        "已转办",
        "转办",
        "已交办",
        "交办",
        "转办中",
        "尚未答复",
        "未答复",
        "暂未答复",
        "待答复",
        "正在核实",
        "核实中",
        "正在调查",
        "调查中",
        "正在调查核实",
        "正在协调",
        "协调中",
        "正在调处",
    ),
    **_entries("accepted", "已受理", "受理"),
    **_entries("not_accepted", "不予受理", "不受理"),
    **_entries("informed", "已告知", "告知"),
    **_entries("registered", "登记", "已登记", "未处理", "未办理", "待处理", "待审核"),
}

# “已转镇城建办”, “移送派出所处理”, “转交镇国土所办理”: a transfer that keeps its unit.
_TRANSFER = re.compile(
    r"^(?:已经?|经)?(?P<verb>移送|移交|转交|转办|转至|转到|转给|转|交由|交给|交办|交|上报)"
    r"(?:至|到|给|由|为|入)?(?P<unit>.{2,30}?)(?:处理|办理|调处|调解|化解|解决|处置|答复|调查|核实)?$"
)
_UNIT_NAME = re.compile(
    r"(所|局|办|院|站|中心|委|会|队|政府|庭|部|科|室|组|处|镇|乡|村|街道|社区|公司|单位|部门|机关"
    r"|法院|检察院|派出所|司法所|信访办|综治办|学|学校|医院|集团|合作社|企业|厂)$"
)
# “经调解，” “经多次协调” — how, not what: dropped before the vocabulary is consulted.
_HOW_PREFIX = re.compile(
    r"^经(?:过)?(?:多次|反复|耐心|村|镇|调委会|工作人员)?(?:调解|调处|协调|做工作|工作)[,，]?"
)
# A clause with any of these is about the status; a clause with none is neutral (an amount,
# a date, who paid whom).
_STATUS_WORDS = (
    "化解",
    "解决",
    "调解",
    "调处",
    "办结",
    "结案",
    "成功",
    "协议",
    "受理",
    "移送",
    "移交",
    "转",
    "交办",
    "稳控",
    "终止",
    "撤回",
    "答复",
    "息诉",
    "息访",
    "履行",
    "处理",
    "办理",
    "告知",
    "和解",
    "不成",
    "失败",
)
_NEGATED_RESULT = re.compile(
    r"(未完全|尚未|暂未|仍未|没有|未能|无法|不能|未|没|不)[^,，;；]{0,4}"
    r"(化解|解决|办结|结案|调成|调结|成功|达成|履行|处理|办理)"
)


def _vocab(ledger: str) -> tuple[dict[str, str], frozenset[str], str]:
    if ledger == "visits":
        return VISIT_VOCABULARY, VISIT_FINISHED, "in_progress"
    return DISPUTE_VOCABULARY, DISPUTE_FINISHED, "mediating"


def _exact(ledger: str, text: str) -> Reading | None:
    vocab, _, _ = _vocab(ledger)
    if text in _ORAL or text in _WRITTEN:
        if ledger == "visits":  # an agreement reached: the petition is settled
            return Reading("concluded", True)
        return Reading("succeeded", True, agreement="oral" if text in _ORAL else "written")
    if text in vocab:
        return Reading(vocab[text], True)
    m = _TRANSFER.match(text)
    if m and not markers_in(text):
        unit, verb = m.group("unit"), m.group("verb")
        assign = verb.startswith("交")
        if any(w in unit for w in ("协议", "成功", "化解", "结案")):
            return None
        # “转为诉讼”: where to, but not a unit that receives the case — confirm it
        sure = bool(_UNIT_NAME.search(unit))
        why = "" if sure else f"“{unit}”不像接收单位的名称"
        if ledger == "visits":
            return Reading(
                "in_progress", sure, why, unit=unit, handling="assign" if assign else "transfer"
            )
        if not assign:  # 交由村委会调解 is an assignment, not a transfer out (移送)
            return Reading("transferred", sure, why, unit=unit)
    return None


def read_status(value: Any, ledger: str = "disputes") -> Reading:
    """Read a status/result cell of the ``ledger`` (``disputes`` or ``visits``).

    A blank cell is not read here (the importer decides what an empty result means)."""
    raw = "" if value is None else str(value)
    if circled_count(raw) > 1:
        return Reading(None, False, "单元格中有多个编号选项，无法确定选的是哪一个")
    text = normalize_value(raw)
    if not text:
        return Reading(None, False, "单元格为空")
    exact = _exact(ledger, text)
    if exact is not None:
        return exact  # sure, or a transfer whose unit must be confirmed
    _, finished, ongoing = _vocab(ledger)
    marks = markers_in(text)
    body = _HOW_PREFIX.sub("", text)
    clauses = [c for c in re.split(r"[,，;；。、]+", body) if c]
    readings = [_exact(ledger, c) for c in clauses]
    if not marks and clauses:
        neutral = all(
            r is not None or not any(w in c for w in _STATUS_WORDS)
            for c, r in zip(clauses, readings, strict=True)
        )
        found = [r for r in readings if r is not None]
        codes = {r.code for r in found}
        if neutral and len(codes) == 1 and all(r.sure for r in found):
            units = [r.unit for r in found if r.unit]
            agreements = [r.agreement for r in found if r.agreement]
            return Reading(
                found[0].code,
                True,
                unit=units[0] if len(set(units)) == 1 else "",
                agreement=agreements[0] if len(set(agreements)) == 1 else None,
            )
        if len(codes) > 1:
            return Reading(None, False, "同一单元格写了互相矛盾的结果")
    if marks:
        # never a finished state: propose the open state when the wording says so
        proposal: str | None = None
        if (
            _NEGATED_RESULT.search(text)
            or _ONGOING_SUFFIX.search(text)
            or any(
                m in text
                for m in ("正在", "跟进", "跟踪", "稳控", "继续", "持续", "部分", "基本", "初步")
            )
        ):
            proposal = ongoing
        for r in readings:
            if r is not None and r.code not in finished and proposal is None:
                proposal = r.code
        if proposal in finished:  # pragma: no cover - guarded above
            proposal = None
        shown = "、".join(f"“{m}”" for m in marks[:3])
        return Reading(proposal, False, f"含有{shown}，不能确定是否已经办结")
    found_codes = [r.code for r in readings if r is not None]
    if found_codes:
        return Reading(found_codes[0], False, "除结果外还写了其他内容，需要确认")
    return Reading(None, False, "不是常见的写法")


# --- 是/否 columns (是否化解, 是否办结, 是否签订协议) --------------------------------------------

YES_WORDS = frozenset({"是", "已", "有", "y", "yes", "√", "✓", "☑", "对", "1", "true"})
NO_WORDS = frozenset({"否", "无", "没有", "n", "no", "×", "✗", "☐", "0", "false", "未", "不是"})


def read_yes_no(value: Any) -> bool | None:
    """A 是/否 cell → True / False; None for anything else (then it must be confirmed)."""
    text = normalize_value(value).lower()
    if text in YES_WORDS:
        return True
    if text in NO_WORDS:
        return False
    return None


def resolved_status(flag: bool, ledger: str = "disputes") -> str:
    """是否化解 / 是否办结: 是 → the finished state, 否 → still open."""
    if ledger == "visits":
        return "concluded" if flag else "in_progress"
    return "succeeded" if flag else "mediating"


def status_label(ledger: str, code: str) -> str:
    table = VISIT_STATUS_LABELS if ledger == "visits" else DISPUTE_STATUS_LABELS
    return table.get(code, code)


def status_code(ledger: str, text: str) -> str | None:
    """A status named by code or label (for the clerk's confirmation: “调处中”, “mediating”)."""
    table = VISIT_STATUS_LABELS if ledger == "visits" else DISPUTE_STATUS_LABELS
    t = normalize_value(text)
    for code, label in table.items():
        if t in (code, normalize_value(label)):
            return code
    reading = _exact(ledger, t)
    return reading.code if reading is not None else None


# --- 回访情况: what a legacy follow-up note says, when it says it plainly ----------------------

_NOT_PERFORMED = re.compile(r"(拒不|尚未|没有|未|不)履行")


def read_performance(value: Any) -> str | None:
    """履行情况 in a 回访情况 cell → performed | partial | performing | not_performed, or None
    when the note does not say it plainly (then the import records the 回访 without it)."""
    t = normalize_value(value)
    if not t:
        return None
    if "部分履行" in t or "未完全履行" in t or "未全部履行" in t:
        return "partial"
    if _NOT_PERFORMED.search(t):
        return "not_performed"
    if "正在履行" in t or "履行中" in t:
        return "performing"
    if any(w in t for w in ("已履行", "履行完毕", "已全部履行", "已兑现", "已付清")) and not (
        markers_in(t)
    ):
        return "performed"
    return None


def read_satisfaction(value: Any) -> str | None:
    """满意度 in a 回访情况 cell → satisfied | basic | unsatisfied, or None when not plain."""
    t = normalize_value(value)
    if "不满意" in t or "不太满意" in t:
        return "unsatisfied"
    if "基本满意" in t:
        return "basic" if not markers_in(t.replace("基本", "")) else None
    if "满意" in t and not markers_in(t):
        return "satisfied"
    return None


# --- code-table spellings the tables do not hold ---------------------------------------------

# Unambiguous ways ledgers name a code that the code table's labels and aliases miss (the
# loose match only strips suffixes such as 纠纷/类): “环境污染” in a 问题类别 column of a
# 群众来信来访登记簿 is the 生态环境 category. Kept short and exact — anything else is shown in
# the value review as unmapped, for the clerk to choose.
LEGACY_CODE_SPELLINGS: dict[str, dict[str, str]] = {
    "visit_category": {
        "环境污染": "environment",
        "污染环境": "environment",
        "环境问题": "environment",
        "生态环保": "environment",
        "劳资纠纷": "labour_social",
        "拖欠工资": "labour_social",
        "土地问题": "land_resources",
    },
    "dispute_category": {
        "借贷纠纷": "contract",
        "民间借贷": "contract",
        "赡养纠纷": "marriage_family",
        "山林纠纷": "forest_land",
        "土地承包": "forest_land",
    },
}


def legacy_code(table: str, value: Any) -> str | None:
    """The code of a known legacy spelling of ``table`` (exact, after normalising), or None."""
    return LEGACY_CODE_SPELLINGS.get(table, {}).get(normalize_value(value))
