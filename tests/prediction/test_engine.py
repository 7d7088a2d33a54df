# SPDX-License-Identifier: Apache-2.0
"""One patient's prediction from a real record (the HL7 mCODE STU4 example breast-cancer patient
Jenny M, imported by the FHIR importer): the estimate against scikit-survival's Breslow Cox on the
same development rows, the interval, exact contributions, the Recommendation contract with
provenance, out-of-distribution flags and the intended-use refusals."""

from __future__ import annotations

import json
from datetime import date
from importlib import resources

import numpy as np
import pytest
from sqlalchemy import Engine

from oncoboard.governance import gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.recommendation import RecommendationKind
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.prediction import datasets, engine, training
from oncoboard.prediction.record_features import FeatureValue
from oncoboard.prediction.schemas import TrainingSpec
from oncoboard.record import service as record_service
from oncoboard.record.schemas import PatientRecord
from oncoboard.store.db import unit_of_work
from tests.support import import_file, shared_file

sksurv_linear = pytest.importorskip("sksurv.linear_model")
sksurv_util = pytest.importorskip("sksurv.util")

JENNY = ("interop", "fhir-mcode", "examples", "Bundle-mcode-patient-bundle-jenny-m.json")
TODAY = date(2026, 1, 15)


def _small_spec() -> TrainingSpec:
    """The shipped Cox spec with fewer resamples: the same model, a cheaper validation."""
    text = resources.files("oncoboard.prediction.specs").joinpath("seer-breast-os-cox.json")
    spec = json.loads(text.read_text())
    return TrainingSpec.model_validate(
        {**spec, "bootstrap_replicates": 20, "interval_replicates": 40}
    )


@pytest.fixture(scope="module")
def cox() -> engine.LoadedModel:
    spec = _small_spec()
    trained = training.train(spec, datasets.load("seer_breast"), None)
    text = training.canonical_json(trained.artefact)
    return engine.LoadedModel.from_text(
        f"{spec.name}@1", spec.name, 1, training.artefact_sha256(text), text
    )


@pytest.fixture
def jenny(sqlite_engine: Engine) -> PatientRecord:
    # the bundle's genomic variant states no reference assembly, so the build is given
    report = import_file(sqlite_engine, shared_file(*JENNY), genome_build="GRCh37")
    clinician = Actor("dr", "Dr", frozenset({Role.CLINICIAN}))
    with unit_of_work(sqlite_engine) as session:
        access = gate.authorize(
            session,
            actor=clinician,
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj="record",
            patient_id=report.patients[0],
        )
        return record_service.get_patient_record(session=session, access=access)


def _sksurv_survival(cox: engine.LoadedModel, row: list[float]) -> tuple[float, np.ndarray]:
    """5-year survival from scikit-survival's Breslow Cox fitted on the same development rows."""
    spec = TrainingSpec.model_validate(cox.artefact["spec"])
    seer = datasets.load("seer_breast")
    dev, _ = training.split(seer.event, spec.holdout_fraction, spec.seed)
    x = training.matrix(seer, spec.features)[dev]
    fitted = sksurv_linear.CoxPHSurvivalAnalysis(ties="breslow").fit(
        x, sksurv_util.Surv.from_arrays(seer.event[dev], seer.time[dev])
    )
    [function] = fitted.predict_survival_function(np.asarray([row]))
    lp = fitted.predict(np.asarray([row, x.mean(axis=0)]))
    return float(function(5.0)), lp


@pytest.mark.shared
def test_prediction_for_a_real_mcode_record(cox: engine.LoadedModel, jenny: PatientRecord) -> None:
    answer = engine.for_patient(cox, jenny, TODAY)
    assert answer.status == "predicted" and answer.reasons == []
    p, rec = answer.prediction, answer.recommendation
    assert p is not None and rec is not None
    by = {f.feature: f for f in p.features}
    # read from the record: age at diagnosis (born 1965-01-01, diagnosed 2018-03-16), ER+ PR-,
    # cN0 (no positive node); size and grade are not imported, so imputed and said so
    assert (by["age_years"].value, by["age_years"].source) == (53.2, "age at diagnosis")
    assert (by["er_positive"].value, by["pr_positive"].value) == (1.0, 0.0)
    assert by["positive_nodes"].value == 0.0 and "cN0" in by["positive_nodes"].source
    ranges = cox.artefact["feature_ranges"]
    for name in ("tumour_size_mm", "grade"):
        assert by[name].value is None and by[name].used == ranges[name]["median"]
    assert any(f.startswith("Tumour size missing (not in the record)") for f in p.flags)
    assert any(f.startswith("Positive regional lymph nodes 0 is outside") for f in p.flags)

    # the estimate equals scikit-survival's on the same row and the same development data
    row = [by[name].used for name in cox.model.features]
    expected, lp = _sksurv_survival(cox, row)
    assert p.survival.value == pytest.approx(expected, abs=1e-4)
    assert p.survival.low <= p.survival.value <= p.survival.high < 1
    assert p.interval_replicates == 40
    # contributions are exact: they add up to the log hazard ratio against the mean patient
    total = sum(f.contribution for f in p.features)
    assert total == pytest.approx(lp[0] - lp[1], abs=1e-3)
    assert all(f.contribution_low <= f.contribution <= f.contribution_high for f in p.features)
    top = max(p.features, key=lambda f: abs(f.contribution))
    assert p.words[0].startswith(top.label) and "95% interval" in p.words[0]
    # PR-negative disease carries the higher hazard in SEER: said in words, with its interval
    [pr] = [w for w in p.words if w.startswith("Progesterone receptor positive: no — raises")]
    assert f"×{np.exp(by['pr_positive'].contribution_low):.2f} to ×" in pr

    # the Recommendation contract: AI-generated, basis with provenance, card as evidence
    assert rec.ai_generated and rec.kind == RecommendationKind.PREDICTION
    assert f"{p.survival.value:.0%} (95% interval {p.survival.low:.0%}" in rec.statement
    labels = {b.label.split(":")[0] for b in rec.basis}
    assert labels == {"Age at diagnosis", "Oestrogen receptor positive",
                      "Progesterone receptor positive", "Positive regional lymph nodes"}  # fmt: skip
    assert all(b.provenance.source_name == JENNY[-1] for b in rec.basis)
    assert {b.fact_id for b in rec.basis} == {
        by[n].fact_id for n in ("age_years", "er_positive", "pr_positive", "positive_nodes")
    }
    assert rec.evidence[0].identifier == f"sha256:{cox.sha256}"
    assert "hold-out Harrell's C" in rec.evidence[0].source
    assert all(flag in rec.limitations for flag in p.flags)
    assert rec.intended_use == cox.artefact["spec"]["intended_use"]


def test_subgroups_with_weak_validation_are_flagged(cox: engine.LoadedModel) -> None:
    ranges = cox.artefact["feature_ranges"]
    values = {f: FeatureValue(ranges[f]["median"], "test") for f in cox.model.features}
    values |= {"age_years": FeatureValue(70.0, "test"), "er_positive": FeatureValue(0.0, "test")}
    levels = {("age band", ">=65"), ("ER status", "Negative"), ("PR status", "Positive")}
    weak = [
        r for r in cox.artefact["validation"]["subgroups"]
        if (r["variable"], r["level"]) in levels and r["status"] != "ok"
    ]  # fmt: skip
    assert weak, "the shipped SEER hold-out has gaps in these subgroups"
    shown = [f for f in engine.predict(cox, values).flags if f.startswith("subgroup ")]
    assert shown == [f"subgroup {r['variable']} {r['level']}: {r['note']}" for r in weak]


def _with(record: PatientRecord, section: str, index: int, **changes: object) -> PatientRecord:
    facts = list(getattr(record, section))
    fact = facts[index]
    facts[index] = fact.model_copy(update={"fact": fact.fact.model_copy(update=changes)})
    return record.model_copy(update={section: facts})


@pytest.mark.shared
def test_outside_the_intended_use_there_is_no_number(
    cox: engine.LoadedModel, jenny: PatientRecord
) -> None:
    male = _with(jenny, "demographics", 0, sex="male")
    answer = engine.for_patient(cox, male, TODAY)
    assert answer.status == "not_applicable" and answer.prediction is None
    assert answer.recommendation is None
    assert "the patient is male" in answer.reasons[0]
    lung = _with(jenny, "conditions", 0, display="Non-small cell lung cancer", histology=None)
    assert "not breast cancer" in engine.for_patient(cox, lung, TODAY).reasons[0]
    stage_iv = _with(jenny, "conditions", 0, stage="IV")
    assert (
        "metastatic disease (stage IV recorded)"
        in engine.for_patient(cox, stage_iv, TODAY).reasons[0]
    )
    no_primary = jenny.model_copy(update={"conditions": []})
    assert "no primary cancer is recorded" in engine.for_patient(cox, no_primary, TODAY).reasons[0]


@pytest.mark.shared
def test_missing_and_uninterpretable_values_are_imputed_and_said_so(
    cox: engine.LoadedModel, jenny: PatientRecord
) -> None:
    er = next(i for i, b in enumerate(jenny.biomarkers) if b.fact.name == "ER")
    equivocal = _with(jenny, "biomarkers", er, value_text="Equivocal")
    answer = engine.for_patient(cox, equivocal, TODAY)
    assert answer.prediction is not None
    [feature] = [f for f in answer.prediction.features if f.feature == "er_positive"]
    assert feature.value is None and feature.source == "recorded but not interpretable: Equivocal"
    assert any("Oestrogen receptor positive missing (recorded but not interpretable" in f
               for f in answer.prediction.flags)  # fmt: skip
    bare = jenny.model_copy(update={"demographics": [], "biomarkers": []})
    empty = engine.for_patient(cox, bare, TODAY)
    assert empty.status == "no_features" and empty.prediction is None
    assert "no model feature is recorded" in empty.reasons[0]


def test_values_outside_the_training_range_are_flagged(cox: engine.LoadedModel) -> None:
    ranges = cox.artefact["feature_ranges"]
    values = {f: FeatureValue(ranges[f]["median"], "test") for f in cox.model.features}
    values["age_years"] = FeatureValue(ranges["age_years"]["max"] + 20, "test")
    p = engine.predict(cox, values)
    assert p.flags[0] == (
        f"Age at diagnosis {ranges['age_years']['max'] + 20:g} is outside the training range "
        f"[{ranges['age_years']['min']:g}, {ranges['age_years']['max']:g}]: extrapolation"
    )


def test_stage_and_unrecorded_subgroups_are_flagged(cox: engine.LoadedModel) -> None:
    rows = cox.artefact["validation"]["subgroups"]
    ranges = cox.artefact["feature_ranges"]
    values = {f: FeatureValue(ranges[f]["median"], "test") for f in cox.model.features}
    staged = [r for r in rows if r["variable"] == "stage (AJCC 6th)"]
    assert {r["level"] for r in staged} == {"IIA", "IIB", "IIIA", "IIIB", "IIIC"}
    # a recorded stage group with weak validation gets that subgroup's flag
    weak = next(r for r in staged if r["status"] != "ok")
    flags = engine.predict(cox, values, stage=(weak["level"], f"Stage {weak['level']}")).flags
    assert f"subgroup stage (AJCC 6th) {weak['level']}: {weak['note']}" in flags
    # a stage group the validation never saw (SEER holds stages IIA-IIIC): said, no silence
    flags = engine.predict(cox, values, stage=("IA", "IA (AJCC 8th)")).flags
    assert (
        "recorded stage IA (AJCC 8th) is not among the stage groups of the validation data "
        "(IIA, IIB, IIIA, IIIB, IIIC): performance for this stage is unknown"
    ) in flags
    # race is not in OncoBoard's records: where a race level validated weakly, every
    # prediction says that it cannot tell whether it applies
    race_weak = [r["level"] for r in rows if r["variable"] == "race" and r["status"] != "ok"]
    assert race_weak, "the shipped SEER hold-out has a race level with weak validation"
    [race] = [f for f in flags if f.startswith("race is not recorded")]
    assert all(level in race for level in race_weak) and "unknown" in race


@pytest.mark.shared
def test_the_stage_group_is_read_from_the_primary_condition(jenny: PatientRecord) -> None:
    from oncoboard.prediction.record_features import recorded_stage_group

    primary = next(i for i, c in enumerate(jenny.conditions) if c.fact.is_primary)
    staged = _with(jenny, "conditions", primary, stage="Stage IIIA", stage_system="AJCC 8th")
    assert recorded_stage_group(staged) == ("IIIA", "Stage IIIA (AJCC 8th)")
    assert recorded_stage_group(
        _with(jenny, "conditions", primary, stage="IIB", stage_system=None)
    ) == ("IIB", "IIB")
    assert recorded_stage_group(_with(jenny, "conditions", primary, stage="T2N1M0")) is None
    assert recorded_stage_group(jenny.model_copy(update={"conditions": []})) is None
