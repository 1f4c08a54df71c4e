"""A throwaway PostgreSQL cluster for the hub tests: initdb into a temp dir, start on a free
loopback port, stop and delete at the end.

PostgreSQL refuses to run as root: as root the cluster is created and run as the ``postgres``
system user (``runuser``), in a directory that user owns. The binaries are Debian's
(``/usr/lib/postgresql/<version>/bin``) or whatever ``pg_ctl`` is on PATH. Set
``ZONGZHI_TEST_PG_URL`` (a superuser URL) to use an existing server instead.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ENV_URL = "ZONGZHI_TEST_PG_URL"


def find_bin_dir() -> Path | None:
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True
    )
    for c in candidates:
        if (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    on_path = shutil.which("pg_ctl")
    if on_path and (Path(on_path).parent / "initdb").exists():
        return Path(on_path).parent
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    """A running server and a superuser URL to it (psycopg form, no driver prefix)."""

    url: str
    data_dir: Path | None = None
    bin_dir: Path | None = None
    run_as: str | None = None
    _created: list[str] = field(default_factory=list)
    _watchdog: subprocess.Popen[bytes] | None = None

    def sqlalchemy_url(self, database: str) -> str:
        base, _, _ = self.url.rpartition("/")
        return "postgresql+psycopg://" + base.split("://", 1)[1] + "/" + database

    def admin(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.url, autocommit=True)

    def create_database(self, name: str, template: str | None = None) -> str:
        with self.admin() as conn:
            tmpl = f" TEMPLATE {template}" if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{tmpl}')
        self._created.append(name)
        return self.sqlalchemy_url(name)

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        if self.data_dir is None or self.bin_dir is None:
            for name in self._created:  # an external server: leave it as it was
                with contextlib.suppress(psycopg.Error):
                    self.drop_database(name)
            return
        if self._watchdog is not None:
            self._watchdog.kill()
            self._watchdog.wait()
        _run(
            self,
            [str(self.bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-m", "immediate", "stop"],
        )
        shutil.rmtree(self.data_dir.parent, ignore_errors=True)


def _run(cluster: Cluster, cmd: list[str]) -> subprocess.CompletedProcess[str]:
    if cluster.run_as:
        cmd = ["runuser", "-u", cluster.run_as, "--", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)


_WATCHDOG = """
import os, shutil, subprocess, sys, time
parent, cmd, root = int(sys.argv[1]), sys.argv[2:-1], sys.argv[-1]
while True:
    time.sleep(1)
    try:
        os.kill(parent, 0)
    except OSError:
        break
subprocess.run(cmd, capture_output=True, timeout=60, check=False)
shutil.rmtree(root, ignore_errors=True)
"""


def _watchdog(cluster: Cluster) -> subprocess.Popen[bytes]:
    """Stops the cluster if this test process dies without its teardown (a crashed worker)."""
    assert cluster.data_dir is not None and cluster.bin_dir is not None
    cmd = [str(cluster.bin_dir / "pg_ctl"), "-D", str(cluster.data_dir), "-m", "immediate", "stop"]
    if cluster.run_as:
        cmd = ["runuser", "-u", cluster.run_as, "--", *cmd]
    return subprocess.Popen(
        [sys.executable, "-c", _WATCHDOG, str(os.getpid()), *cmd, str(cluster.data_dir.parent)],
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def start_cluster() -> Cluster:
    external = os.environ.get(ENV_URL)
    if external:
        return Cluster(url=external)
    bin_dir = find_bin_dir()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL binaries (initdb, pg_ctl) not found")
    run_as = None
    root = Path(tempfile.mkdtemp(prefix="zongzhi-pg-"))
    if os.geteuid() == 0:  # PostgreSQL refuses to run as root
        try:
            user = pwd.getpwnam("postgres")
        except KeyError:
            user = pwd.getpwnam("nobody")
        run_as = user.pw_name
        os.chown(root, user.pw_uid, user.pw_gid)
    data = root / "data"
    port = _free_port()
    cluster = Cluster(
        url=f"postgresql://zongzhi@127.0.0.1:{port}/postgres",
        data_dir=data,
        bin_dir=bin_dir,
        run_as=run_as,
    )
    init = _run(
        cluster,
        [
            str(bin_dir / "initdb"),
            "-D",
            str(data),
            "-U",
            "zongzhi",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        ],
    )
    if init.returncode != 0:
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr[-2000:]}")
    options = (
        f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off "
        "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200"
    )
    started = _run(
        cluster,
        [
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-l",
            str(root / "server.log"),
            "-o",
            options,
            "-w",
            "-t",
            "60",
            "start",
        ],
    )
    if started.returncode != 0:
        log = (
            (root / "server.log").read_text(errors="replace")
            if (root / "server.log").exists()
            else ""
        )
        shutil.rmtree(root, ignore_errors=True)
        raise RuntimeError(f"pg_ctl start failed: {started.stderr[-1000:]} {log[-2000:]}")
    cluster._watchdog = _watchdog(cluster)
    deadline = time.monotonic() + 30
    while True:
        try:
            with cluster.admin():
                break
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                cluster.stop()
                raise
            time.sleep(0.1)
    return cluster
