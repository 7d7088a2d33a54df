# SPDX-License-Identifier: Apache-2.0
"""The registry on both databases: leakage refused, a candidate outside its plan cannot be
promoted (clause named, refusal audited), an in-plan candidate needs the quality officer."""

from __future__ import annotations

import json
from importlib import resources

import pytest
from sqlalchemy import Engine, select

from oncoboard.errors import InputError, PermissionDenied
from oncoboard.governance import gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.models import AuditRow
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.prediction import drift_service, service
from oncoboard.prediction.schemas import ModelStatus, TrainingSpec
from oncoboard.store.db import unit_of_work

QUALITY = Actor("qo", "Quality Officer", frozenset({Role.QUALITY_OFFICER}))
RESEARCHER = Actor("res", "Researcher", frozenset({Role.RESEARCHER}))


def _spec(**changes: object) -> TrainingSpec:
    text = resources.files("oncoboard.prediction.specs").joinpath("seer-breast-os-cox.json")
    return TrainingSpec.model_validate({**json.loads(text.read_text()), **changes})


def _run(engine: Engine, actor: Actor, action: Action, call: object, **kwargs: object) -> object:
    with unit_of_work(engine) as session:
        access = gate.authorize(
            session, actor=actor, action=action, purpose=Purpose.OPERATIONS, obj="test"
        )
        return call(session, access=access, **kwargs)  # type: ignore[operator]


def test_leaky_feature_is_refused_before_training(engine: Engine) -> None:
    leaky = _spec(features=["age_years", "positive_nodes", "survival_months"])
    with pytest.raises(InputError, match="leakage guard refused 1 feature") as error:
        _run(engine, RESEARCHER, Action.TRAIN_MODELS, service.train_model, spec=leaky)
    assert "survival_months" in str(error.value) and "derived from the outcome" in str(error.value)
    with unit_of_work(engine) as session:
        assert session.scalars(select(service.ModelVersionRow)).all() == []


def test_out_of_plan_candidate_is_refused_naming_the_clause(engine: Engine) -> None:
    wider = _spec(features=[*_spec().features, "t_stage"])
    out = _run(engine, RESEARCHER, Action.TRAIN_MODELS, service.train_model, spec=wider)
    assert out.status == ModelStatus.OUTSIDE_PLAN  # type: ignore[attr-defined]
    with pytest.raises(service.PromotionRefused, match=r"clause 1\.3 feature set fixed: adds"):
        _run(
            engine,
            QUALITY,
            Action.PROMOTE_MODELS,
            service.promote,
            model_id=out.id,
            reason="trying anyway",
        )  # type: ignore[attr-defined]
    with unit_of_work(engine) as session:
        refused = session.scalars(select(AuditRow).where(AuditRow.outcome == "refused")).all()
        row = session.get(service.ModelVersionRow, out.id)  # type: ignore[attr-defined]
        assert row is not None and row.status == "outside_plan"
    assert len(refused) == 1 and "1.3 feature set fixed" in (refused[0].reason or "")


def test_in_plan_retraining_waits_for_the_quality_officer(engine: Engine) -> None:
    first = _run(engine, RESEARCHER, Action.TRAIN_MODELS, service.train_model, spec=_spec())
    assert first.status == ModelStatus.CANDIDATE  # type: ignore[attr-defined]
    assert all(c.passed for c in first.plan_check)  # type: ignore[attr-defined]
    with (
        pytest.raises(PermissionDenied, match="may not promote_models"),
        unit_of_work(engine) as session,
    ):
        gate.authorize(
            session,
            actor=RESEARCHER,
            action=Action.PROMOTE_MODELS,
            purpose=Purpose.OPERATIONS,
            obj="model",
        )
    _run(
        engine,
        QUALITY,
        Action.PROMOTE_MODELS,
        service.promote,
        model_id=first.id,
        reason="initial release after card review",
    )  # type: ignore[attr-defined]
    second = _run(
        engine,
        RESEARCHER,
        Action.TRAIN_MODELS,
        service.train_model,
        spec=_spec(hyperparameters={"penalizer": 0.5}),
    )
    checks = {c.clause: c for c in second.plan_check}  # type: ignore[attr-defined]
    assert checks["2.2 no loss of discrimination"].passed
    assert second.status == ModelStatus.CANDIDATE  # type: ignore[attr-defined]
    released = _run(
        engine,
        QUALITY,
        Action.PROMOTE_MODELS,
        service.promote,
        model_id=second.id,
        reason="in-plan retraining, clauses pass",
    )  # type: ignore[attr-defined]
    assert released.status == ModelStatus.RELEASED and released.promoted_by == "qo"  # type: ignore[attr-defined]
    rows = _run(engine, QUALITY, Action.REVIEW_MODELS, service.list_models)
    assert [(r.version, r.status) for r in rows] == [  # type: ignore[attr-defined]
        (1, ModelStatus.RETIRED),
        (2, ModelStatus.RELEASED),
    ]
    card = _run(engine, QUALITY, Action.REVIEW_MODELS, service.card, model_id=second.id)  # type: ignore[attr-defined]
    events = [e["event"] for e in card["version_history"]]  # type: ignore[index]
    assert events == ["trained", "promoted", "trained", "retired", "promoted"]


def test_out_of_range_hyperparameter_is_outside_the_plan(engine: Engine) -> None:
    out = _run(
        engine,
        RESEARCHER,
        Action.TRAIN_MODELS,
        service.train_model,
        spec=_spec(hyperparameters={"penalizer": 5.0}),
    )
    assert out.status == ModelStatus.OUTSIDE_PLAN  # type: ignore[attr-defined]
    failed = [c for c in out.plan_check if not c.passed]  # type: ignore[attr-defined]
    assert [c.clause for c in failed] == ["1.4 hyper-parameters within ranges"]
    assert "penalizer=5.0 outside [0.0, 1.0]" in failed[0].detail


def test_drift_alerts_reach_the_quality_queue(engine: Engine, tmp_path: object) -> None:
    model = _run(engine, RESEARCHER, Action.TRAIN_MODELS, service.train_model, spec=_spec())
    rows = ["age_years,tumour_size_mm,grade,positive_nodes,er_positive,pr_positive"]
    rows += [f"{80 + i % 9},{60 + i % 40},3,{10 + i % 5},0,0" for i in range(200)]
    report = _run(
        engine,
        RESEARCHER,
        Action.TRAIN_MODELS,
        drift_service.check_drift,
        model_id=model.id,
        data="\n".join(rows).encode(),
        source="shifted.csv",
    )  # type: ignore[attr-defined]
    levels = {f.feature: f.level for f in report.features}  # type: ignore[attr-defined]
    assert levels["age_years"] == "alert" and levels["positive_nodes"] == "alert"
    queue = _run(engine, QUALITY, Action.REVIEW_MODELS, drift_service.alerts)
    assert any("age_years" in a.message for a in queue)  # type: ignore[attr-defined]
    bad = b"age_years,tumour_size_mm,grade,positive_nodes,er_positive,pr_positive\n50,x,2,1,1,1\n"
    with pytest.raises(InputError, match=r"bad\.csv: line 2: tumour_size_mm: expected a number"):
        _run(
            engine,
            RESEARCHER,
            Action.TRAIN_MODELS,
            drift_service.check_drift,
            model_id=model.id,
            data=bad,
            source="bad.csv",
        )  # type: ignore[attr-defined]


def test_who_trained_a_candidate_may_not_release_it_and_a_release_is_in_the_audit_chain(
    engine: Engine,
) -> None:
    own = _run(engine, QUALITY, Action.TRAIN_MODELS, service.train_model, spec=_spec())
    assert own.status == ModelStatus.CANDIDATE  # type: ignore[attr-defined]
    with pytest.raises(service.PromotionRefused, match="separation of duties"):
        _run(
            engine,
            QUALITY,
            Action.PROMOTE_MODELS,
            service.promote,
            model_id=own.id,  # type: ignore[attr-defined]
            reason="my own candidate",
        )
    other = Actor("qo2", "Second Officer", frozenset({Role.QUALITY_OFFICER}))
    released = _run(
        engine,
        other,
        Action.PROMOTE_MODELS,
        service.promote,
        model_id=own.id,  # type: ignore[attr-defined]
        reason="second pair of eyes: card reviewed",
    )
    assert released.promoted_by == "qo2"  # type: ignore[attr-defined]
    with unit_of_work(engine) as session:
        entries = session.scalars(
            select(AuditRow).where(AuditRow.action.in_(["promote_models", "release_model"]))
        ).all()
    refused = [e for e in entries if e.outcome == "refused"]
    assert len(refused) == 1 and "qo trained this candidate" in (refused[0].reason or "")
    [release] = [e for e in entries if e.action == "release_model"]
    assert (release.actor, release.outcome) == ("qo2", "allowed")
    assert release.object == f"model {own.id} sha256 {released.artefact_sha256}"  # type: ignore[attr-defined]
    assert release.reason == "second pair of eyes: card reviewed"
