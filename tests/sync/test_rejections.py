"""Every refusal happens before the ledger is touched: records, watermarks and counters stay
byte-for-byte the same, the message is one clear Chinese line, and bundle_log records the refusal.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from app.db import backup_file
from app.models import BundleLog
from app.services.demo import generate
from app.sync import manifest as mf
from app.sync.canonical import canonical_json
from app.sync.cards import export_card, import_card, read_card
from app.sync.keys import renew_station_keys

from .conftest import Node, ledger_digest, pair, peer
from .helpers import add_dispute, forge, read_members, write_members

CJK = re.compile(r"[\u4e00-\u9fff]")


def _refused(node: Node, path: Path, reason: str, *, expect_kind: str | None = None) -> str:
    before = ledger_digest(node.db)
    logs = node.ctx.session.scalars(select(BundleLog)).all()
    res = node.import_(path, expect_kind=expect_kind)
    assert res.status == "rejected", res.message
    assert res.reason == reason, (res.reason, res.message)
    assert CJK.search(res.message) and "\n" not in res.message
    assert ledger_digest(node.db) == before
    after = node.ctx.session.scalars(select(BundleLog)).all()
    assert len(after) == len(logs) + 1
    assert any(x.status == "rejected" and x.message == res.message for x in after)
    return res.message


@pytest.fixture
def bundle(paired: tuple[Node, Node]) -> Path:
    village, _ = paired
    generate(village.ctx, visits=4, disputes=4, seed=11)
    return village.export().path


def test_truncated_zip(paired: tuple[Node, Node], bundle: Path, tmp_path: Path) -> None:
    _, township = paired
    cut = tmp_path / "cut.zzb"
    data = bundle.read_bytes()
    cut.write_bytes(data[: len(data) // 2])
    assert "损坏或不完整" in _refused(township, cut, "corrupt")


def test_corrupted_byte_in_the_zip(paired: tuple[Node, Node], bundle: Path, tmp_path: Path) -> None:
    _, township = paired
    bad = tmp_path / "bad.zzb"
    data = bytearray(bundle.read_bytes())
    data[len(data) // 3] ^= 0x55  # inside payload.bin (stored): the CRC no longer matches
    bad.write_bytes(bytes(data))
    _refused(township, bad, "corrupt")


@pytest.mark.parametrize("content", [b"", b"hello, not a bundle", b"PK\x03\x04" + b"\x00" * 100])
def test_not_a_bundle(paired: tuple[Node, Node], tmp_path: Path, content: bytes) -> None:
    _, township = paired
    junk = tmp_path / "junk.zzb"
    junk.write_bytes(content)
    _refused(township, junk, "corrupt")


def test_tampered_manifest(paired: tuple[Node, Node], bundle: Path, tmp_path: Path) -> None:
    _, township = paired
    members = read_members(bundle)
    doc = json.loads(members["manifest.json"])
    doc["sender"]["name"] = "冒名村"  # any change breaks the signature
    forged = canonical_json(doc)
    out = write_members(
        tmp_path / "t.zzb",
        [
            ("payload.bin", members["payload.bin"]),
            ("manifest.json", forged),
            ("signature.sig", members["signature.sig"]),
        ],
    )
    assert "签名验证失败" in _refused(township, out, "signature")


def test_tampered_payload(paired: tuple[Node, Node], bundle: Path, tmp_path: Path) -> None:
    _, township = paired
    members = read_members(bundle)
    payload = bytearray(members["payload.bin"])
    payload[len(payload) // 2] ^= 0x01
    out = write_members(
        tmp_path / "p.zzb",
        [
            ("payload.bin", bytes(payload)),
            ("manifest.json", members["manifest.json"]),
            ("signature.sig", members["signature.sig"]),
        ],
    )
    assert "校验失败" in _refused(township, out, "tampered")


def test_tampered_signature(paired: tuple[Node, Node], bundle: Path, tmp_path: Path) -> None:
    _, township = paired
    members = read_members(bundle)
    sig = bytearray(members["signature.sig"])
    sig[0] ^= 0xFF
    out = write_members(
        tmp_path / "s.zzb",
        [
            ("payload.bin", members["payload.bin"]),
            ("manifest.json", members["manifest.json"]),
            ("signature.sig", bytes(sig)),
        ],
    )
    _refused(township, out, "signature")


def test_wrong_recipient(paired: tuple[Node, Node], village2: Node) -> None:
    village, township = paired
    pair(village2, township)
    add_dispute(village.ctx, 1)
    assert township.import_(village.export().path).status == "imported"
    ack_for_village = township.ack_for(village).path
    msg = _refused(village2, ack_for_village, "recipient")
    assert "不是发给本站" in msg and "柳树村" in msg


def test_unpaired_sender(paired: tuple[Node, Node], village2: Node) -> None:
    _, township = paired
    # village2 knows the township, but the township never imported village2's card
    card, fp = export_card(township.ctx, township.out)
    import_card(village2.ctx, read_card(card), expect_fingerprint=fp)
    add_dispute(village2.ctx, 1)
    msg = _refused(township, village2.export().path, "unpaired")
    assert "尚未与本站配对" in msg


def test_sender_with_changed_keys(paired: tuple[Node, Node]) -> None:
    village, township = paired
    renew_station_keys(village.db)
    msg = _refused(township, village.export().path, "key_changed")
    assert "重新安装" in msg or "密钥" in msg


def test_replay_of_an_old_bundle(paired: tuple[Node, Node]) -> None:
    village, township = paired
    add_dispute(village.ctx, 1)
    old = village.export().path
    add_dispute(village.ctx, 2)
    new = village.export().path
    assert township.import_(new).status == "imported"
    assert "较早" in _refused(township, old, "stale")


def test_a_range_for_an_origin_the_sender_may_not_send(
    paired: tuple[Node, Node], village2: Node
) -> None:
    village, township = paired
    to = peer(village, township.code)
    row = {
        "t": "person",
        "r": {"id": "01a2fa00-0000-7000-8000-0000000000aa", "origin": village2.code, "rev": 5},
    }
    path = forge(village.ctx, to, village.out / "x.zzb", [row])
    assert "无权转送" in _refused(township, path, "origin")


def test_a_row_owned_by_the_receiver(paired: tuple[Node, Node]) -> None:
    """A village bundle that would overwrite a township-owned record (same id) is refused whole."""
    village, township = paired
    from app.models import RegisterType
    from app.sync.codec import encode_row, table_specs

    target = township.ctx.session.scalars(select(RegisterType)).first()
    assert target is not None and target.origin == township.code
    spec = table_specs()["register_type"]
    with township.db.engine.connect() as conn:
        row = encode_row(
            spec, conn.execute(select(spec.table).where(spec.table.c.id == target.id)).one()
        )
    row.update(origin=village.code, rev=10**8, name="被篡改的台账")
    add_dispute(village.ctx, 1)
    good = village.rows(village.code)["dispute"]
    records = [{"t": "dispute", "r": r} for r in good.values()] + [{"t": "register_type", "r": row}]
    records.sort(key=lambda x: 0 if x["t"] == "register_type" else 1)
    to = peer(village, township.code)
    path = forge(village.ctx, to, village.out / "own.zzb", records, seq=10**9)
    msg = _refused(township, path, "not_owner")
    assert "不属于发送站" in msg
    township.ctx.session.expire_all()
    kept = township.ctx.session.get(RegisterType, target.id)
    assert kept is not None and kept.name == target.name != "被篡改的台账"


def test_parent_may_only_send_rows_addressed_down(paired: tuple[Node, Node]) -> None:
    village, township = paired
    add_dispute(township.ctx, 9)  # a township's own case must never land in a village ledger
    rows = township.rows(township.code)["dispute"]
    to = peer(township, village.code)
    path = forge(
        township.ctx,
        to,
        township.out / "down.zza",
        [{"t": "dispute", "r": r} for r in rows.values()],
    )
    assert "上级不能下发" in _refused(village, path, "not_owner")


def test_newer_schema(paired: tuple[Node, Node]) -> None:
    village, township = paired
    to = peer(village, township.code)
    path = forge(village.ctx, to, village.out / "n.zzb", [], overrides={"schema": "9999"})
    assert "升级" in _refused(township, path, "newer_schema")


def test_newer_format(paired: tuple[Node, Node]) -> None:
    village, township = paired
    to = peer(village, township.code)
    path = forge(
        village.ctx, to, village.out / "f.zzb", [], overrides={"format": "zongzhi-bundle/2"}
    )
    assert "升级" in _refused(township, path, "newer_format")


def test_unknown_table_means_newer_program(paired: tuple[Node, Node]) -> None:
    village, township = paired
    to = peer(village, township.code)
    row = {
        "t": "hologram",
        "r": {"id": "01a2fa00-0000-7000-8000-0000000000ab", "origin": village.code, "rev": 3},
    }
    path = forge(village.ctx, to, village.out / "u.zzb", [row])
    _refused(township, path, "newer_schema")


def test_payload_inconsistent_with_manifest(paired: tuple[Node, Node]) -> None:
    village, township = paired
    to = peer(village, township.code)
    rows = village.rows(village.code)["register_type"]
    records = [{"t": "register_type", "r": r} for r in list(rows.values())[:2]]
    path = forge(
        village.ctx,
        to,
        village.out / "c.zzb",
        records,
        overrides={"counts": {"register_type": 3}, "record_count": 3},
    )
    _refused(township, path, "manifest")


def test_declared_decompression_bomb(paired: tuple[Node, Node]) -> None:
    village, township = paired
    to = peer(village, township.code)
    path = forge(village.ctx, to, village.out / "b.zzb", [])
    members = read_members(path)
    doc = json.loads(members["manifest.json"])
    doc["payload"]["plain_size"] = 3 << 30
    from app.sync.crypto import sign
    from app.sync.keys import load_station_keys

    manifest = canonical_json(doc)
    sig = sign(load_station_keys(village.db).pair.sign, mf.SIGN_DOMAIN, manifest)
    write_members(
        path,
        [
            ("payload.bin", members["payload.bin"]),
            ("manifest.json", manifest),
            ("signature.sig", sig),
        ],
    )
    assert "压缩炸弹" in _refused(township, path, "bomb")


def test_zip_bomb_member(paired: tuple[Node, Node], tmp_path: Path) -> None:
    _, township = paired
    out = write_members(
        tmp_path / "bomb.zzb",
        [("manifest.json", b" " * 900_000), ("payload.bin", b"x"), ("signature.sig", b"s" * 64)],
        deflate=True,
    )
    assert "压缩炸弹" in _refused(township, out, "bomb")


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("../manifest.json", "path"),
        ("/etc/manifest.json", "path"),
        ("C:\\evil\\manifest.json", "path"),
        ("sub/manifest.json", "path"),
        ("autorun.exe", "layout"),
    ],
)
def test_path_tricks_and_extra_members(
    paired: tuple[Node, Node], bundle: Path, tmp_path: Path, name: str, reason: str
) -> None:
    _, township = paired
    members = read_members(bundle)
    out = write_members(tmp_path / "trick.zzb", [*members.items(), (name, b"boom")])
    _refused(township, out, reason)


def test_duplicate_and_too_many_members(
    paired: tuple[Node, Node], bundle: Path, tmp_path: Path
) -> None:
    _, township = paired
    members = read_members(bundle)
    with pytest.warns(UserWarning):
        dup = write_members(
            tmp_path / "dup.zzb", [*members.items(), ("manifest.json", members["manifest.json"])]
        )
    _refused(township, dup, "layout")
    many = write_members(
        tmp_path / "many.zzb", [*members.items(), *[(f"f{i}", b"") for i in range(40)]]
    )
    _refused(township, many, "layout")


def test_an_acknowledgement_where_a_bundle_is_expected_and_vice_versa(
    paired: tuple[Node, Node],
) -> None:
    village, township = paired
    b = village.export().path
    assert "不是回执" in _refused(township, b, "kind", expect_kind="ack")
    # and a station's own file
    assert "本站自己导出" in _refused(village, b, "own")


def test_tampered_ack_does_not_move_the_watermark(
    paired: tuple[Node, Node], tmp_path: Path
) -> None:
    village, township = paired
    add_dispute(village.ctx, 1)
    assert township.import_(village.export().path).status == "imported"
    ack = township.ack_for(village).path
    members = read_members(ack)
    payload = bytearray(members["payload.bin"])
    payload[-5] ^= 0x10
    bad = write_members(
        tmp_path / "ack.zza",
        [
            ("payload.bin", bytes(payload)),
            ("manifest.json", members["manifest.json"]),
            ("signature.sig", members["signature.sig"]),
        ],
    )
    _refused(village, bad, "tampered")
    assert peer(village, township.code).acked_rev == 0


def test_gap_is_reported_and_heals_through_the_ack(
    paired: tuple[Node, Node], tmp_path: Path
) -> None:
    """The township lost what it had (restored an old backup): the next cumulative bundle starts
    past what it holds. It is refused with the missing range; the acknowledgement issued for it
    makes the village send everything again."""
    village, township = paired
    snapshot = tmp_path / "township-before.sqlite3"
    township.ctx.session.commit()
    backup_file(township.db.path, snapshot)
    add_dispute(village.ctx, 1)
    assert township.import_(village.export().path).status == "imported"
    assert village.import_(township.ack_for(village).path).status == "imported"
    # the township's ledger goes back in time
    township.close()
    for suffix in ("-wal", "-shm"):
        Path(str(township.db.path) + suffix).unlink(missing_ok=True)
    shutil.copyfile(snapshot, township.db.path)
    from app.db import open_database
    from app.services.context import open_ctx

    township.db = open_database(township.db.path)
    township.ctx = open_ctx(township.db, "admin", clock=township.clock)
    add_dispute(village.ctx, 2)
    res = township.import_(village.export().path)
    assert (
        res.status == "rejected" and res.reason == "gap" and "缺少" in res.message and res.verified
    )
    ack = township.ack_for(village)  # what the CLI and GUI issue for a refused gap
    assert village.import_(ack.path).status == "imported"
    assert peer(village, township.code).acked_rev == 0
    again = village.export()
    assert again.counts["dispute"] == 2
    assert township.import_(again.path).status == "imported"
    assert township.rows(village.code) == village.rows(village.code)


def test_dry_run_writes_nothing(paired: tuple[Node, Node], bundle: Path) -> None:
    _, township = paired
    before = ledger_digest(township.db)
    logs = len(township.ctx.session.scalars(select(BundleLog)).all())
    res = township.import_(bundle, dry_run=True)
    assert res.status == "dry_run" and res.summary["totals"]["new"] > 0
    assert ledger_digest(township.db) == before
    assert len(township.ctx.session.scalars(select(BundleLog)).all()) == logs
    assert township.import_(bundle).status == "imported"


def test_row_level_rejections_carry_reasons(paired: tuple[Node, Node]) -> None:
    """Data problems are rejected record by record, with a reason, and never silently: a case
    code that collides with another record, the same change number with other content, a missing
    parent record, a value that does not fit its column. Everything else applies."""
    village, township = paired
    d1 = add_dispute(village.ctx, 1)
    d2 = add_dispute(village.ctx, 2)
    assert township.import_(village.export().path).status == "imported"
    rows = village.rows(village.code)
    disputes = rows["dispute"]
    first = dict(disputes[d1.id])
    base = 10**9
    collide = {
        **first,
        "id": "01a2fa00-0000-7000-8000-0000000000c1",
        "rev": base + 1,
        "mediation_seq": None,
        "mediation_year": None,
    }
    altered = {**first, "title": "同一变更号却不同的内容"}  # same id, same rev, other content
    orphan = {
        **next(iter(rows["dispute_party"].values())),
        "id": "01a2fa00-0000-7000-8000-0000000000c2",
        "rev": base + 2,
        "dispute_id": "01a2fa00-0000-7000-8000-0000000000ff",
    }
    too_long = {
        **next(iter(rows["person"].values())),
        "id": "01a2fa00-0000-7000-8000-0000000000c3",
        "rev": base + 3,
        "name": "名" * 61,
    }
    fine = {
        **next(iter(rows["person"].values())),
        "id": "01a2fa00-0000-7000-8000-0000000000c4",
        "rev": base + 4,
        "name": "新来的人",
    }
    joins = {  # a new party of a dispute the township holds, untouched by the refusals
        **next(p for p in rows["dispute_party"].values() if p["dispute_id"] == d2.id),
        "id": "01a2fa00-0000-7000-8000-0000000000c5",
        "rev": base + 5,
        "person_id": fine["id"],
    }
    records = [
        {"t": "person", "r": too_long},
        {"t": "person", "r": fine},
        {"t": "dispute_party", "r": joins},
        {"t": "dispute", "r": collide},
        {"t": "dispute", "r": altered},
        {"t": "dispute_party", "r": orphan},
    ]
    path = forge(
        village.ctx,
        peer(village, township.code),
        village.out / "rows.zzb",
        records,
        ranges=[mf.Range(village.code, 0, base + 10, len(records))],
        seq=base + 10,
    )
    res = township.import_(path)
    assert res.status == "imported", res.message
    reasons = {r["id"]: r["reason"] for r in res.summary["rejected"]}
    assert "案件编码" in reasons[collide["id"]] and "重复" in reasons[collide["id"]]
    assert "完整性警报" in reasons[first["id"]]
    assert "缺失" in reasons[orphan["id"]]
    assert "name" in reasons[too_long["id"]] and "60" in reasons[too_long["id"]]
    assert res.summary["totals"]["rejected"] == 4 and res.summary["tables"]["person"]["new"] == 1
    assert res.summary["tables"]["dispute_party"]["new"] == 1
    from app.models import Dispute, Person

    township.ctx.session.expire_all()
    assert township.ctx.session.get(Person, fine["id"]) is not None
    kept = township.ctx.session.get(Dispute, d1.id)
    assert kept is not None and kept.title != "同一变更号却不同的内容"
    assert township.ctx.session.get(Dispute, collide["id"]) is None
