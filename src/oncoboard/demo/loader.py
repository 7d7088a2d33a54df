# SPDX-License-Identifier: Apache-2.0
"""Load the bundled synthetic demo cohort (authored for OncoBoard; no real patient data)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from oncoboard.demo import activity
from oncoboard.demo.recommendations import ensure_demo_recommendation
from oncoboard.demo.users import ensure_demo_users, login_help
from oncoboard.errors import PermissionDenied
from oncoboard.governance.users import SITE_ADMIN, actor_for, ensure_site_admin
from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.knowledge import service as kb
from oncoboard.knowledge.sources import reader_for
from oncoboard.monitoring.config import default_config
from oncoboard.settings import Settings
from oncoboard.store.db import unit_of_work

DEMO_PATIENT = "ana"  # the demo patient account (demo-001), see demo/users.py


def demo_folder() -> Path:
    return Path(str(resources.files("oncoboard.demo") / "data"))


def load_demo_kb(*, engine: Engine, manifest: dict[str, Any], folder: Path) -> Iterator[str]:
    """Publish the shipped CC0 knowledge-base releases (CIViC, CGI); idempotent by content."""
    for entry in manifest.get("kb", []):
        path = folder / entry["file"]
        with unit_of_work(engine) as session:
            actor = actor_for(session, SITE_ADMIN)
            report = kb.publish(
                session=session,
                access=kb.authorize_import(session, actor, entry["source"]),
                reader=reader_for(entry["source"]),
                path=path,
                reader_name=entry["source"],
            )
        verb = "already loaded" if report.status == "already imported" else "loaded"
        yield (
            f"demo: {verb} knowledge base {report.release.release_id} "
            f"({report.release.assertion_count} assertions, {report.release.licence})"
        )


def load_demo(*, engine: Engine, settings: Settings) -> Iterator[str]:
    """Import every demo file listed in ``manifest.json``; idempotent like any import."""
    if settings.env == "prod":
        raise PermissionDenied(
            "the demo cohort and its accounts are refused when ONCOBOARD_ENV=prod"
        )
    with unit_of_work(engine) as session:
        ensure_site_admin(session)
    folder = demo_folder()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    for entry in manifest["files"]:
        options = ImportOptions(**entry.get("options", {}))
        source = SourceFile.from_path(folder / entry["file"])
        with unit_of_work(engine) as session:
            actor = actor_for(session, SITE_ADMIN)
            report = service.import_as(
                session=session,
                access=service.authorize_import(session, actor, source.name),
                source=source,
                options=options,
                batch_size=settings.import_batch_size,
            )
        verb = "already loaded" if report.status == "unchanged" else "loaded"
        yield f"demo: {verb} {source.name} ({sum(report.fact_counts.values())} facts)"
    yield from load_demo_kb(engine=engine, manifest=manifest, folder=folder)
    with unit_of_work(engine) as session:
        created = ensure_demo_users(session)
        seeded = ensure_demo_recommendation(session, actor_for(session, SITE_ADMIN))
    if created:
        yield f"demo: created {len(created)} demo user(s)"
    if seeded:
        yield "demo: proposed one example recommendation for demo-002 (awaiting a decision)"
    with unit_of_work(engine) as session:
        yield activity.seed_trials(session, actor_for(session, SITE_ADMIN), folder)
    with unit_of_work(engine) as session:
        admin, patient = actor_for(session, SITE_ADMIN), actor_for(session, DEMO_PATIENT)
        yield from activity.seed_symptoms(
            session, admin=admin, patient=patient, config=default_config()
        )
    yield from login_help()
