# SPDX-License-Identifier: Apache-2.0
"""MOAlmanac assertions: the legacy flat file and the interpreter's bundled release.

Both hold the same assertion objects (``../shared/data/kb/moalmanac/SOURCE.md``): the legacy
``molecular-oncology-almanac.json`` is a JSON list; the interpreter's copy wraps it as
``{"release", "version", "genes", "content"}``. MOAlmanac is GPL-2.0 with a DFCI/Broad
research-use notice, so it is never bundled: users import it from their own copy, and the
notice travels with the release to every place its assertions are shown.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import zlib
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from oncoboard.errors import InputError, Problem
from oncoboard.knowledge.qc import LEVELS
from oncoboard.knowledge.reader import KbRead
from oncoboard.knowledge.schemas import (
    Assertion,
    Direction,
    Disease,
    DroppedRow,
    Reference,
    Therapy,
)
from oncoboard.knowledge.sources.moalmanac_rules import (
    MOALMANAC_BUILD,
    Row,
    RowDrop,
    RowProblem,
    rule_for,
    text,
)

SOURCE = "moalmanac"
LICENCE = "GPL-2.0"
# moalmanac-db README, as quoted in ../shared/data/kb/moalmanac/SOURCE.md ("License")
NOTICE = "MOAlmanac data: For research use only — diagnostic and clinical use prohibited."
# Fields SOURCE.md lists as "present on every record" that the mapping reads.
COMMON_FIELDS = (
    "assertion_id", "feature_type", "disease", "context", "oncotree_term", "oncotree_code",
    "therapy_name", "therapy_strategy", "therapy_type", "therapy_sensitivity",
    "therapy_resistance", "favorable_prognosis", "predictive_implication", "description",
    "citation", "url", "doi", "pmid", "nct", "last_updated", "_deprecated",
)  # fmt: skip
# Record counts the source documents per release (SOURCE.md, "Files" and "Added 2026-11-24").
DOCUMENTED_RECORDS = {"legacy:2025-12-26": 1018, "interpreter:2025-02-07": 1007}
# sha256 of the uncompressed interpreter file, as SOURCE.md records it
INTERPRETER_SHA256 = {"f11d54c464d852eaa4a64f55cd4f02824c164f9d674911f5bad7f4bfe3834674"}


def load_json(path: Path) -> tuple[Any, bytes]:
    """Parse a (possibly gzip-compressed) JSON file; a file that cannot be read is an InputError."""
    try:
        data = path.read_bytes()
        if data[:2] == b"\x1f\x8b":
            data = gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(f"{path.name}: cannot read: {error}") from error
    try:
        return json.loads(data), data
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path.name}: not JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        ) from error
    except UnicodeDecodeError as error:
        raise InputError(f"{path.name}: not JSON text (UTF-8): {error}") from error


class LegacyReader:
    """``molecular-oncology-almanac.json[.gz]``: a list of assertion objects."""

    source = SOURCE

    def read(self, path: Path) -> KbRead:
        document, _ = load_json(path)
        if not isinstance(document, list):
            raise InputError(
                f"{path.name}: expected a JSON list of MOAlmanac assertions, "
                f"got {type(document).__name__}"
                + (
                    " (an interpreter release? use --source moalmanac-interpreter)"
                    if isinstance(document, dict)
                    else ""
                )
            )
        release = _newest_update(document)
        read = _read_rows(document, path.name, release)
        read.expected_records = DOCUMENTED_RECORDS.get(f"legacy:{release}")
        return read


class InterpreterReader:
    """The interpreter's ``datasources/moalmanac/molecular-oncology-almanac.json``."""

    source = SOURCE

    def read(self, path: Path) -> KbRead:
        document, data = load_json(path)
        if not isinstance(document, dict) or not isinstance(document.get("content"), list):
            raise InputError(
                f"{path.name}: expected an object with 'release', 'version', 'genes' and a "
                "'content' list (the MOAlmanac interpreter's bundled database)"
            )
        release = str(document.get("release") or "").strip()
        if not release:
            raise InputError(f"{path.name}: 'release' is missing or empty")
        read = _read_rows(document["content"], path.name, release)
        if hashlib.sha256(data).hexdigest() in INTERPRETER_SHA256:
            read.expected_records = DOCUMENTED_RECORDS.get(f"interpreter:{release}")
        read.problems += _undeclared_genes(document, read, path.name)
        return read


def _undeclared_genes(document: dict[str, Any], read: KbRead, name: str) -> list[Problem]:
    """Referential integrity: every gene an assertion names is in the release's gene list."""
    declared = document.get("genes")
    if not isinstance(declared, list):
        return [Problem(name, "whole file", "genes", repr(declared)[:80], "a list of genes")]
    known = set(declared)
    found = []
    for index, row in enumerate(document["content"], start=1):
        for key in ("gene", "gene1", "gene2"):
            value = row.get(key) if isinstance(row, dict) else None
            if value and value not in known:
                found.append(Problem(name, _where(index, row), key, value, "a gene in 'genes'"))
    return found


def _newest_update(rows: list[Any]) -> str:
    """The legacy file names no release; SOURCE.md dates it by its newest ``last_updated``."""
    dates = []
    for row in rows:
        if isinstance(row, dict):
            try:
                dates.append(date.fromisoformat(str(row.get("last_updated"))))
            except ValueError:
                continue  # reported per row by _assertion
    if not dates:
        raise InputError("no record has a valid 'last_updated' date to name the release by")
    return max(dates).isoformat()


def _read_rows(rows: list[Any], name: str, release: str) -> KbRead:
    read = KbRead(
        source=SOURCE,
        release=release,
        release_date=_date_or_none(release),
        licence=LICENCE,
        notice=NOTICE,
        genome_build=MOALMANAC_BUILD,
        records_read=len(rows),
    )
    for index, row in enumerate(rows, start=1):
        where = _where(index, row)
        try:
            if not isinstance(row, dict):
                raise RowProblem("record", type(row).__name__, "a JSON object")
            read.assertions.append(_assertion(row))
        except RowProblem as problem:
            read.problems.append(
                Problem(name, where, problem.field, problem.value, problem.expected)
            )
            read.rows_with_problems.add(where)
        except RowDrop as drop:
            read.dropped.append(DroppedRow(locator=where, reason=str(drop), raw=json.dumps(row)))
    return read


def _where(index: int, row: Any) -> str:
    ident = row.get("assertion_id") if isinstance(row, dict) else None
    return f"record {index} (assertion_id {ident})" if ident is not None else f"record {index}"


def _date_or_none(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _assertion(row: Row) -> Assertion:
    for key in COMMON_FIELDS:
        if key not in row:
            raise RowProblem(key, "(missing)", "the field to be present")
    level = text(row, "predictive_implication")
    evidence_class = LEVELS[SOURCE].get(level)
    if evidence_class is None:
        raise RowProblem("predictive_implication", level, "one of " + ", ".join(LEVELS[SOURCE]))
    last_updated = _last_updated(row)
    if row["_deprecated"] is True:
        raise RowDrop("deprecated by the source (_deprecated: true)")
    direction = _direction(row)
    rule = rule_for(row)
    therapy = _therapy(row, direction)
    try:
        return Assertion(
            assertion_id=f"{SOURCE}:{text(row, 'assertion_id')}",
            source=SOURCE,
            source_level=level,
            evidence_class=evidence_class,
            direction=direction,
            rule=rule,
            therapy=therapy,
            disease=_disease(row),
            references=(_reference(row),),
            description=text(row, "description") or None,
            last_updated=last_updated,
            raw=dict(row),
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise RowProblem(field, first.get("input"), first["msg"]) from error


def _last_updated(row: Row) -> date:
    value = text(row, "last_updated")
    try:
        return date.fromisoformat(value)
    except ValueError as error:
        raise RowProblem("last_updated", value, "a date YYYY-MM-DD") from error


def _flag(row: Row, key: str) -> int | None:
    """MOAlmanac's 1 / 0 / "" flags."""
    value = row.get(key)
    if value in ("", None):
        return None
    if value in (0, 1, "0", "1") and not isinstance(value, bool):
        return int(value)
    raise RowProblem(key, value, "1, 0 or empty")


def _direction(row: Row) -> Direction:
    sensitivity, resistance = _flag(row, "therapy_sensitivity"), _flag(row, "therapy_resistance")
    prognosis, diagnostic = _flag(row, "favorable_prognosis"), _flag(row, "diagnostic")
    stated: list[Direction] = []
    if sensitivity == 1:
        stated.append("sensitivity")
    if resistance == 1:
        stated.append("resistance")
    if prognosis is not None:
        stated.append("favorable_prognosis" if prognosis == 1 else "poor_prognosis")
    if diagnostic == 1:
        stated.append("diagnostic")
    if _flag(row, "adverse_event_risk") == 1:  # e.g. germline ATM: radiation toxicity
        stated.append("adverse_response")
    if len(stated) > 1:
        raise RowProblem("direction", "/".join(stated), "exactly one direction per assertion")
    if stated:
        return stated[0]
    if sensitivity == 0:
        raise RowDrop(
            "therapy_sensitivity = 0 (no benefit or no association shown): OncoBoard states "
            "sensitivity, resistance or prognosis, and does not recast this as resistance"
        )
    raise RowDrop(
        "no direction: therapy_sensitivity, therapy_resistance, favorable_prognosis empty"
    )


def _therapy(row: Row, direction: Direction) -> Therapy | None:
    name = text(row, "therapy_name")
    if not name:
        if direction in ("sensitivity", "resistance"):
            raise RowDrop(f"{direction} assertion without a therapy_name")
        return None
    codes = tuple(
        str(mapping["coding"]["id"])
        for mapping in row.get("therapy_name_mappings") or ()
        if isinstance(mapping, dict) and isinstance(mapping.get("coding"), dict)
    )
    return Therapy(
        name=name,
        strategy=text(row, "therapy_strategy") or None,
        therapy_type=text(row, "therapy_type") or None,
        codes=codes,
    )


def _disease(row: Row) -> Disease:
    name = text(row, "disease") or text(row, "oncotree_term") or "not stated by the source"
    return Disease(
        name=name,
        oncotree_code=text(row, "oncotree_code") or None,
        context=text(row, "context") or None,
    )


def _reference(row: Row) -> Reference:
    url = text(row, "url") or None
    citation = text(row, "citation") or url or f"MOAlmanac assertion {text(row, 'assertion_id')}"
    return Reference(
        citation=citation,
        pmid=text(row, "pmid") or None,
        doi=text(row, "doi") or None,
        url=url,
        nct=text(row, "nct") or None,
    )
