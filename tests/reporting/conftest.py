"""Township reporting runs on real paired stations and real bundles (the sync fixtures)."""

from tests.sync.conftest import keychain, pair, township, village, village2  # noqa: F401
