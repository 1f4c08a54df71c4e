"""Files and requests that are refused as a whole: a clean Chinese message, the ledger untouched."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from app.db import Database
from app.rules.errors import PermissionDenied, ValidationError
from app.services.context import Ctx, open_ctx
from app.services.excel_import import ExcelFileError, ImportCancelled, run_import
from app.services.operators import OperatorInput, create_operator
from tests.conftest import FakeClock
from tests.ledger_helpers import ledger_snapshot

from .conftest import SAMPLE, write_book


def _text_renamed(p: Path) -> None:
    p.write_text("序号,受理日期\n1,2025.3.5\n", encoding="utf-8")


def _truncated(p: Path) -> None:
    p.write_bytes(SAMPLE.read_bytes()[:4000])


def _old_xls(p: Path) -> None:
    p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 2048)


def _empty(p: Path) -> None:
    p.write_bytes(b"")


def _zip_without_workbook(p: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("readme.txt", "不是工作簿")
    p.write_bytes(buf.getvalue())


def _garbled_xml(p: Path) -> None:
    src = zipfile.ZipFile(SAMPLE)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename.startswith("xl/worksheets/sheet1"):
                data = data[: len(data) // 2]
            z.writestr(item, data)
    p.write_bytes(buf.getvalue())


def _png(p: Path) -> None:
    p.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)


@pytest.mark.parametrize(
    ("make", "words"),
    [
        (_text_renamed, "不是 Excel 工作簿"),
        (_truncated, "已损坏"),
        (_old_xls, "97-2003"),
        (_empty, "空文件"),
        (_zip_without_workbook, "已损坏"),
        (_garbled_xml, "已损坏"),
        (_png, "不是 Excel 工作簿"),
    ],
)
def test_broken_files_are_refused_cleanly(
    ctx: Ctx,
    village_db: Database,
    tmp_path: Path,
    make: Callable[[Path], None],
    words: str,
) -> None:
    path = tmp_path / "台账.xlsx"
    make(path)
    before = ledger_snapshot(village_db)
    for dry in (True, False):
        with pytest.raises(ExcelFileError) as e:
            run_import(ctx, path, "disputes", dry_run=dry)
        assert words in str(e.value)
        assert "台账.xlsx" in str(e.value)
        assert "Traceback" not in str(e.value)
    assert ledger_snapshot(village_db) == before


def test_missing_file_and_folder(ctx: Ctx, tmp_path: Path) -> None:
    with pytest.raises(ExcelFileError, match="找不到文件"):
        run_import(ctx, tmp_path / "没有.xlsx", "disputes")
    with pytest.raises(ExcelFileError, match="文件夹"):
        run_import(ctx, tmp_path, "disputes")


def test_sheet_without_a_header_or_with_missing_columns(
    ctx: Ctx, village_db: Database, tmp_path: Path
) -> None:
    before = ledger_snapshot(village_db)
    path = write_book(tmp_path / "x.xlsx", {"S": [["你好"], ["世界"]]})
    with pytest.raises(ValidationError, match="没有找到矛盾纠纷排查调处台账的表头"):
        run_import(ctx, path, "disputes")
    path = write_book(tmp_path / "y.xlsx", {"S": [["受理日期", "当事人"], ["2025.3.5", "甲、乙"]]})
    with pytest.raises(ValidationError, match="纠纷类型"):
        run_import(ctx, path, "disputes")
    with pytest.raises(ValidationError, match="没有名为“无”的工作表"):
        run_import(ctx, SAMPLE, "disputes", sheet="无")
    with pytest.raises(ValidationError, match="不是可导入的台账"):
        run_import(ctx, SAMPLE, "公文")
    with pytest.raises(ValidationError, match="对应了不止一列"):
        run_import(ctx, SAMPLE, "disputes", mapping={1: "registered_on", 2: "registered_on"})
    assert ledger_snapshot(village_db) == before


def test_clerk_may_not_import(village_db: Database, ctx: Ctx) -> None:
    create_operator(ctx, OperatorInput("clerk1", "录入员甲", "clerk", "secret123"))
    clerk = open_ctx(village_db, "clerk1", clock=FakeClock())
    before = ledger_snapshot(village_db)
    try:
        with pytest.raises(PermissionDenied) as e:
            run_import(clerk, SAMPLE, "disputes", dry_run=True)
        assert "站点管理员" in str(e.value)
    finally:
        clerk.close()
    assert ledger_snapshot(village_db) == before


def test_cancelled_import_writes_nothing(ctx: Ctx, village_db: Database) -> None:
    before = ledger_snapshot(village_db)
    seen: list[int] = []

    def progress(done: int, total: int) -> bool:
        seen.append(done)
        return done < 20

    with pytest.raises(ImportCancelled, match="未作任何改动"):
        run_import(ctx, SAMPLE, "disputes", progress=progress)
    assert seen[-1] == 20
    assert ledger_snapshot(village_db) == before
    # and the ledger is usable afterwards
    assert len(run_import(ctx, SAMPLE, "disputes").valid) == 49
