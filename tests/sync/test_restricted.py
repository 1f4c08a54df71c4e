"""Accusations never travel to the accused unit (信访条例): a restricted petition whose accused is
the township is withheld from every bundle to the township — with its petitioner and case log."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import CaseEvent, Person, Visit
from app.rules.errors import ValidationError
from app.services.persons import PersonInput
from app.services.visits import register_visit, update_visit
from app.sync.codec import table_specs
from app.sync.routing import row_refusal
from tests.core.conftest import visit_input

from .conftest import Node, peer


def _accusation(**over: object):
    fields: dict[str, object] = {
        "petition_type": "检举控告类",
        "accused_unit": "东风镇综治中心",
        "withhold_from": "110105001000",
        "petitioners": [PersonInput(name="举报人甲", phone="13700137000")],
    }
    fields.update(over)
    return visit_input(**fields)


def test_withheld_from_the_accused_station(paired: tuple[Node, Node]) -> None:
    village, township = paired
    secret = register_visit(village.ctx, _accusation()).record
    plain = register_visit(village.ctx, visit_input()).record
    result = township.import_(village.export().path)
    assert result.status == "imported"
    with township.db.session() as s:
        codes = set(s.scalars(select(Visit.case_code)))
        assert plain.case_code in codes and secret.case_code not in codes
        assert s.scalars(select(Person).where(Person.name == "举报人甲")).first() is None
        assert s.scalars(select(CaseEvent).where(CaseEvent.case_id == secret.id)).first() is None
    # the township's acknowledgement still advances the village: nothing is re-sent forever
    assert village.import_(township.ack_for(village).path).status == "imported"
    assert peer(village, township.code).acked_rev > 0


def test_lifting_the_withhold_sends_all_of_it(paired: tuple[Node, Node]) -> None:
    village, township = paired
    secret = register_visit(village.ctx, _accusation()).record
    township.import_(village.export().path)
    village.import_(township.ack_for(village).path)
    data = _accusation()
    data.withhold_from = ""
    update_visit(village.ctx, secret.id, data)
    result = township.import_(village.export().path)
    assert result.status == "imported", result.message
    with township.db.session() as s:
        v = s.scalars(select(Visit).where(Visit.case_code == secret.case_code)).one()
        assert [vp.person.name for vp in v.persons] == ["举报人甲"]
        events = s.scalars(select(CaseEvent.event).where(CaseEvent.case_id == v.id)).all()
        assert "registered" in events


def test_withhold_is_validated(village: Node) -> None:
    with pytest.raises(ValidationError, match="不是本站的上级"):
        register_visit(village.ctx, _accusation(withhold_from="110105002000"))
    data = visit_input(withhold_from="110105001000")
    with pytest.raises(ValidationError, match="只适用于检举控告类或保密"):
        register_visit(village.ctx, data)


def test_importer_refuses_a_petition_against_itself(paired: tuple[Node, Node]) -> None:
    village, township = paired
    sender = peer(township, village.code)
    why = row_refusal(
        table_specs()["visit"],
        {"origin": village.code, "withhold_from": township.code},
        sender,
        township.code,
    )
    assert "不得报送本单位" in why
