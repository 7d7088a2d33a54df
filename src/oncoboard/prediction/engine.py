# SPDX-License-Identifier: Apache-2.0
"""One patient's prediction (pure): features from the record with their provenance, imputation
and out-of-distribution flags, the estimate with its interval, the exact explanation, and the
Recommendation a clinician reviews.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from oncoboard.errors import InputError
from oncoboard.governance.recommendation import (
    NONE_KNOWN,
    Citation,
    FactReference,
    Recommendation,
    RecommendationKind,
)
from oncoboard.prediction import estimators
from oncoboard.prediction.record_features import (
    FeatureValue,
    outside_intended_use,
    record_features,
    recorded_stage_group,
)
from oncoboard.prediction.schemas import (
    Estimate,
    FeatureValueOut,
    PatientPredictionOut,
    PredictionOut,
)
from oncoboard.record.schemas import PatientRecord

__all__ = ["FeatureValue", "LoadedModel", "for_patient", "predict", "recommendation"]


@dataclass(frozen=True)
class LoadedModel:
    """A registry version ready to predict: its artefact parsed once (``artefact``: everything
    but the fitted models, which live in ``model`` and ``members``)."""

    id: str
    name: str
    version: int
    sha256: str
    artefact: dict[str, Any]
    model: estimators.SurvivalModel
    members: tuple[estimators.SurvivalModel, ...]

    @classmethod
    def from_text(
        cls, model_id: str, name: str, version: int, sha256: str, text: str
    ) -> LoadedModel:
        artefact = json.loads(text)
        model = estimators.from_json(artefact.pop("model"))
        members = tuple(estimators.from_json(m) for m in artefact.pop("members"))
        # the trees' parsed JSON (millions of small objects for the boosted model) is dropped
        # once the boosters are built: kept, it slows every garbage collection in the process
        return cls(model_id, name, version, sha256, artefact, model, members)

    @property
    def title(self) -> str:
        return str(self.artefact["spec"]["title"])

    @property
    def horizon(self) -> float:
        return float(self.artefact["spec"]["horizon_years"])


STAGE_VARIABLE = "stage (AJCC 6th)"


def _patient_levels(used: dict[str, float], stage: tuple[str, str] | None) -> dict[str, str]:
    """This patient's level of each subgroup variable the record tells (the card's labels)."""
    levels = {}
    if "age_years" in used:
        age = used["age_years"]
        levels["age band"] = "<50" if age < 50 else ("50-64" if age < 65 else ">=65")
    for feature, variable in (("er_positive", "ER status"), ("pr_positive", "PR status")):
        if feature in used:
            levels[variable] = "Positive" if used[feature] > 0 else "Negative"
    if stage is not None:
        levels[STAGE_VARIABLE] = stage[0]
    return levels


def _subgroup_flags(
    loaded: LoadedModel, used: dict[str, float], stage: tuple[str, str] | None = None
) -> list[str]:
    """Flags for this patient's subgroups whose validation was weak (few events or a gap), for a
    recorded stage group the validation never saw, and for subgroup variables the record does
    not carry (race) where some level's validation was weak: membership unknown, said so."""
    levels = _patient_levels(used, stage)
    by_variable: dict[str, list[dict[str, Any]]] = {}
    for row in loaded.artefact["validation"]["subgroups"]:
        by_variable.setdefault(row["variable"], []).append(row)
    flags = [
        f"subgroup {row['variable']} {row['level']}: {row['note']}"
        for group in by_variable.values()
        for row in group
        if levels.get(row["variable"]) == row["level"] and row["status"] != "ok"
    ]
    staged = {r["level"] for r in by_variable.get(STAGE_VARIABLE, [])}
    if stage is not None and staged and stage[0] not in staged:
        flags.append(
            f"recorded stage {stage[1]} is not among the stage groups of the validation data "
            f"({', '.join(sorted(staged))}): performance for this stage is unknown"
        )
    for variable, group in by_variable.items():
        weak = [
            f"{r['level']} ({r['status'].replace('_', ' ')})" for r in group if r["status"] != "ok"
        ]
        if variable not in levels and variable != STAGE_VARIABLE and weak:
            flags.append(
                f"{variable} is not recorded for this patient; validation was weak for "
                f"{', '.join(weak)}: whether that applies here is unknown"
            )
    return flags


def _row(
    loaded: LoadedModel, values: dict[str, FeatureValue]
) -> tuple[list[float], list[str], dict[str, float]]:
    """The model's input row (missing values imputed with the training median) and the flags."""
    ranges = loaded.artefact["feature_ranges"]
    info = loaded.artefact["training_data"]["dictionary"]
    row, flags, used = [], [], {}
    for name in loaded.model.features:
        value = values[name].value
        bounds = ranges[name]
        if value is None:
            flags.append(
                f"{info[name]['label']} missing ({values[name].source}): imputed with the "
                f"training median, {shown_value(bounds['median'], info[name]['unit'])}"
            )
            row.append(bounds["median"])
            continue
        if not bounds["min"] <= value <= bounds["max"]:
            flags.append(
                f"{info[name]['label']} {value:g} is outside the training range "
                f"[{bounds['min']:g}, {bounds['max']:g}]: extrapolation"
            )
        row.append(value)
        used[name] = value
    return row, flags, used


def predict(
    loaded: LoadedModel,
    values: dict[str, FeatureValue],
    *,
    stage: tuple[str, str] | None = None,
) -> PredictionOut:
    """The estimate and its interval over the bootstrap refits, the exact explanation (each
    contribution with its interval over the same refits) and the flags.

    Raises
    ------
    InputError
        When the record gives none of the model's features.
    """
    row, flags, used = _row(loaded, values)
    if not used:
        raise InputError("no model feature is recorded for this patient: no prediction")
    flags += _subgroup_flags(loaded, used, stage)
    x = np.asarray([row], float)
    # exact contributions of the model and of every refit, one call each: they add up to the
    # log hazard, so no separate prediction is needed
    models = (loaded.model, *loaded.members)
    explained = estimators.explain_all(models, x)
    survival = [
        float(estimators.survival_at(m, phi.sum(axis=1) + base, loaded.horizon)[0])
        for m, (phi, base) in zip(models, explained, strict=True)
    ]
    phi = explained[0][0][0]
    point, spread = survival[0], survival[1:]
    low, high = np.percentile(spread, [2.5, 97.5])
    c_low, c_high = np.percentile(np.asarray([e[0][0] for e in explained[1:]]), [2.5, 97.5], axis=0)
    info = loaded.artefact["training_data"]["dictionary"]
    out = [
        FeatureValueOut(
            feature=name,
            label=info[name]["label"],
            unit=info[name]["unit"],
            value=values[name].value,
            used=row[j],
            source=values[name].source,
            fact_id=_fact_id(values[name]),
            contribution=round(float(phi[j]), 4),
            contribution_low=round(float(c_low[j]), 4),
            contribution_high=round(float(c_high[j]), 4),
        )
        for j, name in enumerate(loaded.model.features)
    ]
    return PredictionOut(
        patient_id="",
        model_id=loaded.id,
        model_title=loaded.title,
        horizon_years=loaded.horizon,
        survival=Estimate(
            value=round(point, 4), low=round(float(low), 4), high=round(float(high), 4)
        ),
        features=out,
        words=explain_in_words(out),
        flags=flags,
        interval_replicates=len(loaded.members),
    )


def _fact_id(value: FeatureValue) -> int | None:
    return value.fact.fact_id if value.fact is not None else None


def shown_value(value: float, unit: str) -> str:
    """A feature value as a clinician reads it: 32 mm, 54 years, 3, yes/no."""
    if unit == "0/1":
        return "yes" if value > 0 else "no"
    return f"{value:g} {unit}" if unit in ("years", "mm") else f"{value:g}"


def explain_in_words(features: list[FeatureValueOut]) -> list[str]:
    """The three largest contributions as a clinician would say them, each with its interval."""
    ranked = sorted(features, key=lambda f: abs(f.contribution), reverse=True)[:3]
    words = []
    for f in ranked:
        direction = "raises" if f.contribution > 0 else "lowers"
        imputed = " (not recorded: training median used)" if f.value is None else ""
        words.append(
            f"{f.label}: {shown_value(f.used, f.unit)}{imputed} — {direction} the estimated "
            f"hazard ×{np.exp(f.contribution):.2f} (95% interval "
            f"×{np.exp(f.contribution_low):.2f} to ×{np.exp(f.contribution_high):.2f}) versus "
            "the average training patient"
        )
    return words


def recommendation(
    loaded: LoadedModel,
    prediction: PredictionOut,
    values: dict[str, FeatureValue],
    patient_id: str,
) -> Recommendation:
    """The prediction as a reviewable Recommendation (ai_generated; nothing is applied)."""
    s = prediction.survival
    basis = []
    for f in prediction.features:
        fact = values[f.feature].fact
        if fact is not None and f.value is not None:
            basis.append(
                FactReference(
                    label=f"{f.label}: {shown_value(f.used, f.unit)}",
                    fact_id=f.fact_id,
                    kind=fact.fact.kind,
                    provenance=fact.provenance,
                    match=values[f.feature].source,
                )
            )
    validation = loaded.artefact["validation"]
    c = validation["holdout"]["harrell_c"]
    external = validation.get("external")
    shown_external = (
        f"; external {external['cohort']} C {external['harrell_c']['value']:.3f} "
        f"({external['harrell_c']['low']:.3f}-{external['harrell_c']['high']:.3f})"
        if external
        else ""
    )
    evidence = (
        Citation(
            source=f"Model card {loaded.name} v{loaded.version}: hold-out Harrell's C "
            f"{c['value']:.3f} (95% CI {c['low']:.3f}-{c['high']:.3f}){shown_external}; trained "
            f"on {loaded.artefact['training_data']['title']}",
            identifier=f"sha256:{loaded.sha256}",
            level="learned model, internally and externally validated (see card)",
            knowledge_version=f"{loaded.name} v{loaded.version}",
        ),
    )
    limitations = "; ".join(prediction.flags) or "no out-of-distribution flag for this patient"
    return Recommendation(
        patient_id=patient_id,
        kind=RecommendationKind.PREDICTION,
        statement=(
            f"Estimated {loaded.horizon:g}-year overall survival {s.value:.0%} (95% interval "
            f"{s.low:.0%}-{s.high:.0%}); {'; '.join(prediction.words[:2])}"
        ),
        basis=tuple(basis),
        evidence=evidence,
        alternatives=NONE_KNOWN,
        limitations=limitations,
        intended_use=str(loaded.artefact["spec"]["intended_use"]),
        generated_by=f"model {loaded.name} v{loaded.version} (sha256 {loaded.sha256[:12]})",
        ai_generated=True,
    )


def for_patient(loaded: LoadedModel, record: PatientRecord, today: date) -> PatientPredictionOut:
    """The whole answer for one patient: a prediction with its Recommendation, or why none."""
    reasons = outside_intended_use(record)
    if reasons:
        return PatientPredictionOut(
            patient_id=record.patient_id,
            status="not_applicable",
            reasons=[f"outside the intended use of {loaded.id}: {r}" for r in reasons],
            model_id=loaded.id,
        )
    values = record_features(record, loaded.model.features, today)
    try:
        prediction = predict(loaded, values, stage=recorded_stage_group(record))
    except InputError as error:
        return PatientPredictionOut(
            patient_id=record.patient_id,
            status="no_features",
            reasons=[str(error)],
            model_id=loaded.id,
        )
    prediction = prediction.model_copy(update={"patient_id": record.patient_id})
    return PatientPredictionOut(
        patient_id=record.patient_id,
        status="predicted",
        reasons=[],
        model_id=loaded.id,
        prediction=prediction,
        recommendation=recommendation(loaded, prediction, values, record.patient_id),
    )
