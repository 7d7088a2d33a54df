# SPDX-License-Identifier: Apache-2.0
"""Subject, diseases, biosamples, medical actions and tumour-marker measurements of one Phenopacket."""

from __future__ import annotations

from collections.abc import Iterator

from google.protobuf import json_format
from phenopackets.schema.v2 import Sex, TherapeuticRegimen, VitalStatus

from oncoboard.ingest.phenopackets.terms import (
    Message,
    curie,
    has,
    label,
    prefix,
    scope,
    stamp,
    time_text,
)
from oncoboard.ingest.schemas import ParsedFact, ProblemLog
from oncoboard.record.schemas import (
    Biomarker,
    CancerCondition,
    Demographics,
    Specimen,
    Treatment,
)

_SEX = {"MALE": "male", "FEMALE": "female", "OTHER_SEX": "other"}
# Tumour markers by LOINC code: the serum markers of routine oncology and the codes mCODE's
# Tumor Marker Test examples use (HER2 48676-1, ER/PR by IHC, TMB, MSI). Other assays
# (intraocular pressure, creatine kinase, lymphocyte counts …) are not tumour markers.
TUMOUR_MARKERS = {
    "LOINC:2039-6": "CEA",
    "LOINC:2857-1": "PSA",
    "LOINC:1834-1": "AFP",
    "LOINC:24108-3": "CA 19-9",
    "LOINC:10334-1": "CA 125",
    "LOINC:48676-1": "HER2",
    "LOINC:85319-2": "HER2",
    "LOINC:85337-4": "ER",
    "LOINC:85339-0": "PR",
    "LOINC:94076-7": "TMB",
    "LOINC:81695-9": "MSI",
}


def _raw(message: Message) -> str:
    return str(json_format.MessageToJson(message, indent=None))


def clinical_facts(
    packet: Message, where: str, patient: str, log: ProblemLog
) -> Iterator[ParsedFact]:
    """Every clinical fact of one Phenopacket; what has no place in the record gets a note."""
    if has(packet, "subject"):
        yield ParsedFact(
            patient, f"{where}subject", _demographics(packet.subject), _raw(packet.subject)
        )
    yield from _diseases(packet, where, patient, log)
    for i, biosample in enumerate(packet.biosamples):
        owner = biosample.individual_id or patient
        yield ParsedFact(owner, f"{where}biosamples[{i}]", _specimen(biosample), _raw(biosample))
    for i, action in enumerate(packet.medical_actions):
        fact = _treatment(action)
        if fact is not None:
            yield ParsedFact(patient, f"{where}medicalActions[{i}]", fact, _raw(action))
    yield from _measurements(packet, where, patient, log)
    if packet.phenotypic_features:
        log.notes.append(
            f"{scope(where)}: {len(packet.phenotypic_features)} phenotypic feature(s) "
            "(HPO terms) not imported: the record has no phenotype facts"
        )


def _demographics(subject: Message) -> Demographics:
    sex = Sex.Name(subject.sex)
    vital = (
        VitalStatus.Status.Name(subject.vital_status.status) if has(subject, "vital_status") else ""
    )
    age = subject.time_at_last_encounter.age.iso8601duration or None
    return Demographics(
        birth_date=stamp(subject.date_of_birth)[:10] if has(subject, "date_of_birth") else None,
        sex=_SEX.get(sex),
        deceased={"DECEASED": True, "ALIVE": False}.get(vital),
        identifiers=(subject.id, *subject.alternate_ids)
        if subject.id
        else tuple(subject.alternate_ids),
        age=age,
    )


def _diseases(packet: Message, where: str, patient: str, log: ProblemLog) -> Iterator[ParsedFact]:
    """Asserted diseases; stage from diseaseStage, then the clinical TNM findings."""
    excluded = 0
    for i, disease in enumerate(packet.diseases):
        if disease.excluded:
            excluded += 1
            continue
        stages = [label(s) for s in disease.disease_stage]
        tnm = [label(t) for t in disease.clinical_tnm_finding]
        system = prefix(disease.disease_stage[0]) if stages else ("TNM (clinical)" if tnm else None)
        fact = CancerCondition(
            code_system=prefix(disease.term),
            code=curie(disease.term),
            display=label(disease.term),
            stage=", ".join(s for s in stages + tnm if s) or None,
            stage_system=system,
            onset=time_text(disease.onset) if has(disease, "onset") else None,
            body_site=label(disease.primary_site) if has(disease, "primary_site") else None,
        )
        yield ParsedFact(patient, f"{where}diseases[{i}]", fact, _raw(disease))
    if excluded:
        log.notes.append(f"{scope(where)}: {excluded} excluded disease(s) not imported")


def _specimen(biosample: Message) -> Specimen:
    """The biosample; its collection time, else the time of the procedure that took it."""
    kind = (
        biosample.tumor_progression
        if has(biosample, "tumor_progression")
        else biosample.sample_type
    )
    when = (
        biosample.time_of_collection
        if has(biosample, "time_of_collection")
        else biosample.procedure.performed
        if has(biosample.procedure, "performed")
        else None
    )
    return Specimen(
        specimen_id=biosample.id,
        specimen_type=label(kind),
        collected=time_text(when) if when is not None else None,
        body_site=label(biosample.sampled_tissue),
        histology=label(biosample.histological_diagnosis),
    )


def _treatment(action: Message) -> Treatment | None:
    """treatment/therapeuticRegimen → medication, procedure → procedure, radiationTherapy → radiotherapy."""
    which = action.WhichOneof("action")
    intent = label(action.treatment_intent)
    stopped = label(action.treatment_termination_reason)
    status = f"stopped: {stopped}" if stopped else None
    if which == "treatment":
        treatment = action.treatment
        starts = [stamp(d.interval.start) for d in treatment.dose_intervals if has(d, "interval")]
        ends = [stamp(d.interval.end) for d in treatment.dose_intervals if has(d, "interval")]
        return Treatment(
            category="medication",
            name=label(treatment.agent) or "unnamed agent",
            code=curie(treatment.agent),
            status=status,
            start=min(starts, default=None),
            end=max(ends, default=None),
            intent=intent,
        )
    if which == "therapeutic_regimen":
        regimen = action.therapeutic_regimen
        term = (
            regimen.ontology_class if has(regimen, "ontology_class") else regimen.external_reference
        )
        return Treatment(
            category="medication",
            name=label(term) or str(regimen.external_reference.description) or "unnamed regimen",
            code=curie(term),
            status=status or TherapeuticRegimen.RegimenStatus.Name(regimen.regimen_status).lower(),
            start=time_text(regimen.start_time) if has(regimen, "start_time") else None,
            end=time_text(regimen.end_time) if has(regimen, "end_time") else None,
            intent=intent,
        )
    if which == "procedure":
        procedure = action.procedure
        performed = time_text(procedure.performed) if has(procedure, "performed") else None
        name = label(procedure.code) or "unnamed procedure"
        return Treatment(
            category="procedure",
            name=name,
            code=curie(procedure.code),
            start=performed,
            intent=intent,
        )
    if which == "radiation_therapy":
        radiation = action.radiation_therapy
        return Treatment(
            category="radiotherapy",
            name=label(radiation.modality) or "radiation therapy",
            code=curie(radiation.modality),
            status=status,
            intent=intent,
        )
    return None


def _measurements(
    packet: Message, where: str, patient: str, log: ProblemLog
) -> Iterator[ParsedFact]:
    """Tumour markers only (by LOINC code); every other measurement is named in a note."""
    located = [(f"{where}measurements[{i}]", m) for i, m in enumerate(packet.measurements)]
    for b, biosample in enumerate(packet.biosamples):
        located += [
            (f"{where}biosamples[{b}].measurements[{i}]", m)
            for i, m in enumerate(biosample.measurements)
        ]
    others = []
    for locator, measurement in located:
        name = TUMOUR_MARKERS.get(measurement.assay.id)
        if name is None:
            others.append(f"{measurement.assay.id} {measurement.assay.label}".strip())
            continue
        yield ParsedFact(patient, locator, _biomarker(name, measurement), _raw(measurement))
    if others:
        log.notes.append(
            f"{scope(where)}: {len(others)} measurement(s) not tumour markers, skipped: "
            + "; ".join(others)
        )


def _biomarker(name: str, measurement: Message) -> Biomarker:
    value = measurement.value
    quantity = value.quantity if value.WhichOneof("value") == "quantity" else None
    return Biomarker(
        name=name,
        value_number=quantity.value if quantity is not None else None,
        value_text=label(value.ontology_class)
        if value.WhichOneof("value") == "ontology_class"
        else None,
        unit=label(quantity.unit) if quantity is not None else None,
        code=measurement.assay.id,
        effective=time_text(measurement.time_observed)
        if has(measurement, "time_observed")
        else None,
    )
