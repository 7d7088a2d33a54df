# SPDX-License-Identifier: Apache-2.0
"""FHIR R4 reader: a Bundle, a single resource, or Bulk Data NDJSON → record facts.

Locators are ``entry N (Observation/id)`` in a Bundle, ``line N (Observation/id)`` in NDJSON and
``Observation/id`` for a single-resource file. Every problem goes to the log and reading goes
on; only a file that is not UTF-8 or not JSON at all raises at once. Reference rule: see
``references.py``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

from oncoboard.ingest.fhir.convert import Converter
from oncoboard.ingest.fhir.documents import documents
from oncoboard.ingest.fhir.references import ResourceIndex, dangling_references
from oncoboard.ingest.fhir.validate import (
    FHIR_VERSION,
    KEPT_TYPES,
    MODELS,
    describe,
    validate,
    validate_kept,
)
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog, SourceFile
from oncoboard.runtime import collector_paused


class FhirReader:
    """Reads FHIR R4 JSON; the patient is ``--patient``, else the Patient the facts are about."""

    name = "fhir"
    version = "1.0"
    source_format = "fhir"

    def read(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog
    ) -> Iterator[ParsedFact]:
        converter = Converter(options=options, log=log)
        dangling: Counter[str] = Counter()
        for prefix, document in documents(source.path, source.name, log):
            yield from _document(document, prefix, converter, dangling)
        log.notes.append(
            f"FHIR R4 {FHIR_VERSION} JSON; the resource types OncoBoard reads validated with "
            f"{MODELS} models"
        )
        if converter.unchecked:
            shown = ", ".join(f"{k} ×{n}" for k, n in sorted(converter.unchecked.items()))
            log.notes.append(f"not validated (types OncoBoard does not read): {shown}")
        log.notes.append(f"read {converter.resources} resource(s)")
        log.notes.extend(converter.notes())
        if dangling:
            shown = ", ".join(f"{name} ×{n}" for name, n in sorted(dangling.items()))
            log.notes.append(
                f"{sum(dangling.values())} reference(s) point outside the bundle and were "
                f"not followed: {shown}"
            )


def _locator(prefix: str, resource: Any) -> str:
    what = describe(resource) if isinstance(resource, dict) else "?"
    return f"{prefix} ({what})" if prefix else what


def _document(
    document: Any, prefix: str, converter: Converter, dangling: Counter[str]
) -> Iterator[ParsedFact]:
    locator = _locator(prefix, document)
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        yield from _bundle(document, prefix, converter, dangling)
        return
    if not validate_kept(document, locator, converter.log, converter.unchecked, converter.parts):
        return
    index = ResourceIndex(closed=False)
    index.add(document, None)
    yield from converter.convert(document, locator, index)


def _bundle(
    bundle: dict[str, Any], prefix: str, converter: Converter, dangling: Counter[str]
) -> Iterator[ParsedFact]:
    """Validate the envelope, index every entry, then convert the entries in order."""
    with collector_paused():  # tens of thousands of live objects, none of them garbage yet
        indexed = _indexed(bundle, prefix, converter)
    if indexed is None:
        return
    index, valid = indexed
    for locator, resource in valid:
        yield from converter.convert(resource, locator, index)
    with collector_paused():
        dangling.update(dangling_references(index, KEPT_TYPES, converter.parts.references))
    converter.parts.references.clear()


def _indexed(
    bundle: dict[str, Any], prefix: str, converter: Converter
) -> tuple[ResourceIndex, list[tuple[str, dict[str, Any]]]] | None:
    """The validated entries (with locators) and their index; None if the envelope is invalid."""
    log = converter.log
    entries = bundle.get("entry") or []
    envelope = dict(bundle)
    # the envelope as OncoBoard reads it: type, and each entry's fullUrl (request/response/
    # search are never read, so they are not validated either)
    envelope["entry"] = [
        ({"fullUrl": e["fullUrl"]} if "fullUrl" in e else {}) if isinstance(e, dict) else e
        for e in entries
    ]
    if not validate(envelope, _locator(prefix, bundle), log, converter.parts):
        return None
    index = ResourceIndex(closed=True)
    valid: list[tuple[str, dict[str, Any]]] = []
    converter.parts.collect = True  # the entries stay alive until their references are counted
    try:
        for number, entry in enumerate(entries):
            resource = entry.get("resource")
            where = f"{prefix} entry {number}".strip()
            if not isinstance(resource, dict):
                converter.skipped["Bundle entry without a resource"] += 1
                continue
            locator = _locator(where, resource)
            if validate_kept(resource, locator, log, converter.unchecked, converter.parts):
                index.add(resource, entry.get("fullUrl"))
                valid.append((locator, resource))
    finally:
        converter.parts.collect = False
    index.link_focus()
    return index, valid
