"""Recover a station from upstream (issue 17), end to end at three levels, by USB stick.

A village PC dies after sending urgent items ahead of a bundle that never left it; the village
is reinstalled with the same code, re-paired, and restores from the township's recovery bundle:
every record the township holds, the numbering, the watermark, a new epoch; the changes the
township never received are reported as lost, by range. The new installation then syncs as if
nothing happened, and the county ends with every record exactly once. Then the township's PC
dies and it is recovered from the county the same way, with its villages' records.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.models import LocalState, SyncPeer
from app.rules.numbering import parse_case_code
from app.services.check import run_checks
from app.services.supervision import SupervisionInput, create_supervision
from app.sync.bundle import write_bundle
from app.sync.cards import export_card, import_card, read_card
from app.sync.errors import SyncError
from app.sync.recovery import export_recovery, recover_station

from ..conftest import COUNTY, TOWNSHIP, VILLAGE
from .conftest import Node, ledger_digest, make_node, pair
from .helpers import add_dispute, add_visit, mediate


@pytest.fixture
def county(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Node]:
    node = make_node("county", COUNTY, tmp_path, tmp_path_factory)
    yield node
    node.close()


def _reinstall(name: str, station: Any, tmp_path: Path, factory: pytest.TempPathFactory) -> Node:
    where = tmp_path / name
    where.mkdir()
    return make_node(name, station, where, factory)


def _repair(new: Node, other: Node) -> None:
    """The new installation's card replaces the old one at ``other``; ``other``'s card is
    imported by the new installation (fingerprints compared by phone)."""
    card, fp = export_card(new.ctx, new.out)
    import_card(other.ctx, read_card(card), expect_fingerprint=fp, replace=True)
    card, fp = export_card(other.ctx, other.out)
    import_card(new.ctx, read_card(card), expect_fingerprint=fp, replace=True)


def _sync(child: Node, parent: Node) -> dict[str, Any]:
    res = parent.import_(child.export().path)
    assert res.status == "imported", res.message
    ack = child.import_(parent.ack_for(child).path, expect_kind="ack")
    assert ack.status == "imported", ack.message
    return res.summary


def _ids(node: Node, table: str) -> set[str]:
    con = sqlite3.connect(f"file:{node.db.path}?mode=ro", uri=True)
    try:
        return {str(r[0]) for r in con.execute(f'SELECT id FROM "{table}"')}
    finally:
        con.close()


def _sound(node: Node) -> None:
    bad = [c for c in run_checks(node.db)["checks"] if not c["ok"]]
    assert not bad, bad


def _epoch(node: Node) -> int:
    node.ctx.session.expire_all()
    st = node.ctx.session.get(LocalState, 1)
    assert st is not None
    return int(st.epoch)


def test_village_then_township_recovered_from_upstream(
    village: Node,
    township: Node,
    county: Node,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    pair(village, township)
    pair(township, county)
    d1 = add_dispute(village.ctx, 1)
    mediate(village.ctx, d1.id)
    v1 = add_visit(village.ctx, 1)
    _sync(village, township)
    sup = create_supervision(
        township.ctx, SupervisionInput(case=d1.case_code, kind="批注", content="请月底前化解")
    )
    _sync(township, county)
    # on the old PC: a dispute never sent, then a visit sent ahead as an urgent partial bundle
    lost_dispute = add_dispute(village.ctx, 2)
    sent_visit = add_visit(village.ctx, 2)
    rows = village.rows(village.code)
    only = {
        "visit": {sent_visit.id},
        "visit_person": {
            i for i, r in rows["visit_person"].items() if r["visit_id"] == sent_visit.id
        },
        "case_event": {i for i, r in rows["case_event"].items() if r["case_id"] == sent_visit.id},
    }
    only["person"] = {rows["visit_person"][i]["person_id"] for i in only["visit_person"]}
    partial = write_bundle(village.ctx, village.out, only=only)
    res = township.import_(partial.path)
    assert res.status == "imported" and res.summary["totals"]["rejected"] == 0
    held = township.rows(village.code)
    old_epoch = _epoch(village)
    old_codes = [d1.case_code, v1.case_code, sent_visit.case_code]

    # --- the village PC dies: reinstall, re-pair, recover from the township -----------------
    new_v = _reinstall("village-new", VILLAGE, tmp_path, tmp_path_factory)
    try:
        _repair(new_v, township)
        rec = export_recovery(township.ctx, VILLAGE.code, township.out)
        assert rec["lost"] and rec["lost"][0]["to"] == partial.seq
        result = recover_station(new_v.ctx, Path(rec["file"]))
        # records, case logs, registers: exactly what the township held
        assert new_v.rows(VILLAGE.code) == held
        assert sent_visit.id in _ids(new_v, "visit") and lost_dispute.id not in _ids(
            new_v, "dispute"
        )
        # the lost range is reported, by range, never silently
        assert result.lost == [{"from": result.acked + 1, "to": partial.seq}]
        assert "未送达" in result.message and "代变更" in result.message
        assert result.epoch > old_epoch and _epoch(new_v) == result.epoch
        _sound(new_v)
        # numbering continues after the highest code the township knows
        nv = add_visit(new_v.ctx, 3)
        top = max(parse_case_code(c).seq for c in old_codes if "-X-" in c)
        assert parse_case_code(nv.case_code).seq == top + 1
        # a second recovery is refused: the station now holds records of its own
        before = ledger_digest(new_v.db)
        with pytest.raises(SyncError, match="不能再从上级恢复"):
            recover_station(new_v.ctx, Path(rec["file"]))
        assert ledger_digest(new_v.db) == before
        # it continues in the new epoch: nothing refused, nothing sent twice
        summary = _sync(new_v, township)
        assert summary["totals"]["rejected"] == 0 and summary["totals"]["new"] >= 1
        assert nv.id in _ids(township, "visit")
        assert township.rows(VILLAGE.code) == new_v.rows(VILLAGE.code)
        new_v.ctx.session.expire_all()
        assert sup.id in _ids(new_v, "supervision")  # the 督办 came back down with the ack
        _sync(township, county)
        assert county.rows(VILLAGE.code) == new_v.rows(VILLAGE.code)
        _sound(township)
        _sound(county)

        # --- one level up: the township PC dies and is recovered from the county ------------
        new_t = _reinstall("township-new", TOWNSHIP, tmp_path, tmp_path_factory)
        try:
            _repair(new_t, county)
            _repair(new_t, new_v)
            rec = export_recovery(county.ctx, TOWNSHIP.code, county.out)
            result = recover_station(new_t.ctx, Path(rec["file"]))
            assert not result.lost
            assert VILLAGE.code in result.origins
            assert new_t.rows(TOWNSHIP.code) == county.rows(TOWNSHIP.code)
            assert new_t.rows(VILLAGE.code) == county.rows(VILLAGE.code)
            _sound(new_t)
            # the village goes on: its next bundle (everything again after the key change)
            # applies without a refusal, and reaches the county exactly once
            v4 = add_visit(new_v.ctx, 4)
            summary = _sync(new_v, new_t)
            assert summary["totals"]["rejected"] == 0 and summary["totals"]["new"] >= 1
            sup2 = create_supervision(
                new_t.ctx, SupervisionInput(case=v4.case_code, kind="批注", content="已阅")
            )
            summary = _sync(new_t, county)
            assert summary["totals"]["rejected"] == 0
            assert county.rows(VILLAGE.code) == new_v.rows(VILLAGE.code)
            assert county.rows(TOWNSHIP.code) == new_t.rows(TOWNSHIP.code)
            assert sup2.id in _ids(county, "supervision")
            _sound(county)
            new_t.ctx.session.expire_all()
            peer = new_t.ctx.session.get(SyncPeer, COUNTY.code)
            assert peer is not None and peer.acked_rev > 0
        finally:
            new_t.close()
    finally:
        new_v.close()


def test_recovery_refusals_write_nothing(
    village: Node, township: Node, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """A recovery bundle for another station, an ordinary bundle given as a recovery bundle,
    and a recovery bundle given as an ordinary bundle: refused, nothing written."""
    pair(village, township)
    add_dispute(village.ctx, 1)
    _sync(village, township)
    with pytest.raises(SyncError, match="不是本站已配对的下级"):
        export_recovery(township.ctx, "110105001099", township.out)
    new_v = _reinstall("village-new", VILLAGE, tmp_path, tmp_path_factory)
    try:
        _repair(new_v, township)
        rec = Path(export_recovery(township.ctx, VILLAGE.code, township.out)["file"])
        before = ledger_digest(new_v.db)
        as_bundle = new_v.import_(rec)
        assert as_bundle.status == "rejected" and "恢复包" in as_bundle.message
        assert ledger_digest(new_v.db) == before
        plain = new_v.export().path  # an ordinary bundle (addressed up): not a recovery bundle
        before = ledger_digest(new_v.db)
        with pytest.raises(SyncError, match=r"不是恢复包|本站自己导出"):
            recover_station(new_v.ctx, plain)
        assert ledger_digest(new_v.db) == before
    finally:
        new_v.close()


def test_recovery_by_usb_from_the_command_line(
    village: Node,
    township: Node,
    tmp_path: Path,
    tmp_path_factory: pytest.TempPathFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import json

    from app.cli import main

    pair(village, township)
    add_dispute(village.ctx, 1)
    add_visit(village.ctx, 1)
    _sync(village, township)
    new_v = _reinstall("village-new", VILLAGE, tmp_path, tmp_path_factory)
    try:
        _repair(new_v, township)
        usb = tmp_path / "stick"
        usb.mkdir()
        code = main(
            ["--db", str(township.db.path), "bundle", "recovery", "--station", VILLAGE.code,
             "--out", str(usb), "--json"]
        )  # fmt: skip
        out, err = capsys.readouterr()
        assert code == 0, err
        file = json.loads(out)["file"]
        code = main(["--db", str(new_v.db.path), "recover", "--from", file])
        out, err = capsys.readouterr()
        assert code == 0, err
        assert "已从东风镇综治中心恢复本站台账" in out
        assert new_v.rows(VILLAGE.code) == township.rows(VILLAGE.code)
        code = main(["--db", str(new_v.db.path), "recover"])
        _, err = capsys.readouterr()
        assert code == 1 and "--from" in err
    finally:
        new_v.close()
