# SPDX-License-Identifier: Apache-2.0
"""The report as a FHIR R4 Bundle per the HL7 Genomics Reporting IG (STU3 3.0.0).

A ``genomic-report`` DiagnosticReport (LOINC 51969-4) whose results are ``variant``
Observations (LOINC 69548-6, components as in the IG's examples, e.g.
Observation-EGFR-L858R-var.json) and ``therapeutic-implication`` Observations (GR code,
LA6677-4 Responsive / LA6676-6 Resistant, 93044-6 level of evidence, 51963-7 medication,
81259-4 phenotype; citations in ``workflow-relatedArtifact``), each ``derivedFrom`` its variant.
IDs are UUIDv5 of the report's content hash, so the same report gives the same ids.
Validated with fhir.resources R4B before it leaves (see ../shared/docs/interop-notes.md §3.1).
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from oncoboard.report.schemas import FactRef, Finding, Report

LOINC = "http://loinc.org"
GR = "http://hl7.org/fhir/uv/genomics-reporting"
TBD = f"{GR}/CodeSystem/tbd-codes-cs"
HGVS = "http://varnomen.hgvs.org"
CATEGORY = [
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category",
                 "code": "laboratory"}]},
    {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v2-0074", "code": "GE"}]},
]  # fmt: skip
# LOINC answer list LL1040-6 (human reference sequence assembly), as in the IG examples.
ASSEMBLY = {"GRCh37": "LA14029-5", "GRCh38": "LA26806-2"}
ORIGIN = {"somatic": ("LA6684-0", "Somatic"), "germline": ("LA6683-2", "Germline")}
RESPONSE = {"sensitivity": ("LA6677-4", "Responsive"), "resistance": ("LA6676-6", "Resistant")}


def _coded(system: str, code: str, display: str | None = None) -> dict[str, Any]:
    coding: dict[str, Any] = {"system": system, "code": code}
    if display:
        coding["display"] = display
    return {"coding": [coding]}


def _component(code: str, system: str = LOINC, **value: Any) -> dict[str, Any]:
    return {"code": _coded(system, code), **value}


class _Ids:
    """Deterministic ``urn:uuid`` per local name, from the report's content hash."""

    def __init__(self, report: Report) -> None:
        self.seed = report.stamp.content_sha256

    def __call__(self, name: str) -> str:
        return str(uuid.uuid5(uuid.NAMESPACE_URL, f"oncoboard:{self.seed}:{name}"))


def _fact_key(fact: FactRef) -> str:
    return f"{fact.source_name}|{fact.locator}|{fact.label}"


def _variant_components(fact: FactRef) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    if fact.gene:
        parts.append(_component("48018-6", valueCodeableConcept={"text": fact.gene}))
    if fact.hgvs_c:
        c = f"{fact.transcript}:{fact.hgvs_c}" if fact.transcript else fact.hgvs_c
        parts.append(_component("48004-6", valueCodeableConcept=_coded(HGVS, c)))
    if fact.hgvs_p:
        parts.append(_component("48005-3", valueCodeableConcept=_coded(HGVS, fact.hgvs_p)))
    if fact.genome_build in ASSEMBLY:
        build = str(fact.genome_build)
        parts.append(
            _component("62374-4", valueCodeableConcept=_coded(LOINC, ASSEMBLY[build], build))
        )
    if fact.pos is not None:
        parts.append(_component("81254-5", valueRange={"low": {"value": fact.pos}}))
    if fact.ref:
        parts.append(_component("69547-8", valueString=fact.ref))
    if fact.alt:
        parts.append(_component("69551-0", valueString=fact.alt))
    if fact.origin in ORIGIN:
        code, display = ORIGIN[str(fact.origin)]
        parts.append(_component("48002-0", valueCodeableConcept=_coded(LOINC, code, display)))
    if fact.vaf is not None:
        quantity = {"value": round(fact.vaf, 4), "system": "http://unitsofmeasure.org", "code": "1"}
        parts.append(_component("81258-6", valueQuantity=quantity))
    return parts


def _variant(fact: FactRef, subject: str, obs_id: str) -> dict[str, Any]:
    """One matched patient fact as a GR ``variant`` Observation (CNA, fusion: text + gene)."""
    components = _variant_components(fact)
    if fact.kind != "variant":
        components.append(_component("81252-9", valueCodeableConcept={"text": fact.label}))
    return {
        "resourceType": "Observation",
        "id": obs_id,
        "meta": {"profile": [f"{GR}/StructureDefinition/variant"]},
        "status": "final",
        "category": CATEGORY,
        "code": _coded(LOINC, "69548-6", "Genetic variant assessment"),
        "subject": {"reference": subject},
        "valueCodeableConcept": _coded(LOINC, "LA9633-4", "Present"),
        "note": [
            {"text": f"Source: {fact.source_name} · {fact.locator} (sha256 {fact.source_sha256})"}
        ],
        "component": components,
    }


def _citations(finding: Finding) -> list[dict[str, Any]]:
    out = []
    for ref in finding.references:
        artifact: dict[str, Any] = {"type": "citation", "citation": ref.citation}
        url = ref.url or (f"https://pubmed.ncbi.nlm.nih.gov/{ref.pmid}/" if ref.pmid else None)
        if url:
            artifact["url"] = url
        out.append(
            {
                "url": "http://hl7.org/fhir/StructureDefinition/workflow-relatedArtifact",
                "valueRelatedArtifact": artifact,
            }
        )
    return out


def _implication(finding: Finding, subject: str, obs_id: str, derived: list[str]) -> dict[str, Any]:
    code, display = RESPONSE["resistance" if finding.direction != "sensitivity" else "sensitivity"]
    label = "on-label" if finding.on_label else "other tumour type (off-label)"
    level = f"{finding.amp_tier} - Level {finding.amp_level}; ESCAT {finding.escat}"
    conclusion = (
        f"{finding.alteration}: {display.lower()} to {finding.therapy} — {level}, {label}. "
        f"Evidence: {finding.release_id} {finding.assertion_id} ({finding.source_level}) "
        f"in {finding.disease}. Tumour-type match: {finding.disease_reason}."
    )
    if finding.notice:
        conclusion += f" {finding.notice}"
    return {
        "resourceType": "Observation",
        "id": obs_id,
        "meta": {"profile": [f"{GR}/StructureDefinition/therapeutic-implication"]},
        "extension": _citations(finding),
        "status": "final",
        "category": CATEGORY,
        "code": _coded(TBD, "therapeutic-implication", "Therapeutic Implication"),
        "subject": {"reference": subject},
        "derivedFrom": [{"reference": ref} for ref in derived],
        "component": [
            _component(
                "therapeutic-implication", TBD, valueCodeableConcept=_coded(LOINC, code, display)
            ),
            _component("93044-6", valueCodeableConcept={"text": level}),
            _component("81259-4", valueCodeableConcept={"text": finding.disease}),
            _component("51963-7", valueCodeableConcept={"text": finding.therapy or ""}),
            _component("conclusion-string", TBD, valueString=conclusion),
        ],
    }


def bundle(report: Report) -> dict[str, Any]:
    """The Bundle (type collection): Patient, DiagnosticReport, variant and implication Observations."""
    ids = _Ids(report)
    patient_url = f"urn:uuid:{ids('patient')}"
    resources: list[tuple[str, dict[str, Any]]] = [(patient_url, _patient(report, ids("patient")))]
    variants: dict[str, str] = {}
    implications: list[str] = []
    findings = [f for tier in report.tiers for f in tier.findings] + report.resistance
    for finding in findings:
        derived = []
        for fact in finding.facts:
            key = _fact_key(fact)
            if key not in variants:
                variants[key] = f"urn:uuid:{ids('variant:' + key)}"
                resources.append((variants[key], _variant(fact, patient_url, variants[key][9:])))
            derived.append(variants[key])
        url = f"urn:uuid:{ids('implication:' + finding.release_id + finding.assertion_id)}"
        implications.append(url)
        resources.append((url, _implication(finding, patient_url, url[9:], derived)))
    report_url = f"urn:uuid:{ids('report')}"
    results = [*variants.values(), *implications]
    resources.insert(
        1, (report_url, _diagnostic_report(report, report_url[9:], patient_url, results))
    )
    return {
        "resourceType": "Bundle",
        "id": ids("bundle"),
        "type": "collection",
        "timestamp": report.generated_at.isoformat(),
        "entry": [{"fullUrl": url, "resource": resource} for url, resource in resources],
    }


def _patient(report: Report, patient_id: str) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Patient",
        "id": patient_id,
        "identifier": [{"system": "urn:oncoboard:patient", "value": report.patient.patient_id}],
    }
    if report.patient.name:
        resource["name"] = [{"text": report.patient.name}]
    return resource


def _diagnostic_report(
    report: Report, report_id: str, subject: str, results: list[str]
) -> dict[str, Any]:
    tumor = report.patient.tumor_type
    options = sum(len(t.findings) for t in report.tiers)
    conclusion = (
        f"{options} therapy option finding(s), {len(report.resistance)} resistance finding(s) "
        f"for tumour type {tumor.code or 'not recorded'} against "
        f"{', '.join(report.stamp.kb_releases) or 'no knowledge-base release'}. "
        + " ".join(report.notes)
    )
    return {
        "resourceType": "DiagnosticReport",
        "id": report_id,
        "meta": {"profile": [f"{GR}/StructureDefinition/genomic-report"]},
        "identifier": [
            {"system": "urn:oncoboard:report-sha256", "value": report.stamp.content_sha256}
        ],
        "status": "final",
        "category": [CATEGORY[1]],
        "code": _coded(LOINC, "51969-4", "Genetic analysis report"),
        "subject": {"reference": subject},
        "issued": report.generated_at.isoformat(),
        "result": [{"reference": url} for url in results],
        "conclusion": conclusion,
    }


def validate(data: dict[str, Any]) -> None:
    """Refuse to emit what fhir.resources R4B does not accept (raises pydantic's error)."""
    from fhir.resources.R4B.bundle import Bundle

    Bundle.model_validate(data)


def fhir_json(report: Report) -> bytes:
    data = bundle(report)
    validate(data)
    return (json.dumps(data, sort_keys=True, ensure_ascii=False, indent=2) + "\n").encode()
