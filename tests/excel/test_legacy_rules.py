"""The pure parsing rules for legacy spreadsheets (app.rules.legacy)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.rules import legacy as lg
from app.rules.idcard import check_char

TODAY = date(2026, 3, 16)
FW = str.maketrans("0123456789-./", "０１２３４５６７８９－．／")
CN = "〇一二三四五六七八九"


def _cn_year(y: int) -> str:
    return "".join(CN[int(d)] for d in str(y))


def _cn_small(n: int) -> str:
    if n < 10:
        return CN[n]
    tens, units = divmod(n, 10)
    return ("" if tens == 1 else CN[tens]) + "十" + (CN[units] if units else "")


def _forms(d: date) -> list[object]:
    return [
        d,
        datetime(d.year, d.month, d.day),
        datetime(d.year, d.month, d.day, 14, 30),
        (d - date(1899, 12, 30)).days,  # Excel serial in a General cell
        float((d - date(1899, 12, 30)).days),
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}.{d.month:02d}.{d.day:02d}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}年{d.month}月{d.day}号",
        f"{d.year}/{d.month:02d}/{d.day:02d}",
        f"{d.year}/{d.month}/{d.day}",
        f"{d.year}-{d.month}-{d.day}",
        f"{d:%Y%m%d}",
        int(f"{d:%Y%m%d}"),
        f"{d.year}-{d.month}-{d.day}".translate(FW),
        f"{d.year}年{d.month}月{d.day}日".translate(FW),
        f"{_cn_year(d.year)}年{_cn_small(d.month)}月{_cn_small(d.day)}日",
        f" {d.isoformat()} 00:00:00 ",
        f"{d.year}.{d.month}.{d.day}.",
    ]


@given(st.dates(min_value=date(1950, 1, 1), max_value=TODAY))
def test_every_common_date_form_reads_the_same_day(d: date) -> None:
    for form in _forms(d):
        assert lg.parse_legacy_date(form, today=TODAY) == d, form


def test_1904_date_system_serials() -> None:
    d = date(2025, 3, 5)
    serial = (d - date(1904, 1, 1)).days
    assert lg.parse_legacy_date(serial, epoch_1904=True) == d


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("2025-02-30", "不是存在的日期"),
        ("2025.13.1", "不是存在的日期"),
        ("2025年2月29日", "不是存在的日期"),
        ("２０２５－０２－３０", "不是存在的日期"),
        (20250230, "不是存在的日期"),
        ("25.3.5", "年份只有两位"),
        ("3/5/2025", "年份在最后"),
        ("2025.10", "只有年和月"),
        (2025.1, "只有年和月"),
        ("2025年3月", "只有年和月"),
        ("去年春节", "无法识别为日期"),
        ("2027-01-01", "晚于今天"),
        ("1900-01-01", "早于1949年10月1日"),
        (60, "1900年2月29日"),
        (time(9, 30), "只有时间"),
        (True, "不是日期"),
    ],
)
def test_impossible_or_ambiguous_dates_are_refused(raw: object, reason: str) -> None:
    with pytest.raises(lg.LegacyProblem) as e:
        lg.parse_legacy_date(raw, today=TODAY)
    assert reason in e.value.reason
    assert e.value.fix


def test_empty_date_cell_is_none() -> None:
    assert lg.parse_legacy_date(None) is None
    assert lg.parse_legacy_date("   ") is None


@pytest.mark.parametrize(
    ("raw", "names"),
    [
        ("张三、李四", ["张三", "李四"]),
        ("张三，李四", ["张三", "李四"]),
        ("张三,李四", ["张三", "李四"]),
        ("张三 李四", ["张三", "李四"]),
        ("张三\u3000李四", ["张三", "李四"]),
        ("张三；李四；王五", ["张三", "李四", "王五"]),
        ("张三\n李四", ["张三", "李四"]),
        ("张三、、李四、", ["张三", "李四"]),
        ("张 三、李 四", ["张三", "李四"]),  # padded two-character names
        ("欧阳娜娜 司马光", ["欧阳娜娜", "司马光"]),
        ("某某建筑有限公司、张三", ["某某建筑有限公司", "张三"]),
    ],
)
def test_parties_are_split_on_every_common_separator(raw: str, names: list[str]) -> None:
    assert [p.name for p in lg.split_parties(raw).names] == names


def test_party_roles_and_headcount() -> None:
    s = lg.split_parties("张三（申请人）、李四(被申请人)、王五（第三人）")
    assert [(p.name, p.role) for p in s.names] == [
        ("张三", "applicant"),
        ("李四", "respondent"),
        ("王五", "third_party"),
    ]
    s = lg.split_parties("朱平等7人")
    assert [p.name for p in s.names] == ["朱平"] and s.headcount == 7 and s.has_etal
    assert lg.split_parties("罗燕等十二人").headcount == 12
    s = lg.split_parties("张三、李四等")
    assert [p.name for p in s.names] == ["张三", "李四"] and s.has_etal and s.headcount is None
    assert lg.split_parties("等待").names[0].name == "等待"  # “等” at the start is a name


@pytest.mark.parametrize(
    ("raw", "why"),
    [("张 三 李 四", "分隔不清"), ("张三13800138000", "含有数字")],
)
def test_unclear_parties_are_refused(raw: str, why: str) -> None:
    with pytest.raises(lg.LegacyProblem) as e:
        lg.split_parties(raw)
    assert why in e.value.reason


GOOD = "11010519491231002X"


@pytest.mark.parametrize(
    "raw",
    [
        5.106231967030104e17,
        500110196603205959,
        "1.10105E+17",
        "1.10105e17",
        "５.１０１０５Ｅ＋１７",
        "500110196603205959.0",
        110105194912310020.0,
    ],
)
def test_id_numbers_that_went_through_a_number_are_refused(raw: object) -> None:
    with pytest.raises(lg.LegacyProblem) as e:
        lg.parse_id_number(raw, today=TODAY)
    assert e.value.reason == lg.ID_LOST
    assert "不能" in e.value.fix  # and says the digits cannot be recovered


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (GOOD, GOOD),
        ("11010519491231002x", GOOD),
        (" 11010519491231002X ", GOOD),
        ("'11010519491231002X", GOOD),
        ("１１０１０５１９４９１２３１００２Ｘ", GOOD),
        ("110105 19491231 002X", GOOD),
        ("110105491231002", GOOD),  # 15-digit legacy number, converted exactly
        (110105491231002, GOOD),  # a 15-digit number is exact in a float/int cell
        ("无", None),
        ("—", None),
        (None, None),
    ],
)
def test_id_numbers_are_normalised(raw: object, expected: str | None) -> None:
    assert lg.parse_id_number(raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", lg.ID_BAD_CHECK),
        ("11010519491231002", "应为18位"),
        ("1101051949123100Y2", "只能由17位数字"),
        ("110105********002X", "已打码"),
        ("110105" + "19491331" + "002", None),  # month 13: birth date
    ],
)
def test_bad_id_numbers_are_refused(raw: str, reason: str | None) -> None:
    if reason is None:
        body = raw
        raw = body + check_char(body)
        reason = "出生日期"
    with pytest.raises(lg.LegacyProblem) as e:
        lg.parse_id_number(raw, today=TODAY)
    assert reason in e.value.reason


def test_phone_cells() -> None:
    assert lg.parse_phone("180 7500 6691") == "18075006691"
    assert lg.parse_phone("154-7311-9500") == "15473119500"
    assert lg.parse_phone(18075006691.0) == "18075006691"
    assert lg.parse_phone("１８０７５００６６９１") == "18075006691"
    assert lg.parse_phone("0571-88886666") == "0571-88886666"
    assert lg.parse_phone("") is None
    with pytest.raises(lg.LegacyProblem) as e:
        lg.parse_phone("1807500669")
    assert e.value.reason.startswith("联系电话")


def test_split_values_never_splits_on_spaces() -> None:
    assert lg.split_values("180 7500 6691/13800138000") == ["180 7500 6691", "13800138000"]
    assert lg.split_values(f"{GOOD}\n—\n34052419800101001X") == [GOOD, "—", "34052419800101001X"]


@pytest.mark.parametrize(
    ("header", "field"),
    [
        ("受理时间", "registered_on"),
        ("受 理 日 期", "registered_on"),
        ("受理\n日期", "registered_on"),
        ("*受理日期：", "registered_on"),
        ("当事人姓名", "parties"),
        ("双方当事人", "parties"),
        ("申请人", "applicant"),
        ("被申请人", "respondent"),
        ("公民身份号码", "id_number"),
        ("当事人身份证号码", "id_number"),
        ("联系电话（手机）", "phone"),
        ("纠纷类别", "category"),
        ("调处责任人", "mediator"),
        ("调解结果", "result"),
        ("是否签订协议", "agreement"),
        ("发生日期", "occurred_on"),
        ("调结日期", "outcome_on"),
        ("ＮＯ．", None),
        ("柏角峪村矛盾纠纷排查调处台账（2025年度）", None),
    ],
)
def test_dispute_headers_by_synonym(header: str, field: str | None) -> None:
    assert lg.match_header(header, lg.DISPUTE_FIELDS) == field


def test_visit_headers_by_synonym() -> None:
    got = [
        lg.match_header(h, lg.VISIT_FIELDS)
        for h in (
            "日期",
            "来访人",
            "人数",
            "身份证号",
            "电话",
            "住址",
            "反映问题",
            "接待人",
            "处理意见",
            "办理结果",
        )
    ]
    assert got == [
        "received_on",
        "petitioner",
        "headcount",
        "id_number",
        "phone",
        "address",
        "request",
        "first_responder",
        "opinion",
        "result",
    ]


def test_header_detection_under_title_rows_and_two_level_headers() -> None:
    rows: list[list[Any]] = [
        ["某村矛盾纠纷排查调处台账", "某村矛盾纠纷排查调处台账", None],
        ["填报单位：某村", None, "2025年度"],
        ["序号", "受理日期", "当事人", "当事人", "纠纷类型"],
        ["序号", "受理日期", "姓名", "身份证号码", "纠纷类型"],
        [1, "2025.3.5", "张三、李四", GOOD, "邻里"],
    ]
    g = lg.detect_header(rows, lg.DISPUTE_FIELDS)
    assert g is not None
    assert g.data_start == 4
    assert g.mapping == {0: "seq", 1: "registered_on", 2: "parties", 3: "id_number", 4: "category"}
    assert lg.detect_header([["无关的内容"], ["也无关"]], lg.DISPUTE_FIELDS) is None


def test_row_classification() -> None:
    mapping = {0: "seq", 1: "registered_on", 2: "parties"}
    headers = ["序号", "受理日期", "当事人"]
    assert lg.classify_row([None, " ", None], mapping, headers) == "空行"
    assert lg.classify_row(["合计", "共60件", None], mapping, headers) == "合计行"
    assert lg.classify_row(["合 计", None, None], mapping, headers) == "合计行"
    assert lg.classify_row(["小计：5件", None, None], mapping, headers) == "合计行"
    assert lg.classify_row(["填表人：张三", None, "审核人：李四"], mapping, headers) == "表尾签注"
    assert lg.classify_row(["序号", "受理日期", "当事人"], mapping, headers) == "重复的表头"
    assert lg.classify_row([61, None, None], mapping, headers) == "只有序号的空白行"
    assert lg.classify_row([1, "2025.3.5", "张三、李四"], mapping, headers) is None


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("调解成功", "succeeded"),
        ("成功", "succeeded"),
        ("已调解", "succeeded"),
        ("调处成功", "succeeded"),
        ("调解不成", "failed"),
        ("调解失败", "failed"),
        ("未成功", "failed"),
        ("调处中", "mediating"),
        ("正在调处", "mediating"),
        (None, "mediating"),
        ("终止调解", "terminated"),
        ("移送派出所", "transferred"),
        ("已受理", "registered"),
    ],
)
def test_dispute_results(text: str | None, code: str) -> None:
    assert lg.dispute_result(text) == code


def test_unknown_result_is_refused() -> None:
    with pytest.raises(lg.LegacyProblem):
        lg.dispute_result("看情况")


def test_visit_results_and_handling() -> None:
    assert lg.visit_result("已办结", "转镇国土所办理") == "concluded"
    assert lg.visit_result("办理中", "当场答复") == "in_progress"
    assert lg.visit_result(None, "当场答复") == "concluded"
    assert lg.visit_result(None, "交村委会调查") == "in_progress"
    assert lg.visit_result(None, None) == "registered"
    assert lg.visit_handling("转镇国土所办理") == lg.Handling("transfer", "镇国土所")
    assert lg.visit_handling("交村委会调查") == lg.Handling("assign", "村委会")
    assert lg.visit_handling("当场答复") == lg.Handling("answer")
    assert lg.visit_handling("告知通过诉讼途径解决") == lg.Handling("handle")


def test_agreement_kind() -> None:
    assert lg.agreement_kind("是") == "written"
    assert lg.agreement_kind("书面协议") == "written"
    assert lg.agreement_kind("口头") == "oral"
    assert lg.agreement_kind("否") is None
    assert lg.agreement_kind(None) is None
    with pytest.raises(lg.LegacyProblem):
        lg.agreement_kind("不知道啊")


OPTIONS = [
    lg.CodeOption("marriage_family", "婚姻家庭", ("婚姻家庭纠纷", "家庭纠纷", "赡养")),
    lg.CodeOption("damages", "损害赔偿", ("损害赔偿纠纷", "赔偿")),
    lg.CodeOption("forest_land", "山林土地", ("土地", "林地")),
    lg.CodeOption("labour", "劳动争议", ("劳资", "欠薪")),
    lg.CodeOption("neighbour", "邻里", ("邻里关系",)),
]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("家庭纠纷", "marriage_family"),
        ("婚姻家庭类纠纷", "marriage_family"),
        ("赔偿纠纷", "damages"),
        ("林地纠纷", "forest_land"),
        ("劳资纠纷", "labour"),
        ("欠薪", "labour"),
        ("邻里关系", "neighbour"),
        ("邻里矛盾", "neighbour"),
        (" 邻 里 ", "neighbour"),
        ("医疗", None),
    ],
)
def test_loose_category_spellings(text: str, code: str | None) -> None:
    assert lg.match_code(text, OPTIONS) == code


def test_fingerprint_ignores_party_order_and_spacing() -> None:
    d = date(2025, 3, 5)
    a = lg.fingerprint("disputes", d, ["张三", "李四"], "neighbour")
    assert a == lg.fingerprint("disputes", d, ["李四", "张 三"], "neighbour")
    assert a != lg.fingerprint("disputes", d, ["张三", "李四"], "contract")
    assert a != lg.fingerprint("disputes", date(2025, 3, 6), ["张三", "李四"], "neighbour")
    assert a != lg.fingerprint("visits", d, ["张三", "李四"], "neighbour")


def test_header_signature_is_order_independent() -> None:
    assert lg.header_signature(["日期", "来访人", ""]) == lg.header_signature(["来访人", "日 期"])
    assert lg.header_signature(["日期"]) != lg.header_signature(["日期", "人数"])
    assert [lg.column_letter(i) for i in (0, 25, 26, 701)] == ["A", "Z", "AA", "ZZ"]
