"""Child process for the start-up and memory measurements of :mod:`benchmarks.run`.

    python -m benchmarks.gui_probe bare
    python -m benchmarks.gui_probe app --db big.sqlite3 [--user admin --password …] [--memory]

``bare`` shows an empty ``QMainWindow`` (the baseline: interpreter + Qt start-up + one window);
``stack`` does the same after importing SQLAlchemy with the ledger's mapped tables and running
one query (the floor of any program on this stack, reported for information).
``app`` runs the real GUI entry point (:func:`app.ui.app.run`: Qt application and theme,
logging and crash handler, open the ledger, login dialog, main window on its first page, the
dashboard, whose figures are read in the background); a timer types the login at machine speed,
so the time is the program's own, without a person's typing. ``LOGIN`` is printed when the
login dialog is up.

Both print ``READY`` on stdout at the first turn of the event loop after the window was shown
and painted (the moment a click would be handled); the parent times from spawning the process
to reading that line. ``DATA`` follows when the first page's background reads have delivered.
With ``--memory`` the app then opens both ledgers, pages through them, searches, opens the
statistics (then prints ``RSS_LEDGER <peak kB>``), registers a dispute and renders an agreement
(``--case``), and prints ``RSS <peak kB>`` before exiting. Run it on a copy of a ledger: it writes to it.
"""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path
from typing import Any


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def peak_rss_kb() -> int:
    """Peak resident set size of this process in kB.

    Linux: ``VmHWM`` of /proc/self/status. Not ``ru_maxrss``: that one keeps the parent's size
    across fork + exec, so a child of a big benchmark process would report the parent's RSS.
    Windows: the peak working set. Elsewhere: ``ru_maxrss``."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    if sys.platform == "win32":
        import ctypes
        from ctypes import wintypes

        class Counters(ctypes.Structure):
            _fields_ = [
                ("cb", wintypes.DWORD),
                ("PageFaultCount", wintypes.DWORD),
                ("PeakWorkingSetSize", ctypes.c_size_t),
                ("WorkingSetSize", ctypes.c_size_t),
                ("QuotaPeakPagedPoolUsage", ctypes.c_size_t),
                ("QuotaPagedPoolUsage", ctypes.c_size_t),
                ("QuotaPeakNonPagedPoolUsage", ctypes.c_size_t),
                ("QuotaNonPagedPoolUsage", ctypes.c_size_t),
                ("PagefileUsage", ctypes.c_size_t),
                ("PeakPagefileUsage", ctypes.c_size_t),
            ]

        counters = Counters()
        counters.cb = ctypes.sizeof(Counters)
        windll = ctypes.windll  # type: ignore[attr-defined]
        handle = windll.kernel32.GetCurrentProcess()
        windll.psapi.GetProcessMemoryInfo(handle, ctypes.byref(counters), counters.cb)
        return int(counters.PeakWorkingSetSize) // 1024
    import resource

    peak = int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    return peak // 1024 if sys.platform == "darwin" else peak


def _bare(stack_db: Path | None = None) -> int:
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication, QMainWindow

    if stack_db is not None:
        # the floor of this stack: SQLAlchemy with the ledger's mapped tables, one query
        import importlib

        from sqlalchemy import create_engine, text

        importlib.import_module("app.models")  # the declarative mapping of every table

        engine = create_engine(f"sqlite:///{stack_db}")
        with engine.connect() as conn:
            conn.execute(text("SELECT count(*) FROM station")).scalar()
    app = QApplication([sys.argv[0]])
    window = QMainWindow()
    window.resize(1360, 860)
    window.setWindowTitle("bare")
    window.show()

    def ready() -> None:
        app.processEvents()
        _say("READY")
        _say(f"RSS {peak_rss_kb()}")
        app.quit()

    QTimer.singleShot(0, ready)
    return int(app.exec())


def _app(
    db_path: Path, user: str, password: str, memory: bool, typing_wait: bool, case: str
) -> int:
    """Run the real GUI entry point (``app.ui.app.run``); the login is typed by a timer."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from app.ui.app import run
    from app.ui.login import LoginDialog

    # the main window and the workers are looked up by name: importing them here would load
    # the database layer before the login dialog, which the program itself does not do
    app = QApplication([sys.argv[0]])
    state: dict[str, Any] = {"login": False}

    def busy() -> bool:
        workers = sys.modules.get("app.ui.workers")
        return bool(workers is not None and workers.busy())

    def top(cls: type | str) -> Any:
        for w in QApplication.topLevelWidgets():
            named = isinstance(cls, str) and type(w).__name__ == cls
            if (named or (isinstance(cls, type) and isinstance(w, cls))) and w.isVisible():
                return w
        return None

    def poll() -> None:
        if not state["login"]:
            dialog = top(LoginDialog)
            if dialog is not None:
                state["login"] = True
                _say("LOGIN")
                QTimer.singleShot(0, lambda: type_login(dialog))
        window = top("MainWindow")
        if window is None:
            QTimer.singleShot(2, poll)
            return
        state["window"] = window
        QTimer.singleShot(0, lambda: ready(window))

    def type_login(dialog: Any) -> None:
        # a person types for a few seconds; the integrity check runs meanwhile (app/ui/integrity)
        # and the ledger opens behind the dialog (app/ui/login: ``opener``)
        opening = getattr(dialog, "db", True) is None and not getattr(dialog, "open_error", "")
        checking = any(t.name == "integrity-check" for t in threading.enumerate())
        if typing_wait and (opening or checking):
            QTimer.singleShot(5, lambda: type_login(dialog))
            return
        _say("TYPED")
        dialog.username.setText(user)
        dialog.password.setText(password)
        QTimer.singleShot(0, dialog.try_login)

    def ready(window: Any) -> None:
        app.processEvents()
        _say("READY")
        data_check(window)

    def data_check(window: Any) -> None:
        if busy():
            QTimer.singleShot(5, lambda: data_check(window))
            return
        _say("DATA")
        if memory:
            QTimer.singleShot(0, lambda: exercise(window))
        else:
            window.close()

    def exercise(window: Any) -> None:
        # what a clerk does in the first minutes: both ledgers, scrolling, a search or two
        for key in ("visits", "disputes"):
            page: Any = window.go(key)
            app.processEvents()
            for _ in range(25):  # 5,000 rows loaded into the view
                page.model.fetchMore()
                page.table.scrollToBottom()
                app.processEvents()
            for text in ("宅基地", "zs", "张"):
                page.search.setText(text)
                page.apply_filters()
                app.processEvents()
            page.reset_filters()
            app.processEvents()
        window.go("statistics")
        app.processEvents()
        QTimer.singleShot(0, lambda: settle(window, then_write=True))

    def register_and_print(env: Any) -> None:
        # a new dispute with two parties (people get pinyin keys, the search index grows) and
        # the agreement of a mediated case rendered for the print preview, as the GUI's
        # dialogs do through the same services
        from app.print import render
        from app.services.disputes import DisputeInput, PartyInput, register_dispute
        from app.services.persons import PersonInput

        with env.ctx() as ctx:
            register_dispute(
                ctx,
                DisputeInput(
                    category="邻里",
                    summary="两家因院墙滴水发生争执，多次协商未果。",
                    parties=[
                        PartyInput(PersonInput(name="赵长顺", phone="13700137000"), "applicant"),
                        PartyInput(PersonInput(name="钱乐怡", phone="13600136000"), "respondent"),
                    ],
                ),
            )
        if case:
            with env.ctx() as ctx:
                render("agreement", ctx, case)

    def settle(window: Any, then_write: bool = False) -> None:
        if busy():
            QTimer.singleShot(10, lambda: settle(window, then_write))
            return
        app.processEvents()
        if then_write:
            _say(f"RSS_LEDGER {peak_rss_kb()}")
            register_and_print(window.env)
            app.processEvents()
            QTimer.singleShot(0, lambda: settle(window))
            return
        _say(f"RSS {peak_rss_kb()}")
        window.close()

    QTimer.singleShot(0, poll)
    code = run(["--db", str(db_path), "--operator", user])
    if not memory:
        _say(f"RSS {peak_rss_kb()}")
    return code


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("mode", choices=["bare", "stack", "app"])
    ap.add_argument("--db", type=Path)
    ap.add_argument("--user", default="admin")
    ap.add_argument("--password", default=os.environ.get("ZONGZHI_BENCH_PASSWORD", "admin123"))
    ap.add_argument("--memory", action="store_true")
    ap.add_argument("--case", default="", help="with --memory: a mediated case to print")
    ap.add_argument(
        "--instant-login",
        action="store_true",
        help="type the login at once, while the integrity check still runs",
    )
    args = ap.parse_args(argv)
    if args.mode == "bare":
        return _bare()
    if args.mode == "stack":
        assert args.db is not None, "--db is required for stack"
        return _bare(args.db)
    assert args.db is not None, "--db is required for app"
    return _app(args.db, args.user, args.password, args.memory, not args.instant_login, args.case)


if __name__ == "__main__":
    # leave at once: teardown (Qt, thread pools) is not part of what is measured
    code = main()
    sys.stdout.flush()
    os._exit(code)
