# SPDX-License-Identifier: Apache-2.0
"""Biomarker, performance-status and staging Observations → record facts.

Staging Observations (TNM T/N/M, stage groups, FIGO, Binet, ISS …) are always kept as
``Biomarker`` facts (``name`` = the staging observable), even when a Condition in the same
bundle links them: the mCODE Jenny M. bundle shows why — its Condition says AJCC IIIC while
its linked clinical stage-group Observation says IIB, and dropping either would lose data.
The Condition's own ``stage`` still comes from ``Condition.stage.summary`` or, failing that,
from a linked stage-group Observation (``clinical.cancer_condition``).
"""

from __future__ import annotations

from oncoboard.ingest.fhir import codes
from oncoboard.ingest.fhir.clinical import stage_text
from oncoboard.ingest.fhir.values import LOINC, Json, code_keys, first_code, label
from oncoboard.ingest.schemas import ProblemLog
from oncoboard.record.schemas import Biomarker, PerformanceStatus

_EFFECTIVE = ("effectiveDateTime", "effectivePeriod", "effectiveInstant", "issued")


def _effective(resource: Json) -> str | None:
    for name in _EFFECTIVE:
        value = resource.get(name)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("start"), str):
            return str(value["start"])
    return None


def performance(resource: Json, locator: str, log: ProblemLog) -> PerformanceStatus | None:
    """ECOG (0-5) and Karnofsky (0-100) from ``valueInteger`` (mCODE; LOINC answer in interpretation)."""
    keys = list(code_keys(resource.get("code")))
    scale = "ECOG" if (LOINC, codes.ECOG) in keys else "Karnofsky"
    score = resource.get("valueInteger")
    if score is None and isinstance(resource.get("valueQuantity"), dict):
        score = resource["valueQuantity"].get("value")
    limit = 5 if scale == "ECOG" else 100
    if not isinstance(score, int | float) or isinstance(score, bool) or int(score) != score:
        log.add(locator, "Observation.valueInteger", score, f"an integer {scale} score")
        return None
    if not 0 <= score <= limit:
        log.add(locator, "Observation.valueInteger", score, f"{scale} score 0-{limit}")
        return None
    return PerformanceStatus(scale=scale, score=int(score), effective=_effective(resource))


def biomarker(resource: Json, name: str) -> Biomarker:
    """A measured marker: number + unit from ``valueQuantity``, text from a coded/string value."""
    number: float | None = None
    unit: str | None = None
    text: str | None = None
    quantity = resource.get("valueQuantity")
    if isinstance(quantity, dict) and quantity.get("value") is not None:
        number = float(quantity["value"])
        unit = quantity.get("unit") or quantity.get("code")
        if quantity.get("comparator"):
            text = f"{quantity['comparator']}{quantity['value']}"
    elif resource.get("valueCodeableConcept"):
        text = label(resource["valueCodeableConcept"])
    elif isinstance(resource.get("valueString"), str):
        text = resource["valueString"]
    elif isinstance(resource.get("valueInteger"), int):
        number = float(resource["valueInteger"])
    elif not any(k.startswith("value") for k in resource):
        text = _interpretation(resource)
    return Biomarker(
        name=name,
        value_number=number,
        value_text=text,
        unit=unit,
        code=first_code(resource.get("code"))[1],
        effective=_effective(resource),
    )


def _interpretation(resource: Json) -> str | None:
    for concept in resource.get("interpretation", []) or []:
        text = label(concept)
        if text:
            return text
    return None


def marker_name(resource: Json) -> str:
    for system, code in code_keys(resource.get("code")):
        name = codes.tumor_marker_name(system, code)
        if name:
            return name
    return label(resource.get("code")) or "tumour marker"


def staging(resource: Json) -> Biomarker:
    """A staging Observation as a Biomarker: ``cT category`` = ``cT3``, ``stage group`` = ``IIIC``."""
    name = "stage"
    for system, code in code_keys(resource.get("code")):
        found = codes.cancer_stage_name(system, code)
        if found:
            name = found
            break
    fact = biomarker(resource, name)
    if resource.get("valueCodeableConcept"):
        fact = fact.model_copy(update={"value_text": stage_text(resource["valueCodeableConcept"])})
    return fact
