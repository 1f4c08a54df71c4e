"""Who a headless command runs as: an operator who proved their password, or a named service.

The GUI logs people in through :func:`app.services.operators.authenticate`. Commands run from a
terminal or a script do the same here, once per command: :func:`verify_login` checks the password
with the same lockout rules (wrong passwords count, five in a row lock the account) but, unlike a
GUI login, a correct password writes nothing, so a command that is then refused for its role leaves
the ledger exactly as it was.

Automation that runs unattended (the sync service, scheduled sync, backup and integrity check) acts
under a *service identity*: an operator row of its own (``svc.sync`` …) that cannot log in, so every
change and event it causes names it in the audit log instead of an anonymous "system".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from app.db import Database
from app.models import Operator, utcnow
from app.models.ids import new_id
from app.rules.errors import AppError
from app.rules.passwords import verify_password

from .operators import authenticate


@dataclass(frozen=True)
class ServiceIdentity:
    username: str
    display_name: str


SERVICE_IDENTITIES: dict[str, ServiceIdentity] = {
    "serve": ServiceIdentity("svc.serve", "同步服务（自动）"),
    "sync": ServiceIdentity("svc.sync", "联网同步（自动）"),
    "check": ServiceIdentity("svc.check", "完整性检查（自动）"),
    "backup": ServiceIdentity("svc.backup", "自动备份（自动）"),
}


def is_service_username(username: str) -> bool:
    return username.strip() in {s.username for s in SERVICE_IDENTITIES.values()}


def verify_login(
    db: Database, username: str, password: str, *, now: datetime | None = None
) -> Operator:
    """The operator whose password this is, or :class:`LoginError` (counted like a GUI login).

    Read-only when the password is right and the account has no failed attempts to clear.
    """
    name = username.strip()
    with db.session() as s:
        op = s.scalars(select(Operator).where(Operator.username == name)).first()
        when = now or utcnow()
        clean = (
            op is not None
            and op.active
            and op.can_login
            and op.failed_attempts == 0
            and (op.locked_until is None or op.locked_until <= when)
            and verify_password(password, op.password_hash)
        )
        if clean:
            assert op is not None
            s.expunge(op)
            return op
    # a wrong password, a locked or unknown account, or attempts to clear: the counting path
    return authenticate(db, name, password, now=now)


def service_operator(db: Database, command: str) -> Operator:
    """The service identity for ``command`` (created on first use; it can never log in)."""
    ident = SERVICE_IDENTITIES.get(command)
    if ident is None:
        raise AppError(f"命令“{command}”不能以服务身份运行，请以操作员身份登录后执行")
    with db.transaction() as s:
        op = s.scalars(select(Operator).where(Operator.username == ident.username)).first()
        if op is None:
            op = Operator(
                id=new_id(),
                username=ident.username,
                display_name=ident.display_name,
                role="system",
                password_hash="",
                can_login=False,
            )
            s.info["operator_id"] = op.id  # the audit entry names the identity it creates
            s.add(op)
            s.flush()
        s.expunge(op)
    return op
