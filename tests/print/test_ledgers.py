"""Ledger and register printouts (landscape tables over a period), the generic table helper
the register framework calls, 月通报 from the statistics dict, and 交办/督办通知书."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date

import pytest
from pypdf import PdfReader

from app.models import Station, Supervision
from app.print import TableColumn, parse_period, render, render_table
from app.print.forms.month_report import bulletin_pdf
from app.print.forms.supervision_notice import NoticeData, notice_pdf
from app.rules.errors import NotFoundError, ValidationError, WorkflowError
from app.services.context import Ctx, open_ctx
from app.services.operators import OperatorInput, create_operator
from app.services.stats import compute

from .conftest import (
    assert_all_glyphs_present,
    assert_in_order,
    page_count,
    page_texts,
    pdf_text,
    render_png,
)


def landscape(pdf: bytes) -> bool:
    box = PdfReader(io.BytesIO(pdf)).pages[0].mediabox
    return float(box.width) > float(box.height)


@dataclass(frozen=True)
class PrintColumn:  # the shape the register framework passes
    key: str
    label: str
    width: float


def test_render_table_for_registers() -> None:
    cols = [
        PrintColumn("_seq", "序号", 10),
        PrintColumn("name", "姓名", 20),
        PrintColumn("role", "角色", 20),
        PrintColumn("id", "身份证号", 40),
    ]
    rows = [[str(i), f"联防队员{i}", "联防队员", "110105********002X"] for i in range(1, 121)]
    pdf = render_table(
        "柳树村治安中心户长及联防队伍花名册", "2026年    共120条", cols, rows, landscape=True
    )
    assert landscape(pdf)
    pages = page_texts(pdf)
    assert len(pages) >= 3
    for n, text in enumerate(pages, 1):
        assert "序号姓名角色身份证号" in text, f"header not repeated on page {n}"
        assert f"第{n}页共{len(pages)}页" in text
    assert_in_order("".join(pages), *[f"联防队员{i}" for i in (1, 50, 120)], "制表人：", "审核人：")
    portrait = render_table("工作记录簿", "", ["日期", "内容"], [], landscape=False)
    assert not landscape(portrait)
    assert "本期无记录" in pdf_text(portrait)
    mixed = render_table(
        "表", "", [TableColumn("甲", 1), ("乙", 2), "丙"], [[date(2026, 3, 1), None, True]]
    )
    assert_in_order(pdf_text(mixed), "甲乙丙", "2026年3月1日", "是")
    with pytest.raises(ValidationError, match="栏目"):
        render_table("表", "", [], [])


def test_period_parsing() -> None:
    assert parse_period("2026-03").label == "2026年3月"
    assert parse_period("2026").label == "2026年"
    p = parse_period("2026-01-05~2026-02-10")
    assert (p.start, p.end) == (date(2026, 1, 5), date(2026, 2, 10))
    assert parse_period("2026年1月5日至2026年2月10日") == p
    with pytest.raises(ValidationError, match="截止日期"):
        parse_period("2026-03-01~2026-02-01")
    with pytest.raises(ValidationError, match="月份"):
        parse_period("2026-13")


def test_visit_ledger_lists_the_period_in_order_with_masked_ids(demo_ctx: Ctx, demo_db) -> None:
    pdf = render("visit_ledger", demo_ctx, "2025-09-01~2026-03-16")
    assert landscape(pdf)
    text = pdf_text(pdf)
    codes = re.findall(r"110105001001-20\d\d-X-\d{5}", text)
    assert codes and codes == sorted(codes, key=lambda c: (c[13:17], c))  # oldest first
    assert "来信来访登记台账" in text and "公民身份号码" in text
    assert re.search(r"\d{17}[\dX]", text)  # admin sees full numbers
    clerk = open_ctx(demo_db, "zhaol")
    try:
        masked = pdf_text(render("visit_ledger", clerk, "2025-09-01~2026-03-16"))
    finally:
        clerk.close()
    assert not re.search(r"110105\d{11}[\dX]", masked)
    assert re.search(r"110105\*{8}\d{3}[\dX]", masked)
    assert_all_glyphs_present(pdf)


def test_dispute_ledger(demo_ctx: Ctx) -> None:
    pdf = render("dispute_ledger", demo_ctx, "2025-10-01~2026-03-16")
    assert landscape(pdf)
    text = pdf_text(pdf)
    assert_in_order(
        text,
        "矛盾纠纷排查调处情况登记表",
        "填报单位：柳树村综治中心",
        "序号",
        "受理日期",
        "当事人",
        "调处结果",
        "（2025）柳树调字第",
    )
    empty = pdf_text(render("dispute_ledger", demo_ctx, "2020-01"))
    assert "共0件" in empty and "本期无记录" in empty


def test_month_report_from_the_statistics(demo_ctx: Ctx) -> None:
    stats = compute(demo_ctx, "2026-02")
    pdf = render(
        "month_report",
        demo_ctx,
        "2026-02",
        {
            "narrative": "一、基本情况\n本月矛盾纠纷总体平稳。\n二、工作要求\n（一）加强排查。",
            "issue_no": 2,
        },
    )
    text = pdf_text(pdf)
    d = stats["disputes"]
    assert_in_order(
        text,
        "2026年2月矛盾纠纷排查调处和信访工作通报",
        "（第2期）",
        "一、基本情况",
        "本月矛盾纠纷总体平稳",
        "二、工作要求",
        "附：本月统计数据",
        "受理纠纷",
        str(d["accepted"]),
        "（一）矛盾纠纷",
        "纠纷类别",
        "合计",
        "纠纷类别分布",
        "纠纷办理状态",
        "（二）来信来访",
        "信访内容分类",
        "信访件办理状态",
        "报：",
    )
    assert_all_glyphs_present(pdf)
    render_png(pdf, "month_report-narrative", dpi=50)


def test_an_empty_month_is_a_zero_report(demo_ctx: Ctx) -> None:
    pdf = render("month_report", demo_ctx, "2024-01")
    text = pdf_text(pdf)
    assert_in_order(
        text, "2024年1月", "零报告", "无新增矛盾纠纷和来信来访事项，特此零报告", "本期无数据"
    )


def test_bulletin_is_driven_by_the_stats_dict_alone() -> None:
    stats = {
        "period": "2026年3月",
        "as_of": "2026-03-31",
        "zero_report": False,
        "visits": {
            "total": 3,
            "by_status": {"已办结": 3},
            "by_channel": {"来访": 3},
            "by_category": {"民政": 3},
            "group": 0,
            "group_persons": 0,
            "repeat": 0,
            "skip_level": 0,
            "overdue": 0,
        },
        "disputes": {
            "total": 5,
            "accepted": 5,
            "by_status": {"已归档": 5},
            "by_category": {"邻里": 4, "合同": 1},
            "by_source": {"当事人申请": 5},
            "mediated": 5,
            "succeeded": 4,
            "failed": 1,
            "success_rate": 0.8,
            "agreement_amount_yuan": 1200.0,
            "overdue": 0,
            "prevented_criminal": 0,
            "prevented_group_petition": 0,
        },
    }
    pdf = bulletin_pdf(
        stats,
        "",
        station_name="杨庄村综治中心",
        issued_on=date(2026, 4, 2),
        report_to="东风镇综治中心",
    )
    text = pdf_text(pdf)
    assert_in_order(
        text,
        "杨庄村综治中心2026年3月",
        "2026年4月2日",
        "共受理矛盾纠纷5件",
        "调解成功率80.0%",
        "邻里",
        "4",
        "80.0%",
        "报：东风镇综治中心",
    )


def test_supervision_notice_from_a_township_record(township_db, clock) -> None:
    ctx = open_ctx(township_db, "admin", clock=clock)
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
                    content="该纠纷已超过调解期限15日，当事人多次到镇反映，请抓紧化解。",
                    requirement="每周报告一次进展。",
                    lead_name="王镇长",
                    responsible_unit="柳树村人民调解委员会",
                    responsible_person="李晓梅",
                    measures="组织双方再次调解，邀请土地所现场确认界址。",
                    due_on=date(2026, 3, 31),
                    supervisor_name="陈主任",
                    issued_on=date(2026, 3, 16),
                )
            )
        sup = ctx.session.query(Supervision).one()
        pdf = render("supervision_notice", ctx, sup.id)
        text = pdf_text(pdf)
        assert_in_order(
            text,
            "督办通知书",
            "（2026）东风督字第3号",
            "柳树村综治中心：",
            "督办你单位",
            "案件编码",
            "110105001001-2026-J-00012",
            "督办事项",
            "已超过调解期限",
            "包案领导",
            "王镇长",
            "督办人",
            "陈主任",
            "责任单位",
            "柳树村人民调解委员会",
            "责任人",
            "李晓梅",
            "化解措施",
            "邀请土地所",
            "办理时限",
            "2026年3月31日前",
            "东风镇综治中心（盖章）",
            "办理情况反馈单",
        )
        assert (
            pdf_text(render("supervision_notice", ctx, "（2026）东风督字第3号")) == text
        )  # by number
        with pytest.raises(NotFoundError, match="督办"):
            render("supervision_notice", ctx, "（2026）东风督字第99号")
        assert_all_glyphs_present(pdf)
        render_png(pdf, "supervision_notice", dpi=50)
    finally:
        ctx.close()


def test_assignment_notice_and_comments() -> None:
    data = NoticeData(
        kind="assign",
        number="（2026）东风交字第1号",
        issuer="东风镇综治中心",
        addressee="柳树村综治中心",
        case_code="110105001001-2026-X-00003",
        case_title="村民反映灌溉渠年久失修",
        content="请村委会牵头维修。",
        due_on=date(2026, 4, 30),
        issued_on=date(2026, 3, 16),
    )
    assert_in_order(
        pdf_text(notice_pdf(data)), "交办通知书", "交办你单位", "交办事项", "请村委会牵头维修"
    )
    with pytest.raises(WorkflowError, match="批注"):
        notice_pdf(NoticeData(**{**data.__dict__, "kind": "comment"}))


def test_printing_writes_nothing(ctx: Ctx) -> None:
    """Printing only reads: the change counter does not move."""
    from sqlalchemy import text as sql

    create_operator(ctx, OperatorInput("clerk1", "赵琳", "clerk", "clerk-pass-123"))
    before = ctx.session.execute(sql("SELECT rev_counter FROM local_state")).scalar_one()
    ctx.session.commit()
    pdf = render("visit_ledger", ctx, "2026")
    assert page_count(pdf) == 1
    after = ctx.session.execute(sql("SELECT rev_counter FROM local_state")).scalar_one()
    assert before == after
