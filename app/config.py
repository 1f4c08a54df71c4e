"""Paths and process-wide settings. Station settings that travel with the ledger live in the
database (``setting`` table) and are read through :mod:`app.services.settings`."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_data_dir

APP_NAME = "zongzhi"
APP_TITLE = "综治工作站"


def data_dir() -> Path:
    override = os.environ.get("ZONGZHI_DATA_DIR")
    path = Path(override) if override else Path(user_data_dir(APP_NAME, appauthor=False))
    return path


def default_db_path() -> Path:
    env = os.environ.get("ZONGZHI_DB")
    if env:
        return Path(env)
    return data_dir() / "ledger.sqlite3"


def backup_dir_for(db_path: Path) -> Path:
    """Backups live beside the database in ``backups/`` (a second location is configurable)."""
    return db_path.resolve().parent / "backups"


def log_dir_for(db_path: Path) -> Path:
    return db_path.resolve().parent / "logs"


def resources_dir() -> Path:
    """``resources/`` in a source checkout, or inside a frozen (PyInstaller) bundle."""
    frozen_base = getattr(sys, "_MEIPASS", None)
    if frozen_base:
        return Path(frozen_base) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def migrations_dir() -> Path:
    return Path(__file__).resolve().parent / "migrations"
