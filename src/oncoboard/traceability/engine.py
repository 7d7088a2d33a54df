# SPDX-License-Identifier: Apache-2.0
"""Scan-and-match at a hand-over (pure): sequence, identity, expiry, thaw window, transit.

Given what the batch record says (``CaseState``) and what was scanned, decide: blocked (with the
alert it raises), incomplete (scans still missing), or matched — and what the step registers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from oncoboard.errors import InputError, Problem
from oncoboard.traceability.scan import Scan, ScanKind
from oncoboard.traceability.schemas import (
    STEP_LABELS,
    AlertKind,
    CaseLimits,
    Check,
    CustodyStep,
    LegLimits,
)
from oncoboard.traceability.state import CaseState, FinalLabel

S = CustodyStep
# the custody step that must come right before each step (21 CFR 11.10(f): permitted sequence)
PREVIOUS: Mapping[CustodyStep, frozenset[CustodyStep | None]] = {
    S.APHERESIS: frozenset({None, S.APHERESIS}),  # further collections keep their own DIN
    S.SHIP_TO_MANUFACTURING: frozenset({S.APHERESIS}),
    S.RECEIPT_AT_MANUFACTURING: frozenset({S.SHIP_TO_MANUFACTURING}),
    S.MANUFACTURING: frozenset({S.RECEIPT_AT_MANUFACTURING, S.MANUFACTURING}),
    S.QC_RELEASE: frozenset({S.MANUFACTURING}),
    S.SHIP_TO_SITE: frozenset({S.QC_RELEASE}),
    S.RECEIPT_AT_SITE: frozenset({S.SHIP_TO_SITE}),
    S.THAW: frozenset({S.RECEIPT_AT_SITE}),
    S.INFUSION: frozenset({S.THAW}),
}
# what must be scanned at each step
WRISTBAND, COLLECTION, FINAL, COI = (
    "patient wristband",
    "collection bag DIN",
    "product label",
    "CoI label",
)
REQUIRED: Mapping[CustodyStep, tuple[str, ...]] = {
    S.APHERESIS: (WRISTBAND, COLLECTION),
    S.SHIP_TO_MANUFACTURING: (COLLECTION,),
    S.RECEIPT_AT_MANUFACTURING: (COLLECTION,),
    S.MANUFACTURING: (COLLECTION,),
    S.QC_RELEASE: (COI, FINAL),
    S.SHIP_TO_SITE: (FINAL,),
    S.RECEIPT_AT_SITE: (FINAL,),
    S.THAW: (WRISTBAND, FINAL),
    S.INFUSION: (WRISTBAND, FINAL),
}
SIGNED_STEPS = (S.QC_RELEASE, S.INFUSION)
SIGNATURE_MEANINGS = {
    S.QC_RELEASE: "Approval: QC release — the final product meets its release specification "
    "and is released for shipment to the treatment site",
    S.INFUSION: "Responsibility: administration — I matched the patient's wristband to the "
    "product label and administered this product",
}
AFTER_RELEASE = (S.SHIP_TO_SITE, S.RECEIPT_AT_SITE, S.THAW, S.INFUSION)
LEGS = {S.RECEIPT_AT_MANUFACTURING: S.SHIP_TO_MANUFACTURING, S.RECEIPT_AT_SITE: S.SHIP_TO_SITE}
MAX_CLOCK_SKEW = timedelta(minutes=5)
RETROSPECTIVE = timedelta(hours=1)


@dataclass(frozen=True)
class StepRequest:
    """One hand-over as the engine needs it (scans already identified)."""

    step: CustodyStep
    scans: Sequence[Scan]
    occurred_at: datetime
    now: datetime
    temperature_min_c: float | None = None
    temperature_max_c: float | None = None
    operation: str | None = None
    batch_lot: str | None = None
    expires_at: datetime | None = None
    # scanned identifier value -> the other case it is registered to
    owners: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    outcome: str  # "blocked" | "incomplete" | "matched"
    message: str
    checks: tuple[Check, ...] = ()
    missing: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    alerts: tuple[tuple[AlertKind, str], ...] = ()
    registers: Mapping[str, Any] = field(default_factory=dict)


def evaluate(state: CaseState, request: StepRequest) -> Evaluation:
    """Blocked, incomplete or matched; raises ``InputError`` for scans the step does not take."""
    refusal = _sequence(state, request.step)
    if refusal is not None:
        return Evaluation("blocked", refusal[1], alerts=(refusal,))
    _check_time(state, request)
    slots = _slots(request)
    checks = tuple(_checks(state, request, slots))
    missing = tuple(name for name in REQUIRED[request.step] if not slots.get(name))
    failed = [c for c in checks if not c.ok]
    if failed:
        message = "MISMATCH — " + "; ".join(f"{c.name}: expected {c.expected}, scanned {c.found}"
                                            for c in failed)  # fmt: skip
        return Evaluation("blocked", message, checks, missing,
                          alerts=((AlertKind.IDENTITY_MISMATCH, message),))  # fmt: skip
    if missing:
        return Evaluation("incomplete", "scan " + " and ".join(missing), checks, missing)
    registers = _registers(state, request, slots)
    hold = _hold(state, request, registers)
    if hold is not None:
        return Evaluation("blocked", hold[1], checks, alerts=(hold,))
    flags, alerts = _flags(state, request)
    label = STEP_LABELS[request.step]
    return Evaluation("matched", f"MATCH — {label}: identity confirmed", checks, (), flags,
                      alerts, registers)  # fmt: skip


def _sequence(state: CaseState, step: CustodyStep) -> tuple[AlertKind, str] | None:
    if state.infusion is not None:
        at = state.infusion.at.strftime("%Y-%m-%d %H:%M UTC")
        if step == S.INFUSION:
            return (AlertKind.REPEAT_INFUSION, f"BLOCKED — this product was already infused on "
                    f"{at} by {state.infusion.actor} (entry {state.infusion.seq})")  # fmt: skip
        return (AlertKind.OUT_OF_SEQUENCE, f"BLOCKED — the case is closed: product infused on {at}")
    if state.last_step in PREVIOUS[step]:
        return None
    expected = " or ".join(STEP_LABELS[p] if p else "none" for p in sorted(PREVIOUS[step], key=str))
    done = STEP_LABELS[state.last_step] if state.last_step else "no hand-over yet"
    return (AlertKind.OUT_OF_SEQUENCE, f"BLOCKED — {STEP_LABELS[step]} out of sequence: the last "
            f"recorded step is {done}; it must follow {expected}")  # fmt: skip


def _check_time(state: CaseState, request: StepRequest) -> None:
    if request.occurred_at > request.now + MAX_CLOCK_SKEW:
        raise InputError(
            "the hand-over time is in the future",
            problems=[_problem("occurred_at", request.occurred_at.isoformat(), "now or earlier")],
        )
    if state.last_at is not None and request.occurred_at < state.last_at:
        raise InputError(
            f"the hand-over time is before the previous entry ({state.last_at.isoformat()})",
            problems=[_problem("occurred_at", request.occurred_at.isoformat(),
                               f"at or after {state.last_at.isoformat()}")],
        )  # fmt: skip


def _slots(request: StepRequest) -> dict[str, list[Scan]]:
    slots: dict[str, list[Scan]] = {}
    final_step = request.step in (S.QC_RELEASE, *AFTER_RELEASE)
    for scan in request.scans:
        if scan.kind == ScanKind.WRISTBAND:
            name = WRISTBAND
        elif scan.kind == ScanKind.COI:
            name = COI
        elif final_step:
            name = FINAL
        elif scan.kind == ScanKind.DIN:
            name = COLLECTION
        else:
            name = "product code"
        if name not in REQUIRED[request.step] and not (
            name == COI and request.step == S.MANUFACTURING
        ):
            raise InputError(
                f"{STEP_LABELS[request.step]} does not take a {scan.label} scan ({scan.raw!r}); "
                f"it needs: {', '.join(REQUIRED[request.step])}",
                problems=[_problem("scan", scan.raw, ", ".join(REQUIRED[request.step]))],
            )
        slots.setdefault(name, []).append(scan)
    return slots


def _checks(state: CaseState, request: StepRequest, slots: Mapping[str, list[Scan]]) -> list[Check]:
    found: list[Check] = []
    for scan in slots.get(WRISTBAND, []):
        found.append(Check(name="patient wristband", expected=state.wristband_id,
                           found=scan.value, ok=scan.value == state.wristband_id))  # fmt: skip
    for scan in slots.get(COI, []):
        found.append(Check(name="chain of identity", expected=state.coi, found=scan.value,
                           ok=scan.value == state.coi))  # fmt: skip
    for scan in slots.get(COLLECTION, []):
        found.append(_collection_check(state, request, scan))
    for scan in slots.get(FINAL, []):
        found.append(_final_check(state, request, scan))
    return found


def _collection_check(state: CaseState, request: StepRequest, scan: Scan) -> Check:
    other = request.owners.get(scan.value)
    if other is not None and other != state.coi:
        return Check(name="collection bag", expected=f"a bag of {state.coi}",
                     found=f"{scan.value} (registered to {other})", ok=False)  # fmt: skip
    if request.step == S.APHERESIS:
        return Check(name="collection bag", expected="a new collection DIN", found=scan.value,
                     ok=scan.value not in state.collection_dins)  # fmt: skip
    expected = " or ".join(state.collection_dins) or "a registered collection DIN"
    return Check(name="collection bag", expected=expected, found=scan.value,
                 ok=scan.value in state.collection_dins)  # fmt: skip


def _final_check(state: CaseState, request: StepRequest, scan: Scan) -> Check:
    label = final_label(scan)
    other = request.owners.get(label.display)
    if other is not None and other != state.coi:
        return Check(name="product label", expected=f"the product of {state.coi}",
                     found=f"{label.display} (the product of {other})", ok=False)  # fmt: skip
    if request.step == S.QC_RELEASE:
        return Check(name="product label", expected="the final product label", found=label.display,
                     ok=True)  # fmt: skip
    final = state.final
    expected = final.display if final else "a released product"
    return Check(name="product label", expected=expected, found=label.display,
                 ok=final is not None and _same_product(final, label))  # fmt: skip


def final_label(scan: Scan) -> FinalLabel:
    if scan.gs1 is not None:
        data = scan.gs1
        return FinalLabel("gs1", scan.value, gtin=data.gtin, lot=data.lot, serial=data.serial)
    if scan.din is not None:
        return FinalLabel("isbt128", f"DIN {scan.din.din}", din=scan.din.din)
    code = scan.product.code if scan.product else scan.value
    return FinalLabel("isbt128", f"product code {code}", product_code=code)


def _same_product(registered: FinalLabel, scanned: FinalLabel) -> bool:
    if registered.kind != scanned.kind:
        return False
    if registered.kind == "gs1":
        keys = (scanned.gtin, scanned.lot, scanned.serial)
        return keys == (registered.gtin, registered.lot, registered.serial)
    if scanned.din is not None:
        return scanned.din == registered.din
    return scanned.product_code is not None and scanned.product_code == registered.product_code


def _registers(
    state: CaseState, request: StepRequest, slots: Mapping[str, list[Scan]]
) -> dict[str, Any]:
    if request.step == S.APHERESIS:
        return {"collection_din": slots[COLLECTION][0].value}
    if request.step == S.MANUFACTURING:
        if not request.operation:
            raise InputError("a manufacturing step needs the operation (e.g. transduction)",
                             problems=[_problem("operation", "", "the manufacturing operation")])  # fmt: skip
        return {"batch_lot": request.batch_lot} if request.batch_lot and not state.batch_lot else {}
    if request.step != S.QC_RELEASE:
        return {}
    return _release(slots[FINAL], request)


def _release(scans: Sequence[Scan], request: StepRequest) -> dict[str, Any]:
    labels = [final_label(s) for s in scans]
    gs1_labels = [s.gs1 for s in scans if s.gs1 is not None]
    label = labels[0]
    if label.kind == "gs1" and not (label.gtin and (label.lot or label.serial)):
        raise InputError("the final product's GS1 label needs a GTIN with a lot or serial number",
                         problems=[_problem("product label", label.display, "(01) with (10)/(21)")])  # fmt: skip
    din = next((x.din for x in labels if x.din), None)
    code = next((x.product_code for x in labels if x.product_code), None)
    if label.kind == "isbt128":
        if din is None:
            raise InputError("the final product's ISBT 128 label needs its DIN scanned",
                             problems=[_problem("product label", label.display, "=DIN")])  # fmt: skip
        label = FinalLabel("isbt128", f"DIN {din}" + (f" / {code}" if code else ""), din=din,
                           product_code=code)  # fmt: skip
    expiry = next((g.expiry for g in gs1_labels if g.expiry), None)
    expires = request.expires_at or (
        datetime.combine(expiry, datetime.max.time()).replace(tzinfo=request.now.tzinfo)
        if expiry else None)  # fmt: skip
    if expires is None:
        raise InputError("QC release needs the product's expiry (on the label or entered)",
                         problems=[_problem("expires_at", "", "the expiry date and time")])  # fmt: skip
    return {"final_label": label.as_dict(), "expires_at": expires.isoformat()}


def _hold(
    state: CaseState, request: StepRequest, registers: Mapping[str, Any]
) -> tuple[AlertKind, str] | None:
    expires = state.expires_at
    if "expires_at" in registers:
        expires = datetime.fromisoformat(registers["expires_at"])
    if (
        expires is not None
        and request.step in (S.QC_RELEASE, *AFTER_RELEASE)
        and request.occurred_at > expires
    ):
        return (AlertKind.EXPIRED_PRODUCT, f"BLOCKED — product expired at {expires.isoformat()}")
    limits = state.limits
    minutes = limits.thaw_to_infusion_minutes if limits else None
    if request.step == S.INFUSION and minutes and state.thawed_at is not None:
        waited = (request.occurred_at - state.thawed_at).total_seconds() / 60
        if waited > minutes:
            return (AlertKind.THAW_WINDOW, f"BLOCKED — {waited:.0f} min since thaw exceeds the "
                    f"configured {minutes} min limit ({limits.source if limits else ''})")  # fmt: skip
    return None


def _flags(
    state: CaseState, request: StepRequest
) -> tuple[tuple[str, ...], tuple[tuple[AlertKind, str], ...]]:
    flags: list[str] = []
    if request.now - request.occurred_at > RETROSPECTIVE:
        hours = (request.now - request.occurred_at).total_seconds() / 3600
        flags.append(f"recorded retrospectively, {hours:.1f} h after the hand-over")
    if request.step not in LEGS:
        return tuple(flags), ()
    shipped = state.shipped_at.get(LEGS[request.step])
    limits = state.limits
    leg = None
    if limits is not None:
        leg = (
            limits.to_manufacturing
            if request.step == S.RECEIPT_AT_MANUFACTURING
            else limits.to_site
        )
    excursions = transit_excursions(leg, shipped, request)
    if leg is None:
        flags.append("no transit limits configured for this leg: time and temperature not assessed")
    elif request.temperature_min_c is None and request.temperature_max_c is None:
        flags.append("no temperature readings entered: temperature not assessed")
    flags += excursions
    source = f" (limits: {limits.source})" if limits else ""
    alerts = tuple((AlertKind.TRANSIT_EXCURSION, f"{e}{source}") for e in excursions)
    return tuple(flags), alerts


def transit_excursions(
    leg: LegLimits | None, shipped: datetime | None, request: StepRequest
) -> list[str]:
    """Each configured limit the shipment leg broke, in words."""
    if leg is None:
        return []
    found = []
    if leg.max_hours is not None and shipped is not None:
        hours = (request.occurred_at - shipped).total_seconds() / 3600
        if hours > leg.max_hours:
            found.append(f"transit time {hours:.1f} h exceeds the {leg.max_hours:g} h limit")
    low, high = request.temperature_min_c, request.temperature_max_c
    if leg.min_temp_c is not None and low is not None and low < leg.min_temp_c:
        found.append(f"temperature fell to {low:g} °C, below the {leg.min_temp_c:g} °C limit")
    if leg.max_temp_c is not None and high is not None and high > leg.max_temp_c:
        found.append(f"temperature rose to {high:g} °C, above the {leg.max_temp_c:g} °C limit")
    return found


def limits_from(data: Mapping[str, Any] | None) -> CaseLimits | None:
    return CaseLimits.model_validate(data) if data else None


def _problem(field_name: str, value: str, expected: str) -> Problem:
    return Problem(
        source="hand-over", locator="step", field=field_name, value=value, expected=expected
    )
