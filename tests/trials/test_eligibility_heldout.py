# SPDX-License-Identifier: Apache-2.0
"""The round-4 held-out patient (LUNG-2): the committed bundle is what the builder writes, the
importer reads it without problems, its blind labels cover every criterion of the real CT.gov
records, and the benchmark scores it as a set of its own. No accuracy is asserted here: the
held-out numbers are measured once per round (``heldout_r4/first_run_main_readers.txt``), not
a target readers are tuned to."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from benchmarks.eligibility_heldout import OUT, PID, lung_g12d
from benchmarks.trial_eligibility import (
    DATA,
    HELDOUT,
    load_labels,
    load_patients,
    score,
    system_states,
)

from oncoboard.ingest.fhir.reader import FhirReader
from oncoboard.ingest.schemas import ImportOptions, ProblemLog, SourceFile
from oncoboard.record.schemas import (
    CancerCondition,
    Demographics,
    LabResult,
    SomaticVariant,
    Treatment,
)
from oncoboard.trials.constraints import structure
from tests.trials.support import real_trials

BUNDLE = OUT / f"{PID}.json"


def test_the_committed_bundle_is_what_the_builder_writes() -> None:
    assert json.loads(BUNDLE.read_text(encoding="utf-8")) == lung_g12d().bundle()


def test_the_importer_reads_the_held_out_patient_without_problems() -> None:
    log = ProblemLog(source=BUNDLE.name)
    facts = [p.fact for p in FhirReader().read(SourceFile.from_path(BUNDLE), ImportOptions(), log)]
    assert log.problems == []
    (person,) = [f for f in facts if isinstance(f, Demographics)]
    assert (person.sex, str(person.birth_date)) == ("female", "1979-09-18")
    assert {(v.gene, v.hgvs_p) for v in facts if isinstance(v, SomaticVariant)} == {
        ("KRAS", "p.G12D"), ("TP53", "p.R248Q")}  # fmt: skip
    cancers = {c.display: c for c in facts if isinstance(c, CancerCondition)}
    assert cancers["Secondary malignant neoplasm of brain"].is_primary is False
    assert cancers["Papillary thyroid carcinoma"].clinical_status == "remission"
    radiotherapy = [t for t in facts if isinstance(t, Treatment) and t.category == "radiotherapy"]
    assert sorted(str(t.start) for t in radiotherapy) == ["2025-03-04", "2026-01-05"]
    core = [f for f in facts if isinstance(f, LabResult) and "core antibody" in f.name]
    assert [c.value_text for c in core] == ["Positive"]


def _criteria() -> set[tuple[str, str]]:
    return {(n, c.id) for n, t in real_trials().items() for c in structure(t.eligibility)}


@pytest.mark.shared
def test_every_criterion_has_one_blind_label_with_a_reason_and_the_round_2_family() -> None:
    rows = load_labels(HELDOUT)
    keys = [(r["nct_id"], r["criterion_id"]) for r in rows]
    assert len(keys) == len(set(keys)) == 281
    assert set(keys) == _criteria()
    with (DATA / "labels.tsv").open(encoding="utf-8") as handle:
        families = {(r["nct_id"], r["criterion_id"]): r["family"]
                    for r in csv.DictReader(handle, delimiter="\t")}  # fmt: skip
    for row in rows:
        key = (row["nct_id"], row["criterion_id"])
        assert row["patient"] == PID and row["label"] in set("MNUJAX"), key
        assert row["reason"].strip(), key
        assert row["family"] == families[key], key


@pytest.mark.shared
def test_the_benchmark_scores_the_held_out_patient_as_its_own_set() -> None:
    patients = load_patients(HELDOUT)
    assert list(patients) == [PID]
    scored = score(load_labels(HELDOUT), system_states(patients), HELDOUT)
    table = scored["table"]
    assert {key.split(":", 1)[0] for key in table} == {"heldout", "all"}
    total = table["heldout:ALL"]
    assert (total["counted"], total["decidable"], total["judgement"]) == (252, 181, 21)
    assert table["heldout:administrative"]["labelled"] == 23
    assert total["correct"] <= total["decided"] <= total["counted"]


def test_the_first_run_is_kept_with_how_it_was_made() -> None:
    text = (Path(OUT) / "first_run_main_readers.txt").read_text(encoding="utf-8")
    assert "--set heldout-r4 --missed --errors" in text
    assert "heldout: decided " in text and "| **all (heldout)** | 252 | 181 |" in text
