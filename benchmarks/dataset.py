"""The benchmark data set: a village ledger with 100k visits and 100k disputes, paired with its
township, plus one mediated dispute for the agreement PDF.

    .venv/bin/python -m benchmarks.dataset [--data benchmarks/out/data] [--visits N] [--disputes N]

The bulk rows come from :func:`benchmarks.ledger_fill.fill` (realistic names, ID numbers,
stories, statuses and deadlines through the real schema, FTS triggers included; ~80 s for
100k + 100k on 2 cores). The station, its operators, its sync keys and the pairing with the
township are made through the real services, exactly as a clerk would. The finished set is
reused by later runs while its description (``dataset.json``) matches: generator version,
counts and schema revision.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

DATASET_VERSION = 1
PASSWORD = "bench-admin-123"
PASSPHRASE = "benchmark-keystore-passphrase"
DEFAULT_DIR = Path(__file__).resolve().parent / "out" / "data"


def use_file_keystore() -> None:
    """Keys in a passphrase file beside each ledger, never in this computer's keychain."""
    os.environ.setdefault("ZONGZHI_KEYSTORE_PASSPHRASE", PASSPHRASE)
    os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    import keyring
    from keyring.backends.fail import Keyring as NoKeychain

    keyring.set_keyring(NoKeychain())


@dataclass(frozen=True)
class Dataset:
    folder: Path
    village: Path
    township: Path
    agreement_case: str
    visits: int
    disputes: int
    village_code: str = "110105001001"
    township_code: str = "110105001000"

    @property
    def describe(self) -> str:
        size = self.village.stat().st_size / 2**20
        return f"{self.visits:,} visits + {self.disputes:,} disputes, {size:.0f} MB ledger"


def _stations() -> tuple[Any, Any]:
    from app.services.stations import StationInput

    village = StationInput(
        code="110105001001",
        name="柳树村综治中心",
        level="village",
        parent_code="110105001000",
        short_name="柳树",
        admin_password=PASSWORD,
    )
    township = StationInput(
        code="110105001000",
        name="东风镇综治中心",
        level="township",
        parent_code="110105000000",
        short_name="东风",
        admin_password=PASSWORD,
    )
    return village, township


def _mediated_case(db: Any) -> str:
    """One dispute taken through registration, assignment, a session and a written agreement."""
    from app.services.context import open_ctx
    from app.services.disputes import (
        DisputeAction,
        DisputeInput,
        PartyInput,
        SessionInput,
        advance_dispute,
        record_session,
        register_dispute,
    )
    from app.services.persons import PersonInput

    ctx = open_ctx(db, "admin")
    try:
        today = ctx.today()
        people = [
            PersonInput(
                name="张秀兰",
                id_number="11010519491231002X",
                phone="13800138000",
                address="柳树村一组5号",
            ),
            PersonInput(
                name="李建国",
                id_number="34052419800101001X",
                phone="13900139000",
                address="柳树村二组18号",
            ),
        ]
        d = register_dispute(
            ctx,
            DisputeInput(
                category="邻里",
                summary="李建国在两家共用的排水沟上修建围墙，雨季张秀兰家院坝积水，双方多次争吵。",
                registered_on=(today - timedelta(days=10)).isoformat(),
                parties=[PartyInput(people[0], "applicant"), PartyInput(people[1], "respondent")],
            ),
        ).record
        on = (today - timedelta(days=9)).isoformat()
        advance_dispute(ctx, d.id, "assign", DisputeAction(mediator="李晓梅", on=on))
        record_session(
            ctx,
            d.id,
            SessionInput(
                kind="mediation",
                held_at=f"{(today - timedelta(days=3)).isoformat()} 09:30",
                mediators="李晓梅",
                content="双方陈述意见，调解员释明相邻关系的法律规定。",
            ),
        )
        terms = "\n".join(
            f"{i}、李建国于{(today + timedelta(days=10)).isoformat()}前完成第{i}项整改，"
            "张秀兰予以配合，费用各半承担。"
            for i in range(1, 4)
        )
        advance_dispute(
            ctx,
            d.id,
            "succeed",
            DisputeAction(
                on=(today - timedelta(days=3)).isoformat(),
                agreement_type="written",
                terms=terms,
                performance_manner="拆除围墙并现金支付",
                performance_place="柳树村村委会",
                performance_deadline=(today + timedelta(days=10)).isoformat(),
            ),
        )
        return str(d.case_code)
    finally:
        ctx.close()


def _pair(village_db: Any, township_db: Any, folder: Path) -> None:
    from app.services.context import open_ctx
    from app.sync.cards import export_card, import_card, read_card

    a, b = open_ctx(village_db, "admin"), open_ctx(township_db, "admin")
    try:
        card_a, fp_a = export_card(a, folder)
        card_b, fp_b = export_card(b, folder)
        import_card(b, read_card(card_a), expect_fingerprint=fp_a)
        import_card(a, read_card(card_b), expect_fingerprint=fp_b)
    finally:
        a.close()
        b.close()


def _description(visits: int, disputes: int) -> dict[str, Any]:
    """What the data set depends on: a change to any of it regenerates the set."""
    import hashlib

    from app.config import migrations_dir

    sources = sorted((migrations_dir() / "versions").glob("*.py"))
    sources.append(Path(__file__).with_name("ledger_fill.py"))
    digest = hashlib.sha256()
    for f in sources:
        digest.update(f.name.encode() + b"\0" + f.read_bytes())
    return {
        "version": DATASET_VERSION,
        "visits": visits,
        "disputes": disputes,
        "sources": digest.hexdigest()[:16],
    }


def ensure_dataset(
    folder: Path = DEFAULT_DIR,
    *,
    visits: int = 100_000,
    disputes: int = 100_000,
    fresh: bool = False,
    log: Any = print,
) -> Dataset:
    """The data set in ``folder``, generated when missing, stale or ``fresh`` is asked for."""
    use_file_keystore()
    from app.db import open_database
    from app.services.stations import init_station
    from app.sync.keys import ensure_station_keys

    from .ledger_fill import fill

    folder.mkdir(parents=True, exist_ok=True)
    meta_path = folder / "dataset.json"
    want = _description(visits, disputes)
    if not fresh and meta_path.exists():
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if {k: meta.get(k) for k in want} == want:
            return Dataset(
                folder,
                folder / "village.sqlite3",
                folder / "township.sqlite3",
                meta["agreement_case"],
                visits,
                disputes,
            )
    for child in folder.iterdir():
        if child.is_dir():
            shutil.rmtree(child)
        else:
            child.unlink()
    village_in, township_in = _stations()
    t0 = time.perf_counter()
    village = open_database(folder / "village.sqlite3")
    township = open_database(folder / "township.sqlite3")
    try:
        init_station(village, village_in)
        init_station(township, township_in)
        ensure_station_keys(village)
        ensure_station_keys(township)
        _pair(village, township, folder)
        log(f"generating {visits:,} visits + {disputes:,} disputes (about 80 s for 100k + 100k)…")
        fill(village, visits=visits, disputes=disputes, today=datetime.now(UTC).date())
        case = _mediated_case(village)
        with village.engine.begin() as conn:
            conn.exec_driver_sql("ANALYZE")
    finally:
        village.close()
        township.close()
    meta = {**want, "agreement_case": case, "generated_in_s": round(time.perf_counter() - t0)}
    meta_path.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    log(f"data set ready in {meta['generated_in_s']} s: {folder}")
    return Dataset(
        folder, folder / "village.sqlite3", folder / "township.sqlite3", case, visits, disputes
    )


@contextmanager
def ledger_copy(src: Path, dest_dir: Path) -> Iterator[Path]:
    """A throw-away copy of a (closed) ledger with its keystore."""
    from app.sync.keystore import keystore_path

    dest = dest_dir / src.name
    shutil.copyfile(src, dest)
    if keystore_path(src).exists():
        shutil.copyfile(keystore_path(src), keystore_path(dest))
    try:
        yield dest
    finally:
        for p in dest_dir.glob(src.name + "*"):
            p.unlink()


# --- "changed records" for the sync measurements ------------------------------------------

CHANGE_SET = (  # (table, rows): 2,000 visits and 800 disputes with their people = 10,000 rows
    ("visit", 2000),
    ("dispute", 800),
)


def stamp_changes(village: Path, township_code: str) -> tuple[int, dict[str, list[str]]]:
    """Make exactly 10,000 records "changed since the township's last acknowledgement".

    The township is marked as having acknowledged everything so far; then 2,000 visits and 800
    disputes, with their party links and people (10,000 rows), get fresh change numbers from the
    station's counter, as edits made through the services would. Returns the change number the
    township acknowledged and the ids per table.
    """
    import sqlite3

    con = sqlite3.connect(village, isolation_level=None)
    try:
        con.execute("PRAGMA foreign_keys = ON")
        con.execute("BEGIN IMMEDIATE")
        counter = int(con.execute("SELECT rev_counter FROM local_state WHERE id = 1").fetchone()[0])
        con.execute(
            "UPDATE sync_peer SET acked_rev = ? WHERE station_code = ?", (counter, township_code)
        )
        ids: dict[str, list[str]] = {}
        n_visits, n_disputes = (n for _, n in CHANGE_SET)
        total_visits = int(con.execute("SELECT count(*) FROM visit").fetchone()[0])
        total_disputes = int(con.execute("SELECT count(*) FROM dispute").fetchone()[0])
        step_v = max(1, total_visits // n_visits)
        step_d = max(1, total_disputes // n_disputes)
        ids["visit"] = [
            r[0]
            for r in con.execute(
                "SELECT id FROM visit WHERE rowid % ? = 0 ORDER BY rowid LIMIT ?",
                (step_v, n_visits),
            )
        ]
        ids["dispute"] = [
            r[0]
            for r in con.execute(
                "SELECT id FROM dispute WHERE rowid % ? = 0 ORDER BY rowid LIMIT ?",
                (step_d, n_disputes),
            )
        ]
        con.execute("CREATE TEMP TABLE bench_v (id TEXT PRIMARY KEY)")
        con.execute("CREATE TEMP TABLE bench_d (id TEXT PRIMARY KEY)")
        con.executemany("INSERT INTO bench_v VALUES (?)", [(i,) for i in ids["visit"]])
        con.executemany("INSERT INTO bench_d VALUES (?)", [(i,) for i in ids["dispute"]])
        ids["visit_person"] = [
            r[0] for r in con.execute("SELECT id FROM visit_person WHERE visit_id IN bench_v")
        ]
        ids["dispute_party"] = [
            r[0] for r in con.execute("SELECT id FROM dispute_party WHERE dispute_id IN bench_d")
        ]
        ids["person"] = [
            r[0]
            for r in con.execute(
                "SELECT person_id FROM visit_person WHERE visit_id IN bench_v "
                "UNION SELECT person_id FROM dispute_party WHERE dispute_id IN bench_d"
            )
        ]
        from app.models.base import format_utc

        now = format_utc(datetime.now(UTC))
        rev = counter
        for table in ("person", "visit", "visit_person", "dispute", "dispute_party"):
            params = []
            for rid in ids[table]:
                rev += 1
                params.append((rev, now, rid))
            con.executemany(f"UPDATE {table} SET rev = ?, updated_at = ? WHERE id = ?", params)
        con.execute("UPDATE local_state SET rev_counter = ? WHERE id = 1", (rev,))
        con.execute("COMMIT")
        return counter, ids
    finally:
        con.close()


def mark_received(township: Path, origin: str, rev: int) -> None:
    """Record in the township's ledger that it holds ``origin``'s changes up to ``rev`` (what
    its acknowledgement said), so the next bundle continues without a gap."""
    import sqlite3

    from app.models.base import format_utc

    con = sqlite3.connect(township, isolation_level=None)
    try:
        con.execute(
            "INSERT INTO sync_hwm (origin, rev, peer_code, updated_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (origin) DO UPDATE SET rev = excluded.rev",
            (origin, rev, origin, format_utc(datetime.now(UTC))),
        )
    finally:
        con.close()


def main() -> None:
    ap = argparse.ArgumentParser(description="generate the benchmark data set")
    ap.add_argument("--data", type=Path, default=DEFAULT_DIR)
    ap.add_argument("--visits", type=int, default=100_000)
    ap.add_argument("--disputes", type=int, default=100_000)
    ap.add_argument("--fresh", action="store_true")
    args = ap.parse_args()
    ds = ensure_dataset(args.data, visits=args.visits, disputes=args.disputes, fresh=args.fresh)
    print(ds.describe)


if __name__ == "__main__":
    main()
