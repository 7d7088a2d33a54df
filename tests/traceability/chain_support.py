# SPDX-License-Identifier: Apache-2.0
"""A whole autologous chain for the tests: two patients, a coordinator, labels, each hand-over."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine

from oncoboard.governance import gate, users
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.record.models import PatientRow
from oncoboard.store.db import unit_of_work
from oncoboard.traceability import gs1, isbt128, service
from oncoboard.traceability.config import SiteConfig
from oncoboard.traceability.schemas import CaseIn, CaseLimits, CustodyStep, LegLimits, StepIn
from tests.conftest import TEST_PASSWORD

COORDINATOR = "ct-coord"
PATIENTS = ("CT-PT-1", "CT-PT-2")
# illustrative limits for tests only (not a product's specification)
LIMITS = CaseLimits(
    source="test specification (illustrative values)",
    to_manufacturing=LegLimits(max_hours=48, min_temp_c=2, max_temp_c=25),
    to_site=LegLimits(max_hours=72, min_temp_c=-196, max_temp_c=-120),
    thaw_to_infusion_minutes=60,
)
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass(frozen=True)
class Labels:
    """One patient's labels: wristband, collection DIN, CoI and final GS1 product label."""

    wristband: str
    collection: str
    coi: str
    final: str

    @classmethod
    def for_patient(cls, index: int, expiry: date = date(2027, 1, 31)) -> Labels:
        din = isbt128.make_din("A9999", 2026, 100 + index)
        label = gs1.build_gs1(gtin="09506000134352", expiry=expiry,
                              lot=f"LOT{index}", serial=f"SN{index:04d}")  # fmt: skip
        return cls(
            wristband=PATIENTS[index],
            collection=din.barcode_data,
            coi=isbt128.make_coi("A9999", 2026, index + 1).barcode_data,
            final="]d2" + label.element_string,
        )


def setup(engine: Engine, *, roles: tuple[Role, ...] = (Role.CELL_THERAPY_COORDINATOR,)) -> None:
    with unit_of_work(engine) as session:
        for patient in PATIENTS:
            session.add(PatientRow(external_id=patient))
        session.flush()
        users.create_user(session, username=COORDINATOR, display_name="Tom Becker",
                          roles=list(roles), granted_by="tests", password=TEST_PASSWORD)  # fmt: skip


def access(
    session: Any, patient: str, *, username: str = COORDINATOR, action: Action = Action.EDIT_RECORD
) -> Access:
    return gate.authorize(session, actor=users.actor_for(session, username), action=action,
                          purpose=Purpose.TREATMENT, obj="test", patient_id=patient)  # fmt: skip


def open_case(
    engine: Engine, index: int, *, limits: CaseLimits | None = LIMITS, start: datetime = START
) -> str:
    labels = Labels.for_patient(index)
    with unit_of_work(engine) as session:
        out = service.open_case(
            session, access=access(session, PATIENTS[index]),
            case_in=CaseIn(product="autologous CAR-T (test)", coi=labels.coi, limits=limits),
            config=SiteConfig(), now=start - timedelta(hours=1),
        )  # fmt: skip
    return out.coi


def step(engine: Engine, index: int, step: CustodyStep, scans: list[str], *, at: datetime,
         username: str = COORDINATOR, **fields: Any) -> Any:  # fmt: skip
    coi = Labels.for_patient(index).coi[2:]
    now = fields.pop("now", at + timedelta(minutes=1))
    with unit_of_work(engine) as session:
        acc = service.authorize_case(session, users.actor_for(session, username), coi,
                                     Action.EDIT_RECORD, step.value)  # fmt: skip
        return service.record_step(
            session, access=acc, coi=coi,
            step_in=StepIn(step=step, scans=scans, location=fields.pop("location", "Ward 7"),
                           occurred_at=at, **fields),
            now=now,
        )  # fmt: skip


def walk(
    engine: Engine,
    index: int,
    until: CustodyStep,
    *,
    start: datetime = START,
    expiry: date = date(2027, 1, 31),
) -> datetime:
    """Record every hand-over up to and including ``until``, 6 h apart; returns its time."""
    s, labels, at = CustodyStep, Labels.for_patient(index, expiry), start
    plan: list[tuple[CustodyStep, list[str], dict[str, Any]]] = [
        (s.APHERESIS, [labels.wristband, labels.collection], {}),
        (s.SHIP_TO_MANUFACTURING, [labels.collection], {}),
        (s.RECEIPT_AT_MANUFACTURING, [labels.collection],
         {"temperature_min_c": 4, "temperature_max_c": 8}),
        (s.MANUFACTURING, [labels.collection], {"operation": "transduction", "batch_lot": f"LOT{index}"}),
        (s.QC_RELEASE, [labels.coi, labels.final], {"password": SecretStr(TEST_PASSWORD)}),
        (s.SHIP_TO_SITE, [labels.final], {}),
        (s.RECEIPT_AT_SITE, [labels.final], {"temperature_min_c": -180, "temperature_max_c": -150}),
        (s.THAW, [labels.wristband, labels.final], {}),
        (s.INFUSION, [labels.wristband, labels.final], {"password": SecretStr(TEST_PASSWORD)}),
    ]  # fmt: skip
    for name, scans, fields in plan:
        at += timedelta(hours=6) if name != s.INFUSION else timedelta(minutes=20)
        out = step(engine, index, name, scans, at=at, **fields)
        assert out.outcome == "recorded", (name, out.message)
        if name == until:
            return at
    return at
