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


def test_both_installers_need_windows_10_1809() -> None:
    """Qt 6 runs on Windows 10 1809 (build 17763) and later: neither installer accepts less."""
    iss = (ROOT / "packaging" / "windows" / "zongzhi.iss.in").read_text(encoding="utf-8")
    nsi = (ROOT / "packaging" / "windows" / "zongzhi.nsi.in").read_text(encoding="utf-8")
    assert re.search(r"^MinVersion=10\.0\.17763$", iss, re.M)
    assert "${AtLeastBuild} 17763" in nsi and "${AtLeastWin10}" in nsi


def test_a_failed_self_test_stops_the_install(out_dirs: Path) -> None:
    folder = out_dirs / "dist" / "zongzhi-0.1.0"
    iss = bi.windows_script("iss", folder, "0.1.0", "x.isl")
    files = iss.split("[Files]", 1)[1].split("[", 1)[0]
    # everything but the CLI first, then the CLI with the self-test after it
    assert 'Excludes: "\\zongzhi-cli.exe"' in files
    assert files.strip().splitlines()[-1].endswith("AfterInstall: SelfTest")
    code = iss.split("[Code]", 1)[1]
    assert "'--self-test'" in code and "if ResultCode <> 0 then" in code
    assert "RaiseException(" in code  # a fatal error: Setup rolls back, exit code 4
    assert "--self-test" not in iss.split("[Run]", 1)[1].split("[Code]", 1)[0]
    nsi = bi.windows_script("nsi", folder, "0.1.0")
    install = nsi.split('Section "install"', 1)[1].split("SectionEnd", 1)[0]
    test_at = install.index("--self-test")
    assert "Pop $0" in install[test_at:] and "Abort" in install[test_at:]
    assert install.index("SetErrorLevel 2") < install.index("CreateShortcut")


def test_the_nsis_uninstaller_removes_only_what_it_installed(out_dirs: Path) -> None:
    folder = out_dirs / "dist" / "zongzhi-0.1.0"
    (folder / "_internal" / "PySide6" / "plugins").mkdir(parents=True)
    for name in ("zongzhi.exe", "zongzhi-cli.exe", "_internal/python311.dll",
                 "_internal/PySide6/plugins/q$win.dll", "_internal/PySide6/Qt6Core.dll"):  # fmt: skip
        (folder / name).write_bytes(b"MZ")
    nsi = bi.windows_script("nsi", folder, "0.1.0")
    assert 'RMDir /r "$INSTDIR"' not in nsi  # never the folder the user picked, wholesale
    removal = nsi.split("!macro RemoveProgramFiles", 1)[1].split("!macroend", 1)[0]
    assert removal.count("Delete ") == 5 + 1  # the program's files and the uninstaller
    assert 'Delete "$INSTDIR\\_internal\\PySide6\\plugins\\q$$win.dll"' in removal
    dirs = [line.strip() for line in removal.splitlines() if line.strip().startswith("RMDir")]
    assert dirs == [
        'RMDir "$INSTDIR\\_internal\\PySide6\\plugins"',
        'RMDir "$INSTDIR\\_internal\\PySide6"',
        'RMDir "$INSTDIR\\_internal"',
        'RMDir "$INSTDIR"',
    ]  # deepest first, none with /r: a folder with the user's files in it stays
    # the upgrade's clean-up of old modules only where this program was installed before
    install = nsi.split('Section "install"', 1)[1]
    guard = install.index('${If} ${FileExists} "$INSTDIR\\zongzhi.exe"')
    assert guard < install.index('RMDir /r "$INSTDIR\\_internal"')


# --- the NSIS installer for real, under Wine -------------------------------------------------

WINE = shutil.which("wine")
# a stand-in for zongzhi-cli.exe: a real Windows program whose --self-test fails (exit code 3)
# when the file "selftest-fails" lies beside it
SELFTEST_NSI = """Unicode true
Target amd64-unicode
OutFile "{out}"
SilentInstall silent
RequestExecutionLevel user
Section
  IfFileExists "$EXEDIR\\selftest-fails" 0 +2
    SetErrorLevel 3
SectionEnd
"""


def _wine(prefix: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "WINEPREFIX": str(prefix), "WINEDEBUG": "-all",
           "WINEDLLOVERRIDES": "mscoree,mshtml=", "LC_ALL": "C.UTF-8"}  # fmt: skip
    return subprocess.run(
        ["wine", *args], stdin=subprocess.DEVNULL, capture_output=True, text=True, env=env,
        timeout=300, check=False,
    )  # fmt: skip


def _windows_version(prefix: Path, version: str) -> None:
    """What Wine tells programs (win10: 10.0.18362, win7: 6.1.7601)."""
    done = _wine(prefix, "reg", "add", "HKCU\\Software\\Wine", "/v", "Version", "/d", version, "/f")
    assert done.returncode == 0, done.stderr


def _installer(out_dirs: Path, *, fails: bool) -> Path:
    folder = out_dirs / "dist" / "zongzhi-0.1.0"
    (folder / "_internal").mkdir(parents=True)
    (folder / "zongzhi.exe").write_bytes(b"MZ" + b"\0" * 64)
    (folder / "_internal" / "python311.dll").write_bytes(b"MZ" + b"\0" * 64)
    if fails:
        (folder / "selftest-fails").write_text("x", encoding="utf-8")
    stub = out_dirs / "selftest.nsi"
    stub.write_text(SELFTEST_NSI.format(out=folder / "zongzhi-cli.exe"), encoding="utf-8-sig")
    subprocess.run(["makensis", "-V1", str(stub)], check=True, capture_output=True)
    script = out_dirs / "zongzhi.nsi"
    script.write_text(bi.windows_script("nsi", folder, "0.1.0"), encoding="utf-8-sig")
    subprocess.run(["makensis", "-V1", str(script)], check=True, capture_output=True)
    return out_dirs / "dist" / "zongzhi-0.1.0-setup.exe"


def _drive_c(prefix: Path, windows_path: str) -> Path:
    return prefix / "drive_c" / windows_path.removeprefix("C:\\").replace("\\", "/")


def _wine_prefix() -> Path:
    prefix = ROOT / "build" / "wine" / "prefix-installer"
    if not (prefix / "drive_c" / "windows").is_dir():
        prefix.parent.mkdir(parents=True, exist_ok=True)
        assert _wine(prefix, "wineboot", "-i").returncode == 0
    _windows_version(prefix, "win10")
    return prefix


def _target(prefix: Path, windows_path: str) -> Path:
    where = _drive_c(prefix, windows_path)
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    (where / "我的笔记.txt").write_text("用户自己的文件", encoding="utf-8")
    return where


@pytest.mark.skipif(WINE is None or shutil.which("makensis") is None, reason="needs wine + NSIS")
def test_the_nsis_installer_under_wine(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """One test, one Wine prefix, in order (the Windows version is switched for a while)."""
    prefix = _wine_prefix()
    runs = {}
    for case in ("ok", "fails"):
        monkeypatch.setattr(bi, "DIST", tmp_path / case / "dist")
        monkeypatch.setattr(bi, "BUILD", tmp_path / case / "build")
        (tmp_path / case / "dist").mkdir(parents=True)
        runs[case] = _installer(tmp_path / case, fails=case == "fails")

    # 1. installed into a folder that holds the user's own file, then uninstalled as from
    #    Apps & Features (the uninstaller copies itself away, so it can delete uninstall.exe
    #    too; wineserver -w waits for that copy): only what it installed goes
    target = "C:\\综治测试\\我的文件夹"
    where = _target(prefix, target)
    done = _wine(prefix, str(runs["ok"]), "/S", f"/D={target}")
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in where.iterdir()) == sorted(
        ["_internal", "uninstall.exe", "zongzhi-cli.exe", "zongzhi.exe", "我的笔记.txt"]
    )
    done = _wine(prefix, str(where / "uninstall.exe"), "/S")
    assert done.returncode == 0, done.stdout + done.stderr
    subprocess.run(["wineserver", "-w"], env={**os.environ, "WINEPREFIX": str(prefix)},
                   timeout=120, check=False)  # fmt: skip
    assert [p.name for p in where.iterdir()] == ["我的笔记.txt"]
    assert (where / "我的笔记.txt").read_text(encoding="utf-8") == "用户自己的文件"

    # 2. a failed self-test: exit code 2, the program's files gone again, the user's file kept
    target = "C:\\综治测试\\失败"
    where = _target(prefix, target)
    done = _wine(prefix, str(runs["fails"]), "/S", f"/D={target}")
    assert done.returncode == 2, done.stdout + done.stderr
    assert [p.name for p in where.iterdir()] == ["我的笔记.txt"]

    # 3. Windows 7 (what Wine reports as win7: 6.1.7601): refused before anything is written
    _windows_version(prefix, "win7")
    try:
        done = _wine(prefix, str(runs["ok"]), "/S", "/D=C:\\zz-win7")
    finally:
        _windows_version(prefix, "win10")
    assert done.returncode == 1, done.stdout + done.stderr
    assert not _drive_c(prefix, "C:\\zz-win7").exists()
    shutil.rmtree(_drive_c(prefix, "C:\\综治测试"))
