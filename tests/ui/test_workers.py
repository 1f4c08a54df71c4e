"""Background operations (app/ui/workers.py): results come back on the GUI thread, and an
operation lets go of its widgets there once it has delivered (ARCHITECTURE.md, "Threads in the
GUI"), so no thread but the GUI thread can ever free a Qt object through it."""

from __future__ import annotations

import threading
from typing import Any

import shiboken6
from PySide6.QtWidgets import QWidget

from app.rules.errors import AppError
from app.services.context import Ctx
from app.ui.env import UiEnv
from app.ui.workers import Op

from .conftest import settle


def _released(op: Op[Any]) -> bool:
    return (
        op._parent is None
        and op._env is None
        and op._success is None
        and op._failure is None
        and op._relay._op is None
    )


def test_success_is_delivered_on_the_gui_thread_and_the_widgets_let_go(
    qtbot: Any, env: UiEnv
) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    seen: list[tuple[str, bool]] = []

    def job(ctx: Ctx) -> str:
        assert threading.current_thread() is not threading.main_thread()
        return ctx.station.code

    op: Op[str] = Op(page, env, job).success(
        lambda code: seen.append((code, threading.current_thread() is threading.main_thread()))
    )
    op.run()
    settle(qtbot)
    assert seen == [("110105001001", True)]  # the village fixture's station
    assert _released(op)


def test_an_expected_error_goes_to_failure_and_the_widgets_let_go(qtbot: Any, env: UiEnv) -> None:
    page = QWidget()
    qtbot.addWidget(page)
    errors: list[str] = []

    def job(ctx: Ctx) -> None:
        raise AppError("无法完成：测试")

    op: Op[None] = Op(page, env, job).failure(lambda err: errors.append(str(err)))
    op.run()
    settle(qtbot)
    assert errors == ["无法完成：测试"]
    assert _released(op)


def test_a_result_for_a_closed_window_is_dropped(qtbot: Any, env: UiEnv) -> None:
    page = QWidget()
    called: list[int] = []
    op: Op[int] = Op(page, env, lambda ctx: 1).success(called.append)
    op.run()
    shiboken6.delete(page)  # the window closed (切换用户) before the result came back
    settle(qtbot)
    assert called == []
    assert _released(op)
