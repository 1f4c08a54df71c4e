"""Build the installable program: a one-folder PyInstaller bundle and the platform package.

    .venv/bin/python build_installer.py                 # build, self-test, package
    .venv/bin/python build_installer.py --no-package    # only the folder (dist/zongzhi-<v>/)
    .venv/bin/python build_installer.py --clean         # ignore PyInstaller's cache

1. checks that the version in pyproject.toml and ``app.__version__`` agree;
2. runs PyInstaller on the committed spec ``packaging/zongzhi.spec`` (one folder; resources,
   migrations, keyring backends; unused Qt modules excluded);
3. runs the frozen program's ``--self-test`` (a temporary ledger, migrations, a record written
   and read, a PDF, a bundle exported and imported) and stops if it fails;
4. packages it:
   - Windows: generates an Inno Setup script (``packaging/windows/zongzhi.iss.in``) and runs
     ``ISCC`` when Inno Setup is installed, else an NSIS script run by ``makensis`` when NSIS is;
     with neither, a zip of the folder;
   - Linux (UOS, Kylin, …): ``dist/zongzhi-<version>-linux-<arch>.tar.gz`` with the folder,
     ``install.sh`` (system-wide with sudo, else for the user), the ``.desktop`` entry and icon.

Prints the folder's size, the package's size and the time each stage took.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import time
import tomllib
from pathlib import Path, PureWindowsPath

ROOT = Path(__file__).resolve().parent
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "zongzhi.spec"
DIST = ROOT / "dist"
BUILD = ROOT / "build"
NAME = "zongzhi"


class BuildError(Exception):
    pass


def project_version() -> str:
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    version = str(data["project"]["version"])
    init = (ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    if f'__version__ = "{version}"' not in init:
        raise BuildError(
            f"版本号不一致：pyproject.toml 为 {version}，app/__init__.py 的 __version__ 与之不同，"
            "请改成一致后再打包"
        )
    return version


def folder_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def mb(n: int) -> str:
    return f"{n / 2**20:.0f} MB"


def run_pyinstaller(clean: bool) -> Path:
    """Build dist/zongzhi-<version>/ from the committed spec."""
    cmd = [
        sys.executable,
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        str(DIST),
        "--workpath",
        str(BUILD / "pyinstaller"),
    ]
    if clean:
        cmd.append("--clean")
    cmd.append(str(SPEC))
    subprocess.run(cmd, cwd=ROOT, check=True)
    folder = DIST / f"{NAME}-{project_version()}"
    if not folder.is_dir():
        raise BuildError(f"PyInstaller 没有生成 {folder}")
    return folder


def executable(folder: Path, *, console: bool) -> Path:
    if sys.platform == "win32":
        return folder / (f"{NAME}-cli.exe" if console else f"{NAME}.exe")
    return folder / NAME


def self_test(folder: Path) -> float:
    """Run ``--self-test`` of the frozen program in a clean environment; seconds taken."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PYTHON", "VIRTUAL_ENV", "ZONGZHI_"))
    }
    env["PYTHONIOENCODING"] = "utf-8"
    t0 = time.perf_counter()
    proc = subprocess.run(
        [str(executable(folder, console=True)), "--self-test"],
        env=env,
        cwd=folder.parent,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=300,
        check=False,
    )
    seconds = time.perf_counter() - t0
    sys.stdout.write(proc.stdout)
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr[-4000:])
        raise BuildError(f"打包后的程序自检未通过（退出码 {proc.returncode}）")
    return seconds


def _fill(template: Path, values: dict[str, str]) -> str:
    text = template.read_text(encoding="utf-8")
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    leftover = sorted(set(re.findall(r"@[A-Z0-9]+@", text)))
    if leftover:
        raise BuildError(f"{template.name} 中有未填写的占位符：{'、'.join(leftover)}")
    return text


def _version4(version: str) -> str:
    parts = [p for p in version.split(".") if p.isdigit()]
    return ".".join([*parts, "0", "0", "0", "0"][:4])


def package_linux(folder: Path, version: str) -> Path:
    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "arm64", "arm64": "arm64"}.get(
        platform.machine().lower(), platform.machine().lower()
    )
    top = f"{NAME}-{version}-linux-{arch}"
    out = DIST / f"{top}.tar.gz"
    staging = BUILD / "linux-package"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    install = staging / "install.sh"
    install.write_text(
        _fill(PACKAGING / "linux" / "install.sh", {"VERSION": version}), encoding="utf-8"
    )
    install.chmod(0o755)
    shutil.copyfile(PACKAGING / "linux" / "zongzhi.desktop.in", staging / "zongzhi.desktop.in")
    shutil.copyfile(PACKAGING / "zongzhi.png", staging / "zongzhi.png")
    readme = staging / "安装说明.txt"
    readme.write_text(
        f"综治工作站 {version}（Linux {arch}：统信 UOS、银河麒麟 Kylin 等）\n\n"
        "为本机所有用户安装：  sudo ./install.sh\n"
        "只为当前用户安装：    ./install.sh\n"
        "卸载：                sudo ./install.sh --uninstall（或 ./install.sh --uninstall）\n\n"
        "安装后在开始菜单“办公”中打开“综治工作站”，或在终端运行 zongzhi。\n"
        "检查安装是否完好：    zongzhi --self-test\n"
        "台账数据保存在 ~/.local/share/zongzhi，升级或卸载程序都不会删除。\n",
        encoding="utf-8",
    )
    with tarfile.open(out, "w:gz", compresslevel=6) as tar:
        tar.add(folder, arcname=f"{top}/{folder.name}")
        for f in sorted(staging.iterdir()):
            tar.add(f, arcname=f"{top}/{f.name}")
    return out


def _find_tool(name: str, candidates: list[str]) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for c in candidates:
        if Path(c).is_file():
            return c
    return None


def _nsis_path(rel: Path) -> str:
    # NSIS expands $VAR in strings: a literal $ is $$
    return "$INSTDIR\\" + str(PureWindowsPath(rel)).replace("$", "$$")


def nsis_removal(folder: Path) -> tuple[str, str]:
    """``Delete`` lines for every file the installer puts in ``folder``'s place, and ``RMDir``
    lines (never ``/r``) for its folders, deepest first: the uninstaller removes what it
    installed and nothing else (the folder the user picked may hold files of their own)."""
    files = sorted(p.relative_to(folder) for p in folder.rglob("*") if not p.is_dir())
    dirs = sorted(
        (p.relative_to(folder) for p in folder.rglob("*") if p.is_dir()),
        key=lambda p: (-len(p.parts), str(p)),
    )
    return (
        "\n".join(f'  Delete "{_nsis_path(f)}"' for f in files),
        "\n".join(f'  RMDir "{_nsis_path(d)}"' for d in dirs),
    )


def windows_script(kind: str, folder: Path, version: str, messages: str = "") -> str:
    """The Inno Setup (``iss``) or NSIS (``nsi``) script for ``folder``, placeholders filled."""
    removal = nsis_removal(folder) if kind == "nsi" else ("", "")
    values = {
        "UNINSTALLFILES": removal[0],
        "UNINSTALLDIRS": removal[1],
        "VERSION": version,
        "VERSION4": _version4(version),
        "SOURCE": str(folder),
        "OUTDIR": str(DIST),
        "OUTNAME": f"{NAME}-{version}-setup",
        "ICON": str(PACKAGING / "zongzhi.ico"),
        "MESSAGES": messages,
    }
    return _fill(PACKAGING / "windows" / f"zongzhi.{kind}.in", values)


def package_windows(folder: Path, version: str) -> Path:
    BUILD.mkdir(exist_ok=True)
    out = DIST / f"{NAME}-{version}-setup.exe"
    pf86 = os.environ.get("PROGRAMFILES(X86)", r"C:\Program Files (x86)")
    pf = os.environ.get("PROGRAMFILES", r"C:\Program Files")
    iscc = _find_tool("ISCC", [rf"{pf86}\Inno Setup 6\ISCC.exe", rf"{pf}\Inno Setup 6\ISCC.exe"])
    if iscc:
        chinese = Path(iscc).parent / "Languages" / "ChineseSimplified.isl"
        messages = chinese if chinese.is_file() else Path(iscc).parent / "Default.isl"
        script = BUILD / "zongzhi.iss"
        # Inno Setup reads a script with a BOM as UTF-8
        script.write_text(windows_script("iss", folder, version, str(messages)), "utf-8-sig")
        subprocess.run([iscc, "/Q", str(script)], check=True)
        return out
    makensis = _find_tool("makensis", [rf"{pf86}\NSIS\makensis.exe", rf"{pf}\NSIS\makensis.exe"])
    if makensis:
        script = BUILD / "zongzhi.nsi"
        script.write_text(windows_script("nsi", folder, version), "utf-8-sig")
        subprocess.run([makensis, "/V2", str(script)], check=True)
        return out
    print("未找到 Inno Setup（ISCC）或 NSIS（makensis），改为生成 zip 压缩包")
    archive = shutil.make_archive(
        str(DIST / f"{NAME}-{version}-windows-x64"), "zip", DIST, folder.name
    )
    return Path(archive)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="打包综治工作站（PyInstaller 单文件夹 + 安装包）")
    ap.add_argument("--clean", action="store_true", help="不使用 PyInstaller 缓存，完全重新分析")
    ap.add_argument("--no-test", action="store_true", help="不运行打包后程序的自检")
    ap.add_argument("--no-package", action="store_true", help="只生成程序文件夹，不做安装包")
    args = ap.parse_args(argv)
    try:
        version = project_version()
        print(f"综治工作站 {version}：PyInstaller 打包（{platform.system()} {platform.machine()}）")
        t0 = time.perf_counter()
        folder = run_pyinstaller(args.clean)
        build_s = time.perf_counter() - t0
        size = folder_size(folder)
        print(f"程序文件夹 {folder}：{mb(size)}，打包用时 {build_s:.0f} 秒")
        if not args.no_test:
            test_s = self_test(folder)
            print(f"打包后自检通过，用时 {test_s:.1f} 秒")
        if not args.no_package:
            t1 = time.perf_counter()
            if sys.platform == "win32":
                out = package_windows(folder, version)
            else:
                out = package_linux(folder, version)
            print(f"安装包 {out}：{mb(out.stat().st_size)}，用时 {time.perf_counter() - t1:.0f} 秒")
        print(f"全部完成，总用时 {time.perf_counter() - t0:.0f} 秒")
        return 0
    except BuildError as exc:
        sys.stderr.write(f"错误：{exc}\n")
        return 1
    except subprocess.CalledProcessError as exc:
        sys.stderr.write(f"错误：{Path(str(exc.cmd[0])).name} 失败（退出码 {exc.returncode}）\n")
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
