"""综治工作站 (Zongzhi Station): offline-first ledger for grassroots governance stations."""

__version__ = "0.1.0"
