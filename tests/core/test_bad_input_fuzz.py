"""Bad-input suite: whatever a clerk types, a service either saves or refuses with a Chinese
message naming a field — and a refusal writes nothing."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.rules.errors import ValidationError
from app.services.disputes import DisputeInput, PartyInput, register_dispute
from app.services.persons import PersonInput
from app.services.visits import VisitInput, register_visit
from tests.ledger_helpers import ledger_snapshot

junk = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "",
            " ",
            "2026-02-30",
            "2026年13月1日",
            "１３８００１３８０００",
            "11010519491231002x",
            "110105194912310021",
            "1.10105E+17",
            "NaN",
            "-1",
            "0",
            "9" * 40,
            "来访",
            "村务管理",
            "邻里",
            "'; DROP TABLE visit;--",
            "\x00",
        ]
    ),
)
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(
    channel=junk,
    when=junk,
    headcount=junk,
    category=junk,
    request=junk,
    name=junk,
    idn=junk,
    phone=junk,
)
def test_visit_registration_never_half_writes(
    ctx, village_db, channel, when, headcount, category, request, name, idn, phone
) -> None:
    data = VisitInput(
        channel=channel,
        received_at=when,
        headcount=headcount,
        category=category,
        request=request,
        petitioners=[PersonInput(name=name, id_number=idn, phone=phone, address="柳树村")],
    )
    before = ledger_snapshot(village_db)
    try:
        register_visit(ctx, data)
    except ValidationError as err:
        assert err.problems and all(p.label and p.problem for p in err.problems)
        assert str(err).startswith("「")
        assert ledger_snapshot(village_db) == before


@FUZZ
@given(category=junk, source=junk, day=junk, amount=junk, summary=junk, a=junk, b=junk, idn=junk)
def test_dispute_registration_never_half_writes(
    ctx, village_db, category, source, day, amount, summary, a, b, idn
) -> None:
    data = DisputeInput(
        category=category,
        source=source,
        registered_on=day,
        amount=amount,
        summary=summary,
        parties=[PartyInput(PersonInput(name=a, id_number=idn)), PartyInput(PersonInput(name=b))],
    )
    before = ledger_snapshot(village_db)
    try:
        register_dispute(ctx, data)
    except ValidationError as err:
        assert str(err).startswith("「")
        assert ledger_snapshot(village_db) == before
