"""This station's keys, its sync epoch, and detection of a ledger restored or copied (DESIGN §5).

Keys: :func:`ensure_station_keys` creates an Ed25519 signing key and an X25519 encryption key on
first use (``zongzhi init`` and the first-run wizard call it), stores the private halves in the
keystore (OS keychain, else the passphrase-protected file) and the public halves in
``station_key``.

Epochs: ``rev = epoch << 40 | seq``. :func:`bump_epoch` starts a new epoch so that every later
change sorts after anything a peer may have seen. A ledger that went *back* in time (restored
from a backup, re-installed, or copied) is detected two ways (research/sync.md §8 item 3):
- the keystore keeps a *mark*, outside the ledger, of the highest sequence number this station
  ever put into a bundle; a ledger whose counter is below the mark has been rolled back;
- an acknowledgement reporting more of our records than our counter has ever produced.
Either way :func:`recover_from_rollback` starts a new epoch and re-stamps this station's
records that the parent has not acknowledged, so they are sent again with revs no peer has seen.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.db import Database
from app.models import LocalState, StationKey, synced_tables, utcnow
from app.models.events import EPOCH_SHIFT, bump_epoch

from .crypto import KeyPair, fingerprint
from .errors import KeystoreError, KeysUnavailable
from .keystore import Keystore, file_warning, open_store, preferred_store


@dataclass(frozen=True)
class KeyInfo:
    """The public side of this station's active keys."""

    key_id: str
    station_code: str
    sign_public: str
    enc_public: str
    fingerprint: str
    store: str  # keyring | file
    created_at: datetime
    warning: str = ""  # shown when the file keystore is in use


@dataclass(frozen=True)
class StationKeys:
    info: KeyInfo
    pair: KeyPair


def _entry_name(station_code: str, key_id: str, what: str) -> str:
    return f"{station_code}/{key_id}/{what}"


def _info(row: StationKey, db_path: Path) -> KeyInfo:
    return KeyInfo(
        key_id=row.key_id,
        station_code=row.station_code,
        sign_public=row.sign_public,
        enc_public=row.enc_public,
        fingerprint=row.fingerprint,
        store=row.store,
        created_at=row.created_at,
        warning=file_warning(db_path) if row.store == "file" else "",
    )


def _station_code(session: Session) -> str:
    state = session.get(LocalState, 1)
    if state is None:
        raise KeysUnavailable("本数据库尚未初始化工作站，请先执行 zongzhi init")
    return state.station_code


def active_key_row(session: Session) -> StationKey | None:
    return session.scalars(
        select(StationKey).where(StationKey.active.is_(True)).order_by(StationKey.created_at.desc())
    ).first()


def key_info(db: Database) -> KeyInfo | None:
    with db.session() as s:
        row = active_key_row(s)
        return None if row is None else _info(row, db.path)


def _create(db: Database, session: Session, code: str) -> StationKey:
    from app.models import new_id

    pair = KeyPair.generate()
    key_id = new_id()
    store: Keystore = preferred_store(db.path)
    sign_seed, enc_raw = pair.raw()
    from .canonical import b64e

    secret = json.dumps({"sign": b64e(sign_seed), "enc": b64e(enc_raw)})
    name = _entry_name(code, key_id, "private")
    try:
        store.put(name, secret)
        if store.get(name) != secret:
            raise KeystoreError("密钥写入后读回不一致")
    except KeystoreError:
        if store.kind != "keyring":
            raise
        # the keychain refused: fall back to the file keystore (with its visible warning)
        store = open_store("file", db.path)
        store.put(name, secret)
    row = StationKey(
        key_id=key_id,
        station_code=code,
        sign_public=pair.sign_public,
        enc_public=pair.enc_public,
        fingerprint=fingerprint(code, pair.sign_public, pair.enc_public),
        store=store.kind,
        active=True,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def ensure_station_keys(db: Database) -> KeyInfo:
    """Create this station's keys if it has none; return the public side of the active keys.

    Raises :class:`KeystoreError` when the keystore cannot be opened (no passphrase given).
    """
    with db.transaction() as s:
        code = _station_code(s)
        row = active_key_row(s)
        if row is None:
            row = _create(db, s, code)
        return _info(row, db.path)


def renew_station_keys(db: Database) -> KeyInfo:
    """New key pair (old keys retired but kept for reading old bundles); peers must re-pair.

    Used after a move to another PC (the keychain there does not have the old private keys) or
    when a key may have leaked. Starts a new sync epoch too: a ledger that moved may also have
    been copied, and a new epoch keeps the two copies' changes apart.
    """
    with db.transaction() as s:
        code = _station_code(s)
        for old in s.scalars(select(StationKey).where(StationKey.active.is_(True))):
            old.active = False
            old.retired_at = utcnow()
        s.flush()
        row = _create(db, s, code)
        bump_epoch(s)
        return _info(row, db.path)


def _load_pair(db: Database, row: StationKey) -> KeyPair:
    from .canonical import b64d

    store = open_store(row.store, db.path)
    secret = store.get(_entry_name(row.station_code, row.key_id, "private"))
    if secret is None:
        raise KeysUnavailable(
            f"在{store.location()}中找不到本站的同步密钥（数据库可能是从另一台电脑拷贝来的）；"
            "请执行 zongzhi card renew 生成新密钥，并与上级重新交换工作站卡片"
        )
    try:
        data = json.loads(secret)
        return KeyPair.from_raw(b64d(data["sign"]), b64d(data["enc"]))
    except (ValueError, KeyError, TypeError) as exc:
        raise KeysUnavailable("本站同步密钥已损坏，请执行 zongzhi card renew 生成新密钥") from exc


def load_station_keys(db: Database) -> StationKeys:
    """The active keys with their private halves (for signing and decrypting)."""
    with db.session() as s:
        row = active_key_row(s)
        if row is None:
            raise KeysUnavailable("本站还没有同步密钥，请先执行 zongzhi card export（会自动创建）")
        info = _info(row, db.path)
    return StationKeys(info, _load_pair(db, row))


def decryption_keys(db: Database) -> dict[str, KeyPair]:
    """Every key generation whose private half is still available, by fingerprint."""
    out: dict[str, KeyPair] = {}
    with db.session() as s:
        rows = list(s.scalars(select(StationKey).order_by(StationKey.created_at.desc())))
    for row in rows:
        try:
            out[row.fingerprint] = _load_pair(db, row)
        except (KeysUnavailable, KeystoreError):
            if row.active:
                raise
    return out


# --- epochs and rollback detection ---------------------------------------------------------


def recover_from_rollback(session: Session, *, min_epoch: int, bump: bool = True) -> int:
    """New epoch (unless ``bump`` is False: already done by the restore); re-stamp every record
    of this station so the next bundle is a full snapshot.

    Re-stamped rows keep their content, ``updated_at`` and ``updated_by``; only ``rev`` moves
    into the new epoch, so the peers' copies converge to exactly what this ledger holds now —
    also for records whose newer versions were lost with the rollback. Returns the row count.
    """
    conn = session.connection()
    if bump:
        bump_epoch(session, min_epoch=min_epoch)
    state = conn.execute(
        text("SELECT station_code, rev_counter FROM local_state WHERE id = 1")
    ).one()
    code, counter = str(state[0]), int(state[1])
    restamped = 0
    for table in synced_tables():
        ids = [
            str(r[0])
            for r in conn.execute(
                text(f'SELECT id FROM "{table}" WHERE origin = :o ORDER BY rev, id'), {"o": code}
            )
        ]
        if not ids:
            continue
        params = []
        for row_id in ids:
            counter += 1
            params.append({"r": counter, "i": row_id})
        conn.execute(text(f'UPDATE "{table}" SET rev = :r WHERE id = :i'), params)
        restamped += len(ids)
    conn.execute(text("UPDATE local_state SET rev_counter = :c WHERE id = 1"), {"c": counter})
    return restamped


def _mark_name(row: StationKey) -> str:
    return _entry_name(row.station_code, row.key_id, "mark")


def read_mark(db: Database, row: StationKey) -> tuple[int, int]:
    """(epoch, seq) of the newest file this station wrote, as kept outside the ledger."""
    try:
        value = open_store(row.store, db.path).get(_mark_name(row)) or ""
    except KeystoreError:
        return (0, 0)
    epoch, _, seq = value.partition(":")
    try:
        return (int(epoch), int(seq)) if seq else (0, int(epoch or 0))
    except ValueError:
        return (0, 0)


def write_mark(db: Database, row: StationKey, epoch: int, seq: int) -> None:
    """Remember (outside the ledger) the epoch and highest sequence number put into a file."""
    old_epoch, old_seq = read_mark(db, row)
    if (epoch, seq) != (old_epoch, old_seq):
        open_store(row.store, db.path).put(
            _mark_name(row), f"{max(epoch, old_epoch)}:{max(seq, old_seq)}"
        )


def check_rollback(db: Database, session: Session) -> str:
    """Compare the ledger with the keystore mark; recover if it went back in time.

    - counter below the mark: restored or copied without a new epoch → new epoch + re-stamp;
    - epoch above the mark's: restored by ``zongzhi restore`` (which started the epoch) → re-stamp.
    Runs inside the caller's transaction (export). Returns a notice for the user ("" if fine).
    """
    row = active_key_row(session)
    if row is None:
        return ""
    mark_epoch, mark_seq = read_mark(db, row)
    if not mark_seq:
        return ""
    state = (
        session.connection()
        .execute(text("SELECT epoch, rev_counter FROM local_state WHERE id = 1"))
        .one()
    )
    epoch, counter = int(state[0]), int(state[1])
    if counter < mark_seq:
        n = recover_from_rollback(session, min_epoch=max(mark_epoch, mark_seq >> EPOCH_SHIFT) + 1)
        return rollback_notice(n)
    if mark_epoch and epoch > mark_epoch:
        n = recover_from_rollback(session, min_epoch=0, bump=False)
        return rollback_notice(n)
    return ""


def rollback_notice(restamped: int) -> str:
    return (
        "检测到本站台账曾从备份恢复、重新安装或被拷贝（同步计数回退），已启用新的同步纪元，"
        f"本站全部 {restamped} 条记录将随下一个同步包重新发送，使上级的副本与本站一致"
    )
