# SPDX-License-Identifier: Apache-2.0
"""The fast path (``validated_parts.py``) gives the R4B models' verdict, never another one.

On every resource of the real files (Synthea, mCODE, Genomics Reporting examples) and on
thousands of mutated copies of them, "the fast path accepts" implies "the R4B models accept";
where the models refuse, the located problems logged with the fast path equal those without it.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from oncoboard.errors import InputError
from oncoboard.ingest.fhir import reader as fhir_reader
from oncoboard.ingest.fhir.references import _walk
from oncoboard.ingest.fhir.validate import KEPT_TYPES, validate
from oncoboard.ingest.fhir.validated_parts import ValidatedParts
from oncoboard.ingest.schemas import ProblemLog
from tests.support import read_file, shared_file

pytestmark = pytest.mark.shared


def _resources(document: Any) -> Iterator[dict[str, Any]]:
    if not isinstance(document, dict):
        return
    if document.get("resourceType") == "Bundle":
        for entry in document.get("entry") or []:
            yield from _resources(entry.get("resource"))
    elif isinstance(document.get("resourceType"), str):
        yield document


def _load(path: Path) -> Any:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _kept(*folder: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    for path in sorted(shared_file(*folder).rglob("*.json*")):
        found.extend(r for r in _resources(_load(path)) if r["resourceType"] in KEPT_TYPES)
    return found


def _models_accept(resource: dict[str, Any]) -> bool:
    try:
        get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    except (ValidationError, ValueError, TypeError):
        return False
    return True


def _fast_accepts(parts: ValidatedParts, resource: dict[str, Any]) -> bool:
    return parts.accepts(get_fhir_model_class(resource["resourceType"]), resource)


SYNTHEA = ("interop", "synthea", "bundles-r4")
EXAMPLES = (
    ("interop", "fhir-mcode", "examples"),
    ("interop", "fhir-genomics-reporting", "examples"),
)


@pytest.fixture(scope="module")
def real() -> list[dict[str, Any]]:
    return _kept(*SYNTHEA) + [r for folder in EXAMPLES for r in _kept(*folder)]


def test_every_real_resource_same_verdict(real: list[dict[str, Any]]) -> None:
    parts = ValidatedParts()
    fast = [_fast_accepts(parts, r) for r in real]
    assert len(real) > 5000
    assert all(_models_accept(r) for r, ok in zip(real, fast, strict=True) if ok)


def test_fast_path_carries_the_synthea_resources() -> None:
    """What makes the import fast: every kept Synthea resource is decided without the models."""
    synthea = _kept(*SYNTHEA)
    parts = ValidatedParts()
    # 5,622 before the eligibility readers kept Immunization and AllergyIntolerance too
    assert len(synthea) == 5846
    assert all(_fast_accepts(parts, r) for r in synthea)


# values that are wrong for some R4 type: each one breaks some rule the models check
_BAD_VALUES: list[Any] = [
    None, "", " ", "a  b", " lead", 0, -1, 1.5, True, "true", "1.0", [], {}, [None], ["x"],
    {"x": 1}, "2020-13-01", "2021-02-29", "2020-02-30T00:00:00Z", "2020-01-01T10:00:00",
    "2020-01-01T25:00:00Z", "2020-1-01", "2020-01-01T10:00:00+15:00", "no spaces?",
    "id with space", "x" * 300, 2**40, float("nan"), "\x0b", "urn:uuid:" + "z" * 40,
]  # fmt: skip
_EXTRA_KEYS = ["unknown", "_status", "fhir_comments", "resource_type", "valueString", "status__ext"]


def _paths(node: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield (*path, key)
            yield from _paths(value, (*path, key))
    elif isinstance(node, list):
        for number, value in enumerate(node):
            yield (*path, number)
            yield from _paths(value, (*path, number))


def _mutate(resource: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    mutant = copy.deepcopy(resource)
    paths = [p for p in _paths(mutant) if p[0] not in ("resourceType",)]
    path = rng.choice(paths)
    parent: Any = mutant
    for step in path[:-1]:
        parent = parent[step]
    last = path[-1]
    action = rng.randrange(4)
    if action == 0 and isinstance(parent, dict):
        del parent[last]
    elif action == 1 and isinstance(parent, dict):
        parent[rng.choice(_EXTRA_KEYS)] = copy.deepcopy(parent[last])
    else:
        parent[last] = copy.deepcopy(rng.choice(_BAD_VALUES))
    return mutant


def test_mutated_resources_same_verdict_and_same_errors(real: list[dict[str, Any]]) -> None:
    rng = random.Random(21)
    sample = rng.sample(real, 400)
    refused = accepted = 0
    for resource in sample:
        for _ in range(6):
            mutant = _mutate(resource, rng)
            models = _models_accept(mutant)
            fast = _fast_accepts(ValidatedParts(), mutant)
            assert not fast or models, json.dumps(mutant)[:400]
            if models:
                accepted += 1
                continue
            refused += 1
            plain_log, fast_log = ProblemLog(source="t"), ProblemLog(source="t")
            assert not validate(mutant, "entry 1", plain_log)
            assert not validate(mutant, "entry 1", fast_log, ValidatedParts())
            assert fast_log.problems == plain_log.problems
            assert plain_log.problems
    # both kinds occur, so the implication above was tested both ways
    assert refused > 800
    assert accepted > 100


def test_fast_path_refuses_what_it_does_not_model() -> None:
    parts = ValidatedParts()
    observation = get_fhir_model_class("Observation")
    base = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}
    assert parts.accepts(observation, base)
    # a primitive extension, a null, an empty list, two value[x]: the models decide
    assert not parts.accepts(observation, {**base, "_status": {"extension": []}})
    assert not parts.accepts(observation, {**base, "issued": None})
    assert not parts.accepts(observation, {**base, "category": []})
    assert not parts.accepts(observation, {**base, "valueString": "a", "valueBoolean": True})
    # a required element missing; a wrong resourceType
    assert not parts.accepts(observation, {"resourceType": "Observation", "status": "final"})
    assert not parts.accepts(observation, {**base, "resourceType": "Condition"})


def test_references_noted_on_the_way_are_the_walks(real: list[dict[str, Any]]) -> None:
    """The count of references leaving a bundle uses what the fast path noted; it must be the
    very objects (and order) ``references._walk`` finds in the resource without ``contained``."""
    parts = ValidatedParts(collect=True)
    compared = 0
    for resource in real:
        if not _fast_accepts(parts, resource):
            assert id(resource) not in parts.references
            continue
        walked = _walk({k: v for k, v in resource.items() if k != "contained"})
        noted = parts.references[id(resource)]
        assert [id(r) for r in noted] == [id(r) for r in walked]
        compared += bool(walked)
    assert compared > 4000
    off = ValidatedParts()
    assert _fast_accepts(off, real[0]) and not off.references  # only while collecting


@pytest.mark.parametrize("which", [0, 7, 18])
def test_import_reads_the_same_with_and_without_the_fast_path(
    which: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """End to end on real bundles: the same facts, notes and problems either way."""
    path = sorted(shared_file(*SYNTHEA).glob("*.json.gz"))[which]
    fast_facts, fast_log = read_file(path)
    original = fhir_reader.validate_kept

    def models_only(
        resource: object,
        locator: str,
        log: ProblemLog,
        unchecked: dict[str, int],
        parts: ValidatedParts | None = None,
    ) -> bool:
        return original(resource, locator, log, unchecked)

    monkeypatch.setattr(fhir_reader, "validate_kept", models_only)
    plain_facts, plain_log = read_file(path)
    assert len(fast_facts) > 20
    assert fast_facts == plain_facts
    assert fast_log.notes == plain_log.notes
    assert fast_log.problems == plain_log.problems


def _outcome(path: Path) -> tuple[object, ...]:
    try:
        facts, log = read_file(path)
    except InputError as error:
        return ("refused", str(error), tuple(error.problems))
    return ("read", tuple(facts), tuple(log.notes), tuple(log.problems))


def test_every_real_example_and_ndjson_file_reads_the_same_without_the_fast_path(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every mCODE and Genomics Reporting example and the Synthea Bulk NDJSON files: the same
    facts, notes, problems (with their locators) or refusal with and without the fast path."""
    paths = [
        p
        for folder in (*EXAMPLES, ("interop", "synthea", "bulk-ndjson-10-patients"))
        for p in sorted(shared_file(*folder).rglob("*"))
        if p.is_file() and p.name.endswith((".json", ".ndjson", ".json.gz", ".ndjson.gz"))
    ]
    fast = [_outcome(p) for p in paths]
    original = fhir_reader.validate_kept
    monkeypatch.setattr(
        fhir_reader,
        "validate_kept",
        lambda resource, locator, log, unchecked, parts=None: original(
            resource, locator, log, unchecked
        ),
    )
    plain = [_outcome(p) for p in paths]
    assert len(paths) > 300
    for path, a, b in zip(paths, fast, plain, strict=True):
        assert a == b, path.name
    assert any(o[0] == "read" and o[3] for o in fast) or any(o[0] == "refused" for o in fast)
