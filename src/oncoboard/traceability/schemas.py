# SPDX-License-Identifier: Apache-2.0
"""Chain-of-identity vocabulary and the API/CLI contract: cases, custody steps, scans, alerts."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr


class CustodyStep(StrEnum):
    """Hand-overs of an autologous product, apheresis to infusion (facts §5.5, events 2-13)."""

    APHERESIS = "apheresis_collection"
    SHIP_TO_MANUFACTURING = "shipment_to_manufacturing"
    RECEIPT_AT_MANUFACTURING = "receipt_at_manufacturing"
    MANUFACTURING = "manufacturing_step"
    QC_RELEASE = "qc_release"
    SHIP_TO_SITE = "shipment_to_site"
    RECEIPT_AT_SITE = "receipt_at_site"
    THAW = "thaw"
    INFUSION = "infusion"


STEP_LABELS = {
    CustodyStep.APHERESIS: "Apheresis collection",
    CustodyStep.SHIP_TO_MANUFACTURING: "Shipment to manufacturing",
    CustodyStep.RECEIPT_AT_MANUFACTURING: "Receipt at manufacturing",
    CustodyStep.MANUFACTURING: "Manufacturing step",
    CustodyStep.QC_RELEASE: "QC release",
    CustodyStep.SHIP_TO_SITE: "Shipment to treatment site",
    CustodyStep.RECEIPT_AT_SITE: "Receipt at treatment site",
    CustodyStep.THAW: "Thaw",
    CustodyStep.INFUSION: "Infusion",
}


class AlertKind(StrEnum):
    IDENTITY_MISMATCH = "identity_mismatch"
    OUT_OF_SEQUENCE = "out_of_sequence"
    EXPIRED_PRODUCT = "expired_product"
    REPEAT_INFUSION = "repeat_infusion"
    THAW_WINDOW = "thaw_window_exceeded"
    TRANSIT_EXCURSION = "transit_excursion"


Temperature = Annotated[float, Field(ge=-273.15, le=100)]


class LegLimits(BaseModel):
    """Limits for one shipment leg, from the manufacturer's specification (site-configured)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    max_hours: float | None = Field(default=None, gt=0, le=24 * 30)
    min_temp_c: Temperature | None = None
    max_temp_c: Temperature | None = None


class CaseLimits(BaseModel):
    """Transit and thaw limits of a case; ``source`` names the specification they come from."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    source: str = Field(min_length=3, max_length=300)
    to_manufacturing: LegLimits | None = None
    to_site: LegLimits | None = None
    thaw_to_infusion_minutes: int | None = Field(default=None, gt=0, le=24 * 60)


class CaseIn(BaseModel):
    """Open a chain of identity for one patient and one autologous product."""

    model_config = ConfigDict(extra="forbid")
    product: str = Field(min_length=2, max_length=200, description="therapy / product name")
    coi: str | None = Field(default=None, max_length=17, description="ISBT 128 CoI identifier")
    issuing_fin: str | None = Field(
        default=None, pattern=r"^[A-NP-Z1-9][A-NP-Z0-9]{2}[0-9]{2}$",
        description="FIN that issues a new CoI identifier when none is given",
    )  # fmt: skip
    wristband_id: str | None = Field(
        default=None, max_length=64, description="what the patient's wristband encodes (default: patient id)"
    )  # fmt: skip
    limits: CaseLimits | None = None


class StepIn(BaseModel):
    """One hand-over: the scans made, where and when; signature steps need the password."""

    model_config = ConfigDict(extra="forbid")
    step: CustodyStep
    scans: list[Annotated[str, Field(max_length=400)]] = Field(min_length=1, max_length=12)
    location: str = Field(min_length=2, max_length=200)
    occurred_at: datetime | None = None
    temperature_min_c: Temperature | None = None
    temperature_max_c: Temperature | None = None
    operation: str | None = Field(default=None, max_length=120, description="manufacturing op")
    batch_lot: str | None = Field(default=None, max_length=40)
    expires_at: datetime | None = Field(default=None, description="expiry, when not on the label")
    note: str | None = Field(default=None, max_length=2000)
    password: SecretStr | None = Field(default=None, description="re-authentication to sign")
    commit: bool = Field(default=True, description="False: check scans only (nothing recorded "
                         "unless blocked)")  # fmt: skip


class ScanOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    kind: str
    value: str
    raw: str


class Check(BaseModel):
    """One comparison made at a hand-over: what was expected, what was scanned."""

    model_config = ConfigDict(frozen=True)
    name: str
    expected: str
    found: str
    ok: bool


class SignatureOut(BaseModel):
    """Part 11 §11.50 manifestation: printed name, date and time, meaning."""

    model_config = ConfigDict(frozen=True)
    printed_name: str
    username: str
    signed_at: str
    meaning: str
    key_fingerprint: str


class EntryOut(BaseModel):
    """One batch-record entry as the timeline shows it."""

    model_config = ConfigDict(frozen=True)
    seq: int
    kind: str
    step: str | None
    step_label: str
    outcome: str
    occurred_at: str
    recorded_at: str
    actor: str
    actor_name: str
    location: str | None
    scans: list[ScanOut]
    checks: list[Check]
    flags: list[str]
    details: dict[str, str]
    reason: str | None
    signature: SignatureOut | None
    entry_hash: str


StepOutcomeKind = Literal["recorded", "blocked", "incomplete", "ready"]


class StepOutcome(BaseModel):
    """The answer at a hand-over: match (recorded / ready) or mismatch (blocked, alerted)."""

    model_config = ConfigDict(frozen=True)
    coi: str
    step: CustodyStep
    outcome: StepOutcomeKind
    message: str
    checks: list[Check]
    missing: list[str]
    flags: list[str]
    alert_ids: list[int]
    entry: EntryOut | None


class AlertOut(BaseModel):
    model_config = ConfigDict(frozen=True)
    id: int
    coi: str
    patient_id: str
    kind: AlertKind
    message: str
    entry_seq: int
    raised_at: datetime
    raised_by: str
    status: str
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    note: str | None


class AlertAckIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=3, max_length=2000, description="what was done about it")


class CaseSummary(BaseModel):
    model_config = ConfigDict(frozen=True)
    coi: str
    patient_id: str
    product: str
    status: str
    last_step: str | None
    last_step_label: str
    open_alerts: int
    opened_at: datetime


class CaseVerification(BaseModel):
    """Result of re-checking one case's hash chain and signatures."""

    model_config = ConfigDict(frozen=True)
    coi: str
    ok: bool
    entries: int
    signatures: int
    head_hash: str
    problems: list[str]


class CaseDetail(BaseModel):
    model_config = ConfigDict(frozen=True)
    summary: CaseSummary
    wristband_id: str
    limits: CaseLimits | None
    collection_dins: list[str]
    batch_lot: str | None
    final_label: dict[str, str] | None
    expires_at: str | None
    next_steps: list[str]
    entries: list[EntryOut]
    alerts: list[AlertOut]
    verification: CaseVerification
