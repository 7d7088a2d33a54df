# SPDX-License-Identifier: Apache-2.0
"""Cell-therapy chain of identity: scan identification, a hand-over as the case's record grows
(each one re-verifies and replays the whole chain), and verification with and without the
Ed25519 signature checks (baseline: hashes only). CPU seconds of this process, best and median
of repeats, on a private SQLite database.

    python -m benchmarks.celltherapy [--entries 10 100 300]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from pydantic import SecretStr

from oncoboard.governance import gate, users
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.record.models import PatientRow
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade
from oncoboard.traceability import chain, gs1, isbt128, records, service, signing
from oncoboard.traceability.config import SiteConfig
from oncoboard.traceability.scan import read_scan
from oncoboard.traceability.schemas import CaseIn, CustodyStep, StepIn

PASSWORD = "benchmark-password-1"
START = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _cpu(work: Callable[[], object], repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        before = time.process_time()
        work()
        times.append(time.process_time() - before)
    return min(times), statistics.median(times)


def _scans() -> list[str]:
    din = isbt128.make_din("A9999", 2026, 1).barcode_data
    label = gs1.build_gs1(gtin="09506000134352", expiry=date(2027, 1, 31), lot="L1", serial="S1")
    return [din, "]d2" + label.element_string, "MRN-000123", "&/CHA999926000001"] * 250


def _step(
    engine: object, step: CustodyStep, scans: list[str], at: datetime, **extra: object
) -> str:
    with unit_of_work(engine) as session:  # type: ignore[arg-type]
        actor = users.actor_for(session, "bench-coord")
        access = service.authorize_case(session, actor, "CHA999926000001", Action.EDIT_RECORD, "b")
        out = service.record_step(session, access=access, coi="CHA999926000001",
                                  step_in=StepIn(step=step, scans=scans, location="bench",
                                                 occurred_at=at, **extra),  # type: ignore[arg-type]
                                  now=at + timedelta(minutes=1))  # fmt: skip
    return out.outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, nargs="+", default=[10, 100, 300])
    args = parser.parse_args()
    scans = _scans()
    best, median = _cpu(lambda: [read_scan(s) for s in scans], 5)
    print("| measurement | best | median |\n|---|---|---|")
    print(f"| identify one scan (DIN, GS1 DataMatrix, wristband, CoI; mean of 1,000) | "
          f"{best / len(scans) * 1e6:.1f} µs | {median / len(scans) * 1e6:.1f} µs |")  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.sqlite3'}")
        upgrade(engine)
        with unit_of_work(engine) as session:
            session.add(PatientRow(external_id="BENCH-1"))
            session.flush()
            users.create_user(session, username="bench-coord", display_name="Bench",
                              roles=[Role.CELL_THERAPY_COORDINATOR], granted_by="bench",
                              password=PASSWORD)  # fmt: skip
            actor = users.actor_for(session, "bench-coord")
            access = gate.authorize(session, actor=actor, action=Action.EDIT_RECORD,
                                    purpose=Purpose.TREATMENT, obj="b", patient_id="BENCH-1")  # fmt: skip
            service.open_case(session, access=access, config=SiteConfig(), now=START,
                              case_in=CaseIn(product="bench", coi="CHA999926000001",
                                             wristband_id="BENCH-1"))  # fmt: skip
        din = isbt128.make_din("A9999", 2026, 1).barcode_data
        at = START
        for step, scan in ((CustodyStep.APHERESIS, ["BENCH-1", din]),
                           (CustodyStep.SHIP_TO_MANUFACTURING, [din]),
                           (CustodyStep.RECEIPT_AT_MANUFACTURING, [din])):  # fmt: skip
            at += timedelta(minutes=5)
            _step(engine, step, scan, at)
        label = gs1.build_gs1(
            gtin="09506000134352", expiry=date(2027, 1, 31), lot="L1", serial="S1"
        )
        for size in args.entries:
            while True:
                with unit_of_work(engine) as session:
                    current = records.case_row(session, "CHA999926000001").last_seq
                if current >= size:
                    break
                at += timedelta(minutes=1)
                _step(engine, CustodyStep.MANUFACTURING, [din], at, operation="expansion")

            def one_step() -> None:
                nonlocal at
                at += timedelta(minutes=1)
                _step(engine, CustodyStep.MANUFACTURING, [din], at, operation="expansion")

            best, median = _cpu(one_step, 7)
            print(f"| record one hand-over, case of {size}+ entries (verify + replay + write) | "
                  f"{best * 1e3:.1f} ms | {median * 1e3:.1f} ms |")  # fmt: skip
        at += timedelta(minutes=1)
        before = time.process_time()
        _step(engine, CustodyStep.QC_RELEASE, ["&/CHA999926000001", "]d2" + label.element_string],
              at, password=SecretStr(PASSWORD))  # fmt: skip
        print(f"| QC release signature (argon2 re-authentication, key enrolment, Ed25519) | "
              f"{(time.process_time() - before) * 1e3:.0f} ms | (once) |")  # fmt: skip
        with unit_of_work(engine) as session:
            case = records.case_row(session, "CHA999926000001")
            stored = records.stored(records.entries(session, case))
            keys = signing.public_keys(session)
            head = (case.last_seq, case.last_hash)
        signed = [chain.StoredEntry(e.seq, e.kind, e.step, e.actor, e.body, e.prev_hash,
                                    e.entry_hash, e.signature) for e in stored]  # fmt: skip

        def verify(with_signatures: bool) -> None:
            found = chain.verify_entries("CHA999926000001", signed, head=head,
                                         keys=keys if with_signatures else {},
                                         signed_steps=["qc_release"] if with_signatures else [])  # fmt: skip
            assert not found or not with_signatures, found

        for label_text, flag in (("hashes and links only (baseline)", False),
                                 ("hashes, links and the Ed25519 signature", True)):  # fmt: skip
            best, median = _cpu(lambda flag=flag: verify(flag), 20)  # type: ignore[misc]
            print(f"| verify a {len(signed)}-entry chain: {label_text} | {best * 1e3:.2f} ms | "
                  f"{median * 1e3:.2f} ms |")  # fmt: skip
        engine.dispose()


if __name__ == "__main__":
    main()
