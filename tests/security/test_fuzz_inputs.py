"""Bad-input suite: random command lines, damaged bundles and junk spreadsheets. Every case ends
in a clear Chinese message (or success) — never a traceback — and a refusal changes nothing."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from app.cli import main
from app.rules.errors import AppError
from app.services.excel_import import run_import
from tests.ledger_helpers import ledger_snapshot
from tests.sync.conftest import Node, pair

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))

WORDS = [
    "init",
    "demo",
    "stats",
    "check",
    "case",
    "show",
    "advance",
    "visit",
    "add",
    "dispute",
    "report",
    "monthly",
    "compare",
    "overdue",
    "screening",
    "list",
    "excel",
    "import",
    "export",
    "print",
    "--list",
    "bundle",
    "card",
    "backup",
    "restore",
    "register",
    "types",
    "--json",
    "--month",
    "2026-13",
    "2026-03",
    "--id",
    "110105001001-2026-J-00001",
    "--out",
    "--on",
    "2026-02-30",
    "--category",
    "邻里",
    "--summary",
    "x",
    "--party",
    "张三,,1380013800",
    "--petitioner",
    "李四,110105194912310021,13800138000",
    "--request",
    "--ledger",
    "visits",
    "--found",
    "-3",
    "--scope",
    "",
    "accept",
    "archive",
    "--note",
    "--zero",
    "--submit",
    "--station-code",
    "1",
    "--level",
    "city",
    "\x00",
    "'; DROP TABLE visit;--",
    "--days",
    "abc",
]


@pytest.fixture
def cli_db(village_db) -> Path:
    village_db.close()
    return Path(village_db.path)


@FUZZ
@given(st.lists(st.sampled_from(WORDS), min_size=1, max_size=7))
def test_random_command_lines(cli_db: Path, capsys, tmp_path_factory, argv: list[str]) -> None:
    out = tmp_path_factory.mktemp("out") / "f.out"
    argv = [str(out) if a == "--out" else a for a in argv]
    try:
        code = main(["--db", str(cli_db), *argv])
    except SystemExit as exc:  # usage errors
        code = int(exc.code or 0)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert code in (0, 1, 2, 130), (argv, code, err)
    if code == 70:
        pytest.fail(f"internal error for {argv}: {err}")
    if code != 0 and err:
        last = err.strip().splitlines()[-1]
        assert last.startswith(("错误：", "检查未通过", "用法", "提示")) or "错误" in last, (
            argv,
            err,
        )


@pytest.fixture
def bundle_pair(village: Node, township: Node) -> tuple[Node, Node, bytes]:
    from app.services.visits import register_visit
    from tests.core.conftest import dispute_input, visit_input

    pair(village, township)
    register_visit(village.ctx, visit_input())
    from app.services.disputes import register_dispute

    register_dispute(village.ctx, dispute_input())
    return village, township, village.export().path.read_bytes()


@FUZZ
@given(data=st.data())
def test_damaged_bundles_are_refused_cleanly(bundle_pair, tmp_path_factory, data) -> None:
    _village, township, good = bundle_pair
    blob = bytearray(good)
    how = data.draw(st.sampled_from(["flip", "truncate", "junk", "splice"]))
    if how == "flip":
        for _ in range(data.draw(st.integers(1, 8))):
            i = data.draw(st.integers(0, len(blob) - 1))
            blob[i] ^= data.draw(st.integers(1, 255))
    elif how == "truncate":
        blob = blob[: data.draw(st.integers(0, len(blob) - 1))]
    elif how == "junk":
        blob = bytearray(data.draw(st.binary(max_size=2000)))
    else:
        i = data.draw(st.integers(0, len(blob)))
        blob[i:i] = data.draw(st.binary(min_size=1, max_size=64))
    path = tmp_path_factory.mktemp("b") / "bad.zzb"
    path.write_bytes(bytes(blob))
    before = ledger_snapshot(township.db)
    result = township.import_(path)
    if result.status == "rejected":
        assert result.message and "Traceback" not in result.message
        after = ledger_snapshot(township.db)
        # a refusal is logged (bundle_log, audit) but touches no ledger record
        for table in ("visit", "dispute", "person", "case_event", "visit_person", "dispute_party"):
            assert after[table] == before[table]
    else:  # the damage hit bytes the format ignores (e.g. a zip timestamp): content is intact
        assert result.status in ("imported", "duplicate"), result.message


def _sheet(path: Path, cells: list[list[object]]) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["纠纷台账"])
    ws.append(["受理日期", "当事人", "身份证号", "联系电话", "纠纷类别", "调处结果"])
    for row in cells:
        ws.append(row)
    wb.save(path)


cell = st.one_of(
    st.none(),
    st.text(alphabet=st.characters(blacklist_categories=("Cc", "Cs")), max_size=12),
    st.integers(-(10**18), 10**18),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from(
        [
            "2025.3.5",
            "2025年2月30日",
            "１３８００１３８０００",
            "1.10105E+17",
            "合计",
            "邻里",
            "调解成功",
            "张三、李四",
        ]
    ),
)


@FUZZ
@given(rows=st.lists(st.lists(cell, min_size=6, max_size=6), min_size=1, max_size=6))
def test_junk_spreadsheets(village_db, tmp_path_factory, ctx, rows) -> None:
    path = tmp_path_factory.mktemp("x") / "junk.xlsx"
    _sheet(path, rows)
    before = ledger_snapshot(village_db)
    try:
        report = run_import(ctx, path, "disputes", dry_run=True)
    except AppError as err:
        assert str(err)
    else:
        for p in report.problems:
            assert p.reason  # every refused row says why, in Chinese
    assert ledger_snapshot(village_db) == before  # a dry run writes nothing


def test_corrupt_files_everywhere(village_db, ctx, tmp_path) -> None:
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"PK\x03\x04" + b"\xff" * 500)
    for name in ("x.xlsx", "x.zzb", "x.sqlite3"):
        shutil.copyfile(junk, tmp_path / name)
    with pytest.raises(AppError):
        run_import(ctx, tmp_path / "x.xlsx", "disputes", dry_run=True)
