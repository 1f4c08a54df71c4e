"""Errors that carry a message a station clerk can act on (in Chinese).

Every error raised by rules and services derives from :class:`AppError`; its ``str()`` is a
single Chinese line that the CLI prints on stderr and the GUI shows in a dialog or beside the
field. :class:`ValidationError` names the field and the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass


class AppError(Exception):
    """Base class of all expected, user-facing errors."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class FieldProblem:
    """One invalid field: ``field`` is the machine name, ``label`` the Chinese field name."""

    field: str
    label: str
    problem: str
    fix: str = ""

    def text(self) -> str:
        msg = f"「{self.label}」{self.problem}"
        if self.fix:
            msg += f"，{self.fix}"
        return msg


class ValidationError(AppError):
    """One or more fields are invalid; nothing was written."""

    def __init__(self, problems: FieldProblem | Iterable[FieldProblem]) -> None:
        if isinstance(problems, FieldProblem):
            problems = [problems]
        self.problems: list[FieldProblem] = list(problems)
        if not self.problems:
            raise ValueError("ValidationError needs at least one problem")
        super().__init__("；".join(p.text() for p in self.problems))

    @classmethod
    def single(cls, field: str, label: str, problem: str, fix: str = "") -> ValidationError:
        return cls(FieldProblem(field, label, problem, fix))

    def __iter__(self) -> Iterator[FieldProblem]:
        return iter(self.problems)

    def fields(self) -> list[str]:
        return [p.field for p in self.problems]


class WorkflowError(AppError):
    """An action that the record's current status does not allow."""


class NotFoundError(AppError):
    """A record that was asked for does not exist."""


class PermissionDenied(AppError):
    """The operator's role does not allow the action."""


class ConflictError(AppError):
    """The record changed or is owned elsewhere (single-writer rule)."""


class Problems:
    """Collects field problems so a form reports all of them at once."""

    def __init__(self) -> None:
        self._items: list[FieldProblem] = []

    def add(self, field: str, label: str, problem: str, fix: str = "") -> None:
        self._items.append(FieldProblem(field, label, problem, fix))

    def extend(self, err: ValidationError, field_prefix: str = "", label_prefix: str = "") -> None:
        """Take over another error's problems, optionally under a prefix (``parties[1].``)."""
        for p in err.problems:
            fld = f"{field_prefix}.{p.field}" if field_prefix else p.field
            self._items.append(FieldProblem(fld, f"{label_prefix}{p.label}", p.problem, p.fix))

    def __bool__(self) -> bool:
        return bool(self._items)

    def raise_if_any(self) -> None:
        if self._items:
            raise ValidationError(self._items)
