# SPDX-License-Identifier: Apache-2.0
"""FHIR bad input: each case is refused with a located error and nothing is written.

Malformed files are made in ``tmp_path`` from the real mCODE examples, changed in one place.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine

from oncoboard.errors import Conflict, InputError
from tests.support import import_file, read_file, row_counts, shared_file

pytestmark = pytest.mark.shared

MCODE = ("interop", "fhir-mcode", "examples")


def _example(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(shared_file(*MCODE, name).read_text(encoding="utf-8"))
    return loaded


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def _nothing_written(engine: Engine) -> bool:
    return all(count == 0 for count in row_counts(engine).values())


def _truncated(tmp_path: Path) -> Path:
    text = shared_file(*MCODE, "Patient-cancer-patient-jenny-m.json").read_text(encoding="utf-8")
    return _write(tmp_path, "truncated.json", text[:200])


def _no_resource_type(tmp_path: Path) -> Path:
    patient = _example("Patient-cancer-patient-jenny-m.json")
    del patient["resourceType"]
    return _write(tmp_path, "no-type.json", json.dumps(patient))


def _unknown_type(tmp_path: Path) -> Path:
    patient = _example("Patient-cancer-patient-jenny-m.json")
    patient["resourceType"] = "Patient2"
    return _write(tmp_path, "unknown-type.json", json.dumps(patient))


def _invalid_r4(tmp_path: Path) -> Path:
    bundle = _example("Bundle-mcode-patient-bundle-jenny-m.json")
    bundle["entry"][0]["resource"]["birthDate"] = "1965-13-45"  # month 13: not an R4 date
    return _write(tmp_path, "bad-date.json", json.dumps(bundle))


def _dangling_subject(tmp_path: Path) -> Path:
    bundle = _example("Bundle-mcode-patient-bundle-jenny-m.json")
    bundle["entry"] = bundle["entry"][1:]  # drop the Patient; every subject now dangles
    return _write(tmp_path, "no-patient.json", json.dumps(bundle))


def _latin1(tmp_path: Path) -> Path:
    text = shared_file(*MCODE, "Patient-cancer-patient-jenny-m.json").read_text(encoding="utf-8")
    return _write(
        tmp_path, "latin1.json", text.replace('"Jenny"', '"Jenn\u00e9"').encode("latin-1")
    )


BAD = {
    "not-json": (_truncated, "not JSON", "line 1, column"),
    "no-resourceType": (_no_resource_type, "resourceType", "(no resourceType)/cancer-patient-jenny-m"),
    "unknown-resourceType": (_unknown_type, "a FHIR R4 resource type", "Patient2/cancer-patient"),
    "fails-R4B-validation": (_invalid_r4, "Patient.birthDate", "entry 0 (Patient/cancer-patient-jenny-m)"),
    "subject-not-in-bundle": (_dangling_subject, "not in the bundle", "entry 0 (Condition/primary"),
    "not-UTF-8": (_latin1, "UTF-8", "byte "),
}  # fmt: skip


@pytest.mark.parametrize("case", BAD, ids=list(BAD))
def test_bad_fhir_is_refused_with_a_location_and_nothing_is_written(
    engine: Engine, tmp_path: Path, case: str
) -> None:
    make, message, locator = BAD[case]
    path = make(tmp_path)
    with pytest.raises(InputError, match=message) as error:
        import_file(engine, path, genome_build="GRCh38")
    assert any(locator in p.locator for p in error.value.problems), error.value.problems
    assert _nothing_written(engine)


def test_ndjson_bad_line_is_located_and_the_rest_still_read(tmp_path: Path) -> None:
    good = json.dumps(_example("Patient-cancer-patient-jenny-m.json"))
    other = json.dumps(_example("Patient-cancer-patient-brian-l.json"))
    path = _write(tmp_path, "patients.ndjson", f'{good}\n{{"resourceType": \n{other}\n')
    facts, log = read_file(path)
    assert [p.locator for p in log.problems] == ["line 2"]
    assert [f.locator for f in facts] == [
        "line 1 (Patient/cancer-patient-jenny-m)",
        "line 3 (Patient/cancer-patient-brian-l)",
    ]


def test_genome_build_option_disagreeing_with_the_file_is_refused() -> None:
    path = shared_file(*MCODE, "Observation-gx-genomic-variant-somatic-bap1-indel.json")
    _, log = read_file(path, genome_build="GRCh38")  # the file says LA14029-5 GRCh37
    assert [p.field for p in log.problems] == ["component 62374-4 (reference assembly)"]
    assert "GRCh38" in log.problems[0].expected and "GRCh37" in log.problems[0].expected


def test_second_import_with_another_build_conflicts(engine: Engine) -> None:
    # Both Observations are about Patient/cancer-patient-john-anyperson and lack 62374-4.
    stk11 = shared_file(*MCODE, "Observation-genomic-variant-somatic-single-nucleotide.json")
    brca1 = shared_file(*MCODE, "Observation-genomic-variant-germline-deletion.json")
    import_file(engine, stk11, genome_build="GRCh37")
    before = row_counts(engine)
    with pytest.raises(Conflict, match="GRCh38") as error:
        import_file(engine, brca1, genome_build="GRCh38")
    assert "GRCh37" in str(error.value)
    assert row_counts(engine) == before


def test_only_the_types_oncoboard_reads_are_validated(tmp_path: Path) -> None:
    """#21: an EHR's Claim is indexed but not validated; a kept type still is, located."""
    bundle = _example("Bundle-mcode-patient-bundle-jenny-m.json")
    claim = {"resourceType": "Claim", "id": "c1", "status": "not-a-status"}  # invalid R4
    bundle["entry"].append({"fullUrl": "urn:uuid:c1", "resource": claim})
    facts, log = read_file(
        _write(tmp_path, "with-claim.json", json.dumps(bundle)), genome_build="GRCh38"
    )
    assert log.problems == [] and facts
    assert any("not validated" in n and "Claim ×1" in n for n in log.notes)
    bundle["entry"][0]["resource"]["birthDate"] = "1965-13-45"  # the Patient is kept: checked
    _, log = read_file(
        _write(tmp_path, "bad-patient.json", json.dumps(bundle)), genome_build="GRCh38"
    )
    assert log.problems[0].field == "Patient.birthDate"
    assert log.problems[0].locator == "entry 0 (Patient/cancer-patient-jenny-m)"
