"""Shared fixtures: real SQLite ledgers in temp dirs (copied from a template), a fixed clock."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("ZONGZHI_KEYSTORE_PASSPHRASE", "test-passphrase")

from app.db import Database, open_database
from app.rules.dates import CHINA_TZ
from app.services.context import Ctx, open_ctx
from app.services.stations import StationInput, init_station


@pytest.fixture(autouse=True)
def _desk_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Window geometry and other per-PC settings go to a fresh folder for every test (never
    the home folder of whoever runs the suite)."""
    from PySide6.QtCore import QSettings

    folder = tmp_path_factory.mktemp("settings")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    yield


VILLAGE = StationInput(
    code="110105001001",
    name="柳树村综治中心",
    level="village",
    parent_code="110105001000",
    short_name="柳树",
    admin_username="admin",
    admin_password="admin123",
)
VILLAGE2 = StationInput(
    code="110105001002",
    name="杨庄村综治中心",
    level="village",
    parent_code="110105001000",
    short_name="杨庄",
    admin_username="admin",
    admin_password="admin123",
)
TOWNSHIP = StationInput(
    code="110105001000",
    name="东风镇综治中心",
    level="township",
    parent_code="110105000000",
    short_name="东风",
    admin_username="admin",
    admin_password="admin123",
)
COUNTY = StationInput(
    code="110105000000",
    name="朝阳区综治中心",
    level="county",
    short_name="朝阳",
    admin_username="admin",
    admin_password="admin123",
)


class FakeClock:
    """An injectable clock (UTC), starting on a fixed Beijing-time moment."""

    def __init__(self, start: datetime | None = None) -> None:
        self.at = start or datetime(2026, 3, 16, 9, 30, tzinfo=CHINA_TZ).astimezone(UTC)

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at += timedelta(**delta)


@pytest.fixture(autouse=True)
def _isolated_data_dir(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ZONGZHI_DATA_DIR", str(tmp_path_factory.mktemp("data")))


@pytest.fixture(autouse=True)
def _cli_login(monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands run by tests log in as the station's admin, the way a script does (README 登录);
    a test that tries another operator or none sets or clears these itself."""
    monkeypatch.setenv("ZONGZHI_OPERATOR", "admin")
    monkeypatch.setenv("ZONGZHI_PASSWORD", "admin123")


_TEMPLATES: dict[str, Path] = {}


def make_station_db(
    path: Path, station: StationInput, tmp_factory: pytest.TempPathFactory
) -> Database:
    """A freshly initialised ledger for ``station`` at ``path`` (copied from a cached template)."""
    template = _TEMPLATES.get(station.code)
    if template is None:
        template = tmp_factory.mktemp("template") / f"{station.code}.sqlite3"
        db = open_database(template)
        init_station(db, station)
        db.engine.dispose()
        _TEMPLATES[station.code] = template
    shutil.copyfile(template, path)
    return open_database(path)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def village_db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = make_station_db(tmp_path / "village.sqlite3", VILLAGE, tmp_path_factory)
    yield db
    db.close()


@pytest.fixture
def township_db(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    db = make_station_db(tmp_path / "township.sqlite3", TOWNSHIP, tmp_path_factory)
    yield db
    db.close()


@pytest.fixture
def ctx(village_db: Database, clock: FakeClock) -> Iterator[Ctx]:
    """A context on the village ledger acting as its station admin, on the fake clock."""
    c = open_ctx(village_db, "admin", clock=clock)
    yield c
    c.close()
