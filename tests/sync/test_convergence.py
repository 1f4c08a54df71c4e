"""Property: whatever happens to the USB sticks — bundles lost, duplicated, reordered, acks lost or
late, the village editing in between — the township never holds a half state, and one final
delivery makes its copy exactly the village's current records (and the village's copy of the
township's supervision exactly what the township addressed to it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.models import Dispute, Supervision
from app.services.supervision import (
    FeedbackInput,
    SupervisionInput,
    add_feedback,
    create_supervision,
)

from ..conftest import TOWNSHIP, VILLAGE
from .conftest import make_node, pair
from .helpers import add_dispute, add_visit, mediate, void

OPS = st.lists(
    st.sampled_from(
        [
            "dispute",
            "visit",
            "mediate",
            "void",
            "export",
            "export",
            "import",
            "import",
            "lose",
            "dup",
            "reorder",
            "ack",
            "ack_in",
            "lose_ack",
            "supervise",
            "feedback",
        ]
    ),
    min_size=3,
    max_size=22,
)


class World:
    def __init__(self, root: Path, factory: pytest.TempPathFactory) -> None:
        self.v = make_node("village", VILLAGE, root, factory)
        self.t = make_node("township", TOWNSHIP, root, factory)
        pair(self.v, self.t)
        self.stick: list[Path] = []  # bundles on their way up
        self.back: list[Path] = []  # acks on their way down
        self.snap: dict[Path, Any] = {}
        self.n = 0
        self.newest_imported = 0

    def close(self) -> None:
        self.v.close()
        self.t.close()

    def live_disputes(self) -> list[Dispute]:
        return list(
            self.v.ctx.session.scalars(
                select(Dispute).where(Dispute.deleted_at.is_(None), Dispute.status == "registered")
            )
        )

    def step(self, op: str, pick: int) -> None:
        v, t = self.v, self.t
        self.n += 1
        if op == "dispute":
            add_dispute(v.ctx, self.n)
        elif op == "visit":
            add_visit(v.ctx, self.n)
        elif op == "mediate" and (ds := self.live_disputes()):
            mediate(v.ctx, ds[pick % len(ds)].id)
        elif op == "void" and (ds := self.live_disputes()):
            void(v.ctx, ds[pick % len(ds)].id)
        elif op == "export":
            out = v.export()
            self.stick.append(out.path)
            self.snap[out.path] = (out.seq, v.rows(v.code))
        elif op == "lose" and self.stick:
            self.stick.pop(pick % len(self.stick))
        elif op == "dup" and self.stick:
            self.stick.append(self.stick[pick % len(self.stick)])
        elif op == "reorder" and len(self.stick) > 1:
            self.stick.reverse()
        elif op == "import" and self.stick:
            path = self.stick.pop(0)
            res = t.import_(path)
            seq, snapshot = self.snap[path]
            if res.status == "imported":
                # prefix consistency: exactly the village as it was when this bundle was written
                assert seq > self.newest_imported
                self.newest_imported = seq
                assert t.rows(v.code) == snapshot
            else:
                assert res.status == "duplicate" or res.reason == "stale", res.message
                assert seq <= self.newest_imported
        elif op == "ack" and self.newest_imported:
            self.back.append(t.ack_for(v).path)
        elif op == "lose_ack" and self.back:
            self.back.pop(pick % len(self.back))
        elif op == "ack_in" and self.back:
            res = v.import_(self.back.pop(pick % len(self.back)), expect_kind="ack")
            assert res.status in ("imported", "duplicate") or res.reason == "stale", res.message
        elif op == "supervise":
            cases = list(
                t.ctx.session.scalars(
                    select(Dispute).where(Dispute.origin == v.code, Dispute.deleted_at.is_(None))
                )
            )
            if cases:
                create_supervision(
                    t.ctx,
                    SupervisionInput(
                        case=cases[pick % len(cases)].case_code,
                        kind="批注",
                        content=f"批注{self.n}",
                    ),
                )
        elif op == "feedback":
            sups = list(
                v.ctx.session.scalars(select(Supervision).where(Supervision.status == "open"))
            )
            if sups:
                add_feedback(
                    v.ctx, sups[pick % len(sups)].id, FeedbackInput(content=f"反馈{self.n}")
                )

    def settle(self) -> None:
        v, t = self.v, self.t
        final = t.import_(v.export().path)
        assert final.status == "imported", final.message
        assert t.rows(v.code) == v.rows(v.code)
        down = v.import_(t.ack_for(v).path)
        assert down.status == "imported", down.message
        mine = t.rows(t.code)["supervision"]
        assert v.rows(t.code)["supervision"] == {
            k: r for k, r in mine.items() if r["case_origin"] == v.code
        }
        # and nothing is left pending either way
        assert v.export().record_count == 0


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(ops=OPS, picks=st.lists(st.integers(min_value=0, max_value=50), min_size=22, max_size=22))
def test_random_delivery_converges(
    tmp_path_factory: pytest.TempPathFactory, ops: list[str], picks: list[int]
) -> None:
    world = World(tmp_path_factory.mktemp("world"), tmp_path_factory)
    try:
        for op, pick in zip(ops, picks, strict=False):
            world.step(op, pick)
        world.settle()
    finally:
        world.close()
