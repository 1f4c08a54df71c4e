"""``zongzhi --self-test``: check an installed (or frozen) program end to end, without a GUI.

For township IT staff after installing, and for the build: everything the program needs at run
time must be inside the installation — migrations, code tables, fonts, keyring backends, the
pinyin dictionary, the SQLite full-text search. In a temporary folder (the real ledger, the
keychain and the data folder are never touched) it

1. creates a village ledger and runs every migration,
2. initialises the station and writes a dispute through the services, then reads it back by
   its case code, a Chinese substring (full-text index) and pinyin initials,
3. renders the mediation agreement with the bundled font and checks the PDF,
4. pairs the village with a township, exports a signed and encrypted bundle, imports it at the
   township, and imports the township's acknowledgement back at the village,
5. loads every Qt module the desktop program uses (no window is opened: this only proves the
   libraries are installed; the list is taken from the sources, or from ``qt_modules.json``
   written into a frozen build),
6. reports which keychain backends the program finds (only looks; writes nothing there).

Prints one Chinese line per step and a summary; exit code 0 when every step passed.
"""

from __future__ import annotations

import importlib
import json
import os
import platform
import re
import secrets
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from app import __version__
from app.config import APP_TITLE, resources_dir

if TYPE_CHECKING:
    from app.db import Database
    from app.services.stations import StationInput

VILLAGE_CODE = "110105001001"
TOWNSHIP_CODE = "110105001000"


class SelfTestFailure(Exception):
    """A check did not hold; the message says what (Chinese)."""


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise SelfTestFailure(message)


@dataclass
class Step:
    title: str
    ok: bool
    detail: str
    seconds: float


@dataclass
class Report:
    steps: list[Step] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.steps) and all(s.ok for s in self.steps)


@dataclass
class _State:
    folder: Path
    password: str
    village: Database | None = None
    township: Database | None = None
    case_code: str = ""
    dispute_id: str = ""
    bundle: Path | None = None


def _frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def _station(
    code: str, name: str, level: str, parent: str, short: str, password: str
) -> StationInput:
    from app.services.stations import StationInput

    return StationInput(
        code=code,
        name=name,
        level=level,
        parent_code=parent,
        short_name=short,
        admin_password=password,
    )


# --- the steps ---------------------------------------------------------------------------


def _step_resources(st: _State) -> str:
    res = resources_dir()
    codes = sorted((res / "codes").glob("*.json"))
    font = res / "fonts" / "wqy-microhei.ttc"
    _require(res.is_dir(), f"找不到资源文件夹 {res}")
    _require(len(codes) >= 10, f"代码表不完整（{res / 'codes'} 中只有 {len(codes)} 个）")
    _require(font.is_file() and font.stat().st_size > 1_000_000, f"缺少内置字体 {font.name}")
    from app.config import migrations_dir

    versions = sorted((migrations_dir() / "versions").glob("*.py"))
    _require(bool(versions), f"缺少数据库迁移脚本（{migrations_dir()}）")
    return f"代码表 {len(codes)} 个，迁移脚本 {len(versions)} 个，内置字体 {font.name}"


def _step_database(st: _State) -> str:
    from app.db import head_revision, open_database
    from app.services.stations import init_station

    db = open_database(st.folder / "自检-村.sqlite3")
    st.village = db
    with db.engine.connect() as conn:
        rev = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar_one()
    head = head_revision()
    _require(rev == head, f"数据库结构版本为 {rev}，应为 {head}")
    init_station(
        db,
        _station(VILLAGE_CODE, "自检村综治中心", "village", TOWNSHIP_CODE, "自检", st.password),
    )
    return f"新建台账并迁移到结构版本 {head}，初始化工作站 自检村综治中心（{VILLAGE_CODE}）"


def _step_record(st: _State) -> str:
    from app.services.cases import find_case
    from app.services.context import open_ctx
    from app.services.disputes import DisputeInput, PartyInput, register_dispute
    from app.services.ledger_query import LedgerFilter, dispute_page
    from app.services.persons import PersonInput

    db = st.village
    assert db is not None
    ctx = open_ctx(db, "admin")
    try:
        saved = register_dispute(
            ctx,
            DisputeInput(
                category="邻里",
                summary="张秀兰与李建国因共用排水沟堵塞发生纠纷，雨季院坝积水。",
                parties=[
                    PartyInput(
                        PersonInput(
                            name="张秀兰",
                            id_number="11010519491231002X",
                            phone="13800138000",
                            address="自检村一组5号",
                        ),
                        "applicant",
                    ),
                    PartyInput(
                        PersonInput(name="李建国", phone="13900139000", address="自检村二组18号"),
                        "respondent",
                    ),
                ],
            ),
        ).record
        st.case_code, st.dispute_id = saved.case_code, saved.id
    finally:
        ctx.close()
    ctx = open_ctx(db, "admin")
    try:
        found = find_case(ctx, st.case_code)
        _require(found.id == st.dispute_id, f"按案件编码 {st.case_code} 读不回刚写入的纠纷")
        by_text = dispute_page(ctx, LedgerFilter(text="排水沟")).rows
        _require(
            [r.id for r in by_text] == [st.dispute_id], "全文检索（“排水沟”）找不到刚写入的纠纷"
        )
        by_pinyin = dispute_page(ctx, LedgerFilter(text="zxl")).rows
        _require([r.id for r in by_pinyin] == [st.dispute_id], "拼音首字母检索（zxl）找不到张秀兰")
    finally:
        ctx.close()
    return f"写入纠纷 {st.case_code}，按编码、全文（排水沟）和拼音首字母（zxl）均可读回"


def _step_pdf(st: _State) -> str:
    from app.print import render
    from app.print.fonts import reset_fonts
    from app.services.context import open_ctx
    from app.services.disputes import DisputeAction, advance_dispute

    db = st.village
    assert db is not None
    ctx = open_ctx(db, "admin")
    try:
        today = ctx.today().isoformat()
        advance_dispute(ctx, st.dispute_id, "assign", DisputeAction(mediator="管理员", on=today))
        advance_dispute(ctx, st.dispute_id, "start", DisputeAction(on=today))
        advance_dispute(
            ctx,
            st.dispute_id,
            "succeed",
            DisputeAction(
                on=today,
                agreement_type="written",
                terms="一、李建国于七日内疏通排水沟，费用双方各半承担。\n二、双方今后共同维护排水沟。",
                performance_manner="疏通排水沟并各半承担费用",
                performance_place="自检村村委会",
                performance_deadline=today,
            ),
        )
    finally:
        ctx.close()
    fonts = reset_fonts("bundled")  # the font that ships with the program, on any machine
    try:
        ctx = open_ctx(db, "admin")
        try:
            pdf = render("agreement", ctx, st.case_code)
        finally:
            ctx.close()
    finally:
        reset_fonts()
    _require(pdf.startswith(b"%PDF-") and b"%%EOF" in pdf[-64:], "生成的协议书不是完整的 PDF 文件")
    _require(b"/FontFile2" in pdf, "协议书 PDF 中没有嵌入中文字体")
    out = st.folder / "自检-人民调解协议书.pdf"
    out.write_bytes(pdf)
    body = fonts.describe()["body"]
    return f"人民调解协议书 PDF {len(pdf) // 1024} KB，嵌入字体 {body}"


def _step_bundle(st: _State) -> str:
    from app.db import open_database
    from app.services.cases import find_case
    from app.services.context import open_ctx
    from app.services.stations import init_station
    from app.sync.bundle import export_bundle, issue_ack
    from app.sync.cards import export_card, import_card, read_card
    from app.sync.importer import import_bundle
    from app.sync.keys import ensure_station_keys

    village = st.village
    assert village is not None
    township = open_database(st.folder / "自检-乡镇.sqlite3")
    st.township = township
    init_station(
        township,
        _station(
            TOWNSHIP_CODE, "自检镇综治中心", "township", "110105000000", "自检镇", st.password
        ),
    )
    ensure_station_keys(village)
    ensure_station_keys(township)
    usb = st.folder / "U盘"
    usb.mkdir()
    v, t = open_ctx(village, "admin"), open_ctx(township, "admin")
    try:
        card_v, fp_v = export_card(v, usb)
        card_t, fp_t = export_card(t, usb)
        import_card(t, read_card(card_v), expect_fingerprint=fp_v)
        import_card(v, read_card(card_t), expect_fingerprint=fp_t)
        exported = export_bundle(v, usb)
        st.bundle = exported.path
        imported = import_bundle(t, exported.path)
        _require(imported.status == "imported", f"乡镇导入同步包失败：{imported.message}")
        totals = imported.summary.get("totals", {})
        _require(not totals.get("rejected"), f"同步包中有 {totals.get('rejected')} 条记录被拒收")
    finally:
        v.close()
        t.close()
    t = open_ctx(township, "admin")
    try:
        copy = find_case(t, st.case_code)
        _require(
            copy.id == st.dispute_id and copy.origin == VILLAGE_CODE,
            "乡镇台账中找不到村里同步上来的纠纷",
        )
        ack = issue_ack(t, VILLAGE_CODE, usb)
    finally:
        t.close()
    v = open_ctx(village, "admin")
    try:
        back = import_bundle(v, ack.path, expect_kind="ack")
        _require(back.status == "imported", f"村导入回执失败：{back.message}")
    finally:
        v.close()
    return (
        f"村→乡镇同步包 {exported.record_count} 条记录（签名、加密）导入成功，"
        f"新增 {totals.get('new', 0)} 条；回执已导回村"
    )


def scan_qt_modules(root: Path) -> list[str]:
    """The Qt modules (``QtWidgets`` …) named in the Python sources under ``root``."""
    found: set[str] = set()
    for f in root.rglob("*.py"):
        found.update(re.findall(r"\bPySide6\.(Qt[A-Za-z0-9]+)", f.read_text(encoding="utf-8")))
    return sorted(found)


def gui_qt_modules() -> list[str]:
    listed = Path(__file__).with_name("qt_modules.json")
    if listed.is_file():  # a frozen build: written by packaging/zongzhi.spec
        return [str(m) for m in json.loads(listed.read_text(encoding="utf-8"))]
    return scan_qt_modules(Path(__file__).resolve().parent / "ui")


def _step_qt(st: _State) -> str:
    modules = gui_qt_modules()
    _require(bool(modules), "找不到界面使用的 Qt 模块清单")
    missing = []
    for name in modules:
        try:
            importlib.import_module(f"PySide6.{name}")
        except ImportError:
            missing.append(name)
    _require(not missing, f"缺少界面组件：{'、'.join(missing)}（程序打包不完整，请重新安装）")
    # Qt's own texts (确定/取消, 复制/粘贴, file dialogs) come from its Chinese catalogue
    i18n = importlib.import_module("app.ui.i18n")
    _require(
        any((d / "qtbase_zh_CN.qm").is_file() for d in i18n.qt_translation_dirs()),
        "缺少 Qt 中文翻译 qtbase_zh_CN.qm（标准按钮和菜单会显示英文；程序打包不完整，请重新安装）",
    )
    return f"界面使用的 {len(modules)} 个 Qt 模块均可加载（{'、'.join(modules)}），Qt 中文翻译齐全"


def _step_keyring(st: _State) -> str:
    import keyring
    import keyring.backend

    from app.sync.keystore import keychain_available

    found = sorted(
        f"{type(b).__module__}.{type(b).__name__}" for b in keyring.backend.get_all_keyring()
    )
    _require(
        any(name.startswith("keyrings.alt.") for name in found),
        "找不到密钥库后端（keyring 后端未打包进程序）",
    )
    chosen = type(keyring.get_keyring())
    if keychain_available():
        where = f"系统密钥库可用（{chosen.__name__}），本站同步密钥将保存在其中"
    else:
        where = "本机没有可用的系统密钥库，同步密钥将保存在口令保护的密钥库文件中"
    return f"{where}；已发现后端 {len(found)} 个"


def _step_hub(st: _State) -> str:
    """The township hub (`zongzhi serve`) starts on loopback and answers as the township."""
    from app.sync.client import check_hub
    from app.sync.hub import HubServer

    township = st.township
    assert township is not None
    server = HubServer(township, host="127.0.0.1", port=0).start()
    try:
        info = check_hub(server.url, expect_code=TOWNSHIP_CODE)
    finally:
        server.stop()
    return f"同步服务在 {server.url} 启动并应答（{info.label}）"


# (title, step, the steps it needs): a step whose prerequisite failed is reported, not run
STEPS: list[tuple[str, Callable[[_State], str], tuple[str, ...]]] = [
    ("程序文件", _step_resources, ()),
    ("数据库", _step_database, ()),
    ("读写记录", _step_record, ("数据库",)),
    ("打印文书", _step_pdf, ("读写记录",)),
    ("同步包", _step_bundle, ("读写记录",)),
    ("同步服务", _step_hub, ("同步包",)),
    ("界面组件", _step_qt, ()),
    ("密钥库", _step_keyring, ()),
]


def run_self_test(out: TextIO | None = None) -> Report:
    """Run every step (a failed step does not stop the next independent ones)."""
    stream = out or sys.stdout
    report = Report()
    # the keychain is only looked at: keys made here go into a throw-away file keystore
    import keyring
    from keyring.backends.fail import Keyring as NoKeychain

    from app.sync.keystore import PASSPHRASE_ENV

    real_keychain = keyring.get_keyring()
    os.environ.setdefault(PASSPHRASE_ENV, secrets.token_urlsafe(16))
    with tempfile.TemporaryDirectory(prefix="zongzhi-selftest-") as tmp:
        st = _State(folder=Path(tmp), password=secrets.token_urlsafe(12))
        mode = "安装版" if _frozen() else "源代码"
        stream.write(
            f"{APP_TITLE} {__version__} 自检（{mode}，{platform.system()} {platform.machine()}）\n"
        )
        passed: set[str] = set()
        for title, fn, needs in STEPS:
            if not set(needs) <= passed:
                report.steps.append(Step(title, False, "因前一步失败未执行", 0.0))
                stream.write(f"✗ {title}：因前一步失败未执行\n")
                continue
            if fn is _step_keyring:
                keyring.set_keyring(real_keychain)
            else:
                keyring.set_keyring(NoKeychain())  # type: ignore[no-untyped-call]
            t0 = time.perf_counter()
            try:
                detail = fn(st)
                ok = True
            except SelfTestFailure as exc:
                detail, ok = str(exc), False
            except Exception as exc:
                detail, ok = f"{type(exc).__name__}：{exc}", False
                traceback.print_exc(file=sys.stderr)
            seconds = time.perf_counter() - t0
            report.steps.append(Step(title, ok, detail, seconds))
            stream.write(f"{'✓' if ok else '✗'} {title}：{detail}（{seconds:.1f} 秒）\n")
            if ok:
                passed.add(title)
        for db in (st.village, st.township):
            if db is not None:
                db.close()
    keyring.set_keyring(real_keychain)
    total = sum(s.seconds for s in report.steps)
    if report.ok:
        stream.write(f"自检通过：{len(report.steps)} 项全部正常（用时 {total:.1f} 秒）\n")
    else:
        bad = [s.title for s in report.steps if not s.ok]
        stream.write(
            f"自检未通过：{'、'.join(bad)} 异常。请把以上内容发给技术支持（用时 {total:.1f} 秒）\n"
        )
    stream.flush()
    return report


def main() -> int:
    """Entry for ``zongzhi --self-test``: 0 when every step passed, 1 otherwise.

    Without a console (the windowed ``zongzhi.exe`` on Windows has none; use
    ``zongzhi-cli.exe``) the report goes to ``zongzhi-自检.txt`` in the temporary folder."""
    if sys.stdout is None:
        report = Path(tempfile.gettempdir()) / "zongzhi-自检.txt"
        with report.open("w", encoding="utf-8") as fh:
            return 0 if run_self_test(fh).ok else 1
    if hasattr(sys.stdout, "reconfigure"):
        # a Windows console may not be UTF-8; never let the report itself crash the test
        sys.stdout.reconfigure(errors="replace")
    return 0 if run_self_test().ok else 1
