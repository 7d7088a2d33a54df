# SPDX-License-Identifier: Apache-2.0
"""Words for an alert's reasons, per audience; pure.

- Patients read PRO-CTCAE's own words: the symptom's short label and the response option they
  chose ("Hand-Foot Syndrome: very severe"), never keys, grades or rule names.
- Staff read clinical words: the symptom, the attribute, the answer with its score, the
  PRO-CTCAE composite grade and the comparison a rule made.
- Keys (``hand_foot_syndrome.severity``, rule ids and versions, the rule set) appear only in an
  alert's detail view.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from oncoboard.monitoring.grading import Attribute
from oncoboard.monitoring.library import SCALES, ItemLibrary

URGENT = "urgent"
# how staff read each rule type (the rule's parameters stay in the detail view)
RULE_NAMES = {
    "threshold": "severe or frequent answer",
    "composite": "PRO-CTCAE composite grade",
    "worsening": "worse than the last report",
    "personal_change": "worse than the patient's own best",
    "patient_urgent": "patient marked it urgent",
    "missed_report": "missed report",
}
ATTRIBUTE_WORDS = {
    "frequency": "frequency",
    "severity": "severity",
    "interference": "interference with daily activities",
    "amount": "amount",
    "presence": "presence",
}
# the question as the survey asks it (PRO-CTCAE structure), for patients
PATIENT_ATTRIBUTE = {
    "frequency": "how often",
    "severity": "how severe",
    "interference": "how much it interfered with daily activities",
    "amount": "how much",
    "presence": "whether you had it",
}


def term(library: ItemLibrary, symptom: str) -> str:
    """The PRO-CTCAE short label of a symptom key (``nausea`` → "Nausea")."""
    found = library.symptoms.get(symptom)
    return found.term if found else symptom.replace("_", " ").capitalize()


def option(attribute: str, value: int | None) -> str:
    """The response option of a score: severity 4 → "very severe"."""
    if value is None or attribute not in ATTRIBUTE_WORDS or attribute == "composite":
        return str(value)
    scale = SCALES[Attribute(attribute)]
    return scale[value] if 0 <= value < len(scale) else str(value)


def _split(item: str) -> tuple[str, str]:
    symptom, _, attribute = item.partition(".")
    return symptom, attribute


def _when(value: Any) -> str:
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d}"
    return str(value)[:10] if value else ""


def staff_reason(rule_type: str, triggers: Sequence[Mapping[str, Any]]) -> str:
    """One reason in clinical words, e.g. "severity 'very severe' (4/4)"."""
    parts = []
    for trigger in triggers:
        item, value, previous = trigger["item"], trigger["value"], trigger.get("previous")
        _, attribute = _split(item)
        if item == URGENT:
            parts.append("the patient asked to hear from the care team today")
        elif attribute == "composite" and previous is not None:
            best = f" (best on {_when(trigger.get('previous_at'))})"
            parts.append(f"composite grade {previous} → {value} of 3{best}")
        elif attribute == "composite":
            parts.append(f"{value} of 3")
        elif previous is not None:
            since = _when(trigger.get("previous_at"))
            parts.append(
                f"{ATTRIBUTE_WORDS.get(attribute, attribute)} '{option(attribute, previous)}' → "
                f"'{option(attribute, value)}' ({previous} → {value} of 4, last report {since})"
            )
        else:
            parts.append(
                f"{ATTRIBUTE_WORDS.get(attribute, attribute)} '{option(attribute, value)}' "
                f"({value} of 4)"
            )
    label = RULE_NAMES.get(rule_type, rule_type)
    return f"{label}: {', '.join(parts)}" if parts else label


def staff_summary(library: ItemLibrary, symptom: str, reasons: Sequence[Mapping[str, Any]]) -> str:
    """The queue line for one symptom of one report: the symptom, then every reason."""
    texts = [staff_reason(r["rule_type"], r["triggers"]) for r in reasons]
    if symptom == URGENT:
        return "Patient marked the symptom report urgent"
    return f"{term(library, symptom)} — " + "; ".join(texts)


def patient_summary(
    library: ItemLibrary, symptom: str, reasons: Sequence[Mapping[str, Any]]
) -> str:
    """What the patient reads: her own answers in PRO-CTCAE words, and why it was sent on."""
    answers: dict[str, str] = {}
    worse = False
    urgent = False
    for reason in reasons:
        for trigger in reason["triggers"]:
            item, value = trigger["item"], trigger["value"]
            _, attribute = _split(item)
            if item == URGENT:
                urgent = True
            elif attribute == "composite":
                worse = worse or trigger.get("previous") is not None
            else:
                worse = worse or trigger.get("previous") is not None
                answers.setdefault(
                    attribute,
                    f"{PATIENT_ATTRIBUTE.get(attribute, attribute)}: {option(attribute, value)}",
                )
    if symptom == URGENT:
        return "You said you need to hear from your care team today"
    text = term(library, symptom)
    if answers:
        text += " (" + "; ".join(answers.values()) + ")"
    if worse:
        text += ", worse than before"
    if urgent:
        text += "; you said you need to hear from your care team today"
    return text
