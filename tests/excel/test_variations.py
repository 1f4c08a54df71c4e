"""Generated variations of legacy ledgers: layouts, spellings and damage the sample does not have."""

from __future__ import annotations

import random
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.db import Database
from app.models import Dispute, Visit
from app.rules.idcard import check_char
from app.rules.legacy import ID_BAD_CHECK, ID_LOST
from app.services.context import Ctx
from app.services.excel_import import (
    inspect_source,
    mapping_with_overrides,
    read_source,
    remember_mapping,
    run_import,
)
from tests.ledger_helpers import ledger_snapshot

from .conftest import write_book

FW = str.maketrans("0123456789-", "０１２３４５６７８９－")


def idn(region: str, birth: str, seq: str) -> str:
    body = region + birth + seq
    return body + check_char(body)


ID1 = idn("110105", "19800101", "001")
ID2 = idn("340524", "19750612", "002")
ID3 = idn("440524", "19900303", "003")


def statuses(report: Any) -> dict[int, str]:
    return {r.row: r.status for r in report.rows}


def reasons(report: Any) -> dict[int, str]:
    return {r.row: "；".join(p.reason for p in r.problems) for r in report.invalid}


def test_messy_generated_dispute_sheet(ctx: Ctx, village_db: Database, tmp_path: Path) -> None:
    header = [
        "纠纷类别",
        "序号",
        "登记日期",
        "双方当事人",
        "公民身份号码",
        "手机号码",
        "调解结果",
        "调解员",
        "基本情况",
        "协议",
    ]
    rows: list[list[Any]] = [
        ["东风镇柳树村矛盾纠纷排查调处台账", *[None] * 9],  # 1 merged title
        ["填报单位：柳树村调委会", *[None] * 8, "2025年度"],  # 2 second title row
        header,  # 3
        [
            "邻里纠纷",
            1,
            date(2025, 3, 5),
            "张三、李四",
            ID1,
            "138 0013 8000",
            "调解成功",
            "王调解",
            "排水沟纠纷。",
            "是",
        ],  # 4 date cell
        [
            "赔偿纠纷",
            2,
            "２０２５．０３．０６",
            "王五，赵六",
            ID2.translate(FW),
            13800138001.0,
            "正在调处",
            "",
            "",
            None,
        ],  # 5 full-width
        [
            "家庭纠纷",
            3,
            45725,
            "钱七 孙八",
            None,
            None,
            "调解失败",
            None,
            "赡养纠纷。",
            None,
        ],  # 6 serial → 2025-03-09
        [None, None, None, None, None, None, None, None, None, None],  # 7 blank
        [
            "劳资",
            4,
            "二〇二五年三月十日",
            "周九；吴十；郑十一",
            ID3.lower(),
            "0571-88886666",
            "成功",
            None,
            "",
            "口头",
        ],  # 8
        header,  # 9 repeated header (a printed page break)
        [
            "合同纠纷",
            5,
            "2025-02-30",
            "陈一、陈二",
            None,
            None,
            None,
            None,
            None,
            None,
        ],  # 10 impossible date
        [
            "合同纠纷",
            6,
            "2025.3.12",
            "林一、林二",
            "1.10105E+17",
            None,
            None,
            None,
            None,
            None,
        ],  # 11 lost digits (text)
        [
            "合同纠纷",
            7,
            "2025.3.13",
            "何一、何二",
            1.10105198001011e17,
            None,
            None,
            None,
            None,
            None,
        ],  # 12 lost (number)
        [
            "合同纠纷",
            8,
            "2025.3.14",
            "罗一、罗二",
            ID1[:-1] + ("0" if ID1[-1] != "0" else "1"),
            None,
            None,
            None,
            None,
            None,
        ],  # 13 bad check digit
        [
            "合同纠纷",
            9,
            "2025.3.15",
            "高一",
            None,
            None,
            None,
            None,
            None,
            None,
        ],  # 14 one party only
        [
            "扯皮纠纷",
            10,
            "2025.3.15",
            "马一、马二",
            None,
            None,
            None,
            None,
            None,
            None,
        ],  # 15 unknown category
        [
            "合同纠纷",
            11,
            "2025.3.16",
            "宋一、宋二",
            None,
            None,
            "看情况",
            None,
            None,
            None,
        ],  # 16 unknown result
        ["合同纠纷", 12, "2027.1.1", "唐一、唐二", None, None, None, None, None, None],  # 17 future
        [None, 13, None, None, None, None, None, None, None, None],  # 18 template row: 序号 only
        ["合计", None, "共13件", None, None, None, None, None, None, None],  # 19
        ["填表人：李会计", None, None, None, "审核人：王站长", None, None, None, None, None],  # 20
    ]
    path = write_book(
        tmp_path / "旧台账（WPS）.xlsx",
        {"2025年": rows},
        merges={"2025年": ["A1:J1", "A2:I2"]},
        formats={"2025年": {"C4": "yyyy/m/d"}},
    )
    before = ledger_snapshot(village_db)
    dry = run_import(ctx, path, "disputes", dry_run=True)
    assert ledger_snapshot(village_db) == before
    assert dry.header_row == 3
    st = statuses(dry)
    assert [r for r, s in st.items() if s == "new"] == [4, 5, 6, 8]
    assert {r: s for r, s in st.items() if s == "skipped"} == {
        7: "skipped",
        9: "skipped",
        18: "skipped",
        19: "skipped",
        20: "skipped",
    }
    why = reasons(dry)
    assert "不是存在的日期" in why[10]
    assert why[11] == ID_LOST and why[12] == ID_LOST and why[13] == ID_BAD_CHECK
    assert "只有一方当事人" in why[14]
    assert "不在代码表中" in why[15]
    assert "无法识别" in why[16]
    assert "晚于今天" in why[17]
    problem = next(r for r in dry.invalid if r.row == 13).problems[0]
    assert (problem.column, problem.header) == ("E", "公民身份号码")

    rep = run_import(ctx, path, "disputes")
    got = {
        d.party_names: d
        for d in ctx.session.scalars(select(Dispute).order_by(Dispute.registered_on))
    }
    assert list(got) == ["张三、李四", "王五、赵六", "钱七、孙八", "周九、吴十、郑十一"]
    a, b, _, e = got.values()
    assert [x.registered_on for x in got.values()] == [date(2025, 3, d) for d in (5, 6, 9, 10)]
    assert [x.category for x in got.values()] == [
        "neighbour",
        "damages",
        "marriage_family",
        "labour",
    ]
    assert [x.status for x in got.values()] == ["succeeded", "mediating", "failed", "succeeded"]
    assert a.agreement_type == "written" and e.agreement_type == "oral"
    assert a.mediator_name == "王调解" and a.summary == "排水沟纠纷。"
    assert b.parties[0].person.id_number == ID2 and b.parties[0].person.phone == "13800138001"
    assert e.parties[0].person.id_number == ID3.upper()
    assert "原台账未记载简要情况" in b.summary  # built from what the row has
    assert len(rep.valid) == 4


def test_vertically_merged_dates_and_two_level_header(ctx: Ctx, tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["序号", "受理日期", "申请人", "申请人", "被申请人", "纠纷类型", "调处结果"],
        [None, None, "姓名", "身份证号码", "姓名", None, None],
        [1, "2025-04-01", "甲一", ID1, "乙一", "邻里", "调解成功"],
        [2, None, "甲二", None, "乙二、乙三", "邻里", "调处中"],  # date merged from above
        [3, None, "甲三", None, "乙四", "邻里", "调处中"],
    ]
    path = write_book(
        tmp_path / "two_level.xlsx",
        {"纠纷": rows},
        merges={"纠纷": ["A1:A2", "B1:B2", "C1:D1", "F1:F2", "G1:G2", "B3:B5"]},
    )
    ins = inspect_source(ctx, read_source(path), "disputes")
    assert ins.header_row == 2 and ins.data_start == 3
    # issue 14: 申请人 and 被申请人 are party groups, each with its own columns (the ID number
    # belongs to the applicant group, not to "whoever comes first")
    assert ins.mapping() == {
        0: "seq",
        1: "registered_on",
        2: "g1.name",
        3: "g1.id_number",
        4: "g2.name",
        5: "category",
        6: "result",
    }
    assert [(g.title, g.role) for g in ins.groups] == [
        ("申请人", "applicant"),
        ("被申请人", "respondent"),
    ]
    rep = run_import(ctx, path, "disputes")
    assert len(rep.valid) == 3
    d = ctx.session.scalars(select(Dispute).where(Dispute.party_names == "甲二、乙二、乙三")).one()
    assert d.registered_on == date(2025, 4, 1)
    assert [p.role for p in d.parties] == ["applicant", "respondent", "respondent"]


def test_applicant_and_respondent_columns_give_roles(ctx: Ctx, tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["受理日期", "申请人", "被申请人", "身份证号", "纠纷类型", "涉及金额", "发生地点"],
        ["2025.5.1", "甲", "乙", f"{ID1}\n{ID2}", "合同", "1.5万", "三组"],
        ["2025.5.2", "丙", "丁", f"{ID1}\n{ID2}\n{ID3}", "合同", "", ""],  # 3 IDs, 2 names
        ["2025.5.3", "戊", "己", None, "合同", "很多", ""],  # service rejects the amount
    ]
    path = write_book(tmp_path / "roles.xlsx", {"Sheet1": rows})
    rep = run_import(ctx, path, "disputes")
    assert statuses(rep) == {2: "imported", 3: "invalid", 4: "invalid"}
    assert "多于姓名人数" in reasons(rep)[3]
    amount = next(r for r in rep.invalid if r.row == 4).problems[0]
    assert amount.column == "F" and "不是金额" in amount.reason and amount.fix
    d = ctx.session.scalars(select(Dispute)).one()
    assert [(p.role, p.person.id_number) for p in d.parties] == [
        ("applicant", ID1),
        ("respondent", ID2),
    ]
    assert d.amount_fen == 1_500_000 and d.place == "三组"


def test_generated_visit_sheet(ctx: Ctx, tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["群众来访登记簿"],
        [
            "接待日期",
            "来访群众",
            "来访人数",
            "身份证",
            "联系方式",
            "家庭住址",
            "来访事由",
            "问题类别",
            "处理意见",
            "办理情况",
        ],
        [
            datetime(2025, 6, 1, 9, 30),
            "甲等5人",
            None,
            ID1,
            "13800138000",
            "一组",
            "拖欠工资",
            "欠薪",
            "转镇劳动保障所办理",
            "已办结",
        ],
        ["2025.6.2", "乙等3人", 4, None, "13800138001", "", "修路", "", "", ""],  # count mismatch
        [
            "2025.6.3",
            "丙等",
            None,
            None,
            "13800138002",
            "",
            "修路",
            "",
            "",
            "",
        ],  # “等” without a count
        ["2025.6.4", "丁", 1, None, None, None, "修路", "", "", ""],  # no phone, no address
        ["2025.6.5", "戊", 1, None, None, "二组", "低保评定", "低保", "当场答复", None],
        ["2025.6.6", "己", 1, None, "13800138003", None, "低保评定", "低保", "", "办理中了吧"],
    ]
    path = write_book(tmp_path / "来访.xlsx", {"来访": rows}, merges={"来访": ["A1:J1"]})
    rep = run_import(ctx, path, "visits")
    assert statuses(rep) == {
        3: "imported",
        4: "invalid",
        5: "invalid",
        6: "invalid",
        7: "imported",
        8: "invalid",  # “办理中了吧” is not a sure status: it must be confirmed
    }
    doubt = next(r for r in rep.invalid if r.row == 8).problems[0]
    assert doubt.column == "J" and "办理中了吧" in doubt.reason
    assert "--value" in doubt.fix and "第8行" in doubt.fix
    rep = run_import(ctx, path, "visits", confirmed={"result": {"办理中了吧": "in_progress"}})
    assert statuses(rep)[8] == "imported"
    why = reasons(rep)
    assert "不一致" in why[4] and "未写明人数" in why[5]
    contact = next(r for r in rep.invalid if r.row == 6).problems[0]
    assert contact.column == "E" and "住址至少填写一项" in contact.reason  # the service's own rule
    v = ctx.session.scalars(select(Visit).where(Visit.party_names == "甲")).one()
    assert v.headcount == 5 and v.is_group and v.category == "labour_social"
    assert v.status == "concluded" and v.handling_method == "transfer"
    assert v.handler_unit == "镇劳动保障所" and v.received_on == date(2025, 6, 1)
    w = ctx.session.scalars(select(Visit).where(Visit.party_names == "戊")).one()
    assert (
        w.status == "concluded" and w.handling_method == "on_spot" and w.category == "civil_affairs"
    )
    x = ctx.session.scalars(select(Visit).where(Visit.party_names == "己")).one()
    assert x.status == "in_progress"


def test_1904_workbook_serial_dates(ctx: Ctx, tmp_path: Path) -> None:
    serial = (date(2025, 7, 1) - date(1904, 1, 1)).days
    rows: list[list[Any]] = [["受理日期", "当事人", "纠纷类型"], [serial, "甲、乙", "邻里"]]
    path = write_book(tmp_path / "mac.xlsx", {"S": rows}, epoch_1904=True)
    run_import(ctx, path, "disputes")
    assert ctx.session.scalars(select(Dispute.registered_on)).one() == date(2025, 7, 1)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gb18030"])
def test_csv_files(ctx: Ctx, tmp_path: Path, encoding: str) -> None:
    text = '序号,受理日期,当事人,纠纷类型,调处结果\n1,2025.3.5,"张三、李四",邻里纠纷,调解成功\n合计,,,,\n'
    path = tmp_path / "台账.csv"
    path.write_bytes(text.encode(encoding))
    rep = run_import(ctx, path, "disputes")
    assert statuses(rep) == {2: "imported", 3: "skipped"}


def test_mapping_is_remembered_per_layout_and_learned(ctx: Ctx, tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["日子", "当事人", "纠纷类型", "情况说明"],
        ["2025.3.5", "张三、李四", "邻里", "排水沟"],
    ]
    path = write_book(tmp_path / "odd.xlsx", {"S": rows})
    book = read_source(path)
    ins = inspect_source(ctx, book, "disputes")
    assert ins.missing == ["受理日期"] and not ins.remembered
    mapping = mapping_with_overrides(ctx, ins, [("日子", "受理日期"), ("D", "纠纷简要情况")])
    assert mapping == {0: "registered_on", 1: "parties", 2: "category", 3: "summary"}
    remember_mapping(ctx, "disputes", [c.header for c in ins.columns], mapping)
    again = inspect_source(ctx, book, "disputes")
    assert again.remembered and again.mapping() == mapping and not again.missing
    # a shuffled copy of the same layout, and a new layout using the learned words
    shuffled = write_book(tmp_path / "odd2.xlsx", {"S": [[r[3], r[1], r[0], r[2]] for r in rows]})
    assert inspect_source(ctx, read_source(shuffled), "disputes").mapping() == {
        0: "summary",
        1: "parties",
        2: "registered_on",
        3: "category",
    }
    other = write_book(
        tmp_path / "odd3.xlsx",
        {"S": [["日子", "当事人", "纠纷类型", "调处结果"], ["2025.3.6", "甲、乙", "邻里", ""]]},
    )
    assert inspect_source(ctx, read_source(other), "disputes").mapping()[0] == "registered_on"
    rep = run_import(ctx, path, "disputes")
    assert len(rep.valid) == 1
    d = ctx.session.scalars(select(Dispute)).one()
    assert d.summary == "排水沟"


def test_explicit_mapping_and_header_row(ctx: Ctx, tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["说明：本表自2025年起使用"],
        ["A", "B", "C"],
        ["2025.3.5", "张三、李四", "邻里"],
    ]
    path = write_book(tmp_path / "bare.xlsx", {"S": rows})
    book = read_source(path)
    with pytest.raises(Exception) as e:
        run_import(ctx, path, "disputes", book=book)
    assert "没有找到" in str(e.value)
    rep = run_import(
        ctx,
        path,
        "disputes",
        header_row=2,
        mapping={0: "registered_on", 1: "parties", 2: "category"},
        book=book,
    )
    assert rep.header_row == 2 and [r.row for r in rep.valid] == [3]


def test_the_same_row_twice_in_one_file(ctx: Ctx, tmp_path: Path) -> None:
    rows: list[list[Any]] = [
        ["受理日期", "当事人", "纠纷类型"],
        ["2025.3.5", "张三、李四", "邻里"],
        ["2025年3月5日", "李四，张三", "邻里纠纷"],
    ]
    path = write_book(tmp_path / "dup.xlsx", {"S": rows})
    rep = run_import(ctx, path, "disputes")
    assert statuses(rep) == {2: "imported", 3: "duplicate"}
    assert "与本表第2行重复" in rep.of("duplicate")[0].reason


def test_records_typed_by_hand_are_recognised(ctx: Ctx, tmp_path: Path) -> None:
    from app.services.disputes import DisputeInput, PartyInput, register_dispute
    from app.services.persons import PersonInput

    saved = register_dispute(
        ctx,
        DisputeInput(
            category="邻里",
            summary="已手工登记。",
            registered_on="2025-03-05",
            parties=[PartyInput(PersonInput(name="张三")), PartyInput(PersonInput(name="李四"))],
        ),
    )
    path = write_book(
        tmp_path / "hand.xlsx",
        {"S": [["受理日期", "当事人", "纠纷类型"], ["2025.3.5", "李四、张三", "邻里"]]},
    )
    rep = run_import(ctx, path, "disputes")
    assert statuses(rep) == {2: "duplicate"}
    assert saved.record.case_code in rep.of("duplicate")[0].reason


# --- generated at random: render valid records in random layouts and spellings ------------

NAMES = [
    "张伟",
    "王芳",
    "李娜",
    "刘洋",
    "陈静",
    "杨军",
    "赵磊",
    "黄敏",
    "周杰",
    "吴霞",
    "欧阳明",
    "司马青",
]
CATS = {
    "neighbour": ["邻里", "邻里纠纷", "邻里关系"],
    "marriage_family": ["婚姻家庭", "家庭纠纷", "婚姻家庭纠纷"],
    "damages": ["损害赔偿", "赔偿纠纷", "赔偿"],
    "labour": ["劳动争议", "劳资", "欠薪", "劳资纠纷"],
    "forest_land": ["山林土地", "林地纠纷", "土地纠纷"],
}
RESULTS: dict[str, list[str | None]] = {
    "succeeded": ["调解成功", "成功", "已调解", "调处成功"],
    "failed": ["调解不成", "调解失败", "未成功"],
    "mediating": ["调处中", "正在调处", None],
}
HEADERS = {
    "date": ["受理时间", "受理日期", "登记日期", "日期"],
    "parties": ["当事人", "当事人姓名", "双方当事人"],
    "category": ["纠纷类型", "纠纷类别", "类型"],
    "result": ["调处结果", "调解结果", "处理结果"],
    "phone": ["联系电话", "电话", "手机号码"],
}
SEPS = ["、", "，", ",", " ", "；"]


def _date_form(rng: random.Random, d: date) -> Any:
    forms: list[Any] = [
        d,
        datetime(d.year, d.month, d.day),
        (d - date(1899, 12, 30)).days,
        f"{d.year}.{d.month}.{d.day}",
        f"{d.year}年{d.month}月{d.day}日",
        f"{d.year}/{d.month:02d}/{d.day:02d}",
        f"{d.year}-{d.month}-{d.day}".translate(FW),
        f"{d:%Y%m%d}",
    ]
    return rng.choice(forms)


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(seed=st.integers(min_value=0, max_value=10**9), n=st.integers(min_value=1, max_value=6))
def test_random_layouts_and_spellings(ctx: Ctx, village_db: Database, seed: int, n: int) -> None:
    rng = random.Random(seed)
    records: list[tuple[date, list[str], str, str, str]] = []
    used: set[tuple[date, str]] = set()
    while len(records) < n:
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(0, 365))
        people = rng.sample(NAMES, rng.choice([2, 2, 3]))
        key = (day, "、".join(sorted(people)))
        if key in used:
            continue
        used.add(key)
        cat = rng.choice(list(CATS))
        result = rng.choice(list(RESULTS))
        phone = f"13{rng.randrange(10**8, 10**9)}"
        records.append((day, people, cat, result, phone))
    cols = ["date", "parties", "category", "result", "phone"]
    rng.shuffle(cols)
    header = [rng.choice(HEADERS[c]) for c in cols]
    body: list[list[Any]] = []
    for day, people, cat, result, phone in records:
        values = {
            "date": _date_form(rng, day),
            "parties": rng.choice(SEPS).join(people),
            "category": rng.choice(CATS[cat]),
            "result": rng.choice(RESULTS[result]),
            "phone": rng.choice(
                [
                    phone,
                    f"{phone[:3]} {phone[3:7]} {phone[7:]}",
                    f"{phone[:3]}-{phone[3:7]}-{phone[7:]}",
                    float(phone),
                ]
            ),
        }
        body.append([values[c] for c in cols])
        if rng.random() < 0.3:
            body.append([None] * len(cols))
    titles: list[list[Any]] = [
        [f"柳树村矛盾纠纷排查调处台账{i}"] + [None] * (len(cols) - 1)
        for i in range(rng.randrange(0, 3))
    ]
    footer: list[list[Any]] = (
        [["合计", f"共{n}件"] + [None] * (len(cols) - 2)] if rng.random() < 0.5 else []
    )
    sheet = [*titles, header, *body, *footer]
    merges = [f"A{i + 1}:{chr(64 + len(cols))}{i + 1}" for i in range(len(titles))]
    with tempfile.TemporaryDirectory() as tmp:
        path = write_book(Path(tmp) / "随机.xlsx", {"台账": sheet}, merges={"台账": merges})
        before = ledger_snapshot(village_db)
        rep = run_import(ctx, path, "disputes", dry_run=True)
        assert ledger_snapshot(village_db) == before
    assert rep.header_row == len(titles) + 1
    assert not rep.invalid, [p.reason for p in rep.problems]
    labels = {"succeeded": "调解成功", "failed": "调解不成", "mediating": "调处中"}
    cat_labels = {
        "neighbour": "邻里",
        "marriage_family": "婚姻家庭",
        "damages": "损害赔偿",
        "labour": "劳动争议",
        "forest_land": "山林土地",
    }
    got = [
        (
            v.display["received_on"],
            v.display["parties"],
            v.display["category"],
            v.display["result"],
            v.display["phone"],
        )
        for v in rep.valid
    ]
    want = [(d.isoformat(), p, cat_labels[c], labels[r], ph) for d, p, c, r, ph in records]
    assert got == want


def test_unrecognised_category_spellings_can_be_mapped_and_are_remembered(
    ctx: Ctx, tmp_path: Path
) -> None:
    from app.services.excel_import import remember_values, unknown_values

    rows: list[list[Any]] = [
        ["受理日期", "当事人", "纠纷类型"],
        ["2025.3.5", "甲、乙", "山林权属"],
        ["2025.3.6", "丙、丁", "山林 权属"],
        ["2025.3.7", "戊、己", "扯皮"],
    ]
    path = write_book(tmp_path / "v.xlsx", {"S": rows})
    dry = run_import(ctx, path, "disputes", dry_run=True)
    unknown = unknown_values(ctx, dry)
    assert [(u.text, u.rows, u.column) for u in unknown] == [
        ("山林权属", (2,), "C"),
        ("山林 权属", (3,), "C"),
        ("扯皮", (4,), "C"),
    ]
    assert ("forest_land", "山林土地") in unknown[0].options
    remember_values(ctx, "disputes", "category", {"山林权属": "forest_land"})
    with pytest.raises(Exception, match="不在代码表中"):
        remember_values(ctx, "disputes", "category", {"扯皮": "nonsense"})
    rep = run_import(ctx, path, "disputes")
    assert {r.row: r.status for r in rep.rows} == {2: "imported", 3: "imported", 4: "invalid"}
    cats = set(ctx.session.scalars(select(Dispute.category)))
    assert cats == {"forest_land"}
