"""A tiny benchmark data set (400 visits + 400 disputes, made by the benchmark's own generator),
shared by the tests of this folder."""

from __future__ import annotations

import os
from collections.abc import Iterator

import keyring
import pytest

from app.sync.keystore import reset_keychain_choice
from benchmarks.dataset import Dataset, ensure_dataset


@pytest.fixture(scope="session")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Dataset]:
    previous = keyring.get_keyring()
    saved = os.environ.get("PYTHON_KEYRING_BACKEND")
    try:
        yield ensure_dataset(
            tmp_path_factory.mktemp("bench"), visits=400, disputes=400, log=lambda _m: None
        )
    finally:
        if saved is None:
            os.environ.pop("PYTHON_KEYRING_BACKEND", None)
        else:
            os.environ["PYTHON_KEYRING_BACKEND"] = saved
        keyring.set_keyring(previous)
        reset_keychain_choice()
