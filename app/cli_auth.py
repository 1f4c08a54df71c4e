"""Every command is somebody's: who a ``zongzhi`` command acts as, decided before it runs.

- ``init`` creates the station and its first administrator, so it needs no login (it refuses a
  ledger that already has a station).
- ``serve``, ``sync``, ``check`` and ``backup`` are automation: without a named operator they run
  under their service identity (``svc.serve`` …, see :mod:`app.services.identity`), which the audit
  log names; with one, that operator must log in like any other command.
- Every other command runs as an operator who proved their password: ``--operator USER`` (or the
  environment variable ``ZONGZHI_OPERATOR``) and the password typed at the prompt, or for scripts
  the environment variable ``ZONGZHI_PASSWORD``. A password is never accepted on the command line
  (it would show in the process list and the shell history).
- ``restore``, ``recover`` (a new installation's history from upstream), ``operator``, ``card``
  (the station's keys and pairings) and ``demo`` (it creates operators with a known password) are
  for administrators only, as in the GUI; every other role
  check is the services' own, the same ones the GUI meets.

A refused login or role writes nothing except the failed-attempt counter that locks the account
after five wrong passwords (the same rule as the GUI).
"""

from __future__ import annotations

import argparse
import getpass
import os
import shutil
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from app.db import Database, open_database
from app.models import Operator
from app.rules.errors import AppError
from app.rules.permissions import require
from app.services.identity import SERVICE_IDENTITIES, service_operator, verify_login

OPERATOR_ENV = "ZONGZHI_OPERATOR"
PASSWORD_ENV = "ZONGZHI_PASSWORD"

BOOTSTRAP = frozenset({"init"})
AUTOMATION = frozenset(SERVICE_IDENTITIES)
ADMIN_ONLY: dict[str, str] = {
    "restore": "backup.restore",
    "operator": "operator.manage",
    "card": "sync.pair",
    "demo": "operator.manage",
    "recover": "backup.restore",  # replaces a new installation's history with the upstream's
}


class LoginRequired(AppError):
    pass


def authorize(args: argparse.Namespace, opener: Callable[[], Database]) -> None:
    """Decide who ``args.command`` runs as; sets ``args.operator`` and ``args.operator_id``.

    Raises (and the command does not run) when nobody proved who they are or the role may not.
    """
    command = str(args.command)
    args.operator_id = ""
    if command in BOOTSTRAP:
        return
    username = (args.operator or os.environ.get(OPERATOR_ENV, "")).strip()
    if not username and command in AUTOMATION:
        db = opener()
        try:
            op = service_operator(db, command)
        finally:
            db.close()
        _act_as(args, op)
        return
    if not username:
        username = _ask_username()
    password = _password_for(username)
    if command == "restore":
        op = _login_for_restore(args, opener, username, password)
    else:
        db = opener()
        try:
            op = verify_login(db, username, password)
        finally:
            db.close()
    permission = ADMIN_ONLY.get(command)
    if permission:
        require(op.role, permission)
    _act_as(args, op)


def _act_as(args: argparse.Namespace, op: Operator) -> None:
    args.operator = op.username
    args.operator_id = op.id


def _ask_username() -> str:
    if not sys.stdin.isatty():
        raise LoginRequired(
            "请先登录：用 --operator 用户名（或环境变量 ZONGZHI_OPERATOR）指定操作员，"
            "密码在终端提示时输入，脚本中可用环境变量 ZONGZHI_PASSWORD"
        )
    try:
        name = input("用户名：").strip()
    except EOFError:  # a console that gives no input (a service, a closed terminal)
        raise LoginRequired("未输入用户名，已取消") from None
    if not name:
        raise LoginRequired("未输入用户名，已取消")
    return name


def _password_for(username: str) -> str:
    password = os.environ.get(PASSWORD_ENV, "")
    if password:
        return password
    if not sys.stdin.isatty():
        raise LoginRequired(
            f"请输入操作员“{username}”的密码：在终端中运行本命令按提示输入，"
            "或在脚本中用环境变量 ZONGZHI_PASSWORD 提供（不接受命令行上的密码）"
        )
    try:
        password = getpass.getpass(f"操作员“{username}”的密码：")
    except EOFError:
        raise LoginRequired("未输入密码，已取消") from None
    if not password:
        raise LoginRequired("未输入密码，已取消")
    return password


def _login_for_restore(
    args: argparse.Namespace, opener: Callable[[], Database], username: str, password: str
) -> Operator:
    """An administrator of the current ledger; if it is missing or cannot be opened, of the backup
    (the only record of who the administrators are)."""
    try:
        db = opener()
    except AppError:
        if getattr(args, "database_url", None):
            raise
        return _login_against_backup(Path(args.file), username, password)
    try:
        return verify_login(db, username, password)
    finally:
        db.close()


def _login_against_backup(backup: Path, username: str, password: str) -> Operator:
    if not backup.is_file():
        raise AppError(f"备份文件 {backup} 不存在，请检查文件名")
    with tempfile.TemporaryDirectory(prefix="zongzhi-login-") as tmp:
        copy = Path(tmp) / "backup.sqlite3"
        shutil.copyfile(backup, copy)  # opening may migrate: never touch the backup itself
        try:
            db = open_database(copy, create=False)
        except AppError as exc:
            raise AppError(f"当前台账和备份文件都无法打开，无法核对管理员身份（{exc}）") from exc
        try:
            return verify_login(db, username, password)
        finally:
            db.close()
