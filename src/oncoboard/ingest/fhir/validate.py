# SPDX-License-Identifier: Apache-2.0
"""Gate every resource through the ``fhir.resources.R4B`` models (never the R5 defaults).

R4B accepts 100 % of the real R4 files we hold; the default R5 models reject 56 mCODE, 53 GR
and 19 of 20 Synthea files (interop-notes §1.1). Failures become located problems.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import version

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from oncoboard.ingest.fhir.validated_parts import ValidatedParts
from oncoboard.ingest.fhir.values import Json
from oncoboard.ingest.schemas import ProblemLog

FHIR_VERSION = "4.0.1"
MODELS = f"fhir.resources {version('fhir.resources')} R4B"
MAX_ERRORS_PER_RESOURCE = 10
# The resource types the converter turns into facts or reads through a reference (a staging
# Observation, a Medication, a related Condition). Only these are validated with the R4B models:
# an EHR's Claims, Encounters and ExplanationOfBenefits are never read, so validating them cost
# most of an import's time and protected nothing (#21, docs/benchmarks.md "FHIR ingest").
KEPT_TYPES = frozenset({
    "Patient", "Condition", "Observation", "Specimen", "Medication", "MedicationRequest",
    "MedicationAdministration", "MedicationStatement", "Procedure", "DiagnosticReport",
    "AllergyIntolerance", "Immunization",
})  # fmt: skip


def describe(resource: Json) -> str:
    """``Observation/abc`` (or ``Observation`` when it has no id) for locators."""
    type_name = resource.get("resourceType") or "(no resourceType)"
    return f"{type_name}/{resource['id']}" if resource.get("id") else str(type_name)


def is_resource(resource: object, locator: str, log: ProblemLog) -> bool:
    """A JSON object with a ``resourceType`` (what even an unvalidated entry must be)."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        shown = type(resource).__name__ if not isinstance(resource, dict) else sorted(resource)[:5]
        log.add(locator, "resourceType", shown, "a FHIR resource: a JSON object with resourceType")
        return False
    return True


def validate_kept(
    resource: object,
    locator: str,
    log: ProblemLog,
    unchecked: dict[str, int],
    parts: ValidatedParts | None = None,
) -> bool:
    """Validate a resource OncoBoard keeps; count (not validate) one of a type it never reads."""
    if not is_resource(resource, locator, log):
        return False
    assert isinstance(resource, dict)
    kind = resource["resourceType"]
    if kind in KEPT_TYPES or kind == "Bundle" or not _known_type(kind):
        return validate(resource, locator, log, parts)  # an unknown type fails here, located
    unchecked[kind] = unchecked.get(kind, 0) + 1
    return True


@cache
def _known_type(kind: str) -> bool:
    try:
        get_fhir_model_class(kind)
    except (ValueError, KeyError, AttributeError):
        return False
    return True


def validate(
    resource: object, locator: str, log: ProblemLog, parts: ValidatedParts | None = None
) -> bool:
    """True when ``resource`` is a valid R4 resource; otherwise every defect goes to ``log``.

    With ``parts``, the fast path (``validated_parts.py``) gives the models' "valid" where it
    can; anything else is validated by the models themselves, so errors are located as always.
    """
    if not is_resource(resource, locator, log):
        return False
    assert isinstance(resource, dict)
    try:
        model = get_fhir_model_class(resource["resourceType"])
    except (ValueError, KeyError, AttributeError):
        log.add(locator, "resourceType", resource["resourceType"], "a FHIR R4 resource type")
        return False
    if parts is not None and parts.accepts(model, resource):
        return True
    try:
        model.model_validate(resource)
    except ValidationError as error:
        for detail in error.errors()[:MAX_ERRORS_PER_RESOURCE]:
            path = ".".join(str(p) for p in detail["loc"]) or "(resource)"
            log.add(
                locator,
                f"{resource['resourceType']}.{path}",
                repr(detail.get("input"))[:80],
                f"valid FHIR R4 ({detail['msg']})",
            )
        return False
    return True
