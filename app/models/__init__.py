"""SQLAlchemy 2.0 typed tables. No Qt and no business rules here."""

from . import events as _events  # noqa: F401  (registers the session hooks)
from .base import Base, SyncMixin, UTCDateTime, synced_tables, utcnow
from .ids import new_id, uuid7
from .ledger import CaseEvent, Dispute, DisputeParty, MediationSession, Person, Visit, VisitPerson
from .operator import ROLES, Operator
from .station import LEVELS, CodeItem, CodeTable, LocalState, NumberSequence, Setting, Station
from .sync import BundleLog, SyncPeer

__all__ = [
    "LEVELS",
    "ROLES",
    "Base",
    "BundleLog",
    "CaseEvent",
    "CodeItem",
    "CodeTable",
    "Dispute",
    "DisputeParty",
    "LocalState",
    "MediationSession",
    "NumberSequence",
    "Operator",
    "Person",
    "Setting",
    "Station",
    "SyncMixin",
    "SyncPeer",
    "UTCDateTime",
    "Visit",
    "VisitPerson",
    "new_id",
    "synced_tables",
    "utcnow",
    "uuid7",
]
