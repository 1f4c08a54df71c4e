"""The form registry: every printable form, what it prints, and :func:`render`."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from app.rules.errors import NotFoundError
from app.services.context import Ctx

from .spec import FormSpec

# menu order: a dispute's forms in the order the case produces them, then visits, then the rest
FORM_MODULES = (
    "application",
    "acceptance",
    "rights_notice",
    "investigation",
    "mediation_record",
    "agreement",
    "oral_agreement",
    "follow_up",
    "power_of_attorney",
    "judicial_confirmation",
    "closing_report",
    "dossier",
    "dossier_note",
    "back_cover",
    "transfer_slip",
    "receipt",
    "visit_register",
    "petition_accept",
    "petition_reject",
    "petition_inform",
    "petition_transfer",
    "transfer_notice",
    "petition_extension",
    "petition_opinion",
    "supervision_notice",
    "visit_ledger",
    "dispute_ledger",
    "month_report",
    "bulletin",
)


def _load() -> dict[str, FormSpec]:
    forms: dict[str, FormSpec] = {}
    for name in FORM_MODULES:
        spec = importlib.import_module(f"app.print.forms.{name}").SPEC
        assert isinstance(spec, FormSpec) and spec.key not in forms, name
        forms[spec.key] = spec
    return forms


FORMS: dict[str, FormSpec] = _load()


def get_form(form_key: str) -> FormSpec:
    """The form for ``form_key`` (``agreement``; CLI spellings like ``visit-ledger`` work)."""
    key = form_key.strip().replace("-", "_")
    spec = FORMS.get(key)
    if spec is None:
        by_title = {s.title: s for s in FORMS.values()}
        spec = by_title.get(form_key.strip())
    if spec is None:
        raise NotFoundError(f"没有名为“{form_key}”的文书，可用 zongzhi print --list 查看全部文书")
    return spec


def forms_for(kind: str, record: Any = None) -> list[FormSpec]:
    """The forms that print a record of ``kind`` ("visit", "dispute", "mediation_session",
    "supervision", "register", "month"); with ``record``, only those that apply to it now."""
    return [
        s for s in FORMS.values() if kind in s.kinds and (record is None or s.applies_to(record))
    ]


def render(
    form_key: str, ctx: Ctx, record_id: str, options: Mapping[str, Any] | None = None
) -> bytes:
    """The PDF of ``form_key`` for ``record_id`` (case code or record id; a period for ledgers,
    a month for 月通报). Reads only; raises :class:`AppError` with a Chinese message."""
    spec = get_form(form_key)
    return spec.build(ctx, record_id, dict(options or {}))
