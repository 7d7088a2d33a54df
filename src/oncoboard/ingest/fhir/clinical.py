# SPDX-License-Identifier: Apache-2.0
"""Patient, cancer Condition, Specimen, medication and procedure resources → record facts."""

from __future__ import annotations

import re

from oncoboard.ingest.fhir import codes
from oncoboard.ingest.fhir.classify import is_secondary
from oncoboard.ingest.fhir.references import ResourceIndex
from oncoboard.ingest.fhir.values import (
    Json,
    code_keys,
    codings,
    date_of,
    extension,
    first_code,
    label,
    strip_tag,
)
from oncoboard.record.schemas import CancerCondition, Demographics, Specimen, Treatment

ONCOTREE = "oncotree"  # any system URL naming OncoTree, e.g. http://oncotree.mskcc.org
# SNOMED AJCC qualifier displays: "American Joint Committee on Cancer stage IIIC", "… cT3".
_AJCC_PREFIX = re.compile(r"^American Joint Committee on Cancer\s+(?:stage\s+)?", re.IGNORECASE)


def demographics(patient: Json) -> Demographics:
    deceased: bool | None = None
    if isinstance(patient.get("deceasedBoolean"), bool):
        deceased = patient["deceasedBoolean"]
    elif patient.get("deceasedDateTime"):
        deceased = True
    identifiers = tuple(
        f"{ident.get('system', '')}|{ident['value']}"
        for ident in patient.get("identifier", []) or []
        if isinstance(ident, dict) and ident.get("value")
    )
    return Demographics(
        name=_name(patient),
        birth_date=patient.get("birthDate"),
        sex=patient.get("gender"),
        deceased=deceased,
        identifiers=identifiers,
    )


def _name(patient: Json) -> str | None:
    names = [n for n in patient.get("name", []) or [] if isinstance(n, dict)]
    official = [n for n in names if n.get("use") == "official"] or names
    if not official:
        return None
    name = official[0]
    if name.get("text"):
        return str(name["text"])
    parts = [*name.get("given", []), name.get("family", "")]
    return " ".join(str(p) for p in parts if p) or None


def cancer_condition(condition: Json, index: ResourceIndex | None) -> CancerCondition:
    """Stage from ``Condition.stage.summary``; else a linked stage-group Observation in the bundle."""
    system, code, display = first_code(condition.get("code"))
    stage, stage_system = _stage(condition, index)
    histology = extension(condition, "mcode-histology-morphology-behavior")
    clinical = first_code(condition.get("clinicalStatus"))[1]
    return CancerCondition(
        code_system=system,
        code=code,
        display=display or label(condition.get("code")),
        oncotree_code=_oncotree(condition.get("code")),
        stage=stage,
        stage_system=stage_system,
        onset=date_of(condition, "onsetDateTime", "onsetPeriod", "onsetString"),
        body_site=_body_site(condition),
        histology=label(histology.get("valueCodeableConcept")) if histology else None,
        is_primary=not is_secondary(condition.get("code")),
        clinical_status=clinical,
    )


def _oncotree(concept: Json | None) -> str | None:
    """Only an explicit OncoTree coding fills ``oncotree_code``; SNOMED is never mapped to it."""
    for system, code in code_keys(concept):
        if ONCOTREE in system.lower():
            return code
    return None


def _body_site(condition: Json) -> str | None:
    sites = [label(site) for site in condition.get("bodySite", []) or []]
    site = "; ".join(s for s in sites if s) or None
    laterality = extension(condition, "mcode-laterality-qualifier")
    side = label(laterality.get("valueCodeableConcept")) if laterality else None
    return f"{site} ({side})" if site and side else site


def stage_text(concept: Json | None) -> str | None:
    """``American Joint Committee on Cancer stage IIIC`` → ``IIIC``; other values keep their label."""
    text = label(concept)
    return _AJCC_PREFIX.sub("", text) if text else None


def _stage(condition: Json, index: ResourceIndex | None) -> tuple[str | None, str | None]:
    for stage in condition.get("stage", []) or []:
        if stage.get("summary"):
            return stage_text(stage["summary"]), label(stage.get("type"))
    if index is None:
        return None, None
    linked: list[Json] = []
    for stage in condition.get("stage", []) or []:
        for ref in stage.get("assessment", []) or []:
            target = index.resolve(ref, condition)
            if target.resource is not None:
                linked.append(target.resource)
    linked.extend(index.focus_of.get(id(condition), []))
    for observation in linked:
        keys = list(code_keys(observation.get("code")))
        if any(k in codes.STAGE_GROUP for k in keys) and observation.get("valueCodeableConcept"):
            system = (
                label(observation.get("method"))
                or codes.STAGE_GROUP[next(k for k in keys if k in codes.STAGE_GROUP)]
            )
            return stage_text(observation["valueCodeableConcept"]), system
    return None, None


def specimen(resource: Json) -> Specimen:
    collection = resource.get("collection") or {}
    identifiers = [i.get("value") for i in resource.get("identifier", []) or [] if i.get("value")]
    return Specimen(
        specimen_id=str(resource.get("id") or (identifiers[0] if identifiers else "unnamed")),
        specimen_type=label(resource.get("type")),
        collected=date_of(collection, "collectedDateTime", "collectedPeriod"),
        body_site=label(collection.get("bodySite")),
    )


def medication(resource: Json, index: ResourceIndex | None) -> Treatment | None:
    """Name from ``medicationCodeableConcept`` or the referenced (contained/bundled) Medication."""
    concept = resource.get("medicationCodeableConcept")
    if concept is None and resource.get("medicationReference") and index is not None:
        target = index.resolve(resource["medicationReference"], resource)
        concept = (target.resource or {}).get("code")
    name = label(concept) or (resource.get("medicationReference") or {}).get("display")
    if not name:
        return None
    period = resource.get("effectivePeriod") or _bounds_period(resource)
    return Treatment(
        category="medication",
        name=name,
        code=first_code(concept)[1],
        status=resource.get("status"),
        start=period.get("start")
        or resource.get("authoredOn")
        or date_of(resource, "effectiveDateTime", "effectivePeriod"),
        end=period.get("end"),
        intent=_intent(resource),
        reason=_reason(resource, index),
    )


def _reason(resource: Json, index: ResourceIndex | None) -> str | None:
    """What a medication was given for: the referenced Condition's label, else reasonCode."""
    for ref in resource.get("reasonReference") or []:
        if index is not None and isinstance(ref, dict):
            target = index.resolve(ref, resource)
            if target.resource is not None and label(target.resource.get("code")):
                return label(target.resource.get("code"))
        if isinstance(ref, dict) and ref.get("display"):
            return str(ref["display"])
    for concept in resource.get("reasonCode") or []:
        if label(concept):
            return label(concept)
    return None


def _bounds_period(resource: Json) -> Json:
    """A MedicationRequest's course: ``dosageInstruction[].timing.repeat.boundsPeriod``."""
    for dosage in resource.get("dosageInstruction") or []:
        bounds = ((dosage.get("timing") or {}).get("repeat") or {}).get("boundsPeriod")
        if isinstance(bounds, dict):
            return bounds
    return {}


def procedure(resource: Json, *, radiotherapy: bool) -> Treatment | None:
    concept = resource.get("code")
    name = label(concept)
    if radiotherapy and (name is None or name == codes.RADIOTHERAPY_COURSE[1]):
        name = "Radiotherapy course of treatment"  # SNOMED 1217123003 preferred term
    if not name:
        return None
    period = resource.get("performedPeriod") or {}
    return Treatment(
        category="radiotherapy" if radiotherapy else "procedure",
        name=name,
        code=first_code(concept)[1],
        status=resource.get("status"),
        start=date_of(resource, "performedDateTime", "performedPeriod", "performedString"),
        end=period.get("end"),
        intent=_intent(resource),
    )


def _intent(resource: Json) -> str | None:
    """mCODE ``procedure-intent`` extension (curative/palliative SNOMED), when present."""
    ext = extension(resource, "mcode-procedure-intent")
    if ext is None:
        return None
    for coding in codings(ext.get("valueCodeableConcept")):
        if coding.get("display"):
            return strip_tag(str(coding["display"]))
    return label(ext.get("valueCodeableConcept"))
