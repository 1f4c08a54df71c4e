"""The service context: session, acting operator, this station, clock and settings."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import Database
from app.models import LocalState, Operator, Station, utcnow
from app.rules.dates import local_date
from app.rules.errors import AppError, NotFoundError
from app.rules.permissions import allowed, require

Clock = Callable[[], datetime]


@dataclass
class Ctx:
    """Everything a use case needs. Build one with :func:`open_ctx`."""

    db: Database
    session: Session
    operator: Operator
    station: Station
    clock: Clock = utcnow
    _depth: int = field(default=0, repr=False)
    # station settings read once per context (services.settings.settings_of); cleared on save
    cache: dict[str, Any] = field(default_factory=dict, repr=False)

    # --- time -----------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock()

    def today(self) -> date:
        return local_date(self.clock())

    # --- permissions ----------------------------------------------------------------
    def require(self, permission: str) -> None:
        require(self.operator.role, permission)

    def can(self, permission: str) -> bool:
        return allowed(self.operator.role, permission)

    # --- transactions ---------------------------------------------------------------
    @contextmanager
    def write(self) -> Iterator[Session]:
        """One all-or-nothing unit of work. Nested calls join the outer unit."""
        s = self.session
        if self._depth > 0:
            self._depth += 1
            try:
                yield s
            finally:
                self._depth -= 1
            return
        # (after a rollback the operator is expired: reading its id autobegins a transaction)
        self._sync_session_info()
        if s.in_transaction():
            s.commit()  # end the read transaction; nothing is pending outside write()
        self._depth = 1
        try:
            with s.begin():
                yield s
        finally:
            self._depth = 0

    def _sync_session_info(self) -> None:
        self.session.info["operator_id"] = self.operator.id
        self.session.info["clock"] = self.clock

    @property
    def station_code(self) -> str:
        return self.station.code

    def close(self) -> None:
        self.session.close()


def local_station(session: Session) -> Station:
    state = session.get(LocalState, 1)
    if state is None:
        raise AppError("本数据库尚未初始化工作站，请先执行 zongzhi init")
    station = session.get(Station, state.station_code)
    assert station is not None
    return station


def open_ctx(
    db: Database,
    operator: str | Operator | None = None,
    *,
    clock: Clock = utcnow,
    **info: Any,
) -> Ctx:
    """A context acting as ``operator`` (username, Operator, or the built-in system operator)."""
    session = db.session(**info)
    station = local_station(session)
    if isinstance(operator, Operator):
        op: Operator | None = session.get(Operator, operator.id)
    else:
        username = operator or "system"
        op = session.scalars(select(Operator).where(Operator.username == username)).first()
        if op is None:
            session.close()
            raise NotFoundError(f"操作员“{username}”不存在，请检查用户名")
    if op is None or not op.active:
        session.close()
        raise NotFoundError("操作员不存在或已停用")
    ctx = Ctx(db=db, session=session, operator=op, station=station, clock=clock)
    ctx._sync_session_info()
    session.commit()
    return ctx
