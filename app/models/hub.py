"""Network hub bookkeeping (DESIGN §5, ``zongzhi serve``). Local to the hub; never travels.

- ``hub_ack``: the acknowledgement the hub answered for each bundle it received over the
  network, byte for byte, so that a repeated upload (the village never saw the answer: the
  network dropped after the import) gets exactly the same acknowledgement again and the hub
  writes nothing. Only the newest few per station are kept.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Index, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UTCDateTime, utcnow


class HubAck(Base):
    """The acknowledgement answered for one received bundle (by the bundle's id)."""

    __tablename__ = "hub_ack"
    __table_args__ = (Index("ix_hub_ack_peer_code_seq", "peer_code", "seq"),)

    bundle_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    peer_code: Mapped[str] = mapped_column(String(12), nullable=False)
    seq: Mapped[int] = mapped_column(BigInteger, nullable=False)  # the received bundle's seq
    ack_id: Mapped[str] = mapped_column(String(36), nullable=False)  # the answer's bundle id
    ack: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
