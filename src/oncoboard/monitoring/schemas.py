# SPDX-License-Identifier: Apache-2.0
"""The API and CLI contract of symptom monitoring: what pages, routes and commands exchange."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    StringConstraints,
    field_validator,
    model_validator,
)

Note = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
IdempotencyKey = Annotated[str, StringConstraints(pattern=r"^[\x21-\x7e]{1,128}$")]
Channel = Literal["api", "web", "fhir", "csv"]
AlertAction = Literal["acknowledge", "note", "call", "escalate", "resolve"]
AlertStatus = Literal["open", "acknowledged", "escalated", "resolved"]
Outcome = Literal[
    "advice_given",
    "managed_at_home",
    "visit_scheduled",
    "treatment_changed",
    "referred_to_emergency",
    "admitted",
    "no_action_needed",
    "could_not_reach",
    "report_received",
    "other",
]


class SubmissionIn(BaseModel):
    """One completed questionnaire; answers map ``<term>.<attribute>`` to 0-4 or a non-scored code."""

    model_config = ConfigDict(extra="forbid")
    questionnaire_id: str = Field(max_length=64, examples=["capecitabine"])
    idempotency_key: IdempotencyKey = Field(
        description="client-chosen; a retry with the same key returns the same submission"
    )
    authored_at: datetime | None = Field(
        default=None, description="when the patient answered (timezone required); default: now"
    )
    answers: dict[str, StrictInt | str] = Field(
        max_length=300, examples=[{"nausea.frequency": 2, "nausea.severity": 3}]
    )
    urgent: bool | None = Field(default=None, description='answer to "is this urgent?"')

    @field_validator("authored_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("a timezone is required (e.g. 2026-03-01T09:30:00Z)")
        return value


class AnswerOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    item: str
    item_id: str
    value: int | None
    missing_code: str | None


class TriggerOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    item: str
    value: int
    previous: int | None = None
    previous_submission_id: str | None = None
    previous_at: datetime | None = None


class ReasonOut(BaseModel):
    """One rule that fired for the alert's symptom, in clinical words, with its key."""

    model_config = ConfigDict(frozen=True)
    rule_id: str
    rule_version: int
    rule_type: str
    priority: Literal["normal", "high"]
    text: str
    triggers: list[TriggerOut]


class AlertOut(BaseModel):
    """An alert as the queue shows it: one symptom of one report, with every reason."""

    model_config = ConfigDict(frozen=True)
    alert_id: str
    patient_id: str
    submission_id: str | None
    symptom: str | None = Field(
        default=None, description="symptom key; 'urgent' for the urgent answer alone"
    )
    rule_id: str = Field(description="the leading rule (highest priority, then rule order)")
    rule_version: int
    ruleset: str
    audience: Literal["staff", "patient"]
    priority: Literal["normal", "high"]
    status: AlertStatus
    summary: str = Field(description="clinical wording for the care team")
    patient_summary: str | None = Field(
        default=None, description="PRO-CTCAE wording for the patient (where the reader has it)"
    )
    reasons: list[ReasonOut] = Field(default_factory=list)
    triggers: list[TriggerOut]
    recommendation_id: str | None
    created_at: datetime
    due_at: datetime
    overdue: bool
    acted_at: datetime | None
    escalated_at: datetime | None
    escalation_due_at: datetime | None
    patient_told_at: datetime | None
    resolved_at: datetime | None
    outcome: str | None


class AlertEventOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: str
    at: datetime
    actor: str
    note: str | None
    outcome: str | None


class AlertDetail(AlertOut):
    """An alert with its full, append-only history."""

    events: list[AlertEventOut]


class AlertQueue(BaseModel):
    """Open work, highest priority first, then oldest first."""

    items: list[AlertOut]
    total: int
    escalated_now: int = Field(description="alerts the SLA sweep escalated during this read")


class AlertActionIn(BaseModel):
    """One step on an alert; each is kept as an event."""

    model_config = ConfigDict(extra="forbid")
    action: AlertAction
    note: Note | None = None
    outcome: Outcome | None = None

    @model_validator(mode="after")
    def _needs(self) -> AlertActionIn:
        if self.action in ("note", "call", "escalate") and self.note is None:
            raise ValueError(f"{self.action} needs a note")
        if self.action == "resolve" and self.outcome is None:
            raise ValueError("resolve needs an outcome")
        if self.action != "resolve" and self.outcome is not None:
            raise ValueError("only resolve takes an outcome")
        return self


class SubmissionOut(BaseModel):
    """A stored submission: raw answers, composite grades, the alerts it raised, provenance."""

    model_config = ConfigDict(frozen=True)
    submission_id: str
    patient_id: str
    questionnaire_id: str
    questionnaire_version: str
    idempotency_key: str
    authored_at: datetime
    received_at: datetime
    submitted_by: str
    channel: str
    source_name: str
    locator: str
    urgent: bool | None
    answers: list[AnswerOut]
    grades: dict[str, int | None]
    missing: list[str] = Field(
        default_factory=list,
        description="asked items left blank (stored as not_answered; their composite grade "
        "cannot be computed)",
    )
    alerts: list[AlertOut]
    replayed: bool = Field(description="true when this key was already stored (nothing written)")


class SubmissionList(BaseModel):
    items: list[SubmissionOut]
    total: int


class EnrolmentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    questionnaire_id: str = Field(max_length=64)
    starts_at: datetime | None = None
    schedule_days: int | None = Field(default=None, ge=1, le=91)


class EnrolmentOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    enrolment_id: int
    patient_id: str
    questionnaire_id: str
    schedule_days: int
    starts_at: datetime
    enrolled_by: str


class TrajectoryPoint(BaseModel):
    model_config = ConfigDict(frozen=True)
    submission_id: str
    authored_at: datetime
    grade: int | None
    scores: dict[str, int | None]


class SymptomTrajectory(BaseModel):
    model_config = ConfigDict(frozen=True)
    symptom: str
    term: str
    points: list[TrajectoryPoint]


class Trajectory(BaseModel):
    """Composite grade over time per symptom (for charts)."""

    patient_id: str
    symptoms: list[SymptomTrajectory]


class PatientStatus(BaseModel):
    """What the patient sees: whether to call now, and reminders."""

    patient_id: str
    contact_care_team_now: bool
    message: str | None
    phone: str | None
    reminders: list[str]
    next_due_at: datetime | None


class ScaleOption(BaseModel):
    value: int
    label: str


class ItemOut(BaseModel):
    item: str
    item_id: str
    attribute: str
    options: list[ScaleOption]
    missing_codes: list[str]
    asked_when: str


class SymptomOut(BaseModel):
    symptom: str
    term: str
    items: list[ItemOut]


class QuestionnaireOut(BaseModel):
    """A questionnaire with its items, scales and skip logic (item wording is not bundled)."""

    id: str
    version: str
    title: str
    recall_days: int
    schedule_days: int
    urgent_question: bool
    regimens: list[str]
    source: str
    library: str
    attribution: str
    symptoms: list[SymptomOut]


class QuestionnaireList(BaseModel):
    items: list[QuestionnaireOut]


class ImportReport(BaseModel):
    """Result of ``pro import``: all submissions stored, or nothing."""

    source: str
    sha256: str
    format: Literal["fhir", "csv"]
    created: int
    unchanged: int
    submission_ids: list[str]
    alerts: int


class SweepReport(BaseModel):
    escalated: int = 0
    patients_told: int = 0
    reminders: int = 0
    staff_tasks: int = 0
