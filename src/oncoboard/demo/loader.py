# SPDX-License-Identifier: Apache-2.0
"""Load the bundled synthetic demo cohort (authored for OncoBoard; no real patient data)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path

from sqlalchemy import Engine

from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work


def demo_folder() -> Path:
    return Path(str(resources.files("oncoboard.demo") / "data"))


def load_demo(*, engine: Engine, settings: Settings) -> Iterator[str]:
    """Import every demo file listed in ``manifest.json``; idempotent like any import."""
    folder = demo_folder()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        options = ImportOptions(**entry.get("options", {}))
        source = SourceFile.from_path(folder / entry["file"])
        with unit_of_work(engine) as session:
            report = service.import_source(
                session=session,
                source=source,
                options=options,
                batch_size=settings.import_batch_size,
                actor="demo",
            )
        verb = "already loaded" if report.status == "unchanged" else "loaded"
        yield f"demo: {verb} {source.name} ({sum(report.fact_counts.values())} facts)"
