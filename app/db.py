"""Opening a ledger: SQLite pragmas, integrity check, backup-then-migrate, session factory.

Every open goes through :func:`open_database`, which
1. refuses a database written by a newer version of the app,
2. checks ``PRAGMA integrity_check``,
3. copies the file (SQLite online backup API) before applying any migration,
4. runs Alembic ``upgrade head`` on one connection.

Alembic is imported only when a ledger is not at the head revision (or to answer
:func:`head_revision` / :func:`known_revisions`): importing it costs ~300 ms and ~35 MB, which
the GUI's start-up on an up-to-date ledger should not pay (DESIGN §9). The head is read from the
revision files' text instead; anything unusual there falls back to asking Alembic.
"""

from __future__ import annotations

import functools
import logging
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import URL, Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from app.config import backup_dir_for, migrations_dir
from app.locking import Hold, hold_open, hold_whole
from app.rules.errors import AppError

if TYPE_CHECKING:
    from alembic.config import Config

BUSY_TIMEOUT_MS = 10_000


class DatabaseError(AppError):
    """The ledger file cannot be opened safely."""


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(migrations_dir()))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


_REVISION = re.compile(r"""^revision(?:\s*:[^=]+)?\s*=\s*["']([\w.-]+)["']\s*$""", re.M)
_DOWN_REVISION = re.compile(
    r"""^down_revision(?:\s*:[^=]+)?\s*=\s*(?:None|["']([\w.-]+)["'])\s*$""", re.M
)


@functools.lru_cache(maxsize=1)
def declared_head() -> str | None:
    """The head revision as declared in the revision files, read without importing Alembic.

    None when the files are not plain one-parent revisions with a single head (a merge, a
    missing source file in a frozen build …): the caller then asks Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    try:
        files = sorted((migrations_dir() / "versions").glob("*.py"))
        for f in files:
            if f.name.startswith("__"):
                continue
            source = f.read_text(encoding="utf-8")
            rev, down = _REVISION.findall(source), _DOWN_REVISION.findall(source)
            if len(rev) != 1 or len(down) != 1 or rev[0] in revisions:
                return None
            revisions.add(rev[0])
            if down[0]:
                parents.add(down[0])
    except (OSError, UnicodeDecodeError):
        return None
    heads = revisions - parents
    if len(heads) != 1 or not parents <= revisions:
        return None
    return heads.pop()


def readonly_uri(path: Path) -> str:
    """A read-only SQLite URI for ``path``: percent-encoded, so a folder named ``100%25``,
    ``a#b``, ``问?`` or with spaces is still that file (``file:///C:/…`` on Windows)."""
    from urllib.request import pathname2url

    return f"file:{pathname2url(os.path.abspath(path))}?mode=ro"


def _set_sqlite_pragmas(dbapi_conn: Any, journal_mode: str = "WAL") -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin (so SAVEPOINTs
    # and "all or nothing" units of work behave as written).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
    cur.execute(f"PRAGMA journal_mode = {journal_mode}")
    cur.execute("PRAGMA foreign_keys = ON")
    cur.execute("PRAGMA synchronous = FULL")
    cur.close()


def journal_mode_for(path: Path) -> tuple[str, str]:
    """``WAL`` on a local disk; ``DELETE`` and a warning on a network share (WAL keeps its index
    in shared memory, which two machines do not share: a ledger opened from two PCs would be
    corrupted)."""
    from app.machine import NETWORK_WARNING, is_network_path

    try:
        network = is_network_path(path)
    except OSError:
        network = False
    if network:
        return "DELETE", NETWORK_WARNING.format(where=path.parent)
    return "WAL", ""


def make_engine(path: Path, journal_mode: str = "WAL") -> Engine:
    # hide_parameters: an error message (and so a log line) never quotes a record's values.
    # URL.create, not an f-string: a path with %25, #, ? or spaces is a file name, not URL syntax
    url = URL.create("sqlite", database=str(path))
    engine = create_engine(url, future=True, hide_parameters=True)
    event.listen(engine, "connect", lambda conn, _rec: _set_sqlite_pragmas(conn, journal_mode))
    event.listen(engine, "begin", _begin)
    return engine


def _begin(conn: Any) -> None:
    conn.exec_driver_sql("BEGIN")


def _stored_revision(path: Path) -> str | None:
    con = sqlite3.connect(readonly_uri(path), uri=True)
    try:
        con.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        has = con.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='alembic_version'"
        ).fetchone()
        if not has:
            tables = con.execute(
                "SELECT count(*) FROM sqlite_master WHERE type='table'"
            ).fetchone()[0]
            if tables:
                raise DatabaseError(
                    f"文件 {path.name} 不是综治工作站的数据库，请选择正确的台账文件"
                )
            return None
        row = con.execute("SELECT version_num FROM alembic_version").fetchone()
        return str(row[0]) if row else None
    except sqlite3.DatabaseError as exc:
        raise DatabaseError(
            f"无法读取数据库文件 {path.name}（{exc}），文件可能已损坏，请从备份恢复"
        ) from exc
    finally:
        con.close()


def integrity_check(path: Path) -> list[str]:
    """Run ``PRAGMA integrity_check``; return the problems (empty when the file is sound)."""
    con = sqlite3.connect(readonly_uri(path), uri=True)
    try:
        rows = [str(r[0]) for r in con.execute("PRAGMA integrity_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        return [str(exc)]
    finally:
        con.close()
    return [] if rows == ["ok"] else rows


def backup_file(src: Path, dest: Path) -> Path:
    """Consistent copy through SQLite's online backup API (safe while the app is running)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_suffix(dest.suffix + ".part")
    source = sqlite3.connect(readonly_uri(src), uri=True)
    try:
        target = sqlite3.connect(tmp)
        try:
            source.backup(target)
            # a backup is one self-contained file: no -wal/-shm beside it
            target.execute("PRAGMA journal_mode = DELETE")
        finally:
            target.close()
    finally:
        source.close()
    tmp.replace(dest)
    return dest


class Database:
    """An open ledger: its engine and a session factory.

    ``path`` is the SQLite file; for a server database (a PostgreSQL hub, :func:`open_database_url`)
    it is a stand-in path in the data directory that anchors what lives beside a ledger: the
    passphrase keystore, logs, the hub's working files. ``url`` is set for server databases.
    """

    def __init__(
        self, path: Path, engine: Engine, url: str | None = None, hold: Hold | None = None
    ) -> None:
        self.path = path
        self.engine = engine
        self.url = url
        self._hold = hold  # the shared ledger lock (app/locking.py) while the ledger is open
        self.notices: list[str] = []  # for the person: e.g. a ledger on a network share
        self._factory = sessionmaker(bind=engine, expire_on_commit=False)

    @property
    def dialect(self) -> str:
        """``sqlite`` or ``postgresql``."""
        return str(self.engine.dialect.name)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    def session(self, **info: Any) -> Session:
        s = self._factory()
        s.info.update(info)
        return s

    @contextmanager
    def transaction(self, **info: Any) -> Iterator[Session]:
        """A session whose work commits on success and rolls back entirely on error."""
        s = self.session(**info)
        try:
            with s.begin():
                yield s
        finally:
            s.close()

    def close(self) -> None:
        self.engine.dispose()
        if self._hold is not None:
            self._hold.release()


def open_database(
    path: Path | str, *, create: bool = True, check_integrity: bool = True
) -> Database:
    """Open (and if needed create or migrate) the ledger at ``path``."""
    path = Path(path)
    exists = path.exists() and path.stat().st_size > 0
    if not exists and not create:
        raise DatabaseError(f"找不到数据库文件 {path}，请先执行 zongzhi init 或检查 --db 路径")
    if not exists:
        path.parent.mkdir(parents=True, exist_ok=True)
    hold = hold_open(path)  # released by Database.close()
    try:
        return _open_held(path, exists, check_integrity, hold)
    except BaseException:
        hold.release()
        raise


def _open_held(path: Path, exists: bool, check_integrity: bool, hold: Hold) -> Database:
    mode, warning = journal_mode_for(path)
    if warning:
        logging.getLogger(__name__).warning("%s", warning)

    def opened(engine: Engine) -> Database:
        db = Database(path, engine, hold=hold)
        db.notices = [warning] if warning else []
        return db

    needs_schema = True  # a new ledger gets its tables
    if exists:
        if check_integrity:
            problems = integrity_check(path)
            if problems:
                raise DatabaseError(
                    f"数据库文件 {path.name} 完整性检查未通过（{problems[0]}），"
                    "请勿继续录入，从备份恢复（zongzhi restore）"
                )
        stored = _stored_revision(path)
        up_to_date = stored is not None and stored == declared_head()
        if up_to_date:
            needs_schema = False  # the common case: no migration, no need to load Alembic
        elif stored is not None and stored not in known_revisions():
            raise DatabaseError(
                f"数据库 {path.name} 由更新版本的综治工作站创建（结构版本 {stored}），"
                "请先升级本程序再打开，以免损坏台账"
            )
        elif stored != head_revision():
            # a migration changes the tables under anyone reading them: only with the ledger
            # to ourselves (refused, nothing changed, while another process has it open)
            with hold_whole(path, "升级台账数据结构"):
                stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
                backup_file(
                    path,
                    backup_dir_for(path) / f"{path.stem}-before-migration-{stored}-{stamp}.sqlite3",
                )
                engine = make_engine(path, mode)
                try:
                    migrate(engine)
                except BaseException:
                    engine.dispose()
                    raise
                return opened(engine)
        else:
            needs_schema = False  # at the head (the revision files were not readable as text)
    engine = make_engine(path, mode)
    if needs_schema:
        with hold_whole(path, "创建台账"):
            try:
                migrate(engine)
            except BaseException:
                engine.dispose()
                raise
    return opened(engine)


# --- server databases (the township / county hub on PostgreSQL) ------------------------------

_URL_SCHEMES = ("postgresql+psycopg://", "postgresql://", "postgres://")
_SQLITE_URL = re.compile(r"^sqlite(?:\+pysqlite)?:///(.+)$")


def display_url(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return "（数据库地址）"


def normalize_url(url: str) -> str:
    """``postgresql://`` and ``postgres://`` mean the psycopg 3 driver; anything else is refused."""
    text = url.strip()
    if text.startswith("postgres://"):
        text = "postgresql+psycopg://" + text[len("postgres://") :]
    elif text.startswith("postgresql://"):
        text = "postgresql+psycopg://" + text[len("postgresql://") :]
    if not text.startswith(_URL_SCHEMES) and not _SQLITE_URL.match(text):
        raise DatabaseError(
            "数据库地址格式不正确：应为 postgresql+psycopg://用户:口令@主机:端口/库名，"
            "或 sqlite:///文件路径"
        )
    return text


def state_path_for(url: str) -> Path:
    """Where a server database's local companions live (keystore, logs, hub working files)."""
    from sqlalchemy.engine import make_url

    from app.config import data_dir

    u = make_url(url)
    name = "-".join(
        re.sub(r"[^0-9A-Za-z_.]+", "_", str(part))
        for part in (u.get_backend_name(), u.host or "local", u.port or "", u.database or "")
        if part != ""
    )
    return data_dir() / "hubs" / name


def make_server_engine(url: str, *, pool_size: int = 8) -> Engine:
    """A pooled engine for a server database: connections are checked before use (a hub
    outlives database restarts) and every transaction runs at READ COMMITTED."""
    return create_engine(
        url,
        future=True,
        hide_parameters=True,  # errors and logs never quote a record's values
        pool_pre_ping=True,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_recycle=1800,
        connect_args={"connect_timeout": 10, "application_name": "zongzhi"},
    )


def open_database_url(
    url: str, *, create: bool = True, pool_size: int = 8, state_path: Path | None = None
) -> Database:
    """Open (and if needed create the schema of, or migrate) the ledger at a database URL.

    ``sqlite:///PATH`` is the same as :func:`open_database`. A PostgreSQL database (the hub of a
    county that outgrew one machine) gets the same models and migrations; SQLite-only pieces are
    skipped: the full-text tables (search falls back to substring tests), ``integrity_check`` and
    file backups (use the server's own tools, e.g. pg_dump). The database itself must exist.
    """
    url = normalize_url(url)
    m = _SQLITE_URL.match(url)
    if m:
        return open_database(Path(m.group(1)), create=create)
    from sqlalchemy.exc import OperationalError, SQLAlchemyError

    try:
        engine = make_server_engine(url, pool_size=pool_size)
    except ImportError as exc:
        raise DatabaseError(
            "本程序未安装 PostgreSQL 驱动：请安装 postgres 附加组件"
            "（pip install 'zongzhi-station[postgres]'）后重试"
        ) from exc
    shown = display_url(url)
    try:
        with engine.connect() as conn:
            from alembic.runtime.migration import MigrationContext

            stored = MigrationContext.configure(conn).get_current_revision()
            has_tables = bool(
                conn.exec_driver_sql(
                    "SELECT count(*) FROM information_schema.tables "
                    "WHERE table_schema = current_schema()"
                ).scalar()
            )
    except OperationalError as exc:
        engine.dispose()
        raise DatabaseError(
            f"无法连接数据库 {shown}：请检查地址、用户名口令和数据库服务是否已启动"
            f"（{type(exc.orig).__name__ if exc.orig is not None else type(exc).__name__}）"
        ) from exc
    except SQLAlchemyError as exc:
        engine.dispose()
        raise DatabaseError(f"无法读取数据库 {shown}（{type(exc).__name__}）") from exc
    if stored is None and has_tables:
        engine.dispose()
        raise DatabaseError(
            f"数据库 {shown} 中已有其他数据，不是综治工作站的数据库：请为综治工作站新建一个空库"
        )
    if stored is None and not create:
        engine.dispose()
        raise DatabaseError(f"数据库 {shown} 尚未初始化，请先执行 zongzhi --database-url … init")
    if stored is not None and stored not in known_revisions():
        engine.dispose()
        raise DatabaseError(
            f"数据库 {shown} 由更新版本的综治工作站创建（结构版本 {stored}），请先升级本程序"
        )
    if stored != declared_head():
        migrate(engine)
    anchor = state_path or state_path_for(url)
    anchor.parent.mkdir(parents=True, exist_ok=True)
    return Database(anchor, engine, url=url)


def migrate(engine: Engine) -> None:
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    cfg = alembic_config()
    with engine.begin() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        if current == head_revision():
            return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
