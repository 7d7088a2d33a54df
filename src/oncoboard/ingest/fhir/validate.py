# SPDX-License-Identifier: Apache-2.0
"""Gate every resource through the ``fhir.resources.R4B`` models (never the R5 defaults).

R4B accepts 100 % of the real R4 files we hold; the default R5 models reject 56 mCODE, 53 GR
and 19 of 20 Synthea files (interop-notes §1.1). Failures become located problems.
"""

from __future__ import annotations

from importlib.metadata import version

from fhir.resources.R4B import get_fhir_model_class
from pydantic import ValidationError

from oncoboard.ingest.fhir.values import Json
from oncoboard.ingest.schemas import ProblemLog

FHIR_VERSION = "4.0.1"
MODELS = f"fhir.resources {version('fhir.resources')} R4B"
MAX_ERRORS_PER_RESOURCE = 10


def describe(resource: Json) -> str:
    """``Observation/abc`` (or ``Observation`` when it has no id) for locators."""
    type_name = resource.get("resourceType") or "(no resourceType)"
    return f"{type_name}/{resource['id']}" if resource.get("id") else str(type_name)


def validate(resource: object, locator: str, log: ProblemLog) -> bool:
    """True when ``resource`` is a valid R4 resource; otherwise every defect goes to ``log``."""
    if not isinstance(resource, dict) or not isinstance(resource.get("resourceType"), str):
        shown = type(resource).__name__ if not isinstance(resource, dict) else sorted(resource)[:5]
        log.add(locator, "resourceType", shown, "a FHIR resource: a JSON object with resourceType")
        return False
    try:
        model = get_fhir_model_class(resource["resourceType"])
    except (ValueError, KeyError, AttributeError):
        log.add(locator, "resourceType", resource["resourceType"], "a FHIR R4 resource type")
        return False
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
