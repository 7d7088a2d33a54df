# SPDX-License-Identifier: Apache-2.0
"""Chain of identity through the service on SQLite and PostgreSQL: every hand-over scanned and
matched; a swapped bag, a step out of order, a second infusion, an expired product and a thaw
window overrun are blocked and alerted; transit excursions flagged; signatures need the role and
the password."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, func, select

from oncoboard.errors import InputError, PermissionDenied
from oncoboard.governance import users
from oncoboard.governance.models import AuditRow
from oncoboard.governance.vocabulary import Action, Role
from oncoboard.store.db import unit_of_work
from oncoboard.traceability import reads
from oncoboard.traceability.models import CellTherapyAlertRow, CellTherapyEntryRow
from oncoboard.traceability.schemas import CaseLimits, CustodyStep, LegLimits
from tests.conftest import TEST_PASSWORD
from tests.traceability.chain_support import (
    COORDINATOR,
    PATIENTS,
    START,
    Labels,
    access,
    open_case,
    setup,
    step,
    walk,
)

S = CustodyStep


def _detail(engine: Engine, index: int) -> Any:
    with unit_of_work(engine) as session:
        return reads.case_detail(session, access=access(session, PATIENTS[index],
                                 action=Action.VIEW_RECORD), coi=Labels.for_patient(index).coi[2:])  # fmt: skip


def _count(engine: Engine, model: Any) -> int:
    with unit_of_work(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_whole_chain_apheresis_to_infusion_is_recorded_and_verifies(engine: Engine) -> None:
    setup(engine)
    open_case(engine, 0)
    walk(engine, 0, S.INFUSION)
    detail = _detail(engine, 0)
    assert [e.step for e in detail.entries] == [None, *[s.value for s in S]]
    assert detail.summary.status == "infused" and detail.next_steps == []
    assert detail.verification.ok and detail.verification.signatures == 2
    assert detail.collection_dins == ["A999926000100"] and detail.batch_lot == "LOT0"
    assert detail.final_label == {"kind": "gs1", "display": "(01)09506000134352(17)270131(10)LOT0(21)SN0000",
                                  "gtin": "09506000134352", "lot": "LOT0", "serial": "SN0000"}  # fmt: skip
    signed = [e for e in detail.entries if e.signature]
    assert [e.step for e in signed] == ["qc_release", "infusion"]
    manifest = signed[1].signature
    assert manifest.printed_name == "Tom Becker" and manifest.meaning.startswith("Responsibility")
    receipt = next(e for e in detail.entries if e.step == "receipt_at_manufacturing")
    assert receipt.flags == [] and receipt.details["temperature_max_c"] == "8.0"
    assert detail.alerts == []


def test_a_swapped_bag_at_thaw_is_blocked_and_alerted(engine: Engine) -> None:
    setup(engine)
    for index in (0, 1):
        open_case(engine, index)
        at = walk(engine, index, S.RECEIPT_AT_SITE)
    mine, other = Labels.for_patient(0), Labels.for_patient(1)
    out = step(engine, 0, S.THAW, [mine.wristband, other.final], at=at + timedelta(hours=1))
    assert out.outcome == "blocked" and out.message.startswith("MISMATCH")
    assert "(the product of CHA999926000002)" in out.message  # names whose bag it is
    assert [c.ok for c in out.checks] == [True, False]
    detail = _detail(engine, 0)
    assert detail.entries[-1].outcome == "blocked" and detail.entries[-1].step == "thaw"
    assert detail.summary.last_step == "receipt_at_site"  # nothing moved forward
    assert [(a.kind.value, a.status, a.entry_seq) for a in detail.alerts] == [
        ("identity_mismatch", "open", detail.entries[-1].seq)]  # fmt: skip
    assert detail.verification.ok
    # the right bag then matches
    again = step(engine, 0, S.THAW, [mine.wristband, mine.final], at=at + timedelta(hours=2))
    assert again.outcome == "recorded"


def test_wrong_wristband_at_infusion_is_blocked(engine: Engine) -> None:
    setup(engine)
    open_case(engine, 0)
    at = walk(engine, 0, S.THAW)
    labels = Labels.for_patient(0)
    out = step(engine, 0, S.INFUSION, [PATIENTS[1], labels.final], at=at + timedelta(minutes=10),
               password=SecretStr(TEST_PASSWORD))  # fmt: skip
    assert (
        out.outcome == "blocked"
        and "patient wristband: expected CT-PT-1, scanned CT-PT-2" in out.message
    )
    assert out.entry is not None and out.entry.signature is None  # nothing signed


def test_a_step_out_of_order_is_blocked(engine: Engine) -> None:
    setup(engine)
    open_case(engine, 0)
    labels = Labels.for_patient(0)
    out = step(engine, 0, S.SHIP_TO_MANUFACTURING, [labels.collection], at=START)
    assert out.outcome == "blocked"
    assert "out of sequence: the last recorded step is no hand-over yet" in out.message
    assert _detail(engine, 0).alerts[0].kind.value == "out_of_sequence"


def test_a_second_infusion_of_the_same_bag_is_blocked(engine: Engine) -> None:
    setup(engine)
    open_case(engine, 0)
    at = walk(engine, 0, S.INFUSION)
    labels = Labels.for_patient(0)
    out = step(engine, 0, S.INFUSION, [labels.wristband, labels.final], at=at + timedelta(minutes=5),
               password=SecretStr(TEST_PASSWORD))  # fmt: skip
    assert out.outcome == "blocked" and "already infused" in out.message
    assert _detail(engine, 0).alerts[0].kind.value == "repeat_infusion"


def test_an_expired_product_is_blocked_at_thaw(engine: Engine) -> None:
    setup(engine)
    open_case(engine, 0)
    labels = Labels.for_patient(0)
    at = walk(engine, 0, S.RECEIPT_AT_SITE)
    late = START.replace(year=2027, month=2, day=1)  # the label expires 2027-01-31
    out = step(engine, 0, S.THAW, [labels.wristband, labels.final], at=late)
    assert out.outcome == "blocked" and "product expired at 2027-01-31T23:59:59" in out.message
    assert at < late


def test_thaw_to_infusion_window_is_enforced(engine: Engine) -> None:
    setup(engine)
    open_case(engine, 0)
    labels = Labels.for_patient(0)
    at = walk(engine, 0, S.THAW)
    out = step(engine, 0, S.INFUSION, [labels.wristband, labels.final], at=at + timedelta(minutes=95),
               password=SecretStr(TEST_PASSWORD))  # fmt: skip
    assert (
        out.outcome == "blocked"
        and "95 min since thaw exceeds the configured 60 min" in out.message
    )


def test_transit_excursions_are_flagged_and_alerted_not_blocked(engine: Engine) -> None:
    setup(engine)
    open_case(engine, 0)
    labels = Labels.for_patient(0)
    at = walk(engine, 0, S.SHIP_TO_MANUFACTURING)
    out = step(engine, 0, S.RECEIPT_AT_MANUFACTURING, [labels.collection], at=at + timedelta(hours=60),
               temperature_min_c=1, temperature_max_c=31)  # fmt: skip
    assert out.outcome == "recorded"
    assert out.flags == ["transit time 60.0 h exceeds the 48 h limit",
                         "temperature fell to 1 °C, below the 2 °C limit",
                         "temperature rose to 31 °C, above the 25 °C limit"]  # fmt: skip
    alerts = _detail(engine, 0).alerts
    assert {a.kind.value for a in alerts} == {"transit_excursion"} and len(alerts) == 3
    assert "limits: test specification" in alerts[0].message


def test_without_limits_transit_is_flagged_not_assessed(engine: Engine) -> None:
    setup(engine)
    open_case(engine, 0, limits=None)
    labels = Labels.for_patient(0)
    at = walk(engine, 0, S.SHIP_TO_MANUFACTURING)
    out = step(
        engine, 0, S.RECEIPT_AT_MANUFACTURING, [labels.collection], at=at + timedelta(hours=1)
    )
    assert out.flags == [
        "no transit limits configured for this leg: time and temperature not assessed"
    ]


def test_signing_needs_the_role_and_the_password(engine: Engine) -> None:
    setup(engine)
    open_case(engine, 0)
    labels = Labels.for_patient(0)
    at = walk(engine, 0, S.MANUFACTURING)
    with unit_of_work(engine) as session:
        users.create_user(session, username="nurse-ann", display_name="Ann", roles=[Role.NURSE],
                          granted_by="tests", password=TEST_PASSWORD)  # fmt: skip
    entries = _count(engine, CellTherapyEntryRow)
    with pytest.raises(PermissionDenied, match="needs the cell_therapy_coordinator role"):
        step(engine, 0, S.QC_RELEASE, [labels.coi, labels.final], at=at + timedelta(hours=1),
             username="nurse-ann", password=SecretStr(TEST_PASSWORD))  # fmt: skip
    with pytest.raises(PermissionDenied, match="re-authentication failed"):
        step(engine, 0, S.QC_RELEASE, [labels.coi, labels.final], at=at + timedelta(hours=1),
             password=SecretStr("not-the-password"))  # fmt: skip
    with pytest.raises(InputError, match="enter your password to sign"):
        step(engine, 0, S.QC_RELEASE, [labels.coi, labels.final], at=at + timedelta(hours=1))
    assert _count(engine, CellTherapyEntryRow) == entries  # nothing recorded
    with unit_of_work(engine) as session:
        denied = session.scalars(select(AuditRow.reason).where(AuditRow.outcome == "denied")).all()
    assert any("needs the cell_therapy_coordinator role" in (r or "") for r in denied)
    assert "wrong username or password" in denied


def test_checking_scans_records_only_a_mismatch(engine: Engine) -> None:
    setup(engine)
    open_case(engine, 0)
    labels = Labels.for_patient(0)
    at = walk(engine, 0, S.THAW)
    entries = _count(engine, CellTherapyEntryRow)
    out = step(
        engine, 0, S.INFUSION, [labels.wristband], at=at + timedelta(minutes=5), commit=False
    )
    assert (out.outcome, out.missing) == ("incomplete", ["product label"])
    out = step(engine, 0, S.INFUSION, [labels.wristband, labels.final], at=at + timedelta(minutes=5),
               commit=False)  # fmt: skip
    assert out.outcome == "ready" and _count(engine, CellTherapyEntryRow) == entries
    out = step(engine, 0, S.INFUSION, ["CT-PT-2"], at=at + timedelta(minutes=5), commit=False)
    assert out.outcome == "blocked" and _count(engine, CellTherapyEntryRow) == entries + 1
    assert _count(engine, CellTherapyAlertRow) == 1


@pytest.mark.parametrize(
    ("scans", "message"),
    [
        (["]Q1CT-PT-1", "=A99992600010000"], "bad scan: wrong symbology: QR Code"),
        (["CT-PT-1", "=A999926000100"], "truncated or not a DIN"),
        (["CT-PT-1\x07", "=A99992600010000"], "control character U\\+0007"),
        (["CT-PT-1", "=<S1234A00"], "does not take a ISBT 128 product code scan"),
    ],
)
def test_bad_scans_are_refused_and_nothing_is_recorded(
    engine: Engine, scans: list[str], message: str
) -> None:
    setup(engine)
    open_case(engine, 0)
    with pytest.raises(InputError, match=message):
        step(engine, 0, S.APHERESIS, scans, at=START)
    assert _count(engine, CellTherapyEntryRow) == 1 and _count(engine, CellTherapyAlertRow) == 0


def test_acknowledging_an_alert_joins_the_record(engine: Engine) -> None:
    setup(engine)
    open_case(engine, 0)
    labels = Labels.for_patient(0)
    step(engine, 0, S.SHIP_TO_MANUFACTURING, [labels.collection], at=START)
    with unit_of_work(engine) as session:
        alert = reads.list_alerts(
            session, access=access(session, PATIENTS[0], action=Action.VIEW_RECORD)
        )[0]
        done = reads.acknowledge_alert(session, access=access(session, PATIENTS[0]), alert_id=alert.id,
                                       note="apheresis not yet done; courier sent back")  # fmt: skip
    assert done.status == "acknowledged" and done.acknowledged_by == COORDINATOR
    last = _detail(engine, 0).entries[-1]
    assert last.kind == "alert_ack" and last.details["note"].startswith("apheresis not yet done")


def test_limits_require_a_named_source() -> None:
    with pytest.raises(ValueError, match="source"):
        CaseLimits.model_validate({"to_site": LegLimits(max_hours=1).model_dump()})
