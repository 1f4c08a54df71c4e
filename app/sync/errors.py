"""Errors raised by the sync engine. Every message is one Chinese line a clerk can act on."""

from __future__ import annotations

from app.rules.errors import AppError


class SyncError(AppError):
    """Base class of sync errors."""


class BundleRejected(SyncError):
    """A bundle or acknowledgement was refused before anything was written to the ledger.

    ``reason`` is a stable machine code (tests, logs, the JSON output); the message says what is
    wrong and what to do.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


class KeystoreError(SyncError):
    """The keystore holding this station's private keys cannot be used."""


class KeysUnavailable(SyncError):
    """This station has no usable keys (not created yet, or lost with a move to a new PC)."""


class PairingError(SyncError):
    """A station card cannot be accepted."""
