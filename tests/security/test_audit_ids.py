"""Every audit entry of a new row names that row (issue 19: each entry must say which record it
wrote, before `check` can hold a live row against its last entry).

Until this fix an insert entry of a visit, a dispute, a party or a case event had an empty record
id and ``"id": null`` in its values: the log said *that* a visit was registered but not *which*.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from app.models import AuditEntry, DisputeParty, VisitPerson
from app.services.context import Ctx
from app.services.disputes import register_dispute
from app.services.visits import register_visit
from tests.builders import dispute_input, visit_input


def _inserts(ctx: Ctx, table: str) -> list[AuditEntry]:
    return list(
        ctx.session.scalars(
            select(AuditEntry).where(AuditEntry.table_name == table, AuditEntry.action == "insert")
        )
    )


def test_insert_entries_name_their_record(ctx: Ctx) -> None:
    visit = register_visit(ctx, visit_input()).record
    dispute = register_dispute(ctx, dispute_input()).record
    for table, record in (("visit", visit), ("dispute", dispute)):
        (entry,) = _inserts(ctx, table)
        assert entry.record_id == record.id
        assert json.loads(entry.changes)["after"]["id"] == record.id
    children = [
        *ctx.session.scalars(select(VisitPerson).where(VisitPerson.visit_id == visit.id)),
        *ctx.session.scalars(select(DisputeParty).where(DisputeParty.dispute_id == dispute.id)),
    ]
    assert children
    named = {e.record_id for t in ("visit_person", "dispute_party") for e in _inserts(ctx, t)}
    assert {c.id for c in children} <= named
    unnamed = ctx.session.scalars(
        select(AuditEntry.table_name).where(
            AuditEntry.action == "insert", AuditEntry.record_id == ""
        )
    ).all()
    assert unnamed == []
