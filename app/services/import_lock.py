"""One import at a time per ledger, across processes (``app/locking.py``, slot ``IMPORT``).

Bundle imports (a stick, the hub's uploads) and Excel imports check sequence numbers and
existing rows before they write; two of them interleaved from two processes would each decide
on a state the other is changing. A rehearsal (``dry_run``) writes nothing and runs freely.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Concatenate, ParamSpec, TypeVar

from app.locking import hold_import

from .context import Ctx

P = ParamSpec("P")
R = TypeVar("R")


def one_import_at_a_time(fn: Callable[Concatenate[Ctx, P], R]) -> Callable[Concatenate[Ctx, P], R]:
    """Run ``fn(ctx, …)`` holding the ledger's import slot (refused at once when another
    process is importing: :class:`app.locking.LedgerBusy`, nothing written)."""

    @functools.wraps(fn)
    def wrapper(ctx: Ctx, /, *args: P.args, **kwargs: P.kwargs) -> R:
        if kwargs.get("dry_run") or not ctx.db.is_sqlite:
            return fn(ctx, *args, **kwargs)
        with hold_import(ctx.db.path):
            return fn(ctx, *args, **kwargs)

    return wrapper
