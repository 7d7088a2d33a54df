# SPDX-License-Identifier: Apache-2.0
"""FHIR ``AllergyIntolerance`` → a clinical finding trial eligibility reads ("allergy to the study
drug or its excipients").

A recorded allergy becomes a present finding labelled ``Allergy (<category>): <substance>``. The
International Patient Summary's "known absent" codes (IPS IG 1.1.0, CodeSystem
``absent-unknown-uv-ips``: ``no-known-allergies``, ``no-known-medication-allergies``, … ;
ValueSet ``absent-or-unknown-allergies-uv-ips``) become an absent finding ``Allergy
(<category>)`` (shown "Allergy (medication): absent"; category ``any`` for no known allergies); ``no-allergy-info`` says nothing and is skipped. A refuted
allergy is absent; entered-in-error is skipped. Categories are FHIR's
``AllergyIntolerance.category`` (food | medication | environment | biologic).
"""

from __future__ import annotations

import re

from oncoboard.ingest.fhir.values import Json, code_keys, date_of, first_code, label
from oncoboard.record.schemas import ClinicalFinding

IPS_ABSENT = "http://hl7.org/fhir/uv/ips/CodeSystem/absent-unknown-uv-ips"
# IPS "known absent" code -> the category it rules out ("any": every category)
_NONE_KNOWN = {
    "no-known-allergies": "any",
    "no-known-medication-allergies": "medication",
    "no-known-food-allergies": "food",
    "no-known-environmental-allergies": "environment",
}
_NO_INFORMATION = "no-allergy-info"
# SNOMED semantic tags of substances ("Tree nut (substance)", "Mold (organism)")
_TAG = re.compile(r"\s*\((?:substance|organism|product|medicinal product)\)\s*$")


def finding(resource: Json) -> ClinicalFinding | None:
    """The allergy as a finding, or None when it says nothing (no information, in error)."""
    verification = first_code(resource.get("verificationStatus"))[1]
    if verification == "entered-in-error":
        return None
    keys = {code for system, code in code_keys(resource.get("code")) if system == IPS_ABSENT}
    recorded = date_of(resource, "recordedDate", "onsetDateTime", "lastOccurrence")
    if _NO_INFORMATION in keys:
        return None
    absent = next((_NONE_KNOWN[k] for k in sorted(keys) if k in _NONE_KNOWN), None)
    if absent is not None:
        return ClinicalFinding(code_system=IPS_ABSENT, code=sorted(keys)[0],
                               display=f"Allergy ({absent})", present=False,
                               effective=recorded)  # fmt: skip
    system, code, display = first_code(resource.get("code"))
    substance = _TAG.sub("", label(resource.get("code")) or display or "")
    if not substance:
        return None
    categories = [str(c) for c in resource.get("category") or [] if isinstance(c, str)]
    return ClinicalFinding(
        code_system=system,
        code=code,
        display=f"Allergy ({'/'.join(categories) or 'category not stated'}): {substance}",
        present=verification != "refuted",
        clinical_status=first_code(resource.get("clinicalStatus"))[1],
        onset=date_of(resource, "onsetDateTime", "onsetPeriod", "onsetString"),
        effective=recorded,
    )
