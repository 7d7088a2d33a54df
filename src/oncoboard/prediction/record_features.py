# SPDX-License-Identifier: Apache-2.0
"""A model's features read from the patient record (pure), each with the fact it came from, and
the intended-use check that decides whether a breast-cancer model may speak for this patient.

Nothing is guessed: a value the record does not give is ``None`` (the engine imputes it and says
so); a value recorded in a form this reader cannot interpret is reported as such.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from oncoboard.knowledge import oncotree
from oncoboard.record.schemas import PatientRecord, RecordedFact


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


def primary_condition(record: PatientRecord) -> RecordedFact | None:
    return next((c for c in record.conditions if getattr(c.fact, "is_primary", False)), None)


def _age(record: PatientRecord, today: date) -> FeatureValue:
    demo = record.demographics[0] if record.demographics else None
    born = _iso(getattr(demo.fact, "birth_date", None)) if demo else None
    if demo is None or born is None:
        return FeatureValue(None, "no birth date in the record")
    primary = primary_condition(record)
    onset = _iso(getattr(primary.fact, "onset", None)) if primary else None
    if onset is not None:
        return FeatureValue(round(_years_between(born, onset), 1), "age at diagnosis", demo)
    return FeatureValue(
        round(_years_between(born, today), 1), "age today (no diagnosis date recorded)", demo
    )


# How importers name the markers (lower case): whole names, then substrings. LOINC codes as the
# HL7 mCODE STU4 examples carry them (../shared/data/interop/fhir-mcode/examples:
# Observation-tumor-marker-test-er-jenny-m.json 85337-4, -pr- 85339-0, Observation-tumor-size-
# jenny-m.json 21889-1, Observation-us-core-observation-lab-tumor-grade-jenny-m.json 44648-4).
EXACT_NAMES = {
    "er_positive": ("er", "er status"),
    "pr_positive": ("pr", "pgr", "pr status"),
}
NAMES = {
    "er_positive": ("estrogen receptor", "oestrogen receptor"),
    "pr_positive": ("progesterone receptor",),
    "tumour_size_mm": ("tumor size", "tumour size", "size tumor"),
    "grade": ("histologic grade", "histological grade", "tumor grade", "tumour grade"),
    "positive_nodes": ("lymph nodes positive", "positive lymph nodes", "nodes positive"),
}
LOINC = {
    "er_positive": ("85337-4",),
    "pr_positive": ("85339-0",),
    "tumour_size_mm": ("21889-1",),
    "grade": ("44648-4",),
}
# AJCC N category N0 (clinical or pathological, after therapy too): no positive regional node
NODE_NEGATIVE = re.compile(r"^(y?[cp])?n0\b", re.IGNORECASE)


def _names(feature: str, fact: RecordedFact) -> bool:
    name = str(getattr(fact.fact, "name", "")).strip().lower()
    code = str(getattr(fact.fact, "code", "") or "")
    return (
        name in EXACT_NAMES.get(feature, ())
        or any(key in name for key in NAMES[feature])
        or code in LOINC.get(feature, ())
    )


def _biomarker(record: PatientRecord, feature: str) -> FeatureValue:
    for fact in reversed(record.biomarkers):  # the latest recorded value wins
        if _names(feature, fact):
            value = _coded(feature, fact)
            if value is not None:
                return FeatureValue(value, str(getattr(fact.fact, "name", feature)), fact)
            return FeatureValue(None, f"recorded but not interpretable: {_shown(fact)}", fact)
    if feature == "positive_nodes":
        return _node_category(record)
    return FeatureValue(None, "not in the record")


def _node_category(record: PatientRecord) -> FeatureValue:
    """No node count recorded: an N0 category still says none was positive."""
    for fact in reversed(record.biomarkers):
        name = str(getattr(fact.fact, "name", "")).lower()
        text = str(getattr(fact.fact, "value_text", "") or "").strip()
        if "n category" in name and NODE_NEGATIVE.match(text):
            return FeatureValue(0.0, f"{getattr(fact.fact, 'name', 'N category')} {text}", fact)
    return FeatureValue(None, "not in the record (no node count, no N0 category)")


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
        return float(number) * 10 if unit in ("cm", "centimeters", "centimetres") else float(number)
    return float(number)


def record_features(
    record: PatientRecord, features: tuple[str, ...], today: date
) -> dict[str, FeatureValue]:
    """Every model feature as the record gives it (``None`` where it does not)."""
    found = {}
    for name in features:
        if name == "age_years":
            found[name] = _age(record, today)
        elif name in NAMES:
            found[name] = _biomarker(record, name)
        else:
            found[name] = FeatureValue(None, "not read from records")
    return found


STAGE_GROUP = re.compile(r"^(?:STAGE\s+)?([0IV]+[ABC]?)\b")


def recorded_stage_group(record: PatientRecord) -> tuple[str, str] | None:
    """The primary cancer's anatomic stage group ("IIA") and how the record states it (with its
    staging system), for the subgroup check; ``None`` when no stage group is recorded."""
    primary = primary_condition(record)
    stated = str(getattr(primary.fact, "stage", "") or "").strip() if primary else ""
    found = STAGE_GROUP.match(stated.upper())
    if primary is None or found is None:
        return None
    system = getattr(primary.fact, "stage_system", None)
    return found.group(1), f"{stated} ({system})" if system else stated


def _breast(condition: RecordedFact) -> bool:
    v = condition.fact
    texts = " ".join(
        str(getattr(v, field, "") or "") for field in ("display", "body_site", "histology")
    )
    code = getattr(v, "oncotree_code", None)
    node = oncotree.load().get(code) if code else None
    return "breast" in texts.lower() or (node is not None and node.tissue == "Breast")


def _metastatic(record: PatientRecord, primary: RecordedFact) -> str | None:
    stage = str(getattr(primary.fact, "stage", "") or "").strip().upper()
    if stage.startswith("IV") or stage.startswith("STAGE IV"):
        return f"stage {stage} recorded"
    for fact in record.biomarkers:
        name = str(getattr(fact.fact, "name", "")).lower()
        text = str(getattr(fact.fact, "value_text", "") or "").strip()
        if "m category" in name and re.match(r"^(y?[cp])?m1", text, re.IGNORECASE):
            return f"{getattr(fact.fact, 'name', 'M category')} {text} recorded"
    if any(not getattr(c.fact, "is_primary", True) for c in record.conditions):
        return "a secondary (metastatic) cancer is recorded"
    return None


def outside_intended_use(record: PatientRecord) -> list[str]:
    """Why the breast-cancer models may not speak for this patient (empty: within scope)."""
    primary = primary_condition(record)
    if primary is None:
        return ["no primary cancer is recorded, so a breast cancer diagnosis is not confirmed"]
    found = []
    if not _breast(primary):
        shown = getattr(primary.fact, "display", None) or getattr(primary.fact, "code", "")
        found.append(f"the primary cancer is {shown}, not breast cancer")
    sex = str(getattr(record.demographics[0].fact, "sex", "") or "") if record.demographics else ""
    if sex.lower() == "male":
        found.append("the patient is male; the training cohort holds women only")
    metastatic = _metastatic(record, primary)
    if metastatic:
        found.append(f"metastatic disease ({metastatic}); the model covers non-metastatic disease")
    return found
