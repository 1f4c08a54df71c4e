"""Quick measurement of ledger search and paging (targets: search ≤ 30 ms p95, page ≤ 50 ms).

    .venv/bin/python -m benchmarks.ledger_fill big.sqlite3 --visits 100000 --disputes 100000
    .venv/bin/python -m benchmarks.search_quick big.sqlite3

Each query runs through the real services (ledger_query.visit_page / dispute_page with a text
filter) on a fresh context, the way the GUI calls them; timings are wall-clock per call.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

from app.db import open_database
from app.services.context import open_ctx
from app.services.ledger_query import LedgerFilter, dispute_page, visit_count, visit_page
from app.services.search import find_persons

QUERIES = [
    "张",
    "王建",
    "李秀英",
    "zs",
    "wjg",
    "lxy",
    "土地",
    "村务公开",
    "赡养费",
    "宅基地",
    "排水沟",
    "借款",
    "拖欠工资",
    "13",
    "1381",
    "2026-X",
    "一组",
    "调字第",
    "物业",
    "交通事故",
    "林地 边界",
    "张 宅基地",
    "不存在的词语",
    "xyz",
]


def _time(fn: Callable[[], object], repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def _report(name: str, samples: list[float]) -> None:
    samples = sorted(samples)
    p95 = samples[max(0, round(0.95 * len(samples)) - 1)]
    print(
        f"{name:<34} n={len(samples):4d}  p50={statistics.median(samples):6.1f} ms  "
        f"p95={p95:6.1f} ms  max={samples[-1]:6.1f} ms"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("db")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    db = open_database(args.db, check_integrity=False)
    ctx = open_ctx(db, "admin")
    try:
        # warm the page cache as a running app would be
        visit_page(ctx, LedgerFilter())
        search_v: list[float] = []
        search_d: list[float] = []
        people: list[float] = []
        for q in QUERIES:
            flt = LedgerFilter(text=q)
            search_v += _time(partial(visit_page, ctx, flt), args.repeat)
            search_d += _time(partial(dispute_page, ctx, flt), args.repeat)
            people += _time(partial(find_persons, ctx.session, q), args.repeat)
        _report("search: visit list, first page", search_v)
        _report("search: dispute list, first page", search_d)
        _report("search: people (autocomplete)", people)
        pages: list[float] = []
        cursor = None
        for _ in range(50):
            t0 = time.perf_counter()
            page = visit_page(ctx, LedgerFilter(), after=cursor)
            pages.append((time.perf_counter() - t0) * 1000)
            cursor = page.next
        _report("visit list: 50 consecutive pages", pages)
        for sort in ("case_code", "due_on", "status", "party_names"):
            _report(
                f"visit list sorted by {sort}",
                _time(partial(visit_page, ctx, LedgerFilter(), sort=sort), args.repeat),
            )
        for name, flt in (
            ("overdue", LedgerFilter(deadline="overdue")),
            ("due soon", LedgerFilter(deadline="due_soon")),
            ("status in_progress", LedgerFilter(statuses=("in_progress",))),
            ("category + year", LedgerFilter(category="village_affairs")),
        ):
            _report(f"visit list filter: {name}", _time(partial(visit_page, ctx, flt), 5))
        _report("visit count (all)", _time(lambda: visit_count(ctx, LedgerFilter()), 5))
    finally:
        ctx.close()
        db.close()


if __name__ == "__main__":
    main()
