# SPDX-License-Identifier: Apache-2.0
"""Decide what a FHIR resource is for OncoBoard from its content, never from ``meta.profile``.

8 of the 179 mCODE examples and every Synthea bundle carry no profile (interop-notes §1.2),
so the decision rests on resourceType plus LOINC/SNOMED codes (tables in ``codes.py``).
"""

from __future__ import annotations

from enum import Enum

from oncoboard.ingest.fhir import codes, history, vitals
from oncoboard.ingest.fhir.values import LOINC, Json, code_keys, codings, has_code


class Kind(Enum):
    PATIENT = "patient"
    CANCER_CONDITION = "cancer condition"
    VARIANT = "genomic variant"
    TMB = "TMB"
    MSI = "MSI"
    PERFORMANCE = "performance status"
    TUMOR_MARKER = "tumour marker"
    STAGING = "staging"
    SPECIMEN = "specimen"
    MEDICATION = "medication"
    PROCEDURE = "procedure"
    RADIOTHERAPY = "radiotherapy"
    REPORT = "diagnostic report"
    FINDING = "condition (not a cancer)"
    ALLERGY = "allergy or intolerance"
    IMMUNIZATION = "immunization"
    BLOOD_PRESSURE = "blood pressure"
    COMORBIDITIES = "comorbidities"
    PREGNANCY = "pregnancy status"
    BREASTFEEDING = "breastfeeding status"
    DISEASE_STATUS = "cancer disease status"
    GENES_STUDIED = "genes studied"
    LAB = "laboratory result"
    PGX_GENOTYPE = "pharmacogenomic genotype"
    SKIP = "skip"


# resource types read as findings for trial eligibility (allergies, immunizations)
_PERSON_HISTORY = {"AllergyIntolerance": Kind.ALLERGY, "Immunization": Kind.IMMUNIZATION}
MEDICATION_TYPES = ("MedicationRequest", "MedicationAdministration", "MedicationStatement")


def classify(resource: Json) -> tuple[Kind, str]:
    """The kind of a resource and, for skipped ones, a short reason for the import notes."""
    resource_type = str(resource.get("resourceType"))
    if resource_type == "Patient":
        return Kind.PATIENT, ""
    if resource_type == "Condition":
        # a refuted cancer ("brain metastases" ruled out by MRI) is a negative finding, not a
        # diagnosis
        refuted = has_code(
            resource.get("verificationStatus"), codes.CONDITION_VERIFICATION, "refuted"
        )
        if is_cancer(resource.get("code")) and not refuted:
            return Kind.CANCER_CONDITION, ""
        return Kind.FINDING, ""
    if resource_type == "Observation":
        return _observation(resource)
    if resource_type == "Specimen":
        return Kind.SPECIMEN, ""
    if resource_type in MEDICATION_TYPES:
        return Kind.MEDICATION, ""
    if resource_type == "Procedure":
        return _procedure(resource)
    if resource_type == "DiagnosticReport":
        return Kind.REPORT, ""
    if resource_type in _PERSON_HISTORY:
        return _PERSON_HISTORY[resource_type], ""
    return Kind.SKIP, resource_type


def _observation(resource: Json) -> tuple[Kind, str]:
    code = resource.get("code")
    keys = list(code_keys(code))
    if (LOINC, codes.VARIANT) in keys:
        return Kind.VARIANT, ""
    if (LOINC, codes.GENOTYPE) in keys:
        return Kind.PGX_GENOTYPE, ""
    if (LOINC, codes.TMB) in keys:
        return Kind.TMB, ""
    if (LOINC, codes.MSI) in keys:
        return Kind.MSI, ""
    if (LOINC, codes.ECOG) in keys or (LOINC, codes.KARNOFSKY) in keys:
        return Kind.PERFORMANCE, ""
    if any(codes.cancer_stage_name(s, c) for s, c in keys):
        return Kind.STAGING, ""
    if any(codes.tumor_marker_name(s, c) for s, c in keys):
        return Kind.TUMOR_MARKER, ""
    if codes.LANSKY in keys:
        return Kind.SKIP, "Observation: Lansky play-performance (no ECOG/Karnofsky scale)"
    eligibility = _eligibility(resource)
    if eligibility is not None:
        return eligibility, ""
    shown = ", ".join(c for _, c in keys[:1]) or "uncoded"
    return Kind.SKIP, f"Observation without an oncology mapping ({shown})"


def _eligibility(resource: Json) -> Kind | None:
    """Observations trial eligibility reads: genes studied, pregnancy, comorbidities, labs."""
    if history.is_region_studied(resource):
        return Kind.GENES_STUDIED
    if history.is_pregnancy_status(resource):
        return Kind.PREGNANCY
    if history.is_breastfeeding_status(resource):
        return Kind.BREASTFEEDING
    if history.is_disease_status(resource):
        return Kind.DISEASE_STATUS
    if history.is_comorbidities(resource):
        return Kind.COMORBIDITIES
    if vitals.is_blood_pressure(resource):
        return Kind.BLOOD_PRESSURE
    valued = any(k.startswith("value") for k in resource)
    measured = history.is_laboratory(resource) or history.is_clinical_measurement(resource)
    return Kind.LAB if valued and measured else None


def _procedure(resource: Json) -> tuple[Kind, str]:
    code = resource.get("code")
    if has_code(code, *codes.RADIOTHERAPY_COURSE):
        return Kind.RADIOTHERAPY, ""
    keys = set(code_keys(code))
    laboratory = any(
        c.get("code") == "laboratory"
        for cat in _list(resource.get("category"))
        for c in codings(cat)
    )
    if laboratory or keys & codes.SEQUENCING_PROCEDURES:
        return Kind.SKIP, "Procedure: genomic study/test (not a treatment)"
    return Kind.PROCEDURE, ""


def _list(value: object) -> list[Json]:
    if isinstance(value, dict):
        return [value]
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def is_cancer(concept: Json | None) -> bool:
    """True for a cancer diagnosis code (SNOMED table or wording, ICD-10 C00-D09, ICD-O-3)."""
    for coding in codings(concept):
        system, code = str(coding.get("system", "")), str(coding.get("code", ""))
        display = str(coding.get("display", ""))
        if system == codes.SNOMED_SYSTEM and code in codes.CANCER_SNOMED:
            return True
        if system in codes.ICD10 and codes.ICD10_CANCER.match(code):
            return True
        if system in codes.ICDO3 and code:
            return True
        if _cancer_words(display):
            return True
    text = str((concept or {}).get("text", ""))
    return _cancer_words(text)


def _cancer_words(text: str) -> bool:
    return bool(
        text and codes.CANCER_WORDS.search(text) and not codes.NOT_CANCER_WORDS.search(text)
    )


def is_secondary(concept: Json | None) -> bool:
    """Secondary (metastatic) cancer by wording; mCODE's secondary profile root is 128462008."""
    if has_code(concept, codes.SNOMED_SYSTEM, "128462008"):
        return True
    texts = [str(c.get("display", "")) for c in codings(concept)]
    texts.append(str((concept or {}).get("text", "")))
    return any(codes.SECONDARY_WORDS.search(t) for t in texts if t)
