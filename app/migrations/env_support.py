"""What the schema comparison ignores: objects the models do not describe on purpose."""

from __future__ import annotations

from typing import Any

# FTS5 virtual tables (and their shadow tables) are created by hand-written revisions.
IGNORED_PREFIXES = ("fts_",)


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    if type_ == "table" and name and name.startswith(IGNORED_PREFIXES):
        return False
    table = getattr(obj, "table", None)
    table_name = getattr(table, "name", "") or ""
    return not table_name.startswith(IGNORED_PREFIXES)
