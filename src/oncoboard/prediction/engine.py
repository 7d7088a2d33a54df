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
from oncoboard.prediction.schemas import Estimate, FeatureValueOut, PredictionOut
from oncoboard.record.schemas import PatientRecord, RecordedFact


@dataclass(frozen=True)
class LoadedModel:
    """A registry version ready to predict: its artefact parsed once."""

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
        return cls(
            model_id,
            name,
            version,
            sha256,
            artefact,
            estimators.from_json(artefact["model"]),
            tuple(estimators.from_json(m) for m in artefact["members"]),
        )

    @property
    def title(self) -> str:
        return str(self.artefact["spec"]["title"])

    @property
    def horizon(self) -> float:
        return float(self.artefact["spec"]["horizon_years"])


@dataclass(frozen=True)
class FeatureValue:
    """A feature as found in the record (None: not recorded) and the fact it came from."""

    value: float | None
    source: str
    fact: RecordedFact | None = None


def _years_between(start: date, end: date) -> float:
    return (end - start).days / 365.25


def _iso(text: str | None) -> date | None:
    try:
        return date.fromisoformat(text[:10]) if text and len(text) >= 10 else None
    except ValueError:
        return None


def _age(record: PatientRecord, today: date) -> FeatureValue:
    demo = record.demographics[0] if record.demographics else None
    born = _iso(getattr(demo.fact, "birth_date", None)) if demo else None
    if demo is None or born is None:
        return FeatureValue(None, "no birth date in the record")
    primary = next((c for c in record.conditions if getattr(c.fact, "is_primary", False)), None)
    onset = _iso(getattr(primary.fact, "onset", None)) if primary else None
    if onset is not None:
        return FeatureValue(round(_years_between(born, onset), 1), "age at diagnosis", demo)
    return FeatureValue(
        round(_years_between(born, today), 1), "age today (no diagnosis date recorded)", demo
    )


# biomarker names as importers store them (lower case), per feature
NAMES = {
    "er_positive": ("estrogen receptor", "oestrogen receptor"),
    "pr_positive": ("progesterone receptor",),
    "tumour_size_mm": ("tumor size", "tumour size", "size tumor"),
    "grade": ("histologic grade", "histological grade", "tumor grade", "tumour grade"),
    "positive_nodes": ("lymph nodes positive", "positive lymph nodes", "nodes positive"),
}


def _biomarker(record: PatientRecord, feature: str) -> FeatureValue:
    for fact in reversed(record.biomarkers):  # the latest recorded value wins
        name = str(getattr(fact.fact, "name", "")).lower()
        if any(key in name for key in NAMES[feature]):
            value = _coded(feature, fact)
            if value is not None:
                return FeatureValue(value, str(getattr(fact.fact, "name", feature)), fact)
            return FeatureValue(None, f"recorded but not interpretable: {_shown(fact)}", fact)
    return FeatureValue(None, "not in the record")


def _shown(fact: RecordedFact) -> str:
    v = fact.fact
    return str(getattr(v, "value_text", None) or getattr(v, "value_number", None) or "no value")


def _coded(feature: str, fact: RecordedFact) -> float | None:
    text = str(getattr(fact.fact, "value_text", "") or "").lower()
    number = getattr(fact.fact, "value_number", None)
    unit = str(getattr(fact.fact, "unit", "") or "").lower()
    if feature in ("er_positive", "pr_positive"):
        if "negative" in text:
            return 0.0
        return 1.0 if "positive" in text else None
    if number is None:
        digits = [int(c) for c in text if c in "123"]
        return float(digits[0]) if feature == "grade" and len(digits) == 1 else None
    if feature == "tumour_size_mm":
        return float(number) * 10 if unit == "cm" else float(number)
    return float(number)


def record_features(
    record: PatientRecord, features: tuple[str, ...], today: date
) -> dict[str, FeatureValue]:
    found = {}
    for name in features:
        found[name] = (
            _age(record, today)
            if name == "age_years"
            else (
                _biomarker(record, name)
                if name in NAMES
                else FeatureValue(None, "not read from records")
            )
        )
    return found


def _subgroup_flags(loaded: LoadedModel, used: dict[str, float]) -> list[str]:
    """Flags for this patient's subgroups whose validation was weak (few events or a gap)."""
    levels = {}
    if "age_years" in used:
        age = used["age_years"]
        levels["age band"] = "<50" if age < 50 else ("50-64" if age < 65 else ">=65")
    for feature, variable in (("er_positive", "ER status"), ("pr_positive", "PR status")):
        if feature in used:
            levels[variable] = "Positive" if used[feature] > 0 else "Negative"
    flags = []
    for row in loaded.artefact["validation"]["subgroups"]:
        if levels.get(row["variable"]) == row["level"] and row["status"] != "ok":
            flags.append(f"subgroup {row['variable']} {row['level']}: {row['note']}")
    return flags


def predict(
    loaded: LoadedModel, values: dict[str, FeatureValue]
) -> tuple[PredictionOut, list[str]]:
    """The estimate, its interval over the bootstrap refits, the explanation and the flags."""
    ranges = loaded.artefact["feature_ranges"]
    info = loaded.artefact["training_data"]["dictionary"]
    row, flags, used = [], [], {}
    for name in loaded.model.features:
        value = values[name].value
        bounds = ranges[name]
        if value is None:
            flags.append(
                f"{info[name]['label']} missing ({values[name].source}): imputed with the "
                f"training median {bounds['median']:g} {info[name]['unit']}"
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
    if not used:
        raise InputError("no model feature is recorded for this patient: no prediction")
    flags += _subgroup_flags(loaded, used)
    x = np.asarray([row], float)
    lp = loaded.model.linear_predictor(x)
    point = float(estimators.survival_at(loaded.model, lp, loaded.horizon)[0])
    spread = [
        float(estimators.survival_at(m, m.linear_predictor(x), loaded.horizon)[0])
        for m in loaded.members
    ]
    low, high = np.percentile(spread, [2.5, 97.5])
    phi, base = loaded.model.contributions(x)
    out = []
    for j, name in enumerate(loaded.model.features):
        fv = values[name]
        out.append(
            FeatureValueOut(
                feature=name,
                label=info[name]["label"],
                value=fv.value,
                used=row[j],
                source=fv.source,
                fact_id=fv.fact.fact_id if fv.fact else None,
                contribution=round(float(phi[0, j]), 4),
            )
        )
    words = explain_in_words(out, info)
    prediction = PredictionOut(
        patient_id="",
        model_id=loaded.id,
        model_title=loaded.title,
        horizon_years=loaded.horizon,
        survival=Estimate(
            value=round(point, 4), low=round(float(low), 4), high=round(float(high), 4)
        ),
        features=out,
        base_log_hazard=round(float(base[0]), 4),
        words=words,
        flags=flags,
    )
    return prediction, flags


def explain_in_words(features: list[FeatureValueOut], info: dict[str, Any]) -> list[str]:
    """The three largest contributions, as a clinician would say them."""
    ranked = sorted(features, key=lambda f: abs(f.contribution), reverse=True)[:3]
    words = []
    for f in ranked:
        direction = "raises" if f.contribution > 0 else "lowers"
        shown = f"{f.used:g} {info[f.feature]['unit']}".strip()
        imputed = " (imputed)" if f.value is None else ""
        words.append(
            f"{f.label} {shown}{imputed} {direction} the estimated hazard "
            f"(x{np.exp(f.contribution):.2f} versus the average training patient)"
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
                    label=f"{f.label}: {f.used:g}",
                    fact_id=f.fact_id,
                    kind=fact.fact.kind,
                    provenance=fact.provenance,
                    match=values[f.feature].source,
                )
            )
    validation = loaded.artefact["validation"]
    c = validation["holdout"]["harrell_c"]
    evidence = (
        Citation(
            source=f"Model card {loaded.name} v{loaded.version}: hold-out Harrell's C "
            f"{c['value']:.3f} (95% CI {c['low']:.3f}-{c['high']:.3f}); trained on "
            f"{loaded.artefact['training_data']['title']}",
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
