"""Issue 14: history is history. Rows dated before the station's go-live (启用日期) are imported
history; their past deadlines raise no 超期 — not on the 工作台, the overdue lists, the
statistics or the 督办 suggestions — and a legacy 回访情况 closes the 回访.

A township officer opening the program after the import expects: a 2024 case closed in 2024 is
simply closed (no “超期669天”); a 2024 case still open is open — listed under 在办 — but as
历史遗留, counted apart, never as a deadline this station missed.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from app.models import Dispute, Visit
from app.rules.errors import ValidationError
from app.services import history
from app.services.context import Ctx
from app.services.dashboard import dashboard
from app.services.excel_import import run_import
from app.services.ledger_query import LedgerFilter, dispute_count, visit_count
from app.services.reporting import overdue_items
from app.services.stats import compute

from .conftest import write_book

GO_LIVE = date(2026, 1, 1)  # the fake clock's today is 2026-03-16

HEAD = ["受理日期", "当事人", "纠纷类型", "调处结果", "调结日期", "回访情况"]
ROWS: list[list[Any]] = [
    ["2024.3.5", "张三、李四", "邻里纠纷", "调解成功", "2024.3.20", None],
    ["2024.4.5", "王五、赵六", "邻里纠纷", "化解中", None, None],
    ["2024.5.5", "钱七、孙八", "婚姻家庭", "调解成功", "2024.5.9", "已回访，协议已履行"],
    ["2024.6.5", "周九、吴十", "土地纠纷", "调解成功", "2024.6.9", "已回访"],
    ["2026.2.2", "郑一、冯二", "邻里纠纷", "调处中", None, None],
]


@pytest.fixture
def imported(ctx: Ctx, tmp_path: Path) -> dict[str, Dispute]:
    history.set_go_live_on(ctx, GO_LIVE)
    path = write_book(tmp_path / "历史台账.xlsx", {"台账": [HEAD, *ROWS]})
    rep = run_import(ctx, path, "disputes")
    assert len(rep.of("imported")) == 5, [p.reason for p in rep.problems]
    return {d.party_names: d for d in ctx.session.scalars(select(Dispute))}


def test_go_live_defaults_to_the_day_the_ledger_was_set_up(ctx: Ctx) -> None:
    from app.models import LocalState
    from app.rules.dates import local_date

    state = ctx.session.get(LocalState, 1)
    assert state is not None
    assert history.go_live_on(ctx) == local_date(state.created_at)
    with pytest.raises(ValidationError, match="启用日期"):
        history.set_go_live_on(ctx, date(2026, 3, 17))  # after today


def test_history_rows_are_marked_and_carry_no_past_deadline(imported: dict[str, Dispute]) -> None:
    closed, still_open = imported["张三、李四"], imported["王五、赵六"]
    assert closed.imported_history and closed.status == "succeeded" and closed.due_on is None
    assert still_open.imported_history and still_open.status == "mediating"
    assert still_open.due_on is None
    recent = imported["郑一、冯二"]  # after go-live: a live case with its real deadline
    assert not recent.imported_history and recent.due_on is not None


def test_no_overdue_anywhere(ctx: Ctx, imported: dict[str, Dispute]) -> None:
    recent = imported["郑一、冯二"]
    assert recent.due_on is not None
    overdue_codes = {i.case_code for i in overdue_items(ctx)}
    assert not overdue_codes & {d.case_code for d in imported.values() if d.imported_history}
    board = dashboard(ctx)
    assert {i.case_code for i in board.overdue} <= {recent.case_code}
    assert board.history_disputes == 1 and board.open_disputes == 2
    stats = compute(ctx, None)
    assert stats["disputes"]["history_open"] == 1
    assert stats["disputes"]["overdue"] == (1 if recent.due_on < ctx.today() else 0)
    assert dispute_count(ctx, LedgerFilter(deadline="overdue")) == stats["disputes"]["overdue"]
    assert dispute_count(ctx, LedgerFilter(deadline="open")) == 2  # 历史遗留 is still 在办


def test_a_legacy_follow_up_closes_the_follow_up(ctx: Ctx, imported: dict[str, Dispute]) -> None:
    plain = imported["钱七、孙八"]
    assert (plain.status, plain.performance_status) == ("followed_up", "performed")
    assert str(plain.followed_up_on) == "2024-05-09"
    vague = imported["周九、吴十"]
    assert (vague.status, vague.performance_status, vague.follow_up_note) == (
        "followed_up",
        "",
        "已回访",
    )
    assert vague.due_on is None
    closed = imported["张三、李四"]  # succeeded, no 回访 recorded: still no 超期
    assert closed.status == "succeeded" and closed.due_on is None


def test_visits_too(ctx: Ctx, tmp_path: Path) -> None:
    history.set_go_live_on(ctx, GO_LIVE)
    rows: list[list[Any]] = [
        ["来访日期", "来访人", "联系电话", "反映问题", "办理结果", "回访情况"],
        ["2024.7.1", "王芳", "13800138000", "路灯不亮", "已办结", "群众满意"],
        ["2024.7.2", "李明", "13800138001", "排水沟堵塞", "办理中", None],
    ]
    path = write_book(tmp_path / "来访.xlsx", {"来访": rows})
    rep = run_import(ctx, path, "visits")
    assert len(rep.of("imported")) == 2, [p.reason for p in rep.problems]
    got = {v.request: v for v in ctx.session.scalars(select(Visit))}
    done = got["路灯不亮"]
    assert done.imported_history and (done.status, done.satisfaction) == (
        "followed_up",
        "satisfied",
    )
    open_one = got["排水沟堵塞"]
    assert open_one.status == "in_progress" and open_one.due_on is None
    assert visit_count(ctx, LedgerFilter(deadline="overdue")) == 0
    assert dashboard(ctx).history_visits == 1
    assert compute(ctx, None)["visits"]["history_open"] == 1


def test_case_detail_shows_history_not_a_missed_deadline(
    ctx: Ctx, imported: dict[str, Dispute]
) -> None:
    from app.services.case_detail import dispute_detail

    still_open = dispute_detail(ctx, imported["王五、赵六"].id)
    assert still_open.deadline_text.startswith(
        "历史遗留"
    ) and "超期" not in still_open.deadline_text.replace("不计超期", "")
    closed = dispute_detail(ctx, imported["张三、李四"].id)
    assert closed.deadline_text == ""


def test_cli_go_live(capsys: pytest.CaptureFixture[str], village_db: Any) -> None:
    from app.cli import main

    assert main(["--db", str(village_db.path), "excel", "go-live", "2026-01-01"]) == 0
    assert "本站启用日期：2026-01-01" in capsys.readouterr().out
    assert main(["--db", str(village_db.path), "excel", "go-live", "2099-01-01"]) == 1
    assert "启用日期" in capsys.readouterr().err
    assert main(["--db", str(village_db.path), "excel", "go-live"]) == 0
    assert "2026-01-01" in capsys.readouterr().out
