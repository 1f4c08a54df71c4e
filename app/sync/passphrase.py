"""Who answers when the file keystore needs its passphrase (see :mod:`app.sync.keystore`).

Kept apart from the keystore, with no imports of its own, so that the GUI can install its
dialog at start-up without loading keyring and cryptography before the login dialog shows.
"""

from __future__ import annotations

from collections.abc import Callable

# (prompt, creating) -> passphrase or None (cancelled)
PassphraseProvider = Callable[[str, bool], "str | None"]

_provider: PassphraseProvider | None = None


def set_passphrase_provider(provider: PassphraseProvider | None) -> None:
    """The GUI installs a dialog here; the CLI a terminal prompt. Environment wins."""
    global _provider
    _provider = provider


def passphrase_provider() -> PassphraseProvider | None:
    return _provider
