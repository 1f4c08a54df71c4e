from tests.sync.conftest import keychain, township, village  # noqa: F401
