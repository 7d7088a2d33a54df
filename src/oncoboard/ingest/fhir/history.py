# SPDX-License-Identifier: Apache-2.0
"""Laboratory results, non-cancer conditions (present or refuted), mCODE comorbidities, pregnancy
status and the genes a test examined → record facts, for trial eligibility.

Codes (each from a published HL7 artefact): laboratory category
``observation-category#laboratory``; LOINC 82810-3 "Pregnancy status" with answers LA15173-0
"Pregnant" / LA26683-5 "Not pregnant" (IPS IG 1.1.0, ValueSet pregnancy-status-uv-ips); mCODE
comorbidities SNOMED 398192003 "Co-morbid conditions" with the extensions
``mcode-related-condition`` / ``mcode-related-condition-absent`` (mCODE STU4 examples); LOINC
53041-0 "DNA region of interest panel" with 48018-6 "Gene studied" components (mCODE
genomic-region-studied example); a 69548-6 variant Observation valued LA9634-2 "Absent" is a
pertinent negative (GR / mCODE example ``gx-genomic-variant-pertinent-negative-nras-kit-braf``);
mCODE cancer disease status LOINC 97509-4 valued from ConditionStatusTrendVS (SNOMED 268910001
improved, 359746009 stable, 271299001 worsened, 709137006 undetermined; mCODE STU4).

Clinical measurements outside the laboratory category that eligibility reads, by LOINC code as
used in public FHIR data (US Core and Synthea examples, several open-source FHIR projects; not
checked against the LOINC table itself, which is not available offline): body weight 29463-7
and body height 8302-2 (Synthea vital signs), QTc interval 8636-3 ("Q-T interval corrected"),
left ventricular ejection fraction 10230-1; breastfeeding status 63895-7; oxygen saturation
2708-6 and 59408-5 (by pulse oximetry), the codes of FHIR's vital-signs ValueSet
observation-vitalsign-oxygensat as in the US Core pulse-oximetry example; systolic 8480-6 and
diastolic 8462-4 blood pressure (the components of Synthea's 55284-4 panels; panels: ``vitals``).
"""

from __future__ import annotations

import re

from oncoboard.ingest.fhir.references import ResourceIndex
from oncoboard.ingest.fhir.values import (
    LOINC,
    SNOMED,
    Json,
    code_keys,
    codings,
    date_of,
    first_code,
    has_code,
    label,
)
from oncoboard.record.schemas import ClinicalFinding, GeneTesting, LabResult

PREGNANCY_STATUS = "82810-3"
NOT_PREGNANT = "LA26683-5"
PREGNANT = "LA15173-0"
COMORBIDITIES = "398192003"
REGION_STUDIED = "53041-0"
GENE_STUDIED = "48018-6"
BREASTFEEDING_STATUS = "63895-7"
DISEASE_STATUS = "97509-4"
# body weight, body height, QTc interval, LVEF, oxygen saturation (codes: module docstring)
CLINICAL_MEASUREMENTS = frozenset({
    "29463-7", "8302-2", "8636-3", "10230-1", "2708-6", "59408-5", "8480-6", "8462-4",
})  # fmt: skip
_RELATED = "mcode-related-condition"
_ABSENT = "mcode-related-condition-absent"


def is_laboratory(resource: Json) -> bool:
    categories = resource.get("category") or []
    categories = [categories] if isinstance(categories, dict) else categories
    return any(
        c.get("code") == "laboratory"
        for cat in categories
        if isinstance(cat, dict)
        for c in codings(cat)
    )


def is_clinical_measurement(resource: Json) -> bool:
    """A vital sign or cardiac measurement eligibility reads (weight, height, QTc, LVEF)."""
    return any(
        s == LOINC and c in CLINICAL_MEASUREMENTS for s, c in code_keys(resource.get("code"))
    )


def lab_result(resource: Json) -> LabResult | None:
    """A laboratory Observation with a quantity or a coded/string result (e.g. serology)."""
    system, code, display = first_code(resource.get("code"))
    name = label(resource.get("code")) or display or code
    if not name:
        return None
    number: float | None = None
    unit: str | None = None
    text: str | None = None
    quantity = resource.get("valueQuantity")
    if isinstance(quantity, dict) and isinstance(quantity.get("value"), int | float):
        number = float(quantity["value"])
        unit = quantity.get("code") or quantity.get("unit")
    elif resource.get("valueCodeableConcept"):
        text = label(resource["valueCodeableConcept"])
    elif isinstance(resource.get("valueString"), str):
        text = resource["valueString"]
    else:
        return None
    low, high = _reference_range(resource)
    return LabResult(
        name=name,
        code=code if system == LOINC else None,
        value_number=number,
        value_text=text,
        unit=unit,
        reference_low=low,
        reference_high=high,
        effective=date_of(resource, "effectiveDateTime", "effectivePeriod", "issued"),
    )


def _reference_range(resource: Json) -> tuple[float | None, float | None]:
    for entry in resource.get("referenceRange") or []:
        if not isinstance(entry, dict):
            continue
        low = (entry.get("low") or {}).get("value")
        high = (entry.get("high") or {}).get("value")
        return (
            float(low) if isinstance(low, int | float) else None,
            float(high) if isinstance(high, int | float) else None,
        )
    return None, None


def finding(condition: Json) -> ClinicalFinding | None:
    """A non-cancer Condition; ``refuted`` (or entered-in-error: skipped) verification decides."""
    verification = first_code(condition.get("verificationStatus"))[1]
    if verification == "entered-in-error":
        return None
    system, code, display = first_code(condition.get("code"))
    text = label(condition.get("code")) or display
    if not text:
        return None
    return ClinicalFinding(
        code_system=system,
        code=code,
        display=text,
        present=verification != "refuted",
        clinical_status=first_code(condition.get("clinicalStatus"))[1],
        onset=date_of(condition, "onsetDateTime", "onsetPeriod", "onsetString"),
        abatement=date_of(condition, "abatementDateTime", "abatementPeriod", "abatementString"),
        effective=date_of(condition, "recordedDate"),
    )


def is_comorbidities(resource: Json) -> bool:
    return has_code(resource.get("code"), SNOMED, COMORBIDITIES)


def comorbidities(resource: Json, index: ResourceIndex) -> list[ClinicalFinding]:
    """mCODE comorbidities: each related condition present, each listed absent."""
    when = date_of(resource, "effectiveDateTime", "effectivePeriod", "issued")
    out = []
    for ext in resource.get("extension") or []:
        url = str(ext.get("url", "")) if isinstance(ext, dict) else ""
        if url.endswith(_ABSENT):
            concept = ext.get("valueCodeableConcept")
            system, code, _ = first_code(concept)
            text = label(concept)
            if text:
                out.append(ClinicalFinding(code_system=system, code=code, display=text,
                                           present=False, effective=when))  # fmt: skip
        elif url.endswith(_RELATED):
            target = index.resolve(ext.get("valueReference"), resource)
            related = target.resource if target.status == "resolved" else None
            found = finding(related) if isinstance(related, dict) else None
            if found is not None:
                out.append(found)
    return out


def is_pregnancy_status(resource: Json) -> bool:
    return (LOINC, PREGNANCY_STATUS) in set(code_keys(resource.get("code")))


def pregnancy_status(resource: Json) -> ClinicalFinding | None:
    value = resource.get("valueCodeableConcept")
    keys = {c for _, c in code_keys(value)}
    when = date_of(resource, "effectiveDateTime", "effectivePeriod", "issued")
    if PREGNANT in keys:
        return ClinicalFinding(code_system=LOINC, code=PREGNANT, display="Pregnant", effective=when)
    if NOT_PREGNANT in keys:
        return ClinicalFinding(
            code_system=LOINC, code=NOT_PREGNANT, display="Not pregnant", effective=when
        )
    return None


def is_breastfeeding_status(resource: Json) -> bool:
    return (LOINC, BREASTFEEDING_STATUS) in set(code_keys(resource.get("code")))


def breastfeeding_status(resource: Json) -> ClinicalFinding | None:
    """``valueBoolean`` or a coded/text answer: "Not breastfeeding", "No" → absent."""
    when = date_of(resource, "effectiveDateTime", "effectivePeriod", "issued")
    value = resource.get("valueBoolean")
    if not isinstance(value, bool):
        text = label(resource.get("valueCodeableConcept")) or resource.get("valueString")
        if not isinstance(text, str) or not text.strip():
            return None
        value = not re.search(r"\bnot?\b|\bnever\b|\bfalse\b", text, re.IGNORECASE)
    return ClinicalFinding(
        code_system=LOINC, code=BREASTFEEDING_STATUS, display="Breastfeeding", present=value,
        effective=when,
    )  # fmt: skip


def is_disease_status(resource: Json) -> bool:
    return (LOINC, DISEASE_STATUS) in set(code_keys(resource.get("code")))


def disease_status(resource: Json) -> ClinicalFinding | None:
    """mCODE cancer disease status as a dated finding ("Cancer disease status: … worsened")."""
    value = resource.get("valueCodeableConcept")
    text = label(value)
    if not text:
        return None
    system, code, _ = first_code(value)
    return ClinicalFinding(
        code_system=system, code=code, display=f"Cancer disease status: {text}",
        effective=date_of(resource, "effectiveDateTime", "effectivePeriod", "issued"),
    )  # fmt: skip


def is_region_studied(resource: Json) -> bool:
    return (LOINC, REGION_STUDIED) in set(code_keys(resource.get("code")))


def genes_studied(resource: Json, absent: bool = False) -> GeneTesting | None:
    """Genes of the "gene studied" components; ``absent``: a pertinent negative's genes."""
    genes: list[str] = []
    for component in resource.get("component") or []:
        if not isinstance(component, dict):
            continue
        if (LOINC, GENE_STUDIED) in set(code_keys(component.get("code"))):
            genes += [
                str(c.get("display") or "").strip().upper()
                for c in codings(component.get("valueCodeableConcept"))
                if c.get("display")
            ]
    if not genes:
        return None
    method = label(resource.get("method"))
    return GeneTesting(
        test=method if absent else (label(resource.get("code")) or "DNA region of interest panel"),
        genes=tuple(dict.fromkeys(genes)),
        scope="no_variant_found" if absent else "region_studied",
        method=method,
        effective=date_of(resource, "effectiveDateTime", "effectivePeriod", "issued"),
    )
