# SPDX-License-Identifier: Apache-2.0
"""Small readers of FHIR datatypes on plain JSON dicts (the validated models are only a gate)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

Json = dict[str, Any]

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
# SNOMED fully specified names end in a semantic tag, e.g. "(disorder)"; it is not part of the name.
_SEMANTIC_TAG = re.compile(
    r"\s*\((?:disorder|finding|qualifier value|morphologic abnormality|"
    r"body structure|procedure|regime/therapy|tumor staging|"
    r"observable entity|situation|assessment scale)\)\s*$"
)


def codings(concept: Json | None) -> list[Json]:
    """The codings of a CodeableConcept (empty when absent)."""
    if not isinstance(concept, dict):
        return []
    return [c for c in concept.get("coding", []) if isinstance(c, dict)]


def code_keys(concept: Json | None) -> Iterator[tuple[str, str]]:
    """(system, code) pairs of a CodeableConcept; the system is '' when a coding has none."""
    for coding in codings(concept):
        if coding.get("code"):
            yield str(coding.get("system", "")), str(coding["code"])


def has_code(concept: Json | None, system: str, *codes: str) -> bool:
    return any(s == system and c in codes for s, c in code_keys(concept))


def strip_tag(text: str) -> str:
    return _SEMANTIC_TAG.sub("", text).strip()


def label(concept: Json | None) -> str | None:
    """A human label: ``text``, else the first coding display, else the first code."""
    if not isinstance(concept, dict):
        return None
    if concept.get("text"):
        return str(concept["text"])
    for coding in codings(concept):
        if coding.get("display"):
            return strip_tag(str(coding["display"]))
    for coding in codings(concept):
        if coding.get("code"):
            return str(coding["code"])
    return None


def first_code(concept: Json | None) -> tuple[str | None, str | None, str | None]:
    """(system, code, display) of the first coding that has a code."""
    for coding in codings(concept):
        if coding.get("code"):
            display = coding.get("display")
            return (
                coding.get("system"),
                str(coding["code"]),
                strip_tag(display) if display else None,
            )
    return None, None, None


def date_of(resource: Json, *names: str) -> str | None:
    """The original string of the first date-ish element present (``xDateTime``, ``xPeriod.start``)."""
    for name in names:
        value = resource.get(name)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("start"), str):
            return str(value["start"])
    return None


def extension(resource: Json, url_suffix: str) -> Json | None:
    """The first extension whose URL ends with ``url_suffix`` (IG versions differ in the base)."""
    for ext in resource.get("extension", []) or []:
        if isinstance(ext, dict) and str(ext.get("url", "")).endswith(url_suffix):
            return ext
    return None


def components(observation: Json, code: str) -> list[Json]:
    """Every component coded ``code`` (gene components repeat in fusions)."""
    return [
        c
        for c in observation.get("component", []) or []
        if any(k == code for _, k in code_keys(c.get("code")))
    ]
