"""Printed forms (DESIGN §8): reportlab code, one module per form in ``forms/``, sharing the
layout helpers in :mod:`app.print.layout` and the fonts of :mod:`app.print.fonts`.

    from app.print import render, forms_for, FORMS, render_table
    pdf = render("agreement", ctx, "110105001001-2026-J-00012")
"""

from .registry import FORMS, forms_for, get_form, render
from .spec import KIND_LABELS, FormSpec
from .table import TableColumn, parse_period, render_table

__all__ = [
    "FORMS",
    "KIND_LABELS",
    "FormSpec",
    "TableColumn",
    "forms_for",
    "get_form",
    "parse_period",
    "render",
    "render_table",
]
