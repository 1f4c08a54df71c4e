"""Township roll-up built only from synced records; who has not reported; overdue across
villages with one-click 督办 that travels back down and reaches the village dashboard."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook

from app.cli import main
from app.print import render
from app.services.dashboard import build as dashboard_build
from app.services.disputes import DisputeAction, advance_dispute, register_dispute
from app.services.reporting import (
    ScreeningInput,
    compare,
    not_reported,
    overdue_items,
    record_screening,
    submit_monthly_report,
    supervision_draft,
)
from app.services.stats import HEADLINE, compute, pick
from app.services.stats_export import comparison_table, export_xlsx
from app.services.supervision import SupervisionInput, create_supervision, list_supervisions
from app.services.visits import register_visit
from tests.core.conftest import dispute_input, visit_input
from tests.sync.conftest import Node, pair


@pytest.fixture
def area(village: Node, village2: Node, township: Node) -> tuple[Node, Node, Node]:
    pair(village, township)
    pair(village2, township)
    return village, village2, township


def _fill_village(v: Node) -> None:
    record_screening(v.ctx, ScreeningInput(held_on="2026-03-03", scope="全村", found_count=2))
    a = register_dispute(v.ctx, dispute_input(registered_on="2026-02-01")).record  # will be overdue
    b = register_dispute(v.ctx, dispute_input(registered_on="2026-03-05")).record
    advance_dispute(v.ctx, b.id, "start")
    advance_dispute(v.ctx, b.id, "succeed", DisputeAction(agreement_type="口头", terms="和解"))
    register_visit(v.ctx, visit_input())
    assert a.due_on is not None and a.due_on < v.ctx.today()


def test_rollup_comes_only_from_synced_records(area) -> None:
    v1, v2, t = area
    _fill_village(v1)
    submit_monthly_report(v1.ctx, "2026-03")
    # before any bundle arrives the township knows nothing
    before = compare(t.ctx, "2026-03")
    assert all(
        not r["reported"] and r["figures"]["disputes.accepted"] == 0 for r in before["villages"]
    )
    assert t.import_(v1.export().path).status == "imported"
    cmp = compare(t.ctx, "2026-03")
    row = next(r for r in cmp["villages"] if r["code"] == v1.code)
    own = compute(v1.ctx, "2026-03", origin=v1.code)
    assert row["reported"] and not row["zero_report"]
    assert row["figures"] == {path: pick(own, path) for path, _ in HEADLINE}
    assert row["figures"]["screenings.found"] == 2 and row["figures"]["disputes.succeeded"] == 1
    other = next(r for r in cmp["villages"] if r["code"] == v2.code)
    assert not other["reported"] and other["figures"]["disputes.accepted"] == 0
    assert cmp["rollup"]["disputes.accepted"] == 1  # only March registrations count
    late = not_reported(t.ctx, "2026-03")
    assert [x["code"] for x in late["month"]] == [v2.code]
    assert v2.code in [x["code"] for x in late["week"]] and v1.code not in [
        x["code"] for x in late["week"]
    ]
    t.clock.advance(days=8)
    assert v1.code in [x["code"] for x in not_reported(t.ctx, "2026-03")["week"]]


def test_zero_report_counts_as_reported(area) -> None:
    _v1, v2, t = area
    submit_monthly_report(v2.ctx, "2026-02", confirm_zero=True)
    t.import_(v2.export().path)
    row = next(r for r in compare(t.ctx, "2026-02")["villages"] if r["code"] == v2.code)
    assert row["reported"] and row["zero_report"]
    assert v2.code not in [x["code"] for x in not_reported(t.ctx, "2026-02")["month"]]


def test_overdue_supervision_travels_down_to_the_village_dashboard(area, tmp_path) -> None:
    v1, _v2, t = area
    _fill_village(v1)
    t.import_(v1.export().path)
    items = overdue_items(t.ctx, include_own=False)
    assert [i.origin for i in items] == [v1.code] and not items[0].supervised
    draft = supervision_draft(t.ctx, items[0].case_id)
    assert draft["responsible_unit"] == "柳树村综治中心" and "已超过办理期限" in draft["content"]
    assert draft["responsible_person"] == ""  # not yet assigned: the officer must name one
    draft["lead_name"], draft["responsible_person"] = "刘镇长", "村调委会主任"
    sup = create_supervision(t.ctx, SupervisionInput(**draft))
    assert overdue_items(t.ctx, include_own=False)[0].supervised
    pdf = render("supervision_notice", t.ctx, sup.id)
    assert pdf.startswith(b"%PDF")
    ack = t.ack_for(v1)
    assert v1.import_(ack.path).status == "imported"
    mine = list_supervisions(v1.ctx)
    assert [m.record.supervision_no for m in mine] == [sup.supervision_no]
    board = dashboard_build(v1.ctx)
    assert any(sup.case_code in str(item) for item in board.supervisions)


def test_village_cannot_compare(area) -> None:
    v1, _v2, _t = area
    from app.rules.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        compare(v1.ctx, "2026-03")


def test_excel_export_of_comparison(area, tmp_path) -> None:
    v1, _v2, t = area
    _fill_village(v1)
    t.import_(v1.export().path)
    path = export_xlsx(
        tmp_path / "cmp.xlsx", t.ctx.station.name, [comparison_table(compare(t.ctx, "2026-03"))]
    )
    ws = load_workbook(path).worksheets[0]
    assert ws["A1"].value.startswith("东风镇综治中心 各村（社区）对比")
    names = [ws.cell(row=r, column=1).value for r in range(3, ws.max_row + 1)]
    assert names[-2:] == ["本级", "合计"] and "柳树村综治中心" in names


def test_cli_reports(area, tmp_path, capsys) -> None:
    v1, _v2, t = area
    _fill_village(v1)
    t.import_(v1.export().path)
    tdb, vdb = str(t.db.path), str(v1.db.path)
    assert main(["--db", vdb, "report", "monthly", "--month", "2026-03", "--submit"]) == 0
    out = tmp_path / "bulletin.pdf"
    assert main(["--db", vdb, "report", "monthly", "--month", "2026-03", "--out", str(out)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    capsys.readouterr()
    assert (
        main(
            [
                "--db",
                tdb,
                "report",
                "compare",
                "--month",
                "2026-03",
                "--json",
                "--xlsx",
                str(tmp_path / "c.xlsx"),
            ]
        )
        == 0
    )
    data = json.loads(capsys.readouterr().out)
    assert {r["code"] for r in data["villages"]} >= {v1.code}
    assert main(["--db", tdb, "report", "overdue", "--villages-only", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    code = rows[0]["case_code"]
    notice = tmp_path / "notice.pdf"
    assert (
        main(
            [
                "--db",
                tdb,
                "report",
                "supervise",
                code,
                "--lead-name",
                "刘镇长",
                "--out",
                str(notice),
            ]
        )
        == 1
    )
    assert "「责任人」不能为空" in capsys.readouterr().err
    assert (
        main(
            [
                "--db",
                tdb,
                "report",
                "supervise",
                code,
                "--lead-name",
                "刘镇长",
                "--responsible-person",
                "张主任",
                "--out",
                str(notice),
            ]
        )
        == 0
    )
    assert "已督办" in capsys.readouterr().out and notice.exists()
    assert main(["--db", vdb, "report", "compare", "--month", "2026-03"]) == 1
    assert "乡镇" in capsys.readouterr().err
    assert (
        main(["--db", vdb, "stats", "--month", "2026-03", "--xlsx", str(tmp_path / "s.xlsx")]) == 0
    )
    wb = load_workbook(tmp_path / "s.xlsx")
    assert "主要指标" in wb.sheetnames and "纠纷按类别" in wb.sheetnames
    _ = timedelta
