# SPDX-License-Identifier: Apache-2.0
"""Clinical patient and sample files → Demographics, Specimen and CancerCondition facts."""

from __future__ import annotations

from collections.abc import Iterator

from oncoboard.ingest.cbioportal.study import Study, Table, is_missing
from oncoboard.ingest.schemas import ParsedFact, ProblemLog
from oncoboard.record.schemas import CancerCondition, Demographics, Specimen

_SEX = {"male": "male", "m": "male", "female": "female", "f": "female"}
# cBioPortal OS_STATUS is coded "0:LIVING" / "1:DECEASED" (File-Formats, survival attributes)
_VITAL = {"0:living": False, "living": False, "1:deceased": True, "deceased": True}
_CONDITION_COLUMNS = ("CANCER_TYPE", "CANCER_TYPE_DETAILED", "ONCOTREE_CODE")


def _cell(table: Table, cells: list[str], column: str) -> str | None:
    position = table.index(column)
    if position is None:
        return None
    value = cells[position].strip()
    return None if is_missing(value) else value


def _age(value: str | None, locator: str, log: ProblemLog) -> str | None:
    """cBioPortal AGE is in years; keep it as an ISO 8601 duration like Phenopackets do."""
    if value is None:
        return None
    try:
        years = float(value)
    except ValueError:
        log.add(locator, "AGE", value, "a number of years")
        return None
    if not 0 <= years < 150:
        log.add(locator, "AGE", value, "a number of years between 0 and 150")
        return None
    return f"P{int(years)}Y" if years.is_integer() else f"P{years:g}Y"


def read_patients(table: Table, study: Study, log: ProblemLog) -> Iterator[ParsedFact]:
    """One Demographics per patient row; duplicates and rows without an id are problems."""
    if not table.require(("PATIENT_ID",), log):
        return
    known = study.patients = study.patients if study.patients is not None else set()
    id_column = table.at("PATIENT_ID")
    for locator, cells in table.rows():
        patient = cells[id_column].strip()
        if is_missing(patient):
            log.add(locator, "PATIENT_ID", patient, "a patient identifier")
            continue
        if patient in known:
            log.add(locator, "PATIENT_ID", patient, "each patient once in the patient file")
            continue
        known.add(patient)
        raw_sex = _cell(table, cells, "SEX")
        status = _cell(table, cells, "OS_STATUS")
        fact = Demographics(
            sex=_SEX.get(raw_sex.lower(), raw_sex.lower()) if raw_sex else None,
            deceased=_VITAL.get(status.lower()) if status else None,
            age=_age(_cell(table, cells, "AGE"), locator, log),
            identifiers=(patient,),
        )
        yield ParsedFact(patient, locator, fact, "\t".join(cells))


def read_samples(table: Table, study: Study, log: ProblemLog) -> Iterator[ParsedFact]:
    """Specimens, the sample → patient map, and each patient's cancer type(s)."""
    study.samples_file = table.name
    if not table.require(("PATIENT_ID", "SAMPLE_ID"), log):
        return
    study.samples_ok = True
    conditions: dict[str, dict[tuple[str | None, ...], str]] = {}
    for locator, cells in table.rows():
        patient = _cell(table, cells, "PATIENT_ID")
        sample = _cell(table, cells, "SAMPLE_ID")
        if patient is None or sample is None:
            field = "PATIENT_ID" if patient is None else "SAMPLE_ID"
            log.add(locator, field, "", "an identifier")
            continue
        if sample in study.sample_to_patient:
            log.add(locator, "SAMPLE_ID", sample, "each sample once in the sample file")
            continue
        if study.patients is not None and patient not in study.patients:
            log.add(locator, "PATIENT_ID", patient, "a PATIENT_ID of the clinical patient file")
            continue
        study.sample_to_patient[sample] = patient
        specimen = Specimen(
            specimen_id=sample,
            specimen_type=_cell(table, cells, "SAMPLE_TYPE"),
            body_site=_cell(table, cells, "METASTATIC_SITE") or _cell(table, cells, "PRIMARY_SITE"),
        )
        yield ParsedFact(patient, locator, specimen, "\t".join(cells))
        key = tuple(_cell(table, cells, column) for column in _CONDITION_COLUMNS)
        if any(key):
            conditions.setdefault(patient, {}).setdefault(key, locator)
    yield from _conditions(conditions, study, log)


def _conditions(
    found: dict[str, dict[tuple[str | None, ...], str]], study: Study, log: ProblemLog
) -> Iterator[ParsedFact]:
    """Per-sample cancer types where given, else the study's ``type_of_cancer`` (a note says so)."""
    for patient, keys in found.items():
        for (cancer_type, detailed, oncotree), locator in keys.items():
            fact = CancerCondition(
                code_system="OncoTree" if oncotree else None,
                code=oncotree,
                display=detailed or cancer_type,
                oncotree_code=oncotree,
            )
            yield ParsedFact(patient, locator, fact)
    if study.cancer_type is None:
        return
    every = set(study.sample_to_patient.values()) | (study.patients or set())
    rest = sorted(every - set(found))
    if not rest:
        return
    log.notes.append(
        f"{len(rest)} patient(s) have no CANCER_TYPE/ONCOTREE_CODE in {study.samples_file}; "
        f"their condition is the study's type_of_cancer '{study.cancer_type}'"
    )
    fact = CancerCondition(
        code_system="cBioPortal type_of_cancer",
        code=study.cancer_type,
        display=study.cancer_names.get(study.cancer_type, study.cancer_type),
    )
    for patient in rest:
        yield ParsedFact(patient, study.cancer_type_line, fact)
