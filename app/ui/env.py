"""What every GUI page gets: the open ledger, who is logged in, the clock.

Pages never hold a long-lived session. They call :meth:`UiEnv.ctx` for a short unit of work
(on the GUI thread for quick reads, or inside a worker for anything slow) and close it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from app.db import Database
from app.models import utcnow
from app.services.context import Clock, Ctx, open_ctx


@dataclass
class UiEnv:
    db: Database
    operator_id: str
    clock: Clock = field(default=utcnow)

    @contextmanager
    def ctx(self) -> Iterator[Ctx]:
        c = open_ctx(self.db, self._operator(), clock=self.clock)
        try:
            yield c
        finally:
            c.close()

    def _operator(self) -> str:
        from app.models import Operator

        with self.db.session() as s:
            op = s.get(Operator, self.operator_id)
            assert op is not None
            return op.username
