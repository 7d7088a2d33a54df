# SPDX-License-Identifier: Apache-2.0
"""Alert rules as declarative, validated, versioned data, and their evaluation; pure, no database.

Defaults and their sources are in ``data/alert_rules.json`` and docs/monitoring.md (facts §1.7):
there is no published verbatim threshold set, so every number is a parameter a site can change.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from oncoboard.errors import InputError, Problem

Priority = Literal["normal", "high"]
PRIORITY_RANK = {"high": 0, "normal": 1}


class _Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    version: int = Field(ge=1)
    enabled: bool = True
    priority: Priority = "normal"
    source: str = Field(min_length=1, description="where the default comes from")
    identifier: str | None = None


class ThresholdRule(_Rule):
    """Any scored answer at or above ``min_value``; a severity at or above the second bar is high."""

    type: Literal["threshold"]
    min_value: int = Field(default=3, ge=1, le=4)
    high_priority_min_severity: int = Field(default=4, ge=1, le=4)


class WorseningRule(_Rule):
    """A rise of at least ``min_rise`` points vs the previous report of the same item."""

    type: Literal["worsening"]
    min_rise: int = Field(default=2, ge=1, le=4)


class CompositeRule(_Rule):
    """A composite grade (0-3) at or above ``min_grade``."""

    type: Literal["composite"]
    min_grade: int = Field(default=3, ge=1, le=3)


class PersonalChangeRule(_Rule):
    """Composite grade risen ``min_change`` above the patient's own baseline or best (Moovcare-like;
    Moovcare's algorithm is proprietary and this is not claimed equivalent)."""

    type: Literal["personal_change"]
    reference: Literal["baseline", "best"] = "best"
    min_change: int = Field(default=2, ge=1, le=3)
    min_history: int = Field(default=2, ge=1, le=52)


class PatientUrgentRule(_Rule):
    """The patient answered yes to "is this urgent?"."""

    type: Literal["patient_urgent"]


class MissedReportRule(_Rule):
    """No report by the due time: a reminder to the patient, then a task for the care team."""

    type: Literal["missed_report"]
    reminder_after_hours: int = Field(default=24, ge=1, le=336)
    staff_task_after_hours: int = Field(default=72, ge=2, le=720)

    @model_validator(mode="after")
    def _task_after_reminder(self) -> MissedReportRule:
        if self.staff_task_after_hours <= self.reminder_after_hours:
            raise ValueError(
                f"staff_task_after_hours ({self.staff_task_after_hours}) must exceed "
                f"reminder_after_hours ({self.reminder_after_hours})"
            )
        return self


Rule = Annotated[
    ThresholdRule
    | WorseningRule
    | CompositeRule
    | PersonalChangeRule
    | PatientUrgentRule
    | MissedReportRule,
    Field(discriminator="type"),
]
RULE_TYPES: dict[str, type[_Rule]] = {
    "threshold": ThresholdRule,
    "worsening": WorseningRule,
    "composite": CompositeRule,
    "personal_change": PersonalChangeRule,
    "patient_urgent": PatientUrgentRule,
    "missed_report": MissedReportRule,
}


class RuleSet(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    version: str = Field(min_length=1, max_length=32)
    rules: tuple[Rule, ...]

    @model_validator(mode="after")
    def _unique_ids(self) -> RuleSet:
        ids = [r.id for r in self.rules]
        if len(ids) != len(set(ids)):
            raise ValueError(f"rule ids are not unique: {ids}")
        return self

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def of_type(self, kind: type[_Rule]) -> list[Any]:
        return [r for r in self.rules if isinstance(r, kind) and r.enabled]


def load_ruleset(path: Path | None = None) -> RuleSet:
    """The bundled default rules, or a site's file; every bad parameter is reported, located."""
    source = path.name if path else "alert_rules.json"
    text = (
        path.read_text()
        if path
        else resources.files("oncoboard.monitoring")
        .joinpath("data", "alert_rules.json")
        .read_text()
    )
    return parse_ruleset(json.loads(text), source=source)


def parse_ruleset(doc: Mapping[str, Any], *, source: str) -> RuleSet:
    """Validate a rule set; errors name the rule, the field, the value and the allowed range."""
    try:
        return RuleSet.model_validate(doc)
    except ValidationError as error:
        raw_rules = doc.get("rules")
        rules: list[Any] = raw_rules if isinstance(raw_rules, list) else []
        problems = [_problem(e, rules, source) for e in error.errors()]
        raise InputError(f"{source}: alert rules not loaded", problems) from None


def _problem(error: Any, rules: list[Any], source: str) -> Problem:
    loc = list(error["loc"])
    if len(loc) >= 2 and loc[0] == "rules" and isinstance(loc[1], int) and loc[1] < len(rules):
        raw = rules[loc[1]] if isinstance(rules[loc[1]], dict) else {}
        locator = f"rule {raw.get('id', loc[1])}"
        kind = RULE_TYPES.get(str(raw.get("type")))
        names = [str(p) for p in loc[2:] if str(p) not in RULE_TYPES]
        name = names[0] if names else "(rule)"
        return Problem(source, locator, name, repr(error.get("input")), _allowed(kind, name, error))
    return Problem(source, "rule set", ".".join(map(str, loc)) or "(root)", "", error["msg"])


def _allowed(kind: type[_Rule] | None, name: str, error: Any) -> str:
    info = kind.model_fields.get(name) if kind else None
    if info is None:
        return str(error["msg"])
    bounds = {k: getattr(m, k) for m in info.metadata for k in ("ge", "le") if hasattr(m, k)}
    if "ge" in bounds and "le" in bounds:
        return f"an integer from {bounds['ge']} to {bounds['le']}"
    return str(error["msg"])


@dataclass(frozen=True)
class Report:
    """One submission as the rules see it: effective scores per item and grades per term."""

    submission_id: str
    authored_at: datetime
    scores: Mapping[str, int | None]
    grades: Mapping[str, int | None]
    urgent: bool | None = None


@dataclass(frozen=True)
class Trigger:
    """What fired: an item (or ``<term>.composite``), its value and the value it is compared with."""

    item: str
    value: int
    previous: int | None = None
    previous_submission_id: str | None = None
    previous_at: datetime | None = None


@dataclass(frozen=True)
class AlertDraft:
    rule: Any
    priority: Priority
    summary: str
    triggers: tuple[Trigger, ...] = field(default_factory=tuple)


def evaluate(ruleset: RuleSet, current: Report, history: Sequence[Report]) -> list[AlertDraft]:
    """Alerts one submission raises, given earlier reports (oldest first); one per rule at most."""
    found: list[AlertDraft] = []
    for rule in ruleset.rules:
        if not rule.enabled or isinstance(rule, MissedReportRule):
            continue
        draft = _EVALUATORS[type(rule)](rule, current, history)
        if draft is not None:
            found.append(draft)
    return found


def _threshold(rule: ThresholdRule, current: Report, _: Sequence[Report]) -> AlertDraft | None:
    hits = tuple(
        Trigger(k, v) for k, v in current.scores.items() if v is not None and v >= rule.min_value
    )
    if not hits:
        return None
    priority = _priority(rule, hits)
    return AlertDraft(rule, priority, f"{_list(hits)} at or above {rule.min_value}", hits)


def _priority(rule: Any, hits: Sequence[Trigger]) -> Priority:
    """A threshold alert is high priority when a severity reaches the rule's second bar."""
    if isinstance(rule, ThresholdRule) and any(
        t.item.endswith(".severity") and t.value >= rule.high_priority_min_severity for t in hits
    ):
        return "high"
    return cast(Priority, rule.priority)


URGENT_KEY = "urgent"


@dataclass(frozen=True)
class AlertGroup:
    """One queue item: every rule that fired for one symptom of one report (alert fatigue is
    the known failure of ePRO programmes: one symptom, one item, every reason listed)."""

    symptom: str
    priority: Priority
    reasons: tuple[AlertDraft, ...]

    @property
    def lead(self) -> AlertDraft:
        return self.reasons[0]

    @property
    def triggers(self) -> tuple[Trigger, ...]:
        return tuple(dict.fromkeys(t for r in self.reasons for t in r.triggers))


def group(drafts: Sequence[AlertDraft]) -> list[AlertGroup]:
    """Drafts of one report regrouped per symptom, in order of first appearance.

    A draft's triggers are split by symptom (``nausea.frequency`` → ``nausea``). The patient's
    "urgent" answer concerns the whole report: it joins every symptom's item (raising it to high
    priority), and is an item of its own only when nothing else alerted.
    """
    found: dict[str, list[AlertDraft]] = {}
    for draft in drafts:
        by_symptom: dict[str, list[Trigger]] = {}
        for trigger in draft.triggers:
            by_symptom.setdefault(trigger.item.partition(".")[0], []).append(trigger)
        for symptom, hits in by_symptom.items():
            part = AlertDraft(draft.rule, _priority(draft.rule, hits), _list(hits), tuple(hits))
            found.setdefault(symptom, []).append(part)
    urgent = found.pop(URGENT_KEY, [])
    if urgent and not found:
        found[URGENT_KEY] = urgent
    groups = []
    for symptom, reasons in found.items():
        # the symptom's own reasons, high priority first (stable: rule order), then "urgent"
        ordered = sorted(reasons, key=lambda r: PRIORITY_RANK[r.priority])
        ordered += [] if symptom == URGENT_KEY else urgent
        high = any(r.priority == "high" for r in ordered)
        groups.append(AlertGroup(symptom, "high" if high else "normal", tuple(ordered)))
    return groups


def _previous(history: Sequence[Report], key: str) -> Report | None:
    return next((r for r in reversed(history) if r.scores.get(key) is not None), None)


def _worsening(
    rule: WorseningRule, current: Report, history: Sequence[Report]
) -> AlertDraft | None:
    hits: list[Trigger] = []
    for key, value in current.scores.items():
        before = _previous(history, key)
        if value is None or before is None:
            continue
        old = before.scores[key]
        assert old is not None
        if value - old >= rule.min_rise:
            hits.append(Trigger(key, value, old, before.submission_id, before.authored_at))
    if not hits:
        return None
    text = ", ".join(f"{t.item} {t.previous}->{t.value}" for t in hits)
    return AlertDraft(rule, rule.priority, f"worse by {rule.min_rise}+ points: {text}", tuple(hits))


def _composite(rule: CompositeRule, current: Report, _: Sequence[Report]) -> AlertDraft | None:
    hits = tuple(
        Trigger(f"{k}.composite", g)
        for k, g in current.grades.items()
        if g is not None and g >= rule.min_grade
    )
    if not hits:
        return None
    return AlertDraft(rule, rule.priority, f"composite grade {_list(hits)}", hits)


def _personal(
    rule: PersonalChangeRule, current: Report, history: Sequence[Report]
) -> AlertDraft | None:
    hits: list[Trigger] = []
    for key, grade in current.grades.items():
        earlier = [(r, r.grades[key]) for r in history if r.grades.get(key) is not None]
        if grade is None or len(earlier) < rule.min_history:
            continue
        pick = earlier[0] if rule.reference == "baseline" else min(earlier, key=lambda p: p[1] or 0)
        report, reference = pick
        assert reference is not None
        if grade - reference >= rule.min_change:
            hits.append(
                Trigger(
                    f"{key}.composite", grade, reference, report.submission_id, report.authored_at
                )
            )
    if not hits:
        return None
    text = ", ".join(f"{t.item} {t.previous}->{t.value}" for t in hits)
    return AlertDraft(
        rule, rule.priority, f"up {rule.min_change}+ from own {rule.reference}: {text}", tuple(hits)
    )


def _urgent(rule: PatientUrgentRule, current: Report, _: Sequence[Report]) -> AlertDraft | None:
    if current.urgent is not True:
        return None
    return AlertDraft(
        rule, rule.priority, "patient marked the report urgent", (Trigger("urgent", 1),)
    )


def _list(hits: Sequence[Trigger]) -> str:
    return ", ".join(f"{t.item}={t.value}" for t in hits)


_EVALUATORS: dict[type, Any] = {
    ThresholdRule: _threshold,
    WorseningRule: _worsening,
    CompositeRule: _composite,
    PersonalChangeRule: _personal,
    PatientUrgentRule: _urgent,
}


def missed_report_stage(
    rule: MissedReportRule, *, due_at: datetime, now: datetime
) -> Literal["reminder", "staff_task"] | None:
    """Which step of the missed-report cascade is due ``now`` for a report due at ``due_at``."""
    late = now - due_at
    if late >= timedelta(hours=rule.staff_task_after_hours):
        return "staff_task"
    if late >= timedelta(hours=rule.reminder_after_hours):
        return "reminder"
    return None
