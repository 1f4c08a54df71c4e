"""Bundles end to end: export, import, acknowledgement, cumulative delivery, supervision down and
feedback up, summaries in bundle_log."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from sqlalchemy import select

from app.db import head_revision
from app.models import BundleLog, Dispute, synced_tables
from app.services.demo import generate
from app.sync.codec import table_specs
from app.sync.container import open_bundle
from app.sync.manifest import parse
from app.sync.routing import tables_for
from app.sync.status import log_summary, sync_status

from .conftest import Node, ledger_digest, peer
from .helpers import add_dispute, add_visit, mediate, void


def _sync_up(village: Node, township: Node) -> None:
    b = village.export()
    assert township.import_(b.path).status == "imported"
    a = township.ack_for(village)
    assert village.import_(a.path, expect_kind="ack").status == "imported"


def test_export_import_reproduces_every_village_record(paired: tuple[Node, Node]) -> None:
    village, township = paired
    generate(village.ctx, visits=12, disputes=15, seed=7)
    d = add_dispute(village.ctx, 1)
    mediate(village.ctx, d.id)
    gone = add_dispute(village.ctx, 2)
    void(village.ctx, gone.id)
    res = village.export()
    assert res.counts["mediation_session"] >= 1
    imported = township.import_(res.path)
    assert imported.status == "imported", imported.message
    assert imported.summary["totals"]["rejected"] == 0
    assert imported.summary["totals"]["deleted"] >= 1  # the tombstone travelled
    assert township.rows(village.code) == village.rows(village.code)
    tomb = township.ctx.session.get(Dispute, gone.id)
    assert tomb is not None and tomb.deleted_at is not None and tomb.origin == village.code


def test_every_synced_table_travels_generically(paired: tuple[Node, Node]) -> None:
    village, _ = paired
    up = peer(village, "110105001000")
    assert [s.name for s in tables_for(up, table_specs())] == synced_tables()
    assert {"supervision", "supervision_feedback"} <= set(synced_tables())


def test_manifest_carries_what_design_5_lists(paired: tuple[Node, Node]) -> None:
    village, township = paired
    add_visit(village.ctx)
    res = village.export()
    opened = open_bundle(res.path)
    try:
        m = parse(opened.manifest_bytes)
    finally:
        opened.close()
    assert m.kind == "bundle" and m.schema == head_revision()
    assert m.sender.code == village.code and m.recipient.code == township.code
    assert m.sender.key_fp == peer(township, village.code).fingerprint
    assert re.fullmatch(r"\d{4}(-\d{4}){4}", m.sender.key_fp)
    assert m.bundle_id[14] == "7"  # UUIDv7
    assert [r.origin for r in m.ranges] == [village.code]
    assert m.ranges[0].upto == m.seq and m.ranges[0].basis == 0
    assert m.counts["visit"] == 1 and m.record_count == sum(m.counts.values())
    assert len(m.payload.sha256) == 64
    with __import__("zipfile").ZipFile(res.path) as zf:
        assert sorted(zf.namelist()) == ["manifest.json", "payload.bin", "signature.sig"]
        raw = zf.read("payload.bin")
    assert "柳树".encode() not in raw and b"visit" not in raw  # encrypted


def test_bundles_are_cumulative_until_acknowledged(paired: tuple[Node, Node]) -> None:
    village, township = paired
    add_dispute(village.ctx, 1)
    first = village.export()
    add_dispute(village.ctx, 2)
    second = village.export()  # the first was never acknowledged: it carries both disputes
    assert second.counts["dispute"] == 2
    assert township.import_(second.path).status == "imported"
    ack = township.ack_for(village)
    assert village.import_(ack.path).status == "imported"
    assert peer(village, township.code).acked_rev == second.seq
    add_dispute(village.ctx, 3)
    third = village.export()
    assert third.counts["dispute"] == 1  # only what the township has not acknowledged
    assert township.import_(third.path).status == "imported"
    assert township.rows(village.code) == village.rows(village.code)
    # the first bundle, delivered late, is older than what was imported: refused, harmless
    before = ledger_digest(township.db)
    late = township.import_(first.path)
    assert late.status == "rejected" and late.reason == "stale"
    assert ledger_digest(township.db) == before


def test_updates_apply_when_rev_is_higher_and_summary_counts_them(
    paired: tuple[Node, Node],
) -> None:
    village, township = paired
    d = add_dispute(village.ctx, 1)
    _sync_up(village, township)
    mediate(village.ctx, d.id)
    res = township.import_(village.export().path)
    assert res.status == "imported", res.message
    t = res.summary["tables"]
    assert t["dispute"]["updated"] == 1 and t["mediation_session"]["new"] == 1
    assert t["person"]["received"] in (0, 2) if "person" in t else True
    assert township.rows(village.code) == village.rows(village.code)
    log = township.ctx.session.scalars(select(BundleLog).where(BundleLog.id == res.log_id)).one()
    assert log.status == "imported" and json.loads(log.summary)["totals"]["updated"] >= 1
    summary = log_summary(township.db, res.log_id)
    assert summary["tables"]["dispute"]["label"] == "矛盾纠纷"


def test_reimporting_the_same_bundle_is_a_no_op(paired: tuple[Node, Node]) -> None:
    village, township = paired
    generate(village.ctx, visits=3, disputes=3, seed=3)
    res = village.export()
    assert township.import_(res.path).status == "imported"
    before = ledger_digest(township.db)
    logs = township.ctx.session.query(BundleLog).count()
    again = township.import_(res.path)
    assert again.status == "duplicate" and "导入过" in again.message
    assert ledger_digest(township.db) == before
    assert township.ctx.session.query(BundleLog).count() == logs


def test_overlapping_bundles_are_harmless(paired: tuple[Node, Node]) -> None:
    village, township = paired
    add_dispute(village.ctx, 1)
    b1 = village.export()
    add_dispute(village.ctx, 2)
    add_visit(village.ctx, 2)
    b2 = village.export()  # overlaps b1 entirely
    assert township.import_(b1.path).status == "imported"
    r2 = township.import_(b2.path)
    assert r2.status == "imported"
    assert r2.summary["tables"]["dispute"]["unchanged"] == 1
    assert r2.summary["tables"]["dispute"]["new"] == 1
    assert township.rows(village.code) == village.rows(village.code)


def test_supervision_travels_down_and_feedback_up(paired: tuple[Node, Node]) -> None:
    from app.models import Supervision, SupervisionFeedback
    from app.rules.errors import ConflictError
    from app.services.supervision import (
        FeedbackInput,
        SupervisionInput,
        add_feedback,
        create_supervision,
        list_supervisions,
    )

    village, township = paired
    d = add_dispute(village.ctx, 1)
    _sync_up(village, township)
    sup = create_supervision(
        township.ctx,
        SupervisionInput(
            case=d.case_code,
            kind="督办",
            content="请限期化解",
            responsible_unit="柳树村委会",
            responsible_person="王主任",
            lead_name="李镇长",
            due_on="2026-03-31",
        ),
    )
    assert sup.origin == township.code and sup.case_origin == village.code
    ack = township.ack_for(village)
    assert ack.counts == {"supervision": 1}
    got = village.import_(ack.path)
    assert got.status == "imported" and got.summary["tables"]["supervision"]["new"] == 1
    here = village.ctx.session.get(Supervision, sup.id)
    assert here is not None and here.origin == township.code
    try:  # read-only at the village
        with village.ctx.write():
            here.content = "改掉"
        raise AssertionError("edit of a township row must be refused")
    except ConflictError:
        village.ctx.session.rollback()
    add_feedback(
        village.ctx, sup.supervision_no, FeedbackInput(progress="正在办理", content="已约双方")
    )
    up = village.export()
    assert up.counts == {"supervision_feedback": 1}
    assert township.import_(up.path).status == "imported"
    fb = township.ctx.session.scalars(select(SupervisionFeedback)).one()
    assert fb.origin == village.code and fb.supervision_id == sup.id
    views = list_supervisions(township.ctx)
    assert views[0].feedback_count == 1 and views[0].state == "open-answered"
    # the village's upstream bundle acknowledged the supervision: nothing left to send down
    assert peer(township, village.code).acked_rev >= ack.seq
    assert township.ack_for(village).counts == {}


def test_status_reports_pending_and_history(paired: tuple[Node, Node]) -> None:
    village, township = paired
    st = sync_status(village.db)
    assert st.has_parent and st.keys is not None and st.keys.store == "keyring"
    base = st.pending_up  # the preset registers created at init
    add_dispute(village.ctx, 1)
    pending = sync_status(village.db).pending_up
    assert pending > base
    _sync_up(village, township)
    st = sync_status(village.db)
    assert st.pending_up == 0 and st.last_export is not None and st.last_import is not None
    assert (
        township.ctx.session.query(BundleLog).filter_by(direction="import").one().record_count
        == pending
    )
    assert st.pending_label == "已全部同步"
    tst = sync_status(township.db)
    child = next(p for p in tst.peers if p.code == village.code)
    assert child.held == 1 and child.last_import_totals["new"] > 0


def test_printable_import_summary(paired: tuple[Node, Node], tmp_path: Path) -> None:
    from app.print.sync_summary import import_summary_pdf

    village, township = paired
    generate(village.ctx, visits=4, disputes=4, seed=5)
    res = township.import_(village.export().path)
    pdf = tmp_path / "summary.pdf"
    pdf.write_bytes(
        import_summary_pdf(log_summary(township.db, res.log_id), station_name="东风镇综治中心")
    )
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "同步包导入情况表" in text and "柳树村综治中心" in text and "矛盾纠纷" in text
    fonts = subprocess.run(
        ["pdffonts", str(pdf)], capture_output=True, text=True, check=True
    ).stdout
    assert "Helvetica" not in fonts


def test_inspect_writes_the_decrypted_records_without_importing(
    paired: tuple[Node, Node], tmp_path: Path
) -> None:
    import sqlite_utils

    from app.sync.importer import inspect_bundle

    village, township = paired
    add_dispute(village.ctx, 1)
    res = village.export()
    before = ledger_digest(township.db)
    info = inspect_bundle(township.ctx, res.path, tmp_path / "check.sqlite3")
    assert info["counts"]["dispute"] == 1
    assert ledger_digest(township.db) == before
    db = sqlite_utils.Database(tmp_path / "check.sqlite3")
    row = next(iter(db.table("dispute").rows))
    assert row["origin"] == village.code and row["case_code"].startswith(village.code)
    assert {r["key"] for r in db.table("manifest").rows} >= {"bundle_id", "ranges", "payload"}
    # still importable afterwards
    assert township.import_(res.path).status == "imported"


def test_downstream_bundle_and_the_village_ack_going_up(paired: tuple[Node, Node]) -> None:
    from app.services.supervision import SupervisionInput, create_supervision

    village, township = paired
    d = add_dispute(village.ctx, 1)
    assert township.import_(village.export().path).status == "imported"
    create_supervision(
        township.ctx, SupervisionInput(case=d.case_code, kind="批注", content="注意")
    )
    down = township.export(to=village.code)  # a township's own downstream bundle
    assert down.counts == {"supervision": 1}
    assert village.import_(down.path).status == "imported"
    add_visit(village.ctx, 5)  # pending upward: must not ride on the acknowledgement
    ack = village.ack_for(township)
    assert ack.kind == "ack" and ack.counts == {} and ack.ranges == []
    res = township.import_(ack.path, expect_kind="ack")
    assert res.status == "imported", res.message
    assert peer(township, village.code).acked_rev == down.seq
    assert township.export(to=village.code).counts == {}
