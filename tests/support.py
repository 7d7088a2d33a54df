# SPDX-License-Identifier: Apache-2.0
"""Test helpers: real-world inputs from ../shared and optional parts that must exist in CI."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from oncoboard.ingest import service
from oncoboard.ingest.registry import reader_for
from oncoboard.ingest.schemas import (
    ImportOptions,
    ImportReport,
    ParsedFact,
    ProblemLog,
    SourceFile,
)
from oncoboard.ingest.sniff import sniff
from oncoboard.store.db import unit_of_work
from oncoboard.tables import metadata

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ONCOBOARD_SHARED", ROOT.parent / "shared"))
SHARED_DATA = SHARED / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"


def shared_file(*parts: str) -> Path:
    """A real-world test input from ../shared/data; skips (or fails in CI) when absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing in CI (../shared must sit beside the checkout)")
        pytest.skip(f"{path} not found: ../shared/data is not beside this checkout")
    return path


def require_or_skip(available: bool, reason: str) -> None:
    """Skip on a developer machine without an optional part; fail under CI=true."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)


def import_file(engine: Engine, path: Path, **options: Any) -> ImportReport:
    """Import one file the way the CLI does: one unit of work, commit or roll back."""
    with unit_of_work(engine) as session:
        return service.import_source(
            session=session, source=SourceFile.from_path(path), options=ImportOptions(**options)
        )


def read_file(path: Path, **options: Any) -> tuple[list[ParsedFact], ProblemLog]:
    """Run the file's reader without a database: every parsed fact and every problem."""
    source = SourceFile.from_path(path)
    reader = reader_for(sniff(path))
    log = ProblemLog(source=source.name)
    facts = list(reader.read(source, ImportOptions(**options), log))
    return facts, log


RECORD_TABLES = ("patients", "imports", "facts")


def row_counts(engine: Engine) -> dict[str, int]:
    """Rows of the patient record (patients, imports, facts); bad-input tests assert zeros."""
    with engine.connect() as connection:
        return {
            name: int(
                connection.scalar(select(func.count()).select_from(metadata.tables[name])) or 0
            )
            for name in RECORD_TABLES
        }


def api_routes(app: Any) -> list[tuple[str, Any]]:
    """Every (full path, APIRoute) of an app, including routers it includes (any nesting)."""
    from fastapi.routing import APIRoute

    found: list[tuple[str, Any]] = []

    def walk(routes: list[Any], prefix: str) -> None:
        for route in routes:
            if isinstance(route, APIRoute):
                found.append((prefix + route.path, route))
            elif hasattr(route, "original_router"):  # FastAPI's included router
                walk(route.original_router.routes, prefix + route.include_context.prefix)

    walk(app.routes, "")
    return found


def research_names(engine: Engine) -> dict[str, str]:
    """Research pseudonym → patient id for every stored patient: research answers carry
    pseudonyms (governance/pseudonyms.py); tests that check who was found map them back."""
    from oncoboard.governance import pseudonyms
    from oncoboard.record.models import PatientRow

    with unit_of_work(engine) as session:
        key = pseudonyms.key(session)
        found = session.scalars(select(PatientRow.external_id)).all()
        return {pseudonyms.pseudonym(key, patient): patient for patient in found}


def reidentified(engine: Engine, answer: Any) -> Any:
    """A research answer (pydantic model) with its pseudonyms replaced by the patient ids."""
    names = research_names(engine)
    text = answer.model_dump_json()
    for pseudonym, patient in names.items():
        text = text.replace(pseudonym, patient)
    return type(answer).model_validate_json(text)
