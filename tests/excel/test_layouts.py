"""Layouts of real station ledgers (issue 14): grouped headers, one row per party, whole
workbooks with month sheets.

The workbooks are written here with openpyxl, cell by cell, after published layouts:

- 人民调解申请书 / 受理登记表 in 《调解卷宗》 (bdocx.com/doc/4951888.html): the 申请人 and
  被申请人 blocks each with 姓名、性别、民族、年龄、职业或职务、联系方式、单位或住址, and
  案件来源 “①当事人申请②人民调解委员会主动调解”.
- 《人民调解结案报告表》 使用说明 (www.yunnanlong.com/c/051HTA942023_3.html): 卷号, 受案时间,
  结案时间, “当事人信息写当事人双方真实的姓名地址和电话”, 案件来源, 纠纷简要事实.
- 群众来访接待登记表 (ent.zjrxz.com/jxfw/202507/450998.html): 来访人基本信息 (姓名、性别、年龄、
  联系方式、居住地), 来访时间, 来访事由, 接待人员, 处理意见与结果, 备注.
- 矛盾纠纷排查调处 month reports: 每月排查、每月报送 (m.docduoduo.com/p-3572639.html,
  m.zjycdp.com/fanwendaquan/cehuafangan/2022/0219/170.html) — hence one sheet per month.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.db import Database
from app.models import CaseEvent, Dispute, Visit
from app.rules.errors import ValidationError
from app.services.context import Ctx
from app.services.excel_import import (
    inspect_source,
    read_source,
    run_import,
    run_workbook_import,
)
from app.services.excel_layout import sheet_order, sheet_period
from tests.ledger_helpers import ledger_snapshot

from .conftest import write_book
from .test_variations import ID1, ID2, ID3, idn

ID4 = idn("110105", "19920505", "014")
TITLE = "东风镇柳树村矛盾纠纷排查调处台账"
META = [
    "填报单位：柳树村调委会",
    None,
    None,
    None,
    "填表人：王芳",
    None,
    None,
    "填报日期：2025年6月30日",
]


def _dispute_grouped_rows() -> list[list[Any]]:
    head1 = [
        "序号",
        "受理日期",
        "申请人",
        None,
        None,
        None,
        None,
        "被申请人",
        None,
        None,
        None,
        None,
        "纠纷类型",
        "纠纷简要情况",
        "调处结果",
    ]
    head2 = [
        "序号",
        "受理日期",
        "姓名",
        "性别",
        "身份证号码",
        "联系电话",
        "单位或住址",
        "姓名",
        "性别",
        "身份证号码",
        "联系电话",
        "单位或住址",
        "纠纷类型",
        "纠纷简要情况",
        "调处结果",
    ]
    return [
        [TITLE, *[None] * 14],
        [*META, *[None] * 7],
        head1,
        head2,
        [
            1,
            "2025.6.3",
            "赵春花",
            "女",
            ID1,
            "13800138001",
            "三组12号",
            "黄明",
            "男",
            ID2,
            "13900139002",
            "三组15号",
            "邻里纠纷",
            "排水沟堵塞引发争执",
            "调解成功",
        ],
        [
            2,
            "2025.6.9",
            "刘强",
            "男",
            ID3,
            "13700137003",
            "五组2号",
            "刘伟",
            "男",
            None,
            None,
            "五组3号",
            "家庭纠纷",
            "兄弟赡养分担",
            "调处中",
        ],
    ]


_GROUP_MERGES = ["A1:O1", "A3:A4", "B3:B4", "C3:G3", "H3:L3", "M3:M4", "N3:N4", "O3:O4"]


def test_grouped_header_keeps_each_party_group(ctx: Ctx, tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "grouped.xlsx", {"台账": _dispute_grouped_rows()}, merges={"台账": _GROUP_MERGES}
    )
    ins = inspect_source(ctx, read_source(path), "disputes")  # detected, no option needed
    assert (ins.header_top, ins.header_row, ins.data_start) == (3, 4, 5)
    assert ins.title == TITLE
    assert ins.meta == {"填报单位": "柳树村调委会", "填表人": "王芳", "填报日期": "2025年6月30日"}
    assert [(g.title, g.role) for g in ins.groups] == [
        ("申请人", "applicant"),
        ("被申请人", "respondent"),
    ]
    assert ins.group_summary()[1] == (
        "被申请人（被申请人）：H“姓名”、I“性别”、J“身份证号码”、K“联系电话”、L“住址”"
    )
    assert not ins.missing
    rep = run_import(ctx, path, "disputes")
    assert [r.status for r in rep.rows] == ["imported", "imported"], rep.to_dict()
    d = ctx.session.scalars(select(Dispute).where(Dispute.party_names == "赵春花、黄明")).one()
    people = [
        (p.role, p.person.name, p.person.id_number, p.person.phone, p.person.address)
        for p in sorted(d.parties, key=lambda p: p.seq)
    ]
    assert people == [
        ("applicant", "赵春花", ID1, "13800138001", "三组12号"),
        ("respondent", "黄明", ID2, "13900139002", "三组15号"),
    ]
    assert d.status == "succeeded"
    imported = ctx.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == d.id, CaseEvent.event == "imported")
    ).one()
    assert (
        "申请人·性别：女" in imported.note and "被申请人·性别：男" in imported.note
    )  # not silently dropped
    d2 = ctx.session.scalars(select(Dispute).where(Dispute.party_names == "刘强、刘伟")).one()
    second = sorted(d2.parties, key=lambda p: p.seq)[1].person
    assert not second.id_number and not second.phone and second.address == "五组3号"


def test_bad_cell_in_the_second_group_names_its_column(
    ctx: Ctx, village_db: Database, tmp_path: Path
) -> None:
    rows = _dispute_grouped_rows()[:5]
    rows[4][9] = ID2[:-1] + ("0" if ID2[-1] != "0" else "1")  # wrong check digit, respondent
    path = write_book(tmp_path / "bad.xlsx", {"台账": rows}, merges={"台账": _GROUP_MERGES})
    before = ledger_snapshot(village_db)
    rep = run_import(ctx, path, "disputes", dry_run=True)
    assert [r.status for r in rep.rows] == ["invalid"]
    (p,) = rep.invalid[0].problems
    assert (p.row, p.column, p.field_label) == (5, "J", "被申请人·身份证号码")
    assert "校验位" in p.reason
    assert ledger_snapshot(village_db) == before  # nothing written


def test_one_row_prefixed_groups_and_party_one_two(ctx: Ctx, tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        [
            "受理时间",
            "申请人姓名",
            "申请人联系电话",
            "被申请人姓名",
            "被申请人联系电话",
            "纠纷类型",
        ],
        ["2025-05-06", "王芳", "13800138001", "李四", "13900139002", "邻里"],
    ]
    path = write_book(tmp_path / "prefixed.xlsx", {"Sheet1": rows})
    rep = run_import(ctx, path, "disputes")
    assert [r.status for r in rep.rows] == ["imported"], rep.to_dict()
    d = ctx.session.scalars(select(Dispute)).one()
    parties = sorted(d.parties, key=lambda p: p.seq)
    assert [(p.role, p.person.phone) for p in parties] == [
        ("applicant", "13800138001"),
        ("respondent", "13900139002"),
    ]
    rows = [
        ["序号", "登记日期", "当事人一", None, "当事人二", None, "纠纷类别", "调处情况"],
        [None, None, "姓名", "身份证号", "姓名", "身份证号", None, None],
        [1, "2025.5.8", "甲一", ID3, "乙一", ID4, "合同", "调处中"],
    ]
    path = write_book(
        tmp_path / "one_two.xlsx",
        {"Sheet1": rows},
        merges={"Sheet1": ["A1:A2", "B1:B2", "C1:D1", "E1:F1", "G1:G2", "H1:H2"]},
    )
    ins = inspect_source(ctx, read_source(path), "disputes")
    assert [(g.title, g.role) for g in ins.groups] == [
        ("当事人一", "applicant"),
        ("当事人二", "respondent"),
    ]
    rep = run_import(ctx, path, "disputes")
    assert [r.status for r in rep.rows] == ["imported"], rep.to_dict()
    d = ctx.session.scalars(select(Dispute).where(Dispute.party_names == "甲一、乙一")).one()
    assert [p.person.id_number for p in sorted(d.parties, key=lambda p: p.seq)] == [ID3, ID4]


def test_visit_register_with_petitioner_group(ctx: Ctx, tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["柳树村群众来访接待登记表", *[None] * 8],
        ["来访时间", "来访人基本信息", None, None, None, None, "来访事由", "接待人员", "处理意见"],
        [None, "姓名", "性别", "年龄", "联系方式", "居住地", None, None, None],
        [
            "2025-04-02",
            "孙丽",
            "女",
            46,
            "13600136004",
            "二组8号",
            "咨询低保政策",
            "周敏",
            "当场答复，已解释政策",
        ],
    ]
    path = write_book(
        tmp_path / "visits.xlsx",
        {"来访": rows},
        merges={"来访": ["A1:I1", "A2:A3", "B2:F2", "G2:G3", "H2:H3", "I2:I3"]},
    )
    ins = inspect_source(ctx, read_source(path), "visits")
    assert ins.header_row == 3 and not ins.missing
    mapped = ins.mapping()
    assert (mapped[1], mapped[4], mapped[5]) == ("petitioner", "phone", "address")
    rep = run_import(ctx, path, "visits")
    assert [r.status for r in rep.rows] == ["imported"], rep.to_dict()
    v = ctx.session.scalars(select(Visit)).one()
    person = v.persons[0].person
    assert (person.name, person.phone, person.address) == ("孙丽", "13600136004", "二组8号")


def _per_party_rows() -> list[list[Any]]:
    return [
        ["柳树村矛盾纠纷排查化解登记表（一案多人）", *[None] * 7],
        [
            "序号",
            "受理日期",
            "当事人姓名",
            "身份证号码",
            "联系电话",
            "纠纷类型",
            "简要情况",
            "调处结果",
        ],
        [1, "2025-03-02", "张一", ID1, "13800138001", "土地纠纷", "承包地边界争议", "调解成功"],
        [None, None, "张二", ID2, "13900139002", None, None, None],
        [None, None, "李三", ID3, "13700137003", None, None, None],
        [2, "2025-03-05", "王五", None, None, "邻里纠纷", "宅基地滴水", "调处中"],
        [2, "2025-03-05", "赵六", None, None, "邻里纠纷", "宅基地滴水", "调处中"],  # repeated
        [3, "2025-03-09", "钱七", None, None, "邻里纠纷", "宅基地滴水", "调处中"],
        [None, None, "孙八", None, None, None, None, None],
    ]


def test_one_row_per_party_merged_blank_or_repeated(ctx: Ctx, tmp_path: Path) -> None:
    path = write_book(
        tmp_path / "per_party.xlsx",
        {"台账": _per_party_rows()},
        merges={"台账": ["A1:H1", "A3:A5", "B3:B5", "F3:F5", "G3:G5", "H3:H5"]},
    )
    rep = run_import(ctx, path, "disputes")
    assert [(r.rows, r.status) for r in rep.rows] == [
        ([3, 4, 5], "imported"),
        ([6, 7], "imported"),
        ([8, 9], "imported"),
    ], rep.to_dict()
    d = ctx.session.scalars(select(Dispute).where(Dispute.registered_on == date(2025, 3, 2))).one()
    assert d.party_names == "张一、张二、李三"
    assert [p.person.id_number for p in sorted(d.parties, key=lambda p: p.seq)] == [ID1, ID2, ID3]
    assert [p.person.phone for p in sorted(d.parties, key=lambda p: p.seq)] == [
        "13800138001",
        "13900139002",
        "13700137003",
    ]
    assert d.status == "succeeded"
    assert ctx.session.scalars(select(Dispute.party_names).order_by(Dispute.registered_on)).all()[
        1:
    ] == ["王五、赵六", "钱七、孙八"]
    assert rep.to_dict()["valid"][0]["rows"] == [3, 4, 5]


def test_problem_on_a_later_row_of_a_case_names_that_row(
    ctx: Ctx, village_db: Database, tmp_path: Path
) -> None:
    rows = _per_party_rows()[:5]
    rows[4][3] = "11010519800101001"  # 17 digits: a broken ID number on the third party's row
    path = write_book(
        tmp_path / "bad_party.xlsx",
        {"台账": rows},
        merges={"台账": ["A1:H1", "A3:A5", "B3:B5", "F3:F5", "G3:G5", "H3:H5"]},
    )
    before = ledger_snapshot(village_db)
    rep = run_import(ctx, path, "disputes", dry_run=True)
    (bad,) = rep.invalid
    assert bad.rows == [3, 4, 5] and bad.where == "第3–5行"
    (p,) = bad.problems
    assert p.column == "D" and p.reason.startswith("第5行：")
    assert ledger_snapshot(village_db) == before


# --- whole workbooks ------------------------------------------------------------------------

_MONTH_HEAD = ["序号", "受理日期", "当事人", "纠纷类型", "纠纷简要情况", "调处结果", "调结日期"]


def _month_book(path: Path, later_result: str = "调解成功") -> Path:
    return write_book(
        path,
        {
            "填表说明": [["填表说明"], ["1. 每月排查一次，每月报送"], ["2. 当事人之间用顿号分隔"]],
            "3月": [
                ["2025年3月矛盾纠纷排查调处台账"],
                _MONTH_HEAD,
                [1, "2025-03-03", "周一、吴二", "邻里", "排水纠纷", "调处中", None],
                [2, "2025-03-20", "郑三、冯四", "合同", "工钱纠纷", "调解成功", "2025-03-28"],
            ],
            "1月": [
                ["2025年1月矛盾纠纷排查调处台账"],
                _MONTH_HEAD,
                [1, "2025-01-06", "陈五、褚六", "婚姻家庭", "赡养纠纷", "调处中", None],
            ],
            "2月": [
                ["2025年2月矛盾纠纷排查调处台账"],
                _MONTH_HEAD,
                [1, "2025-01-06", "陈五、褚六", "婚姻家庭", "赡养纠纷", later_result, "2025-02-11"],
                [2, "2025-02-14", "卫七、蒋八", "邻里", "占道纠纷", "调处中", None],
            ],
            "统计": [["月份", "件数"], ["1月", 1], ["2月", 2]],
        },
    )


def test_whole_workbook_month_sheets_in_order_with_updates(
    ctx: Ctx, village_db: Database, tmp_path: Path
) -> None:
    path = _month_book(tmp_path / "2025年台账.xlsx")
    before = ledger_snapshot(village_db)
    dry = run_workbook_import(ctx, path, "disputes", dry_run=True)
    assert ledger_snapshot(village_db) == before  # a dry run writes nothing
    assert [s.sheet for s in dry.sheets] == ["1月", "2月", "3月", "填表说明", "统计"]
    assert [s.report is None for s in dry.sheets] == [False, False, False, True, True]
    assert "没有找到" in dry.sheets[3].skipped_reason
    assert dry.sheets[1].report is not None
    assert [r.status for r in dry.sheets[1].report.rows] == ["update", "new"]

    rep = run_workbook_import(ctx, path, "disputes")
    lines = rep.summary_lines()
    assert lines[0] == "工作表“1月”：1 行，已导入 1，已更新 0，已存在 0，有问题 0，跳过 0"
    assert lines[1] == "工作表“2月”：2 行，已导入 1，已更新 1，已存在 0，有问题 0，跳过 0"
    assert lines[3].startswith("工作表“填表说明”：未导入（")
    d = ctx.session.scalars(select(Dispute).where(Dispute.party_names == "陈五、褚六")).one()
    assert d.status == "succeeded" and d.registered_on == date(2025, 1, 6)
    updated = ctx.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == d.id, CaseEvent.event == "updated")
    ).one()
    assert "工作表“2月”第3行" in updated.note and "调处中" in updated.note
    first = rep.sheets[1].report
    assert first is not None and first.rows[0].reason == "由“调处中”更新为“调解成功”"
    # importing the same workbook again changes nothing
    again = run_workbook_import(ctx, path, "disputes")
    assert {r.status for rp in again.reports for r in rp.rows} == {"duplicate"}


def test_contradicting_later_result_is_refused_with_sheet_and_row(ctx: Ctx, tmp_path: Path) -> None:
    run_workbook_import(ctx, _month_book(tmp_path / "a.xlsx"), "disputes")
    path = write_book(
        tmp_path / "b.xlsx",
        {
            "4月": [
                _MONTH_HEAD,
                [1, "2025-01-06", "陈五、褚六", "婚姻家庭", "赡养纠纷", "调解不成", "2025-04-01"],
            ]
        },
    )
    rep = run_workbook_import(ctx, path, "disputes")
    (sheet,) = rep.reports
    (row,) = sheet.invalid
    assert row.row == 2 and "已是“调解成功”" in row.problems[0].reason
    d = ctx.session.scalars(select(Dispute).where(Dispute.party_names == "陈五、褚六")).one()
    assert d.status == "succeeded"


def test_workbook_with_no_matching_sheet_is_refused(ctx: Ctx, tmp_path: Path) -> None:
    path = write_book(tmp_path / "x.xlsx", {"统计": [["月份", "件数"], ["1月", 1]]})
    with pytest.raises(ValidationError) as err:
        run_workbook_import(ctx, path, "disputes")
    assert "“统计”" in str(err.value.problems[0].problem)


def test_sheet_order_and_periods() -> None:
    names = ["汇总", "12月", "1月", "2024年3月", "三月份", "2023.11", "十一月", "2024年1月"]
    assert sheet_period("2024年3月") == (2024, 3)
    assert sheet_period("三月份") == (0, 3)
    assert sheet_period("汇总") is None
    assert sheet_order(names) == [
        "1月",
        "三月份",
        "十一月",
        "12月",
        "2023.11",
        "2024年1月",
        "2024年3月",
        "汇总",
    ]


def test_cli_reports_per_sheet(
    capsys: pytest.CaptureFixture[str], village_db: Database, tmp_path: Path
) -> None:
    import json

    from app.cli import main

    path = _month_book(tmp_path / "2025年台账.xlsx")
    report = tmp_path / "报告.xlsx"
    code = main(
        [
            "--db",
            str(village_db.path),
            "excel",
            "import",
            str(path),
            "--ledger",
            "disputes",
            "--report",
            str(report),
        ]
    )
    out, err = capsys.readouterr()
    assert code == 0, err
    assert "工作表“2月”（表头在第2行）：" in out
    assert "工作表“2月”：2 行，已导入 1，已更新 1，已存在 0，有问题 0，跳过 0" in out
    assert "工作表“统计”：未导入（" in out
    assert "由“调处中”更新为“调解成功”" in out
    import openpyxl

    wb = openpyxl.load_workbook(report)
    assert wb["已导入"].cell(2, 1).value == "工作表"  # several sheets: the sheet on every row
    code = main(
        [
            "--db",
            str(village_db.path),
            "excel",
            "import",
            str(path),
            "--ledger",
            "disputes",
            "--json",
        ]
    )
    data = json.loads(capsys.readouterr()[0])
    assert [s["sheet"] for s in data["sheets"]] == ["1月", "2月", "3月", "填表说明", "统计"]
    assert data["counts"]["duplicate"] == 5 and data["sheets"][3]["skipped_reason"]


def test_one_row_per_party_with_a_role_column(ctx: Ctx, tmp_path: Path) -> None:
    """人民调解案件登记台账 kept one row per party: 当事人身份 says which side each person is on
    (《调解卷宗》 lists 申请人 and 被申请人 separately)."""
    rows: list[list[Any]] = [
        ["人民调解案件登记台账", *[None] * 8],
        [
            "卷号",
            "受理日期",
            "当事人身份",
            "姓名",
            "身份证号码",
            "联系电话",
            "住址",
            "纠纷类型",
            "调解结果",
        ],
        [
            "2024-001",
            "2024-03-09",
            "申请人",
            "肖娜",
            ID1,
            "18834401888",
            "八组25号",
            "合同",
            "调处中",
        ],
        [None, None, "被申请人", "孙红梅", ID2, "13311616334", "八组12号", None, None],
        [None, None, "被申请人", "林明", None, None, "一组14号", None, None],
        ["2024-002", "2024-03-15", "申请人", "王勇", None, None, None, "劳动争议", "调处中"],
        [None, None, "申请人代理人", "徐杰", None, None, None, None, None],
    ]
    path = write_book(
        tmp_path / "roles.xlsx",
        {"登记台账": rows},
        merges={
            "登记台账": [
                "A1:I1",
                "A3:A5",
                "B3:B5",
                "H3:H5",
                "I3:I5",
                "A6:A7",
                "B6:B7",
                "H6:H7",
                "I6:I7",
            ]
        },
    )
    ins = inspect_source(ctx, read_source(path), "disputes")
    assert ins.mapping()[2] == "party_role" and ins.mapping()[3] == "parties"
    rep = run_import(ctx, path, "disputes")
    assert [(r.rows, r.status) for r in rep.rows] == [([3, 4, 5], "imported"), ([6, 7], "imported")]
    d = ctx.session.scalars(select(Dispute).where(Dispute.registered_on == date(2024, 3, 9))).one()
    parties = sorted(d.parties, key=lambda p: p.seq)
    assert [(p.person.name, p.role, p.person.address) for p in parties] == [
        ("肖娜", "applicant", "八组25号"),
        ("孙红梅", "respondent", "八组12号"),
        ("林明", "respondent", "一组14号"),
    ]
    assert parties[1].person.id_number == ID2 and not parties[2].person.id_number
    d2 = ctx.session.scalars(
        select(Dispute).where(Dispute.registered_on == date(2024, 3, 15))
    ).one()
    # 申请人代理人 is not one of the plain words: no role is guessed from it
    assert [p.role for p in sorted(d2.parties, key=lambda p: p.seq)] == ["applicant", "party"]


def test_visit_seen_again_in_a_later_month_is_concluded(ctx: Ctx, tmp_path: Path) -> None:
    head = [
        "登记日期",
        "来访人",
        "联系电话",
        "内容分类",
        "反映问题",
        "处理意见",
        "办理结果",
        "办结日期",
    ]
    path = write_book(
        tmp_path / "信访.xlsx",
        {
            "1月": [
                head,
                [
                    "2025-01-08",
                    "孙丽",
                    "13600136004",
                    "劳动社保",
                    "工资被拖欠",
                    "转镇劳保所办理",
                    "办理中",
                    None,
                ],
            ],
            "2月": [
                head,
                [
                    "2025-01-08",
                    "孙丽",
                    "13600136004",
                    "劳动社保",
                    "工资被拖欠",
                    "转镇劳保所办理",
                    "已办结",
                    "2025-02-10",
                ],
            ],
        },
    )
    rep = run_workbook_import(ctx, path, "visits")
    assert [[r.status for r in s.rows] for s in rep.reports] == [["imported"], ["updated"]], [
        s.to_dict()["invalid"] for s in rep.reports
    ]
    v = ctx.session.scalars(select(Visit)).one()
    assert v.status == "concluded" and v.replied_on == date(2025, 2, 10)
    ev = ctx.session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == v.id, CaseEvent.event == "updated")
    ).one()
    assert "工作表“2月”第2行" in ev.note and "已办结" in ev.note


def test_the_person_complained_about_is_not_a_petitioner(ctx: Ctx, tmp_path: Path) -> None:
    """A visit register with 来访人 and 被反映人 blocks: only the visitors are petitioners; the
    other block is kept in the case note, never put on the petitioner."""
    rows: list[list[Any]] = [
        ["来访日期", "来访人", None, "被反映人", None, "反映问题"],
        [None, "姓名", "联系电话", "姓名", "联系电话", None],
        ["2025-04-02", "孙丽", "13600136004", "钱七", "13900139002", "邻居占用通道"],
    ]
    path = write_book(
        tmp_path / "被反映人.xlsx",
        {"来访": rows},
        merges={"来访": ["A1:A2", "B1:C1", "D1:E1", "F1:F2"]},
    )
    ins = inspect_source(ctx, read_source(path), "visits")
    assert ins.groups == [] and ins.mapping() == {
        0: "received_on",
        1: "petitioner",
        2: "phone",
        5: "request",
    }
    rep = run_import(ctx, path, "visits")
    assert [r.status for r in rep.rows] == ["imported"], rep.to_dict()
    v = ctx.session.scalars(select(Visit)).one()
    assert [(p.person.name, p.person.phone) for p in v.persons] == [("孙丽", "13600136004")]
    note = ctx.session.scalars(
        select(CaseEvent.note).where(CaseEvent.case_id == v.id, CaseEvent.event == "imported")
    ).one()
    assert "被反映人姓名：钱七" in note


def test_run_import_without_a_sheet_takes_the_whole_workbook(ctx: Ctx, tmp_path: Path) -> None:
    rep = run_import(ctx, _month_book(tmp_path / "台账.xlsx"), "disputes", dry_run=True)
    assert rep.sheet == "1月、2月、3月" and len(rep.sheets) == 5
    data = rep.to_dict()
    assert [(v["sheet"], v["row"]) for v in data["valid"]] == [
        ("1月", 3),
        ("2月", 4),
        ("3月", 3),
        ("3月", 4),
    ]
    assert [(u["sheet"], u["row"]) for u in data["updated"]] == [("2月", 3)]
    assert rep.counts()["updated"] == 1
