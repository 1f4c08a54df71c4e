"""A bundle applies whole records or nothing (issue 17): a record and its dependants — people,
parties, mediation sessions, case log, register fields and attachments — are accepted or
refused together; a refusal names the record (its case code) and the reason; no orphan is ever
stored, and ``zongzhi check`` finds orphans if some other path left one.

Each case below forges a bundle signed with the village's real keys, made of the village's own
rows (as a faulty or tampered program could send them) with one dependant made unacceptable.
"""

from __future__ import annotations

import base64
import hashlib
import sqlite3
from collections.abc import Callable
from typing import Any

import pytest

from app.services.check import find_orphans, run_checks
from app.services.demo import generate
from app.sync import manifest as mf
from app.sync.codec import table_specs
from app.sync.importer import unit_of

from .conftest import Node, peer
from .helpers import add_dispute, add_visit, forge, mediate

SEQ = 10**13  # above every real rev of epoch 1

Rows = dict[str, dict[str, dict[str, Any]]]


def _records(rows: Rows) -> list[dict[str, Any]]:
    return [{"t": t, "r": r} for t in table_specs() for r in rows.get(t, {}).values()]


def _send(village: Node, township: Node, rows: Rows) -> Any:
    records = _records(rows)
    path = forge(
        village.ctx,
        peer(village, township.code),
        village.out / "forged.zzb",
        records,
        ranges=[mf.Range(village.code, 0, SEQ, len(records))],
        seq=SEQ,
    )
    return township.import_(path)


def _ids(node: Node, table: str) -> set[str]:
    con = sqlite3.connect(f"file:{node.db.path}?mode=ro", uri=True)
    try:
        return {str(r[0]) for r in con.execute(f'SELECT id FROM "{table}"')}
    finally:
        con.close()


def _assert_sound(node: Node) -> None:
    report = run_checks(node.db)
    bad = [c for c in report["checks"] if not c["ok"]]
    assert not bad, bad
    with node.db.engine.connect() as conn:
        assert find_orphans(conn) == {}


@pytest.fixture
def ledger(paired: tuple[Node, Node]) -> tuple[Node, Node, Rows, dict[str, Any]]:
    """Two visits, two disputes (one mediated, with a session), the preset registers and a
    register record with an attachment."""
    village, township = paired
    v1 = add_visit(village.ctx, 1)
    add_visit(village.ctx, 2)
    d1 = add_dispute(village.ctx, 1)
    mediate(village.ctx, d1.id)
    d2 = add_dispute(village.ctx, 2)
    generate(village.ctx, visits=0, disputes=0, seed=5)  # register entries only
    rows = village.rows(village.code)
    record = next(iter(rows["register_record"].values()))
    content = "来访群众反映排水沟问题的书面材料".encode()
    att = {
        **{k: v for k, v in record.items() if k in ("origin", "created_at", "updated_at")},
        "id": "01a2fa00-0000-7000-8000-00000000a771",
        "rev": SEQ - 1,
        "created_by": None,
        "updated_by": None,
        "deleted_at": None,
        "record_id": record["id"],
        "field_key": "attachments",
        "file_name": "材料.txt",
        "mime": "text/plain",
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "content": base64.b64encode(content).decode(),
    }
    rows["register_attachment"] = {att["id"]: att}
    return village, township, rows, {"v1": v1, "d1": d1, "d2": d2, "record": record}


def _spoil(row: dict[str, Any]) -> None:
    row["bogus_field"] = 1  # what a newer or faulty program could send: refused with a reason


def _pick(rows: Rows, table: str, where: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    return next(r for r in rows[table].values() if where(r))


CASES = [
    # (label, table to spoil, selector given the fixture's records, owner table, owner id key)
    ("visit_person", lambda k: lambda r: r["visit_id"] == k["v1"].id, "visit", "v1"),
    ("dispute_party", lambda k: lambda r: r["dispute_id"] == k["d1"].id, "dispute", "d1"),
    ("mediation_session", lambda k: lambda r: r["dispute_id"] == k["d1"].id, "dispute", "d1"),
    ("case_event", lambda k: lambda r: r["case_id"] == k["d2"].id, "dispute", "d2"),
    ("dispute", lambda k: lambda r: r["id"] == k["d1"].id, "dispute", "d1"),
    (
        "register_attachment",
        lambda k: lambda r: r["record_id"] == k["record"]["id"],
        "register_record",
        "record",
    ),
]


@pytest.mark.parametrize(("table", "select", "owner", "key"), CASES, ids=[c[0] for c in CASES])
def test_a_refused_dependant_refuses_its_whole_record(
    ledger: tuple[Node, Node, Rows, dict[str, Any]],
    table: str,
    select: Callable[[dict[str, Any]], Callable[[dict[str, Any]], bool]],
    owner: str,
    key: str,
) -> None:
    village, township, rows, known = ledger
    target = known[key]
    owner_id = target["id"] if isinstance(target, dict) else target.id
    _spoil(_pick(rows, table, select(known)))
    res = _send(village, township, rows)
    assert res.status == "imported", res.message
    refused = res.summary["refused_records"]
    assert len(refused) >= 1
    # the record is named by its case code (or register title), with the reason
    mine = [r for r in refused if r["table"] == owner]
    assert mine and "bogus_field" in mine[0]["reason"]
    if owner in ("visit", "dispute"):
        assert target.case_code in mine[0]["record"]
    # every row of that record is refused and absent; every rejected row names its record
    unit = (owner, owner_id)
    members = {(t, rid) for t, rs in rows.items() for rid, r in rs.items() if unit_of(t, r) == unit}
    assert len(members) >= 2
    for t, rid in members:
        assert rid not in _ids(township, t), (t, rid)
    listed = {(r["table"], r["id"]) for r in res.summary["rejected"]}
    assert members <= listed
    assert all(r["record"] for r in res.summary["rejected"])
    # the rest of the bundle is applied
    for t, rs in rows.items():
        for rid in rs:
            if (t, rid) not in listed:
                assert rid in _ids(township, t), (t, rid)
    _assert_sound(township)


def test_a_refused_person_refuses_every_case_naming_them(
    ledger: tuple[Node, Node, Rows, dict[str, Any]],
) -> None:
    village, township, rows, known = ledger
    link = _pick(rows, "visit_person", lambda r: r["visit_id"] == known["v1"].id)
    person = rows["person"][link["person_id"]]
    person["name"] = "名" * 61  # longer than the column
    res = _send(village, township, rows)
    assert res.status == "imported"
    assert known["v1"].id not in _ids(township, "visit")
    assert person["id"] not in _ids(township, "person")
    events = {r["id"] for r in rows["case_event"].values() if r["case_id"] == known["v1"].id}
    assert events and not events & _ids(township, "case_event")
    reason = next(r for r in res.summary["rejected"] if r["id"] == known["v1"].id)["reason"]
    assert known["v1"].case_code in reason and "60" in reason
    assert known["d1"].id in _ids(township, "dispute")
    _assert_sound(township)


def test_a_case_code_collision_refuses_parties_people_and_log(
    ledger: tuple[Node, Node, Rows, dict[str, Any]],
) -> None:
    """The reinstalled-village story: a new visit whose case code the township already knows
    from another record. Its petitioners, people and case log stay out with it."""
    village, township, rows, known = ledger
    assert township.import_(village.export().path).status == "imported"
    other = add_visit(village.ctx, 3)
    fresh = village.rows(village.code)
    new_rows: Rows = {t: {} for t in fresh}
    old_revs = {(t, i): r["rev"] for t, rs in rows.items() for i, r in rs.items()}
    for t, rs in fresh.items():
        for i, r in rs.items():
            if old_revs.get((t, i)) != r["rev"]:
                new_rows[t][i] = r
    new_rows["visit"][other.id]["case_code"] = known["v1"].case_code  # numbering restarted
    res = _send(village, township, new_rows)
    assert res.status == "imported"
    (rec,) = res.summary["refused_records"]
    assert known["v1"].case_code in rec["record"] and "案件编码" in rec["reason"]
    assert other.id not in _ids(township, "visit")
    for t in ("visit_person", "person", "case_event"):
        assert not set(new_rows[t]) & _ids(township, t), t
    _assert_sound(township)


def test_orphans_are_refused_and_reported(
    ledger: tuple[Node, Node, Rows, dict[str, Any]],
) -> None:
    """A case log entry whose case exists nowhere is refused; a person named only by a refused
    record goes with it (a person named by nothing in the bundle is left to the sender)."""
    village, township, rows, _ = ledger
    ev = dict(next(iter(rows["case_event"].values())))
    ev.update(id="01a2fa00-0000-7000-8000-0000000000e1", case_id="01a2fa00-0000-7000-8000-ffff")
    rows["case_event"][ev["id"]] = ev
    res = _send(village, township, rows)
    reasons = {r["id"]: r["reason"] for r in res.summary["rejected"]}
    assert "缺失" in reasons[ev["id"]]
    assert res.summary["totals"]["rejected"] == 1
    _assert_sound(township)


def test_check_finds_orphans_left_by_another_path(paired: tuple[Node, Node]) -> None:
    village, _ = paired
    add_visit(village.ctx, 1)
    village.ctx.session.commit()
    con = sqlite3.connect(village.db.path)
    try:
        con.execute("UPDATE case_event SET case_id = 'gone'")  # a log whose case is gone
        con.commit()
    finally:
        con.close()
    report = run_checks(village.db)
    orphans = next(c for c in report["checks"] if c["name"] == "orphans")
    assert not report["ok"] and not orphans["ok"] and "案件流转记录" in orphans["detail"]


def test_cli_exit_code_and_refused_list(
    ledger: tuple[Node, Node, Rows, dict[str, Any]],
    capsys: pytest.CaptureFixture[str],
) -> None:
    """0 when everything applied; 3 (documented in README) when the file was imported but some
    records were refused — at the importing station and, through the acknowledgement, at the
    sending one; the list (case code, table, reason) exports as CSV."""
    import csv
    import io
    import json

    from app.cli import EXIT_RECORDS_REFUSED, main

    village, township, rows, known = ledger
    _spoil(_pick(rows, "mediation_session", lambda r: r["dispute_id"] == known["d1"].id))
    records = _records(rows)
    path = forge(
        village.ctx,
        peer(village, township.code),
        village.out / "forged.zzb",
        records,
        ranges=[mf.Range(village.code, 0, SEQ, len(records))],
        seq=SEQ,
    )
    ack_dir = village.out / "acks"
    ack_dir.mkdir()
    tdb = str(township.db.path)
    code = main(["--db", tdb, "bundle", "import", str(path), "--ack-dir", str(ack_dir), "--json"])
    out, err = capsys.readouterr()
    assert code == EXIT_RECORDS_REFUSED == 3
    (res,) = json.loads(out)
    assert res["status"] == "imported" and res["summary"]["totals"]["rejected"] > 0
    assert "被拒收" in err and known["d1"].case_code in json.dumps(res, ensure_ascii=False)
    csv_path = village.out / "拒收清单.csv"
    assert main(["--db", tdb, "bundle", "show", res["log_id"], "--refused-csv", str(csv_path)]) == 0
    capsys.readouterr()
    table = list(csv.reader(io.StringIO(csv_path.read_bytes().decode("utf-8-sig"))))
    assert table[0] == ["序号", "拒收方", "所属记录", "类别", "编号", "原因"]
    assert len(table) - 1 == res["summary"]["totals"]["rejected"]
    assert all(known["d1"].case_code in r[2] for r in table[1:])
    assert any("bogus_field" in r[5] for r in table[1:])
    # the village learns it from the acknowledgement, with the same exit code
    (ack,) = ack_dir.glob("*.zza")
    code = main(["--db", str(village.db.path), "bundle", "ack", str(ack)])
    _, err = capsys.readouterr()
    assert code == EXIT_RECORDS_REFUSED, err
    # a clean bundle exits 0
    add_visit(village.ctx, 9)
    clean = village.export().path
    assert main(["--db", tdb, "bundle", "import", str(clean), "--no-ack"]) == 0
