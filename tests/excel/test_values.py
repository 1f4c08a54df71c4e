"""Issue 14, the value side: no wrong value, ever.

The spellings are those of published ledgers and forms (see the sources cited in
:mod:`app.rules.legacy_values`): 化解情况 已化解 / 化解中 / 未化解 / 稳控中 (矛盾纠纷排查化解
台账), 调解成功 / 调解不成 / 终止调解 / 口头协议 (人民调解案件登记), “①当事人申请” (the printed
options of the 人民调解受理登记表), 是否化解 是/否.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.db import Database
from app.models import Dispute, Visit
from app.rules import legacy as lg
from app.rules import legacy_values as lv
from app.services.context import Ctx
from app.services.excel_import import run_import
from app.services.excel_values import remembered

from .conftest import write_book


def _status(text: str, ledger: str = "disputes") -> lv.Reading:
    return lv.read_status(text, ledger)


# --- the vocabulary --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("化解中", "mediating"),
        ("未完全化解", "mediating"),
        ("部分化解", "mediating"),
        ("未化解", "mediating"),
        ("未解决", "mediating"),
        ("尚未解决", "mediating"),
        ("稳控中", "mediating"),
        ("已稳控", "mediating"),
        ("正在调解", "mediating"),
        ("已化解", "succeeded"),
        ("调解成功", "succeeded"),
        ("调解不成", "failed"),
        ("未达成协议", "failed"),
        ("终止调解", "terminated"),
        ("不予受理", "terminated"),
        ("1.已化解", "succeeded"),
        ("① 已化解", "succeeded"),
        ("经调解，双方达成协议，赔偿2000元", "succeeded"),
    ],
)
def test_dispute_vocabulary(text: str, code: str) -> None:
    r = _status(text)
    assert r.sure and r.code == code


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("未解决", "in_progress"),
        ("化解中", "in_progress"),
        ("未完全化解", "in_progress"),
        ("稳控中", "in_progress"),
        ("已办结", "concluded"),
        ("不予受理", "not_accepted"),
        ("已告知", "informed"),
    ],
)
def test_visit_vocabulary(text: str, code: str) -> None:
    r = _status(text, "visits")
    assert r.sure and r.code == code


def test_the_issue_spellings() -> None:
    oral = _status("双方达成口头协议")
    assert (oral.code, oral.sure, oral.agreement) == ("succeeded", True, "oral")
    moved = _status("已转镇城建办")
    assert (moved.code, moved.sure, moved.unit) == ("transferred", True, "镇城建办")
    visit = _status("已转镇城建办", "visits")
    assert (visit.code, visit.unit, visit.handling) == ("in_progress", "镇城建办", "transfer")
    assert _status("交由村委会调解").code is None  # an assignment, not a transfer out
    assert lv.read_yes_no("是") is True and lv.read_yes_no("否") is False
    assert lv.read_yes_no("基本是") is None
    assert lv.normalize_value("①当事人申请") == "当事人申请"


@pytest.mark.parametrize(
    "text",
    [
        "已化解（不再上访）",
        "调解成功但一方反悔",
        "化解难度大",
        "基本化解，待履行",
        "①调解成功②调解不成",
        "已化解？",
        "办理中了吧",
    ],
)
def test_uncertain_wordings_are_not_taken(text: str) -> None:
    r = _status(text)
    assert not r.sure
    assert r.code not in lv.DISPUTE_FINISHED
    with pytest.raises(lg.LegacyProblem):
        lg.dispute_result(text)


# The markers the issue names; any string holding one is never read as a finished state.
MARKERS = ("未", "不", "尚未", "正在", "部分", "未完全", "没有", "无法")
WORDS = (
    "化解",
    "已化解",
    "解决",
    "调解成功",
    "成功",
    "办结",
    "已办结",
    "达成协议",
    "结案",
    "移送",
    "转镇城建办",
    "口头协议",
    "双方",
    "经调解",
    "，",
    "。",
    "、",
    " ",
    "1.",
    "①",
    "完全",
    "已",
)
_text = st.lists(st.sampled_from(WORDS), max_size=4).map("".join)


@settings(max_examples=400, deadline=None)
@given(_text, st.sampled_from(MARKERS), _text, st.sampled_from(["disputes", "visits"]))
def test_a_negation_or_progress_marker_never_reads_as_finished(
    before: str, marker: str, after: str, ledger: str
) -> None:
    finished = lv.VISIT_FINISHED if ledger == "visits" else lv.DISPUTE_FINISHED
    r = lv.read_status(before + marker + after, ledger)
    assert r.code not in finished


@settings(max_examples=300, deadline=None)
@given(_text, st.sampled_from(["disputes", "visits"]))
def test_an_ongoing_suffix_never_reads_as_finished(before: str, ledger: str) -> None:
    """“…中” at the end of a clause (化解中, 办理中, 调解成功中?) is never finished."""
    finished = lv.VISIT_FINISHED if ledger == "visits" else lv.DISPUTE_FINISHED
    for tail in ("中", "中。", "中，"):
        assert lv.read_status(before + tail, ledger).code not in finished


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=12), st.sampled_from(MARKERS), st.text(max_size=12))
def test_any_text_with_a_marker_is_never_finished(before: str, marker: str, after: str) -> None:
    assert lv.read_status(before + marker + after).code not in lv.DISPUTE_FINISHED
    assert lv.read_status(before + marker + after, "visits").code not in lv.VISIT_FINISHED


# --- names -----------------------------------------------------------------------------------


def test_name_spellings() -> None:
    assert [p.name for p in lg.split_parties("王 芳").names] == ["王芳"]
    assert [p.name for p in lg.split_parties("王　芳").names] == ["王芳"]
    assert [p.name for p in lg.split_parties("王芳 李明").names] == ["王芳", "李明"]
    assert [p.name for p in lg.split_parties("赵春花与黄明").names] == ["赵春花", "黄明"]
    assert [p.name for p in lg.split_parties("和平").names] == ["和平"]
    with pytest.raises(lg.LegacyProblem):
        lg.split_parties("王 芳 李")
    assert lg.is_anonymous("匿名") and lg.is_anonymous("（匿名信）") and not lg.is_anonymous("王芳")


# --- headers ---------------------------------------------------------------------------------


def test_header_vocabulary() -> None:
    v, d = lg.VISIT_FIELDS, lg.DISPUTE_FIELDS
    assert lg.match_header("信访类型", v) == "channel"
    assert lg.match_header("来访方式", v) == "channel"
    assert lg.match_header("化解时间", v) == "replied_on"
    assert lg.match_header("化解时间", d) == "outcome_on"
    assert lg.match_header("办结时间", d) == "outcome_on"
    assert lg.match_header("是否化解", d) == "resolved"
    assert lg.match_header("调处措施", d) == "measures"
    assert lg.match_header("包案领导", d) == "lead"
    assert lg.match_header("稳控情况", d) == "stability"
    assert lg.match_header("卷号", d) == "volume"
    assert lg.match_header("回访情况", v) == "follow_up"


# --- the import ------------------------------------------------------------------------------

HEAD = ["受理日期", "当事人", "纠纷类型", "案件来源", "化解情况", "是否化解", "化解时间"]


def _book(tmp_path: Path, rows: list[list[Any]], name: str = "台账.xlsx") -> Path:
    return write_book(tmp_path / name, {"排查化解台账": [HEAD, *rows]})


ROWS: list[list[Any]] = [
    ["2025.3.5", "张三、李四", "邻里纠纷", "①当事人申请", "化解中", "否", None],
    ["2025.3.6", "王 芳、赵六", "邻里纠纷", "①当事人申请", "未完全化解", None, None],
    ["2025.3.7", "赵春花与黄明", "婚姻家庭", "主动调解", "双方达成口头协议", "是", "2025.3.9"],
    ["2025.3.8", "钱七、孙八", "土地纠纷", "当事人申请", "已转镇城建办", None, "2025.3.10"],
    ["2025.3.9", "周九、吴十", "邻里纠纷", "当事人申请", "稳控中", None, None],
    ["2025.3.10", "郑一、冯二", "邻里纠纷", "当事人申请", "基本化解，待履行", None, None],
    ["2025.3.11", "陈三、褚四", "邻里纠纷", "当事人申请", "已化解", "否", None],
    ["2025.3.12", "卫五、蒋六", "邻里纠纷", "当事人申请", None, "是", "2025.3.15"],
]


def _by_party(ctx: Ctx) -> dict[str, Dispute]:
    return {d.party_names: d for d in ctx.session.scalars(select(Dispute))}


def test_values_are_read_exactly_and_doubtful_ones_refused(ctx: Ctx, tmp_path: Path) -> None:
    path = _book(tmp_path, ROWS)
    rep = run_import(ctx, path, "disputes")
    status = {r.row: r.status for r in rep.rows}
    assert status == {
        2: "imported",
        3: "imported",
        4: "imported",
        5: "imported",
        6: "imported",
        7: "invalid",  # 基本化解，待履行: doubtful
        8: "invalid",  # 已化解 but 是否化解 否: contradictory
        9: "imported",
    }
    got = _by_party(ctx)
    assert got["张三、李四"].status == "mediating"
    assert got["张三、李四"].source == "party_application"  # “①当事人申请”
    assert got["王芳、赵六"].status == "mediating"  # 未完全化解 is not 调解成功
    oral = got["赵春花、黄明"]
    assert (oral.status, oral.agreement_type) == ("succeeded", "oral")
    assert str(oral.outcome_on) == "2025-03-09"  # 化解时间 is the outcome, not the registration
    assert str(oral.registered_on) == "2025-03-07"
    moved = got["钱七、孙八"]
    assert (moved.status, moved.transferred_to) == ("transferred", "镇城建办")
    assert got["周九、吴十"].status == "mediating"
    assert got["卫五、蒋六"].status == "succeeded"  # 是否化解 是 with no result text
    doubt = next(r for r in rep.invalid if r.row == 7).problems[0]
    assert doubt.column == "E" and "基本化解，待履行" in doubt.reason and "调处中" in doubt.reason
    assert "工作表“排查化解台账”第7行E列“化解情况”" in doubt.fix
    assert "--value 化解情况:基本化解，待履行=调处中" in doubt.fix
    clash = next(r for r in rep.invalid if r.row == 8).problems[0]
    assert clash.column == "F" and "矛盾" in clash.reason


def test_the_review_lists_every_value_with_its_count(ctx: Ctx, tmp_path: Path) -> None:
    path = _book(tmp_path, ROWS)
    rep = run_import(ctx, path, "disputes", dry_run=True)
    review = {(v.field, v.text): v for v in rep.values}
    cat = review[("category", "邻里纠纷")]
    assert (cat.count, cat.code, cat.state, cat.column) == (6, "neighbour", "sure", "C")
    src = review[("source", "①当事人申请")]
    assert (src.count, src.code_label, src.state) == (7, "当事人申请", "sure")  # one key
    assert review[("result", "化解中")].code_label == "调处中"
    assert review[("result", "已转镇城建办")].code_label == "已移送（镇城建办）"
    doubt = review[("result", "基本化解，待履行")]
    assert doubt.state == "doubtful" and doubt.code == "mediating" and doubt.rows == [7]
    assert review[("result", "（空白）")].code_label == "调处中"
    assert review[("resolved", "否")].count == 2
    assert {v.field for v in rep.values} == {"category", "source", "result", "resolved"}
    assert not ctx.session.scalars(select(Dispute)).all()  # a dry run writes nothing


def test_confirmation_is_used_and_remembered_only_by_a_real_import(
    ctx: Ctx, tmp_path: Path
) -> None:
    path = _book(tmp_path, ROWS[5:6])
    choice = {"result": {"基本化解，待履行": "mediating"}}
    dry = run_import(ctx, path, "disputes", dry_run=True, confirmed=choice)
    assert len(dry.valid) == 1
    assert [v.state for v in dry.values if v.field == "result"] == ["confirmed"]
    assert remembered(ctx.session, "disputes") == {}
    rep = run_import(ctx, path, "disputes", confirmed=choice)
    assert len(rep.of("imported")) == 1
    assert remembered(ctx.session, "disputes") == {"result": {"基本化解,待履行": "mediating"}}
    again = _book(
        tmp_path, [["2025.4.1", "甲、乙", "邻里纠纷", None, "基本化解，待履行"]], "b.xlsx"
    )
    assert len(run_import(ctx, again, "disputes").of("imported")) == 1  # remembered


def test_visit_register_with_a_type_column_and_an_anonymous_letter(
    ctx: Ctx, tmp_path: Path
) -> None:
    rows: list[list[Any]] = [
        ["来访日期", "来访人", "信访类型", "反映问题", "办理结果", "联系电话"],
        ["2025.5.6", "王 芳", "来访", "宅基地边界", "未解决", "13800138000"],
        ["2025.5.7", "匿名", "来信", "反映村务不公开", "已转镇城建办", None],
        ["2025.5.8", "赵春花", "来电", "路灯不亮", "已办结", "13800138001"],
    ]
    path = write_book(tmp_path / "来访.xlsx", {"来访登记": rows})
    rep = run_import(ctx, path, "visits")
    assert not rep.invalid, [p.reason for p in rep.problems]
    got = {v.request: v for v in ctx.session.scalars(select(Visit))}
    assert got["宅基地边界"].channel == "visit" and got["宅基地边界"].party_names == "王芳"
    assert got["宅基地边界"].status == "in_progress"  # 未解决 is never 已办结
    letter = got["反映村务不公开"]
    assert letter.is_anonymous and letter.channel == "letter" and letter.party_names == "（匿名）"
    assert (letter.status, letter.handling_method, letter.handler_unit) == (
        "in_progress",
        "transfer",
        "镇城建办",
    )
    assert got["路灯不亮"].channel == "phone" and got["路灯不亮"].status == "concluded"


def test_cli_dry_run_value_writes_no_setting(
    capsys: pytest.CaptureFixture[str], village_db: Database, tmp_path: Path
) -> None:
    from app.cli import main

    path = _book(tmp_path, ROWS[5:6])

    def run(*args: str) -> tuple[int, str, str]:
        code = main(["--db", str(village_db.path), *args])
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = run("excel", "import", str(path), "--ledger", "disputes", "--dry-run")
    assert code == 0
    assert "“基本化解，待履行” 1行 → 调处中 【待确认】" in out
    assert "--value 化解情况:基本化解，待履行=调处中" in out
    option = "化解情况:基本化解，待履行=调处中"
    code, out, _ = run(
        "excel",
        "import",
        str(path),
        "--ledger",
        "disputes",
        "--dry-run",
        "--value",
        option,
        "--json",
    )
    data = json.loads(out)
    assert code == 0 and data["counts"]["valid"] == 1
    with village_db.session() as s:
        assert remembered(s, "disputes") == {}  # the dry run wrote nothing
    code, out, _ = run("excel", "import", str(path), "--ledger", "disputes", "--value", option)
    assert code == 0
    assert "其中 1 行早于本站启用日期，为历史记录" in out  # 2025 < the day this ledger was set up
    with village_db.session() as s:
        assert remembered(s, "disputes") == {"result": {"基本化解,待履行": "mediating"}}
    code, _, err = run(
        "excel", "import", str(path), "--ledger", "disputes", "--value", "化解情况:甲=调好了"
    )
    assert code == 1 and "不是可选的结果" in err and "调处中" in err


def test_unmapped_cells_are_masked_for_a_clerk(
    ctx: Ctx, village_db: Database, tmp_path: Path
) -> None:
    """A column the import does not know (担保人) is kept in the case note; an ID number in it
    belongs to no validated person and is stored masked (the source file named in the note has
    it); a 录入员, who sees ID numbers masked in every list, sees the phones masked too."""
    from app.services.cases import timeline
    from app.services.context import open_ctx
    from app.services.operators import OperatorInput, create_operator

    from ..conftest import FakeClock

    rows = [
        ["受理日期", "当事人", "纠纷类型", "担保人情况"],
        ["2025.3.5", "张三、李四", "邻里纠纷", "王某 11010519491231002X 电话13800138000"],
    ]
    path = write_book(tmp_path / "t.xlsx", {"S": rows})
    rep = run_import(ctx, path, "disputes")
    assert len(rep.of("imported")) == 1
    d = ctx.session.scalars(select(Dispute)).one()
    full = next(t.note for t in timeline(ctx, d) if t.event == "imported")
    assert "担保人情况：王某 110105********002X 电话13800138000" in full
    assert "11010519491231002X" not in d.outcome_note + full
    create_operator(ctx, OperatorInput("clerk1", "赵琳", "clerk", "pass1234"))
    clerk = open_ctx(village_db, "clerk1", clock=FakeClock())
    try:
        assert not clerk.can("id_number.view")
        dd = clerk.session.get(Dispute, d.id)
        assert dd is not None
        shown = next(t.note for t in timeline(clerk, dd) if t.event == "imported")
    finally:
        clerk.close()
    assert "11010519491231002X" not in shown and "13800138000" not in shown
    assert "担保人情况：王某 110105********002X 电话138****8000" in shown


def test_a_transfer_keeps_its_unit_and_an_odd_destination_is_confirmed() -> None:
    assert _status("已上报镇综治中心").unit == "镇综治中心"
    assert _status("转交镇中心小学处理").sure
    court = _status("转为诉讼")
    assert (court.code, court.sure, court.unit) == ("transferred", False, "诉讼")
    assert not _status("调解成功，转为诉讼").sure  # two results in one cell


@pytest.mark.parametrize(
    ("text", "ledger", "code"),
    [
        ("申请人撤回调解申请，终止调解", "disputes", "terminated"),
        ("已移交镇派出所", "disputes", "transferred"),
        ("达成书面调解协议", "disputes", "succeeded"),
        ("已解决，当事人满意", "visits", "concluded"),
        ("已办结，已答复信访人", "visits", "concluded"),
        ("尚未答复", "visits", "in_progress"),
        ("正在核实", "visits", "in_progress"),
    ],
)
def test_spellings_of_published_ledgers(text: str, ledger: str, code: str) -> None:
    r = _status(text, ledger)
    assert r.sure and r.code == code


def test_legacy_code_spellings() -> None:
    from app.rules.legacy import CodeOption
    from app.services.excel_values import review_one

    options = [CodeOption("environment", "生态环境", ("环保", "污染")), CodeOption("other", "其他")]
    got = review_one(
        "category",
        "环境污染",
        ledger="visits",
        code_fields={"category": "visit_category"},
        codes={"visit_category": options},
        value_maps={},
    )
    assert got[:3] == ("environment", "生态环境", "sure")
    # a legacy spelling only maps to a code this station's table holds
    got = review_one(
        "category",
        "环境污染",
        ledger="visits",
        code_fields={"category": "visit_category"},
        codes={"visit_category": options[1:]},
        value_maps={},
    )
    assert got[2] == "unmapped"
