"""Small result types shared by services."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass
class Saved(Generic[T]):
    """A saved record and the non-blocking warnings the clerk should see."""

    record: T
    warnings: list[str] = field(default_factory=list)
