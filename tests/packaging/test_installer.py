"""build_installer.py without PyInstaller: versions, templates, the Linux tarball and its
install.sh (run for real in a throw-away home), and the Windows NSIS script compiled by makensis.
The real frozen build and its --self-test run as their own step in scripts/test.sh."""

from __future__ import annotations

import configparser
import os
import re
import shutil
import subprocess
import tarfile
import tomllib
from pathlib import Path

import pytest

import build_installer as bi
from app import __version__
from app.db import declared_head, head_revision

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def out_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(bi, "DIST", tmp_path / "dist")
    monkeypatch.setattr(bi, "BUILD", tmp_path / "build")
    (tmp_path / "dist").mkdir()
    return tmp_path


def fake_program(folder: Path) -> Path:
    """A stand-in for the frozen program: answers --self-test like the real one."""
    folder.mkdir(parents=True)
    (folder / "_internal").mkdir()
    (folder / "_internal" / "lib.so").write_bytes(b"\0" * 64)
    exe = folder / "zongzhi"
    exe.write_text('#!/bin/sh\n[ "$1" = "--self-test" ] && echo "自检通过：8 项全部正常"\n')
    exe.chmod(0o755)
    return folder


def test_version_comes_from_pyproject_and_matches_the_program() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert bi.project_version() == project["version"] == __version__


def test_version_mismatch_stops_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "pyproject.toml").write_text('[project]\nversion = "9.9.9"\n', encoding="utf-8")
    (tmp_path / "app" / "__init__.py").write_text('__version__ = "0.1.0"\n', encoding="utf-8")
    monkeypatch.setattr(bi, "ROOT", tmp_path)
    with pytest.raises(bi.BuildError, match=re.escape("版本号不一致：pyproject.toml 为 9.9.9")):
        bi.project_version()


def test_a_template_placeholder_left_empty_stops_the_build(tmp_path: Path) -> None:
    template = tmp_path / "x.in"
    template.write_text("Name=@NAME@ @VERSION@\nfoo@example.org\n", encoding="utf-8")
    assert bi._fill(template, {"NAME": "综治", "VERSION": "1"}) == "Name=综治 1\nfoo@example.org\n"
    with pytest.raises(bi.BuildError, match="未填写的占位符：@VERSION@"):
        bi._fill(template, {"NAME": "综治"})


def test_the_spec_is_valid_python_and_ships_what_the_frozen_program_reads() -> None:
    source = (ROOT / "packaging" / "zongzhi.spec").read_text(encoding="utf-8")
    compile(source, "zongzhi.spec", "exec")
    for needed in ('"resources"', '"app/migrations/versions"', "keyrings.alt", "copy_metadata"):
        assert needed in source


def test_declared_head_matches_alembic() -> None:
    # open_database skips Alembic when the ledger is at the head read from the revision files
    assert declared_head() == head_revision()


def test_linux_tarball_installs_and_uninstalls_for_a_user(out_dirs: Path) -> None:
    version = bi.project_version()
    folder = fake_program(out_dirs / "dist" / f"zongzhi-{version}")
    tarball = bi.package_linux(folder, version)
    assert tarball.name.startswith(f"zongzhi-{version}-linux-") and tarball.name.endswith(".tar.gz")
    unpacked = out_dirs / "unpacked"
    with tarfile.open(tarball) as tar:
        names = tar.getnames()
        tar.extractall(unpacked, filter="data")
    top = names[0].split("/")[0]
    for member in ("install.sh", "zongzhi.desktop.in", "zongzhi.png", "安装说明.txt"):
        assert f"{top}/{member}" in names
    assert f"{top}/zongzhi-{version}/zongzhi" in names
    home = out_dirs / "home"
    home.mkdir()
    env = {"PATH": os.environ["PATH"], "HOME": str(home), "LANG": "C.UTF-8"}
    install = unpacked / top / "install.sh"
    done = subprocess.run(
        [str(install), "--user"], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "安装完成" in done.stdout and "自检通过" in done.stdout
    prefix = home / ".local" / "opt" / "zongzhi" / "app"
    assert (prefix / "zongzhi").is_file()
    link = home / ".local" / "bin" / "zongzhi"
    assert link.is_symlink() and link.resolve() == (prefix / "zongzhi").resolve()
    desktop = home / ".local" / "share" / "applications" / "zongzhi.desktop"
    entry = configparser.ConfigParser(interpolation=None, strict=True)
    entry.optionxform = str  # type: ignore[assignment,method-assign]
    entry.read(desktop, encoding="utf-8")
    d = entry["Desktop Entry"]
    assert d["Name"] == "综治工作站" and d["Type"] == "Application" and d["Terminal"] == "false"
    assert d["Exec"] == f'"{prefix / "zongzhi"}"' and d["TryExec"] == str(prefix / "zongzhi")
    assert d["Icon"] == "zongzhi" and d["X-Zongzhi-Version"] == version
    assert (home / ".local/share/icons/hicolor/256x256/apps/zongzhi.png").is_file()
    again = subprocess.run(
        [str(install), "--user", "--uninstall"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert again.returncode == 0 and "已卸载" in again.stdout
    assert not desktop.exists() and not link.exists() and not prefix.exists()


def test_unknown_install_option_is_refused(out_dirs: Path) -> None:
    version = bi.project_version()
    tarball = bi.package_linux(fake_program(out_dirs / "dist" / f"zongzhi-{version}"), version)
    with tarfile.open(tarball) as tar:
        tar.extractall(out_dirs / "u", filter="data")
    install = next((out_dirs / "u").glob("*/install.sh"))
    done = subprocess.run([str(install), "--system"], capture_output=True, text=True, check=False)
    assert done.returncode == 2 and "未知参数：--system" in done.stderr


def test_windows_scripts_fill_every_placeholder(out_dirs: Path) -> None:
    folder = out_dirs / "dist" / "zongzhi-0.1.0"
    iss = bi.windows_script("iss", folder, "0.1.0", r"C:\Inno\Languages\ChineseSimplified.isl")
    assert '#define AppVersion "0.1.0"' in iss and "VersionInfoVersion=0.1.0.0" in iss
    assert f'#define SourceDir "{folder}"' in iss and "zongzhi-0.1.0-setup" in iss
    assert 'MessagesFile: "C:\\Inno\\Languages\\ChineseSimplified.isl"' in iss
    nsi = bi.windows_script("nsi", folder, "0.1.0")
    assert 'VIProductVersion "0.1.0.0"' in nsi and f'File /r "{folder}' in nsi
    assert not re.search(r"@[A-Z0-9]+@", iss + nsi)


@pytest.mark.skipif(shutil.which("makensis") is None, reason="NSIS (makensis) not installed")
def test_nsis_script_compiles_into_an_installer(out_dirs: Path) -> None:
    folder = out_dirs / "dist" / "zongzhi-0.1.0"
    (folder / "_internal").mkdir(parents=True)
    for name in ("zongzhi.exe", "zongzhi-cli.exe", "_internal/python311.dll"):
        (folder / name).write_bytes(b"MZ" + b"\0" * 256)
    script = out_dirs / "zongzhi.nsi"
    script.write_text(bi.windows_script("nsi", folder, "0.1.0"), encoding="utf-8-sig")
    done = subprocess.run(
        ["makensis", "-V2", str(script)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    setup = out_dirs / "dist" / "zongzhi-0.1.0-setup.exe"
    assert setup.is_file() and setup.read_bytes()[:2] == b"MZ"
