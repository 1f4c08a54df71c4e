"""The shared messy sample ledger: the import reproduces its truth file exactly, writes real
records through the services, and never duplicates on a second or overlapping import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
from sqlalchemy import func, select

from app.db import Database
from app.models import CaseEvent, Dispute, ExcelImportRow, Person, Visit
from app.services.cases import timeline
from app.services.context import Ctx
from app.services.excel_import import ImportReport, run_import
from tests.ledger_helpers import ledger_snapshot

from .conftest import DISPUTE_SHEET, SAMPLE, VISIT_SHEET, as_truth


def test_dry_run_reproduces_the_truth_and_writes_nothing(
    ctx: Ctx, village_db: Database, truth: dict[str, Any]
) -> None:
    before = ledger_snapshot(village_db)
    disputes = run_import(ctx, SAMPLE, "disputes", dry_run=True)
    visits = run_import(ctx, SAMPLE, "visits", dry_run=True)
    assert as_truth(disputes) == truth[DISPUTE_SHEET]
    assert as_truth(visits) == truth[VISIT_SHEET]
    assert disputes.sheet == DISPUTE_SHEET and visits.sheet == VISIT_SHEET
    assert {r.reason for r in disputes.of("skipped")} == {"空行", "合计行"}
    assert all(r.case_code == "" for r in disputes.valid)
    assert ledger_snapshot(village_db) == before


def test_import_reproduces_the_truth(
    imported: tuple[Database, dict[str, ImportReport]], truth: dict[str, Any]
) -> None:
    _, reports = imported
    assert as_truth(reports["disputes"]) == truth[DISPUTE_SHEET]
    assert as_truth(reports["visits"]) == truth[VISIT_SHEET]
    assert all(r.status == "imported" and r.case_code for r in reports["disputes"].valid)


def test_records_are_real_and_match_the_truth(imported_ctx: Ctx, truth: dict[str, Any]) -> None:
    s = imported_ctx.session
    kept = truth[DISPUTE_SHEET]["kept"]
    assert s.scalar(select(func.count()).select_from(Dispute)) == len(kept)
    by_names = {d.party_names: d for d in s.scalars(select(Dispute))}
    labels = {"succeeded": "调解成功", "failed": "调解不成", "mediating": "调处中"}
    for row in kept:
        d = by_names["、".join(row["parties"])]
        assert d.registered_on.isoformat() == row["received_on"]
        # a settled case whose 回访情况 the ledger records is imported with its 回访 closed
        assert labels[d.outcome or d.status] == row["result"]
        if d.status == "followed_up":
            assert d.outcome == "succeeded" and d.follow_up_note and d.due_on is None
        first = d.parties[0].person
        assert first.id_number == row["id_number"]
        assert first.phone == row["phone"]
        # the other parties are known by name only: nothing was invented for them
        for p in d.parties[1:]:
            assert p.person.id_number is None and p.person.phone == ""
    visits = {v.case_code: v for v in s.scalars(select(Visit))}
    assert len(visits) == len(truth[VISIT_SHEET]["kept"])
    for row in truth[VISIT_SHEET]["kept"]:
        v = next(
            v
            for v in visits.values()
            if v.party_names == row["name"] and v.received_on.isoformat() == row["received_on"]
        )
        assert v.headcount == row["headcount"] and v.is_group == row["group"]
        assert v.persons[0].person.id_number == row["id_number"]


def test_numbers_follow_the_ledger_dates(imported_ctx: Ctx) -> None:
    rows = imported_ctx.session.execute(
        select(Dispute.registered_on, Dispute.mediation_seq).order_by(Dispute.mediation_seq)
    ).all()
    days = [d for d, _ in rows]
    assert days == sorted(days)  # imported in date order: numbers ascend with the dates
    assert [n for _, n in rows] == list(range(1, len(rows) + 1))
    codes = imported_ctx.session.scalars(select(Dispute.case_code)).all()
    assert all(c.startswith("110105001001-2025-J-") for c in codes)


def test_case_log_uses_historical_dates_and_names_the_source(imported_ctx: Ctx) -> None:
    d = imported_ctx.session.scalars(
        select(Dispute).where(Dispute.party_names == "张梅、高庆")
    ).one()
    entries = timeline(imported_ctx, d)
    assert [e.event for e in entries] == [
        "registered",
        "assigned",
        "mediation_started",
        "mediated",
        "imported",
    ]
    assert {e.day for e in entries[:4]} == {"2025-07-22"}
    assert entries[-1].day == "2026-03-16"  # the import itself happened today
    note = entries[-1].note
    assert "legacy_ledger_sample.xlsx" in note and f"“{DISPUTE_SHEET}”第3行" in note
    assert "回访情况：已回访，双方满意" in note  # unmapped-to-field content is kept, not lost
    assert d.mediator_name == "赵淑" and d.outcome == "failed"
    assert "原台账记载：调解失败" in d.outcome_note
    succeeded = imported_ctx.session.scalars(
        select(Dispute).where(Dispute.party_names == "张燕家、张富")
    ).one()
    assert succeeded.status == "failed"
    ok = imported_ctx.session.scalars(
        select(Dispute).where(Dispute.party_names == "赵淑、周国玉")
    ).one()
    assert ok.status == "succeeded" and ok.agreement_type == "oral"  # 口头
    assert "未记载协议内容" in ok.agreement_terms


def test_visit_workflow_follows_the_recorded_result(imported_ctx: Ctx) -> None:
    s = imported_ctx.session
    concluded = s.scalars(select(Visit).where(Visit.party_names == "刘华")).one()
    assert concluded.status == "concluded" and concluded.handling_method == "transfer"
    assert concluded.handler_unit == "镇国土所"
    answered = s.scalars(select(Visit).where(Visit.party_names == "周燕生")).one()
    assert answered.status == "concluded" and answered.handling_method == "on_spot"
    open_ = s.scalars(select(Visit).where(Visit.party_names == "朱平")).one()
    assert open_.status == "in_progress" and open_.is_group and open_.headcount == 7
    events = [e.event for e in timeline(imported_ctx, open_)]
    assert events[0] == "registered" and events[-1] == "imported"


def test_second_import_is_a_no_op(
    imported: tuple[Database, dict[str, ImportReport]], imported_ctx: Ctx
) -> None:
    db, _ = imported
    before = ledger_snapshot(db)
    again = run_import(imported_ctx, SAMPLE, "disputes")
    assert again.counts()["imported"] == 0
    assert again.counts()["duplicate"] == 49
    assert again.counts()["invalid"] == 11
    assert "已于此前导入" in again.of("duplicate")[0].reason
    after = ledger_snapshot(db)
    changed = {t for t in before if before[t] != after[t]}
    assert changed <= {"setting"}  # only the remembered column mapping is re-saved


def test_overlapping_file_imports_only_the_new_rows(
    imported: tuple[Database, dict[str, ImportReport]], imported_ctx: Ctx, tmp_path: Path
) -> None:
    # a later copy of the ledger: rows re-ordered and re-spelled, plus one new row
    wb = openpyxl.load_workbook(SAMPLE)
    ws = wb[DISPUTE_SHEET]
    ws["C3"] = "高庆，张梅"  # same parties, other order and separator
    ws["B5"] = "2025年5月8日"  # same day, other spelling
    ws.insert_rows(4)
    for col, value in zip(
        "ABCDEFGHI",
        [
            99,
            "2025.12.1",
            "新甲、新乙",
            None,
            "13800138000",
            "邻里纠纷",
            "新的纠纷。",
            "",
            "调处中",
        ],
        strict=True,
    ):
        ws[f"{col}4"] = value
    path = tmp_path / "台账（更新版）.xlsx"
    wb.save(path)
    s = imported_ctx.session
    count = s.scalar(select(func.count()).select_from(Dispute)) or 0
    rep = run_import(imported_ctx, path, "disputes")
    assert [r.row for r in rep.of("imported")] == [4]
    assert rep.counts()["duplicate"] == 49
    assert s.scalar(select(func.count()).select_from(Dispute)) == count + 1
    fp = s.scalars(
        select(ExcelImportRow).where(ExcelImportRow.source_file == "台账（更新版）.xlsx")
    ).one()
    assert fp.row_number == 4 and fp.ledger == "disputes"


def test_people_are_reused_by_id_number_not_by_name(imported_ctx: Ctx) -> None:
    s = imported_ctx.session
    # 郭华 appears twice (rows 24 and 27) with no ID number: two people, not one guessed match
    assert s.scalar(select(func.count()).select_from(Person).where(Person.name == "郭华")) == 2
    # every imported case has exactly one import event
    n = s.scalar(select(func.count()).select_from(CaseEvent).where(CaseEvent.event == "imported"))
    assert n == s.scalar(select(func.count()).select_from(ExcelImportRow))
