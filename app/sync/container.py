"""The bundle file: a ZIP with exactly three members, read defensively.

``manifest.json`` (canonical JSON, cleartext), ``payload.bin`` (length-prefixed encrypted chunks)
and ``signature.sig`` (64 raw bytes, Ed25519). A bundle may come from anyone with a USB stick, so
reading refuses, before any byte is trusted: files that are not ZIPs or are truncated, any member
other than the three (extra files, directories, path components such as ``../`` or ``C:\\``,
duplicates), encrypted or exotic compression, sizes over the limits, compression ratios that
betray a zip bomb, and CRC mismatches. Nothing is ever extracted to disk.
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from .errors import BundleRejected

MANIFEST = "manifest.json"
PAYLOAD = "payload.bin"
SIGNATURE = "signature.sig"
MEMBERS = (PAYLOAD, MANIFEST, SIGNATURE)

MAX_FILE = 1 << 30  # 1 GiB on disk
MAX_MANIFEST = 1 << 20
MAX_PAYLOAD = 1 << 30
SIGNATURE_SIZE = 64
MAX_RATIO = 100  # uncompressed / compressed for a deflated member
MAX_ENTRIES = 16  # entries examined at all (a ZIP listing thousands is refused early)
READ_CHUNK = 1 << 20

_CORRUPT = "同步包文件已损坏或不完整（可能拷贝未完成或U盘拔出过早），请重新拷贝或让对方重新导出"


@dataclass
class OpenedBundle:
    path: Path
    manifest_bytes: bytes
    signature: bytes
    payload_size: int
    _zip: zipfile.ZipFile

    def payload_chunks(self) -> Iterator[bytes]:
        """The payload member as a stream (CRC is checked by zipfile at the end)."""
        info = self._zip.getinfo(PAYLOAD)
        read = 0
        try:
            with self._zip.open(info) as fh:
                while True:
                    piece = fh.read(READ_CHUNK)
                    if not piece:
                        break
                    read += len(piece)
                    if read > info.file_size:
                        raise BundleRejected("oversize", "同步包内容超过声明的大小，已拒绝")
                    yield piece
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise BundleRejected("corrupt", _CORRUPT) from exc
        if read != info.file_size:
            raise BundleRejected("corrupt", _CORRUPT)

    def close(self) -> None:
        self._zip.close()


def _bad_name(name: str) -> bool:
    return (
        not name
        or "/" in name
        or "\\" in name
        or ":" in name
        or name.startswith(".")
        or "\x00" in name
        or name != name.strip()
    )


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo, limit: int) -> bytes:
    try:
        with zf.open(info) as fh:
            data = fh.read(limit + 1)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError) as exc:
        raise BundleRejected("corrupt", _CORRUPT) from exc
    if len(data) > limit or len(data) != info.file_size:
        raise BundleRejected("corrupt", _CORRUPT)
    return data


def _not_a_bundle(path: Path, size: int) -> None:
    """Files a clerk may pick by mistake get their own message, not the torn-copy one."""
    if size > 64 * 1024:
        return
    try:
        head = path.read_bytes().lstrip(b"\xef\xbb\xbf \t\r\n")
    except OSError:
        return
    if not head.startswith(b"{"):
        return
    import json

    try:
        doc = json.loads(head.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        return
    if isinstance(doc, dict) and str(doc.get("format", "")).startswith("zongzhi-card/"):
        card = doc.get("card") if isinstance(doc.get("card"), dict) else {}
        who = f"{card.get('name', '')}（{card.get('code', '')}）" if card else ""
        raise BundleRejected(
            "card",
            f"这是{who}的工作站卡片（.zzc），不是同步包：请在“同步 › 配对”中导入卡片"
            "（zongzhi card import），导入同步包请选择 .zzb 文件",
        )


def open_bundle(path: Path) -> OpenedBundle:
    """Open and vet a bundle file; the caller must :meth:`OpenedBundle.close` it."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise BundleRejected("missing", f"找不到同步包文件 {path}，请检查路径") from exc
    if size > MAX_FILE:
        raise BundleRejected(
            "oversize", f"同步包文件 {path.name} 过大（{size // (1 << 20)} MB），已拒绝"
        )
    if size < 22:
        raise BundleRejected("corrupt", _CORRUPT)
    fh: IO[bytes] = open(path, "rb")  # noqa: SIM115  (owned by the ZipFile below)
    try:
        zf = zipfile.ZipFile(fh)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        fh.close()
        _not_a_bundle(path, size)
        raise BundleRejected("corrupt", _CORRUPT) from exc
    try:
        infos = zf.infolist()
        if len(infos) > MAX_ENTRIES:
            raise BundleRejected("layout", "同步包中的文件过多，不是本程序生成的同步包，已拒绝")
        names = [i.filename for i in infos]
        for info in infos:
            if _bad_name(info.filename) or info.is_dir():
                raise BundleRejected(
                    "path",
                    f"同步包中含有不安全的文件名“{info.filename[:60]}”（路径或目录），已拒绝",
                )
        if len(set(names)) != len(names):
            raise BundleRejected("layout", "同步包中有重名文件，已拒绝")
        if sorted(names) != sorted(MEMBERS):
            extra = sorted(set(names) - set(MEMBERS))
            what = f"多余的文件“{extra[0][:60]}”" if extra else "缺少必要的文件"
            raise BundleRejected("layout", f"同步包结构不正确（{what}），不是本程序生成的同步包")
        limits = {MANIFEST: MAX_MANIFEST, PAYLOAD: MAX_PAYLOAD, SIGNATURE: SIGNATURE_SIZE}
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise BundleRejected("layout", "同步包中的文件被另行加密，不是本程序生成的同步包")
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                raise BundleRejected("layout", "同步包使用了不支持的压缩方式，已拒绝")
            if info.file_size > limits[info.filename]:
                raise BundleRejected("oversize", f"同步包中的 {info.filename} 过大，已拒绝")
            if info.compress_size > size:
                raise BundleRejected("corrupt", _CORRUPT)
            if info.compress_type == zipfile.ZIP_DEFLATED and info.file_size > MAX_RATIO * max(
                info.compress_size, 1
            ):
                raise BundleRejected("bomb", "同步包压缩比异常（疑似“压缩炸弹”），已拒绝")
            if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
                raise BundleRejected("corrupt", _CORRUPT)
            total += info.file_size
        if total > MAX_FILE:
            raise BundleRejected("oversize", "同步包解压后过大，已拒绝")
        manifest = _read_member(zf, zf.getinfo(MANIFEST), MAX_MANIFEST)
        signature = _read_member(zf, zf.getinfo(SIGNATURE), SIGNATURE_SIZE)
        if len(signature) != SIGNATURE_SIZE:
            raise BundleRejected("signature", "同步包签名格式不正确，文件可能被篡改")
        return OpenedBundle(path, manifest, signature, zf.getinfo(PAYLOAD).file_size, zf)
    except BaseException:
        zf.close()
        fh.close()
        raise


class BundleWriter:
    """Writes a bundle to a temporary file beside ``dest``; :meth:`commit` makes it appear."""

    def __init__(self, dest: Path) -> None:
        self.dest = dest
        dest.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = dest.with_name(f".{dest.name}.part")
        self._zip = zipfile.ZipFile(self.tmp, "w", compression=zipfile.ZIP_STORED)
        self._payload: IO[bytes] | None = self._zip.open(
            zipfile.ZipInfo(PAYLOAD, date_time=(1980, 1, 1, 0, 0, 0)), "w", force_zip64=True
        )
        self.payload_size = 0

    def write_payload(self, data: bytes) -> None:
        assert self._payload is not None
        self._payload.write(data)
        self.payload_size += len(data)

    def finish(self, manifest: bytes, signature: bytes) -> None:
        assert self._payload is not None
        self._payload.close()
        self._payload = None
        for name, data in ((MANIFEST, manifest), (SIGNATURE, signature)):
            self._zip.writestr(zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0)), data)
        self._zip.close()
        with open(self.tmp, "rb+") as fh:
            os.fsync(fh.fileno())

    def commit(self) -> Path:
        self.tmp.replace(self.dest)
        if os.name == "posix":  # make the rename itself durable (a stick may be pulled soon)
            try:
                fd = os.open(self.dest.parent, os.O_RDONLY)
            except OSError:
                return self.dest
            try:
                os.fsync(fd)
            except OSError:
                pass
            finally:
                os.close(fd)
        return self.dest

    def abort(self) -> None:
        try:
            if self._payload is not None:
                self._payload.close()
            self._zip.close()
        except Exception:
            pass
        self.tmp.unlink(missing_ok=True)
