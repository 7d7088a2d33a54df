# SPDX-License-Identifier: Apache-2.0
"""Contracts of the prediction capability: training spec, change-control plan, results, cards."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from oncoboard.governance.recommendation import Recommendation

Name = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9._-]{1,62}$")]
ModelKind = Literal["cox_ph", "boosted_cox"]
Fraction = Annotated[float, Field(gt=0, lt=1)]


class ModelStatus(StrEnum):
    CANDIDATE = "candidate"  # trained and validated; waits for the quality officer
    OUTSIDE_PLAN = "outside_plan"  # violates its change-control plan: cannot be promoted
    RELEASED = "released"  # promoted: the one version of its name that serves predictions
    RETIRED = "retired"  # replaced by a later release, or withdrawn


class TrainingSpec(BaseModel):
    """What to train and how to validate it (``oncoboard models train SPEC``)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    name: Name = Field(description="the model's name; each training adds a version")
    title: str = Field(min_length=3, max_length=200)
    plan: Name = Field(description="id of the change-control plan (PCCP) that governs it")
    dataset: str
    external_validation: str | None = None
    kind: ModelKind
    features: tuple[str, ...] = Field(min_length=1, max_length=40)
    hyperparameters: dict[str, float] = Field(default_factory=dict)
    horizon_years: Annotated[float, Field(gt=0, le=20)] = 5.0
    seed: int = 20260101
    cv_folds: Annotated[int, Field(ge=2, le=10)] = 5
    holdout_fraction: Fraction = 0.2
    bootstrap_replicates: Annotated[int, Field(ge=10, le=2000)] = 200
    interval_replicates: Annotated[int, Field(ge=10, le=200)] = 50
    subgroups: tuple[str, ...] = ()
    intended_use: str = Field(min_length=10)
    out_of_scope: str = Field(min_length=10)


class Range(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    min: float
    max: float


class AllowedChanges(BaseModel):
    """PCCP part 1, Description of Modifications: what may change, everything else may not."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    kind: ModelKind
    datasets: tuple[str, ...] = Field(min_length=1)
    features: tuple[str, ...] = Field(min_length=1, description="fixed: no addition or removal")
    hyperparameters: dict[str, Range] = Field(default_factory=dict)


class AcceptanceCriteria(BaseModel):
    """PCCP part 2, pre-specified acceptance criteria, checked on the sequestered hold-out."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    c_index_margin: Annotated[float, Field(ge=0, le=0.2)] = 0.02
    minimum_c_index: Annotated[float, Field(ge=0.5, le=1)] = 0.6
    subgroup_max_drop: Annotated[float, Field(ge=0, le=0.5)] = 0.05
    calibration_slope: Range = Range(min=0.8, max=1.2)
    min_subgroup_events: Annotated[int, Field(ge=5)] = 20
    subgroup_gap: Annotated[float, Field(gt=0, le=0.5)] = 0.05


class ValidationProtocol(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    cv_folds: int = 5
    holdout_fraction: float = 0.2
    seed: int = 20260101
    horizon_years: float = 5.0
    bootstrap_replicates_min: int = 200
    external_validation: str | None = None


class DriftThresholds(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    psi_warn: float = 0.1
    psi_alert: float = 0.25
    ks_p_value: float = 0.01
    c_index_drop: float = 0.05
    min_window_events: int = 20


class ChangeControlPlan(BaseModel):
    """A predetermined change control plan (FDA PCCP guidance, 4 Dec 2024) as data."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    id: Name
    version: str
    title: str
    allowed_changes: AllowedChanges
    acceptance: AcceptanceCriteria
    validation_protocol: ValidationProtocol
    drift: DriftThresholds = DriftThresholds()
    update_procedure: str = Field(min_length=10)
    impact_assessment: str = Field(min_length=10)


class Estimate(BaseModel):
    """A number with its bootstrap 95 % interval (never one without the other)."""

    model_config = ConfigDict(frozen=True)
    value: float
    low: float
    high: float


class CohortMetrics(BaseModel):
    model_config = ConfigDict(frozen=True)
    cohort: str
    n: int
    events: int
    harrell_c: Estimate
    uno_c: Estimate | None = None
    auc_at_horizon: Estimate | None = None
    brier_at_horizon: Estimate | None = None
    calibration_slope: Estimate | None = None
    calibration_intercept: Estimate | None = None
    observed_expected: float | None = None
    calibration_groups: list[tuple[float, float, int]] = Field(default_factory=list)
    note: str | None = None


class SubgroupRow(BaseModel):
    model_config = ConfigDict(frozen=True)
    variable: str
    level: str
    n: int
    events: int
    harrell_c: Estimate | None = None  # None: too few events to report a number
    observed_expected: float | None = None
    status: Literal["ok", "too_few_events", "gap"]
    note: str


class ValidationReport(BaseModel):
    model_config = ConfigDict(frozen=True)
    horizon_years: float
    cv_harrell_c: Estimate
    cv_uno_c: Estimate
    cv_fold_c: list[float]
    holdout: CohortMetrics
    external: CohortMetrics | None = None
    subgroups: list[SubgroupRow]


class ClauseResult(BaseModel):
    model_config = ConfigDict(frozen=True)
    clause: str
    passed: bool
    detail: str


class ModelSummary(BaseModel):
    """A registry row as the API and pages show it."""

    model_config = ConfigDict(frozen=True)
    id: str
    name: str
    version: int
    kind: str
    title: str
    status: ModelStatus
    plan: str
    artefact_sha256: str
    data_sha256: str
    code_version: str
    created_at: datetime
    created_by: str
    holdout_c: Estimate
    plan_check: list[ClauseResult]
    promoted_by: str | None = None
    promoted_at: datetime | None = None


class ModelCard(BaseModel):
    """A model card's sections (Mitchell et al., FAT* 2019) for one version, as JSON."""

    model_config = ConfigDict(frozen=True)
    model_details: dict[str, Any]
    intended_use: dict[str, str]
    factors: list[str]
    training_data: dict[str, Any]
    evaluation_data: dict[str, Any]
    metrics: dict[str, Any]
    # per subgroup variable: group min/max, difference and ratio of C (fairlearn MetricFrame style)
    subgroup_summary: list[dict[str, Any]] = []
    change_control_plan: dict[str, Any]
    plan_check: list[dict[str, Any]]
    ethical_considerations: str
    caveats: list[str]
    version_history: list[dict[str, Any]]


class EvaluationOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    model_id: str
    data: str
    metrics: CohortMetrics


class FeatureDrift(BaseModel):
    model_config = ConfigDict(frozen=True)
    feature: str
    psi: float
    ks_statistic: float
    ks_p_value: float
    level: Literal["stable", "warn", "alert"]
    reference_mean: float
    current_mean: float
    missing: int


class DriftReportOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: int
    model_id: str
    data: str
    n: int
    created_at: datetime
    created_by: str
    features: list[FeatureDrift]
    performance: list[dict[str, Any]]
    alerts: list[str]


class AlertOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: int
    model_id: str
    kind: str
    message: str
    status: Literal["open", "acknowledged"]
    created_at: datetime
    acknowledged_by: str | None = None


class PromoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=10, max_length=2000)


class FeatureValueOut(BaseModel):
    """One feature of one prediction: the recorded value, what the model used, where it came
    from, and its exact contribution to the log hazard with a 95 % interval over the refits."""

    model_config = ConfigDict(frozen=True)
    feature: str
    label: str
    unit: str
    value: float | None  # None: not recorded (``used`` is the imputed training median)
    used: float
    source: str
    fact_id: int | None
    contribution: float
    contribution_low: float
    contribution_high: float


class PredictionOut(BaseModel):
    """One patient's prediction with interval, explanation and its limitations."""

    model_config = ConfigDict(frozen=True)
    patient_id: str
    model_id: str
    model_title: str
    horizon_years: float
    survival: Estimate
    features: list[FeatureValueOut]
    words: list[str]
    flags: list[str]
    interval_replicates: int = Field(description="bootstrap refits behind every interval")


PredictionStatus = Literal["predicted", "not_applicable", "no_features", "no_model"]


class PatientPredictionOut(BaseModel):
    """The answer for one patient: a prediction and its Recommendation, or why there is none."""

    model_config = ConfigDict(frozen=True)
    patient_id: str
    status: PredictionStatus
    reasons: list[str]
    model_id: str | None = None
    prediction: PredictionOut | None = None
    recommendation: Recommendation | None = None
    stored_recommendation_id: str | None = Field(
        default=None, description="set when the prediction was added to the record for review"
    )
