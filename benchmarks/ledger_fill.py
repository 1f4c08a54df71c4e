"""Fill a ledger with many synthetic records fast (Core bulk inserts, triggers active).

The services write one record at a time with every rule applied (see ``zongzhi demo``); measuring
lists and search at 100k records needs the rows without waiting for that. Rows look like real
ones (names, ID numbers, stories, statuses, deadlines) and pass through the FTS triggers exactly
as rows written by the sync importer do.

    .venv/bin/python -m benchmarks.ledger_fill ledger.sqlite3 --visits 100000 --disputes 100000
"""

from __future__ import annotations

import argparse
import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import insert

from app.db import Database, open_database
from app.models import Dispute, DisputeParty, Person, Visit, VisitPerson, new_id
from app.rules.idcard import check_char
from app.rules.pinyin import name_keys
from app.services.demo import DISPUTE_STORIES, GIVEN, GROUPS, SURNAMES, VISIT_STORIES
from app.services.stations import station_summary

VISIT_STATUSES = [
    ("registered", 3),
    ("reviewed", 2),
    ("accepted", 2),
    ("in_progress", 4),
    ("concluded", 3),
    ("followed_up", 3),
    ("archived", 10),
    ("not_accepted", 1),
]
DISPUTE_STATUSES = [
    ("registered", 2),
    ("triaged", 2),
    ("mediating", 4),
    ("succeeded", 3),
    ("failed", 1),
    ("followed_up", 3),
    ("archived", 10),
    ("transferred", 1),
]
OPEN = {"registered", "reviewed", "accepted", "in_progress", "triaged", "mediating", "succeeded"}


def _pick(rng: random.Random, weighted: list[tuple[str, int]]) -> str:
    return rng.choices([s for s, _ in weighted], [w for _, w in weighted])[0]


def _person_row(rng: random.Random, origin: str, region: str, village: str) -> dict[str, Any]:
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2, 2])))
    male = rng.random() < 0.55
    born = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 20000))
    seq = rng.randrange(0, 99) * 10 + rng.choice([1, 3, 5, 7, 9] if male else [0, 2, 4, 6, 8])
    body = f"{region}{born:%Y%m%d}{seq:03d}"
    full, initials = name_keys(name)
    return {
        "id": new_id(),
        "origin": origin,
        "rev": 0,
        "name": name,
        "gender": "男" if male else "女",
        "birth_date": born,
        "id_number": body + check_char(body) if rng.random() < 0.85 else None,
        "phone": f"13{rng.randrange(0, 10)}{rng.randrange(0, 10**8):08d}",
        "address": f"{village}{rng.choice(GROUPS)}{rng.randrange(1, 80)}号",
        "pinyin_full": full,
        "pinyin_initials": initials,
    }


def fill(
    db: Database,
    *,
    visits: int,
    disputes: int,
    seed: int = 7,
    today: date | None = None,
    origin: str | None = None,
    chunk: int = 5000,
) -> None:
    """Add ``visits`` visits and ``disputes`` disputes (each with its people) to ``db``."""
    rng = random.Random(seed)
    info = station_summary(db)
    origin = origin or info["code"]
    region = origin[:6]
    village = info["name"].removesuffix("综治中心")
    today = today or datetime.now(UTC).date()
    now = datetime.now(UTC)
    year_seq: dict[tuple[str, int], int] = {}

    def code(kind: str, day: date) -> str:
        n = year_seq.get((kind, day.year), 0) + 1
        year_seq[(kind, day.year)] = n
        return f"{origin}-{day.year}-{kind}-{n + 500000:06d}"

    with db.engine.begin() as conn:
        for start in range(0, visits, chunk):
            persons, rows, links = [], [], []
            for _ in range(min(chunk, visits - start)):
                p = _person_row(rng, origin, region, village)
                persons.append(p)
                category, subject, request, facts = rng.choice(VISIT_STORIES)
                day = today - timedelta(days=rng.randrange(0, 1500))
                status = _pick(rng, VISIT_STATUSES)
                vid = new_id()
                rows.append(
                    {
                        "id": vid,
                        "origin": origin,
                        "rev": 0,
                        "created_at": now,
                        "updated_at": now,
                        "case_code": code("X", day),
                        "channel": rng.choice(["visit", "phone", "letter", "online"]),
                        "received_at": datetime(day.year, day.month, day.day, 2, tzinfo=UTC),
                        "received_on": day,
                        "category": category,
                        "subject": subject,
                        "request": request,
                        "facts": facts,
                        "place": f"{village}{rng.choice(GROUPS)}",
                        "party_names": p["name"],
                        "status": status,
                        "due_on": day + timedelta(days=15 if status in OPEN else 0)
                        if status in OPEN
                        else None,
                        "is_urgent": rng.random() < 0.05,
                        "is_confidential": rng.random() < 0.01,
                    }
                )
                links.append(
                    {
                        "id": new_id(),
                        "origin": origin,
                        "rev": 0,
                        "visit_id": vid,
                        "person_id": p["id"],
                        "role": "petitioner",
                        "seq": 0,
                    }
                )
            conn.execute(insert(Person), persons)
            conn.execute(insert(Visit), rows)
            conn.execute(insert(VisitPerson), links)
        cats = list(DISPUTE_STORIES)
        for start in range(0, disputes, chunk):
            persons, rows, links = [], [], []
            for _ in range(min(chunk, disputes - start)):
                a = _person_row(rng, origin, region, village)
                b = _person_row(rng, origin, region, village)
                persons += [a, b]
                cat = rng.choice(cats)
                title, story, req = rng.choice(DISPUTE_STORIES[cat])
                day = today - timedelta(days=rng.randrange(0, 1500))
                status = _pick(rng, DISPUTE_STATUSES)
                did = new_id()
                n = year_seq.get(("M", day.year), 0) + 1
                year_seq[("M", day.year)] = n
                rows.append(
                    {
                        "id": did,
                        "origin": origin,
                        "rev": 0,
                        "created_at": now,
                        "updated_at": now,
                        "case_code": code("J", day),
                        "title": f"{a['name']}与{b['name']}{title}",
                        "source": "party_application",
                        "category": cat,
                        "summary": story.format(a=a["name"], b=b["name"]),
                        "requests": req.format(a=a["name"], b=b["name"]),
                        "registered_on": day,
                        "party_names": f"{a['name']}、{b['name']}",
                        "status": status,
                        "due_on": day + timedelta(days=30) if status in OPEN else None,
                        "mediation_year": day.year,
                        "mediation_seq": n + 500000,
                        "mediation_no": f"（{day.year}）测调字第{n + 500000}号",
                        "place": f"{village}{rng.choice(GROUPS)}",
                        "amount_fen": rng.choice([0, 300000, 1200000]),
                    }
                )
                for seq, (p, role) in enumerate(((a, "applicant"), (b, "respondent"))):
                    links.append(
                        {
                            "id": new_id(),
                            "origin": origin,
                            "rev": 0,
                            "dispute_id": did,
                            "person_id": p["id"],
                            "role": role,
                            "seq": seq,
                        }
                    )
            conn.execute(insert(Person), persons)
            conn.execute(insert(Dispute), rows)
            conn.execute(insert(DisputeParty), links)


def main() -> None:
    ap = argparse.ArgumentParser(description="bulk-fill a ledger with synthetic records")
    ap.add_argument("db")
    ap.add_argument("--visits", type=int, default=100_000)
    ap.add_argument("--disputes", type=int, default=100_000)
    args = ap.parse_args()
    db = open_database(args.db)
    fill(db, visits=args.visits, disputes=args.disputes)
    db.close()


if __name__ == "__main__":
    main()
