"""SQLAlchemy 2.0 typed tables. No Qt and no business rules here."""

from . import events as _events  # noqa: F401  (registers the session hooks)
from .audit import AuditEntry
from .base import Base, SyncMixin, UTCDateTime, synced_tables, utcnow
from .excel_import import ExcelImportRow
from .hub import HubAck
from .ids import new_id, uuid7
from .ledger import CaseEvent, Dispute, DisputeParty, MediationSession, Person, Visit, VisitPerson
from .operator import ROLES, Operator
from .registers import RegisterAttachment, RegisterField, RegisterRecord, RegisterType
from .reporting import MonthlyReport, Screening
from .station import LEVELS, CodeItem, CodeTable, LocalState, NumberSequence, Setting, Station
from .supervision import Supervision, SupervisionFeedback
from .sync import BundleLog, StationKey, SyncHwm, SyncPeer, SyncRelayAck

__all__ = [
    "LEVELS",
    "ROLES",
    "AuditEntry",
    "Base",
    "BundleLog",
    "CaseEvent",
    "CodeItem",
    "CodeTable",
    "Dispute",
    "DisputeParty",
    "ExcelImportRow",
    "HubAck",
    "LocalState",
    "MediationSession",
    "MonthlyReport",
    "NumberSequence",
    "Operator",
    "Person",
    "RegisterAttachment",
    "RegisterField",
    "RegisterRecord",
    "RegisterType",
    "Screening",
    "Setting",
    "Station",
    "StationKey",
    "Supervision",
    "SupervisionFeedback",
    "SyncHwm",
    "SyncMixin",
    "SyncPeer",
    "SyncRelayAck",
    "UTCDateTime",
    "Visit",
    "VisitPerson",
    "new_id",
    "synced_tables",
    "utcnow",
    "uuid7",
]
