"""Every DESIGN §9 target in one run, each next to a baseline measured in the same run.

    .venv/bin/python -m benchmarks.run                # 100k visits + 100k disputes
    .venv/bin/python -m benchmarks.run --cold         # drop the OS file cache before each start
    .venv/bin/python -m benchmarks.run --visits 5000 --disputes 5000 --runs 2   # quick check

The data set (benchmarks/dataset.py) is generated on the first run (~80 s) and reused. Prints
one table (target, measured value, baseline, ratio, goal, PASS/MISS), writes the figures to
``benchmarks/out/results.json`` and exits 1 when a target is missed.

What is measured, and against what (see benchmarks/README.md for the reasoning):

- start-up: the real GUI entry point in a fresh process, a timer typing the login (see
  gui_probe.py), against a bare PySide6 window in a fresh process;
- ledger lists: first page and following pages through the services exactly as the GUI asks
  for them (a short-lived context per page), against the same SELECT in raw sqlite3;
- search: Chinese substrings and pinyin initials through the ledger lists, against a LIKE scan;
- bundle import of 10,000 records through the real importer (verify, decrypt, check, apply),
  against raw ``sqlite3.executemany`` of the same rows into the same schema;
- bundle export of 10,000 changed records, against dumping the same rows to compressed JSON;
- one agreement PDF through ``app.print.render``, against the same text in a built-in font;
- peak resident memory of the GUI after opening and paging both ledgers and searching,
  against the bare window's.
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import platform
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .dataset import (
    DEFAULT_DIR,
    PASSWORD,
    Dataset,
    ensure_dataset,
    ledger_copy,
    mark_received,
    stamp_changes,
)

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"


@dataclass
class Result:
    key: str
    label: str
    value: float
    unit: str
    goal: str  # e.g. "≤ 50 ms"
    passed: bool
    baseline: float | None = None
    baseline_label: str = ""
    ratio: float | None = None  # value / baseline (for rates: value ÷ baseline rate)
    note: str = ""
    samples: list[float] = field(default_factory=list)


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def median(samples: list[float]) -> float:
    return statistics.median(samples)


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


# --- GUI: start-up and memory ------------------------------------------------------------


@contextmanager
def display(platform_name: str) -> Iterator[dict[str, str]]:
    """Environment for the GUI probes: a real X server (Xvfb) when available, else offscreen."""
    env = dict(os.environ)
    env.pop("QT_QPA_PLATFORM", None)
    xvfb = shutil.which("Xvfb")
    if platform_name == "offscreen" or (platform_name == "auto" and not xvfb):
        env["QT_QPA_PLATFORM"] = "offscreen"
        yield env
        return
    if platform_name == "xcb" and os.environ.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "xcb"
        yield env
        return
    if not xvfb:
        raise SystemExit("Xvfb not found (apt install xvfb); use --platform offscreen")
    number = 90 + os.getpid() % 100
    proc = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1920x1080x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(0.5)
        if proc.poll() is not None:
            raise SystemExit("Xvfb did not start; use --platform offscreen")
        env["DISPLAY"] = f":{number}"
        env["QT_QPA_PLATFORM"] = "xcb"
        yield env
    finally:
        proc.terminate()
        proc.wait(5)


def drop_caches() -> bool:
    """Empty the OS file cache (Linux, root) so that the next start reads from disk."""
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def probe(env: dict[str, str], *args: str, timeout: float = 120) -> dict[str, float]:
    """Run gui_probe; the ms from spawning it to each line it prints, and its RSS."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.gui_probe", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    marks: dict[str, float] = {}
    assert proc.stdout is not None
    for line in proc.stdout:
        word, _, rest = line.strip().partition(" ")
        if word.startswith("RSS"):
            marks[word.lower().replace("rss", "rss_mb")] = int(rest) / 1024
        elif word:
            marks[word] = (time.perf_counter() - t0) * 1000
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    if proc.returncode != 0 or "READY" not in marks:
        err = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"gui_probe {args[0]} failed ({proc.returncode}):\n{err[-3000:]}")
    return marks


def bench_startup(
    ds: Dataset, env: dict[str, str], runs: int, cold: bool
) -> tuple[list[Result], dict[str, Any]]:
    bare: list[float] = []
    app_wait: list[float] = []
    app_login: list[float] = []
    app_after_login: list[float] = []
    instant: list[float] = []
    stack: list[float] = []
    bare_rss: list[float] = []
    dropped = False
    with tempfile.TemporaryDirectory() as tmp, ledger_copy(ds.village, Path(tmp)) as ledger:
        probe(env, "bare")  # warm-up: load the libraries once (unless --cold)
        probe(env, "app", "--db", str(ledger), "--password", PASSWORD)
        for _ in range(runs):
            dropped = cold and drop_caches()
            m = probe(env, "bare")
            bare.append(m["READY"])
            bare_rss.append(m["rss_mb"])
            dropped = cold and drop_caches()
            m = probe(env, "app", "--db", str(ledger), "--password", PASSWORD)
            app_login.append(m["LOGIN"])
            app_after_login.append(m["READY"] - m["TYPED"])
            app_wait.append(m["LOGIN"] + m["READY"] - m["TYPED"])
            dropped = cold and drop_caches()
            m = probe(env, "app", "--db", str(ledger), "--password", PASSWORD, "--instant-login")
            instant.append(m["READY"])
            dropped = cold and drop_caches()
            stack.append(probe(env, "stack", "--db", str(ledger))["READY"])
        mem = probe(
            env,
            "app",
            "--db",
            str(ledger),
            "--password",
            PASSWORD,
            "--memory",
            "--case",
            ds.agreement_case,
        )
    base = median(bare)
    wait = median(app_wait)
    kind = "cold (file cache dropped)" if dropped else "fresh process, warm file cache"
    results = [
        Result(
            "startup",
            "cold start → interactive main window",
            wait,
            "ms",
            "≤ 2× bare",
            wait <= 2 * base,
            base,
            "bare PySide6 window",
            wait / base,
            note=(
                f"{kind}; launch → login dialog {median(app_login):.0f} ms + "
                f"OK → main window {median(app_after_login):.0f} ms; "
                f"typed instantly (integrity check still running) {median(instant):.0f} ms; "
                f"floor of the stack (bare window after importing SQLAlchemy and the mapped "
                f"tables, one query) {median(stack):.0f} ms = {median(stack) / base:.1f}× bare"
            ),
            samples=app_wait,
        ),
        Result(
            "memory",
            "peak RSS, 100k ledger open and in use",
            mem["rss_mb_ledger"],
            "MB",
            "≤ 250 MB",
            mem["rss_mb_ledger"] <= 250,
            median(bare_rss),
            "bare PySide6 window",
            mem["rss_mb_ledger"] / median(bare_rss),
            note=(
                "both ledgers opened and paged to 5,000 rows each, three searches each, "
                "statistics page"
            ),
        ),
        Result(
            "memory_print",
            "  … then a dispute registered, an agreement printed",
            mem["rss_mb"],
            "MB",
            "info",
            True,
            mem["rss_mb_ledger"],
            "before",
            mem["rss_mb"] / mem["rss_mb_ledger"],
            note=(
                "fixed costs independent of the ledger's size, loaded on first use: the pinyin "
                "dictionary with its phrases (~55 MB) and the CJK print fonts (~25 MB per face)"
            ),
        ),
    ]
    info = {
        "bare_ms": bare,
        "login_ms": app_login,
        "after_login_ms": app_after_login,
        "instant_login_ms": instant,
        "stack_ms": stack,
        "platform": env.get("QT_QPA_PLATFORM"),
        "cold": dropped,
    }
    return results, info


# --- ledger lists and search --------------------------------------------------------------

VISIT_COLUMNS = (
    "id, case_code, received_on, channel, category, subject, party_names, headcount, status, "
    "due_on, origin, is_group, is_joint_letter, is_skip_level, is_repeat, is_anonymous, "
    "is_urgent, is_litigation, is_confidential, is_accusation"
)
VISIT_BODY = (
    "coalesce(case_code,'')||char(10)||coalesce(party_names,'')||char(10)||"
    "coalesce(subject,'')||char(10)||coalesce(request,'')||char(10)||coalesce(facts,'')||"
    "char(10)||coalesce(place,'')||char(10)||coalesce(involved_unit,'')||char(10)||"
    "coalesce(accused_unit,'')||char(10)||coalesce(handler_unit,'')||char(10)||"
    "coalesce(reply_content,'')"
)
DISPUTE_BODY = (
    "coalesce(case_code,'')||char(10)||coalesce(mediation_no,'')||char(10)||"
    "coalesce(title,'')||char(10)||coalesce(party_names,'')||char(10)||coalesce(summary,'')||"
    "char(10)||coalesce(requests,'')||char(10)||coalesce(place,'')||char(10)||"
    "coalesce(mediator_name,'')||char(10)||coalesce(transferred_to,'')"
)


# initials a clerk types for common names (张三 zs, 王建国 wjg, 刘秀英 lxy, …), on top of
# search_quick's list
MORE_PINYIN = ["wxy", "zjh", "lhm", "cz", "ly", "zgy", "lj", "zq"]


def _queries() -> tuple[list[str], list[str]]:
    from .search_quick import QUERIES

    def pinyin(q: str) -> bool:
        return q.replace(" ", "").isascii() and q.replace(" ", "").isalpha()

    def chinese(q: str) -> bool:
        return any(unicodedata.east_asian_width(c) == "W" for c in q)

    return [q for q in QUERIES if chinese(q)], [q for q in [*QUERIES, *MORE_PINYIN] if pinyin(q)]


def _like_scan(con: sqlite3.Connection, kind: str, text: str) -> list[Any]:
    """The baseline: every term as LIKE '%term%' over the same fields (pinyin: the people's
    initials), newest first, one page."""
    table, body, date = (
        ("visit", VISIT_BODY, "received_on")
        if kind == "visit"
        else ("dispute", DISPUTE_BODY, "registered_on")
    )
    link, key = ("visit_person", "visit_id") if kind == "visit" else ("dispute_party", "dispute_id")
    conds, params = [], []
    for term in text.split():
        if term.isascii() and term.isalpha():
            conds.append(
                f"id IN (SELECT l.{key} FROM {link} l JOIN person p ON p.id = l.person_id "
                "WHERE p.pinyin_initials LIKE ?)"
            )
            params.append(term + "%")
        else:
            conds.append(f"({body}) LIKE ?")
            params.append(f"%{term}%")
    sql = (
        f"SELECT id FROM {table} WHERE deleted_at IS NULL AND {' AND '.join(conds)} "
        f"ORDER BY {date} DESC, id DESC LIMIT 201"
    )
    return con.execute(sql, params).fetchall()


def bench_lists(ds: Dataset, runs: int) -> list[Result]:
    from app.db import open_database
    from app.services.ledger_query import LedgerFilter, dispute_page, visit_page
    from app.services.operators import authenticate
    from app.ui.env import UiEnv

    db = open_database(ds.village, check_integrity=False)
    con = sqlite3.connect(f"file:{ds.village}?mode=ro", uri=True)
    try:
        env = UiEnv(db, authenticate(db, "admin", PASSWORD).id)

        def page(kind: str, flt: Any, after: Any = None) -> Any:
            with env.ctx() as ctx:  # the GUI's LedgerPage.fetch: a short-lived context per page
                if kind == "visit":
                    return visit_page(ctx, flt, after=after)
                return dispute_page(ctx, flt, after=after)

        # warm up as a running app would be (first query compiles, page cache)
        page("visit", LedgerFilter())
        page("dispute", LedgerFilter())

        first = timed(lambda: page("visit", LedgerFilter()), runs * 10) + timed(
            lambda: page("dispute", LedgerFilter()), runs * 10
        )
        nxt: list[float] = []
        for kind in ("visit", "dispute"):
            cursor = page(kind, LedgerFilter()).next
            for _ in range(runs * 10):
                t = time.perf_counter()
                p = page(kind, LedgerFilter(), cursor)
                nxt.append((time.perf_counter() - t) * 1000)
                cursor = p.next
        raw_first = timed(
            lambda: con.execute(
                f"SELECT {VISIT_COLUMNS} FROM visit WHERE deleted_at IS NULL AND NOT "
                "(is_accusation OR is_confidential) ORDER BY received_on DESC, id DESC LIMIT 201"
            ).fetchall(),
            runs * 10,
        )
        results = [
            Result(
                "list_first",
                "ledger list: first page (200 rows)",
                pct(first, 0.95),
                "ms p95",
                "≤ 50 ms",
                pct(first, 0.95) <= 50,
                pct(raw_first, 0.95),
                "same SELECT, raw sqlite3",
                pct(first, 0.95) / pct(raw_first, 0.95),
                note=f"median {median(first):.1f} ms; visits and disputes, newest first",
                samples=first,
            ),
            Result(
                "list_next",
                "ledger list: next page (keyset)",
                pct(nxt, 0.95),
                "ms p95",
                "≤ 50 ms",
                pct(nxt, 0.95) <= 50,
                pct(raw_first, 0.95),
                "first page SELECT, raw sqlite3",
                pct(nxt, 0.95) / pct(raw_first, 0.95),
                note=f"median {median(nxt):.1f} ms; {runs * 10} consecutive pages of each ledger",
                samples=nxt,
            ),
        ]
        chinese, pinyin = _queries()
        for key, label, queries in (
            ("search_cn", "search: Chinese substring", chinese),
            ("search_py", "search: pinyin initials", pinyin),
        ):
            # each query's median of ``runs`` (scheduling noise out), then p95 across the
            # queries × both ledgers: the query mix a clerk types
            ours: list[float] = []
            base: list[float] = []
            raw: list[float] = []
            for q in queries:
                flt = LedgerFilter(text=q)
                for kind in ("visit", "dispute"):
                    page(kind, flt)  # the first keystroke compiles; measure the settled query
                    samples = timed(functools.partial(page, kind, flt), runs)
                    raw += samples
                    ours.append(median(samples))
                    like = timed(functools.partial(_like_scan, con, kind, q), max(1, runs // 2))
                    base.append(median(like))
            p95, b95 = pct(ours, 0.95), pct(base, 0.95)
            results.append(
                Result(
                    key,
                    label,
                    p95,
                    "ms p95",
                    "≤ 30 ms",
                    p95 <= 30,
                    b95,
                    "LIKE '%…%' scan, raw sqlite3",
                    p95 / b95,
                    note=(
                        f"{len(queries)} queries × visit and dispute lists, first page; "
                        f"per-query medians: median {median(ours):.1f} ms, max {max(ours):.1f} ms; "
                        f"every single run: p95 {pct(raw, 0.95):.1f} ms, max {max(raw):.1f} ms"
                    ),
                    samples=ours,
                )
            )
        return results
    finally:
        con.close()
        db.close()


# --- sync bundles -------------------------------------------------------------------------

INSERT_ORDER = ("person", "visit", "visit_person", "dispute", "dispute_party")


def _rows(village: Path, ids: dict[str, list[str]]) -> dict[str, tuple[list[str], list[Any]]]:
    con = sqlite3.connect(f"file:{village}?mode=ro", uri=True)
    try:
        out: dict[str, tuple[list[str], list[Any]]] = {}
        for table in INSERT_ORDER:
            wanted = ids[table]
            rows: list[Any] = []
            cur: sqlite3.Cursor | None = None
            for i in range(0, len(wanted), 500):
                part = wanted[i : i + 500]
                cur = con.execute(
                    f"SELECT * FROM {table} WHERE id IN ({','.join('?' * len(part))})", part
                )
                rows += cur.fetchall()
            assert cur is not None
            out[table] = ([d[0] for d in cur.description], rows)
        return out
    finally:
        con.close()


def _raw_insert(ledger: Path, rows: dict[str, tuple[list[str], list[Any]]]) -> float:
    """ms to insert ``rows`` with executemany in one transaction, the app's pragmas."""
    con = sqlite3.connect(ledger, isolation_level=None)
    try:
        for pragma in ("journal_mode = WAL", "foreign_keys = ON", "synchronous = FULL"):
            con.execute(f"PRAGMA {pragma}")
        t = time.perf_counter()
        con.execute("BEGIN")
        for table in INSERT_ORDER:
            cols, data = rows[table]
            con.executemany(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join('?' * len(cols))})",
                data,
            )
        con.execute("COMMIT")
        return (time.perf_counter() - t) * 1000
    finally:
        con.close()


def _raw_dump(rows: dict[str, tuple[list[str], list[Any]]], out: Path) -> None:
    comp = zlib.compressobj(6)
    with out.open("wb") as fh:
        for table in INSERT_ORDER:
            cols, data = rows[table]
            for r in data:
                line = json.dumps({"t": table, "r": dict(zip(cols, r, strict=True))}, default=str)
                fh.write(comp.compress(line.encode("utf-8") + b"\n"))
        fh.write(comp.flush())


def bench_sync(ds: Dataset, runs: int) -> list[Result]:
    from app.db import open_database
    from app.services.context import open_ctx
    from app.sync.bundle import export_bundle
    from app.sync.importer import import_bundle

    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        work = tmp / "work"
        work.mkdir()
        usb = tmp / "usb"
        usb.mkdir()
        with ledger_copy(ds.village, work) as village_path:
            acked, ids = stamp_changes(village_path, ds.township_code)
            n = sum(len(v) for v in ids.values())
            rows = _rows(village_path, ids)
            db = open_database(village_path, check_integrity=False)
            try:
                export_ms: list[float] = []
                bundle: Path | None = None
                for i in range(runs + 1):
                    ctx = open_ctx(db, "admin")
                    try:
                        t = time.perf_counter()
                        res = export_bundle(ctx, usb, to=ds.township_code)
                        ms = (time.perf_counter() - t) * 1000
                    finally:
                        ctx.close()
                    assert res.record_count >= n, res.counts
                    if i:  # the first also derives the keystore key (scrypt): reported apart
                        export_ms.append(ms)
                    else:
                        first_export = ms
                    bundle = res.path
                assert bundle is not None
                bundle_size = bundle.stat().st_size
            finally:
                db.close()
        dump_ms = timed(lambda: _raw_dump(rows, tmp / "dump.jsonl.z"), runs)
        import_ms: list[float] = []
        raw_ms: list[float] = []
        for _ in range(runs):
            with ledger_copy(ds.township, work) as township_path:
                mark_received(township_path, ds.village_code, acked)
                tdb = open_database(township_path)
                ctx = open_ctx(tdb, "admin")
                try:
                    t = time.perf_counter()
                    result = import_bundle(ctx, bundle)
                    import_ms.append((time.perf_counter() - t) * 1000)
                finally:
                    ctx.close()
                    tdb.close()
                totals = result.summary.get("totals", {})
                assert result.status == "imported", result.message
                assert totals.get("new", 0) >= n and not totals.get("rejected"), totals
            with ledger_copy(ds.township, work) as township_path:
                mark_received(township_path, ds.village_code, acked)
                raw_ms.append(_raw_insert(township_path, rows))
    rate = n / (median(import_ms) / 1000)
    raw_rate = n / (median(raw_ms) / 1000)
    exp = median(export_ms)
    return [
        Result(
            "import",
            f"bundle import ({n:,} records)",
            rate,
            "rec/s",
            "≥ 30 % of raw",
            rate >= 0.30 * raw_rate,
            raw_rate,
            "raw executemany, same rows",
            rate / raw_rate,
            note=(
                f"median {median(import_ms):.0f} ms per import (verify, decrypt, check, apply, "
                f"FTS triggers); raw insert {median(raw_ms):.0f} ms, same schema and triggers"
            ),
            samples=import_ms,
        ),
        Result(
            "export",
            f"bundle export ({n:,} changed records)",
            exp,
            "ms",
            "≤ 1 s",
            exp <= 1000,
            median(dump_ms),
            "same rows → JSON + zlib",
            exp / median(dump_ms),
            note=(
                f"{bundle_size / 2**20:.1f} MB signed and encrypted; first export of the "
                f"session {first_export:.0f} ms (includes unlocking the file keystore)"
            ),
            samples=export_ms,
        ),
    ]


# --- printing -------------------------------------------------------------------------------


def bench_agreement(ds: Dataset, runs: int) -> list[Result]:
    import io
    import re

    from pypdf import PdfReader

    from app.db import open_database
    from app.print import render
    from app.print.fonts import get_fonts
    from app.services.context import open_ctx

    from .bench_print import _builtin_font_doc

    fonts = get_fonts()
    for role in ("title", "heading", "body", "song", "kai"):
        fonts.font(role)
    db = open_database(ds.village, check_integrity=False)
    ctx = open_ctx(db, "admin")
    try:
        pdf = render("agreement", ctx, ds.agreement_case)  # warm-up: first subset, caches
        text = "\n".join(p.extract_text() or "" for p in PdfReader(io.BytesIO(pdf)).pages)
        lines = [re.sub(r"\s+", "", ln) for ln in text.splitlines() if ln.strip()]
        builtin = _builtin_font_doc(lines)
        builtin()
        ours = timed(lambda: render("agreement", ctx, ds.agreement_case), runs * 8)
        base = timed(builtin, runs * 8)
    finally:
        ctx.close()
        db.close()
    m, b = median(ours), median(base)
    return [
        Result(
            "agreement",
            "agreement PDF (人民调解协议书, font loaded)",
            m,
            "ms",
            "≤ 50 ms",
            m <= 50,
            b,
            "same text, built-in CID font",
            m / b,
            note=f"p95 {pct(ours, 0.95):.1f} ms; read from the {ds.visits // 1000}k + "
            f"{ds.disputes // 1000}k ledger, subset-embedded {fonts.describe()['body']}",
            samples=ours,
        )
    ]


# --- the table --------------------------------------------------------------------------------


def _w(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _cell(text: str, width: int, right: bool = False) -> str:
    pad = " " * max(0, width - _w(text))
    return pad + text if right else text + pad


def _num(value: float | None, unit: str = "") -> str:
    if value is None:
        return "—"
    if unit.startswith("rec/s"):
        return f"{value:,.0f} {unit}"
    if abs(value) >= 100:
        return f"{value:,.0f} {unit}".strip()
    return f"{value:.1f} {unit}".strip()


def table(results: list[Result]) -> str:
    head = ["target", "measured", "baseline", "ratio", "goal", ""]
    rows = []
    for r in results:
        base_unit = "rec/s" if r.unit == "rec/s" else r.unit.split()[0]
        rows.append(
            [
                r.label,
                _num(r.value, r.unit),
                f"{_num(r.baseline, base_unit)} ({r.baseline_label})",
                f"{r.ratio:.2f}×" if r.ratio is not None else "—",
                r.goal,
                "—" if r.goal == "info" else ("PASS" if r.passed else "MISS"),
            ]
        )
    widths = [max(_w(x[i]) for x in [head, *rows]) for i in range(len(head))]
    lines = ["  ".join(_cell(h, w) for h, w in zip(head, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append(
            "  ".join(
                _cell(c, w, right=i in (1, 3))
                for i, (c, w) in enumerate(zip(row, widths, strict=True))
            )
        )
    return "\n".join(lines)


def machine() -> str:
    cpus = os.cpu_count() or 0
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 2**20:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    sqlite = sqlite3.sqlite_version
    return f"{platform.system()} {platform.machine()}, {cpus} CPUs{mem}, Python {platform.python_version()}, SQLite {sqlite}"


SECTIONS = ("startup", "lists", "sync", "print")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="DESIGN §9 targets against in-run baselines")
    ap.add_argument("--data", type=Path, default=DEFAULT_DIR, help="where the data set lives")
    ap.add_argument("--visits", type=int, default=100_000)
    ap.add_argument("--disputes", type=int, default=100_000)
    ap.add_argument("--fresh", action="store_true", help="regenerate the data set")
    ap.add_argument("--runs", type=int, default=5, help="repetitions (start-ups, imports, …)")
    ap.add_argument("--cold", action="store_true", help="drop the OS file cache before starts")
    ap.add_argument("--platform", choices=["auto", "xcb", "offscreen"], default="auto")
    ap.add_argument("--only", default="", help=f"comma-separated subset of {','.join(SECTIONS)}")
    ap.add_argument("--json", type=Path, default=OUT / "results.json")
    args = ap.parse_args(argv)
    only = {s.strip() for s in args.only.split(",") if s.strip()} or set(SECTIONS)
    unknown = only - set(SECTIONS)
    if unknown:
        ap.error(f"unknown section(s): {', '.join(sorted(unknown))}")

    ds = ensure_dataset(args.data, visits=args.visits, disputes=args.disputes, fresh=args.fresh)
    print(f"data: {ds.describe}\nmachine: {machine()}", flush=True)
    results: list[Result] = []
    info: dict[str, Any] = {}
    t0 = time.perf_counter()
    if "startup" in only:
        with display(args.platform) as env:
            print(f"start-up and memory ({env['QT_QPA_PLATFORM']}, {args.runs} runs)…", flush=True)
            res, info["startup"] = bench_startup(ds, env, args.runs, args.cold)
            results += res
    if "lists" in only:
        print("ledger lists and search…", flush=True)
        results += bench_lists(ds, args.runs)
    if "sync" in only:
        print("bundle export and import…", flush=True)
        results += bench_sync(ds, args.runs)
    if "print" in only:
        print("agreement PDF…", flush=True)
        results += bench_agreement(ds, args.runs)
    order = ["startup", "list_first", "list_next", "search_cn", "search_py"]
    order += ["import", "export", "agreement", "memory", "memory_print"]
    results.sort(key=lambda r: order.index(r.key))
    print()
    print(table(results))
    print()
    for r in results:
        if r.note:
            print(f"- {r.label}: {r.note}")
    targets = [r for r in results if r.goal != "info"]
    print(
        f"\n{sum(r.passed for r in targets)}/{len(targets)} targets met "
        f"in {time.perf_counter() - t0:.0f} s"
    )
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "machine": machine(),
                "data": ds.describe,
                "results": [asdict(r) for r in results],
                "info": info,
            },
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    return 0 if all(r.passed for r in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
