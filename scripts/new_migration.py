"""Developer helper: autogenerate the next Alembic revision from the models.

    .venv/bin/python scripts/new_migration.py "add register tables"

Builds a temporary database at the current head, compares it with the models and writes
``app/migrations/versions/NNNN_<slug>.py``. Read and edit the result before committing.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from alembic import command
from sqlalchemy import create_engine

from app.db import alembic_config, known_revisions


def main() -> None:
    message = sys.argv[1] if len(sys.argv) > 1 else "change"
    number = len(known_revisions()) + 1
    rev_id = f"{number:04d}"
    slug = re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_")[:40]
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(f"sqlite:///{Path(tmp) / 'head.sqlite3'}")
        cfg = alembic_config()
        cfg.set_main_option("file_template", f"%%(rev)s_{slug}")
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
            command.revision(cfg, message=message, autogenerate=True, rev_id=rev_id)
    # Revisions must not import live model code (it changes; a revision must not).
    for f in (Path(__file__).resolve().parent.parent / "app/migrations/versions").glob(
        f"{rev_id}_*.py"
    ):
        text = f.read_text(encoding="utf-8")
        text = text.replace("app.models.base.UTCDateTime(length=27)", "sa.String(length=27)")
        text = text.replace("import app.models.base\n", "")
        f.write_text(text, encoding="utf-8")
    print(f"wrote revision {rev_id}")


if __name__ == "__main__":
    main()
