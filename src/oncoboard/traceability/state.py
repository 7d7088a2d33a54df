# SPDX-License-Identifier: Apache-2.0
"""A case as its verified batch record says it is: replayed from the entries, never from a
mutable row, so matching always compares scans against what the chain of identity recorded."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from oncoboard.traceability.schemas import CaseLimits, CustodyStep


@dataclass(frozen=True)
class FinalLabel:
    """The released product's label identifiers (GS1 or ISBT 128), as registered at QC release."""

    kind: str  # "gs1" | "isbt128"
    display: str
    gtin: str | None = None
    lot: str | None = None
    serial: str | None = None
    din: str | None = None
    product_code: str | None = None

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in self.__dict__.items() if v is not None}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FinalLabel:
        return cls(**{k: str(v) for k, v in data.items()})


@dataclass(frozen=True)
class Infusion:
    seq: int
    actor: str
    at: datetime


@dataclass(frozen=True)
class CaseState:
    coi: str
    patient_id: str
    wristband_id: str
    product: str
    limits: CaseLimits | None
    collection_dins: tuple[str, ...] = ()
    batch_lot: str | None = None
    final: FinalLabel | None = None
    expires_at: datetime | None = None
    last_step: CustodyStep | None = None
    last_at: datetime | None = None
    shipped_at: Mapping[CustodyStep, datetime] = field(default_factory=dict)
    thawed_at: datetime | None = None
    infusion: Infusion | None = None
    steps_done: tuple[CustodyStep, ...] = ()


def replay(bodies: Iterable[Mapping[str, Any]]) -> CaseState:
    """The case after every entry; only ``recorded`` custody steps move it forward."""
    state: CaseState | None = None
    for body in bodies:
        if body["kind"] == "opened":
            registers = body["registers"]
            limits = registers.get("limits")
            state = CaseState(
                coi=body["coi"],
                patient_id=registers["patient_id"],
                wristband_id=registers["wristband_id"],
                product=registers["product"],
                limits=CaseLimits.model_validate(limits) if limits else None,
                last_at=parse_time(body["occurred_at"]),
            )
        elif state is not None and body["kind"] == "step" and body["outcome"] == "recorded":
            state = _advance(state, body)
    if state is None:
        raise ValueError("a batch record starts with its 'opened' entry")
    return state


def _advance(state: CaseState, body: Mapping[str, Any]) -> CaseState:
    step = CustodyStep(body["step"])
    at = parse_time(body["occurred_at"])
    registers: Mapping[str, Any] = body.get("registers") or {}
    changes: dict[str, Any] = {
        "last_step": step,
        "last_at": at,
        "steps_done": (*state.steps_done, step),
    }
    if "collection_din" in registers:
        changes["collection_dins"] = (*state.collection_dins, registers["collection_din"])
    if "batch_lot" in registers and state.batch_lot is None:
        changes["batch_lot"] = registers["batch_lot"]
    if "final_label" in registers:
        changes["final"] = FinalLabel.from_dict(registers["final_label"])
        changes["expires_at"] = parse_time(registers["expires_at"])
    if step in (CustodyStep.SHIP_TO_MANUFACTURING, CustodyStep.SHIP_TO_SITE):
        changes["shipped_at"] = {**state.shipped_at, step: at}
    if step == CustodyStep.THAW:
        changes["thawed_at"] = at
    if step == CustodyStep.INFUSION:
        changes["infusion"] = Infusion(int(body["seq"]), str(body["actor"]), at)
    return _replace(state, changes)


def _replace(state: CaseState, changes: Mapping[str, Any]) -> CaseState:
    from dataclasses import replace

    return replace(state, **changes)


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text)
