# SPDX-License-Identifier: Apache-2.0
"""Cost of the gate and audit trail per request, and audit-chain verification throughput.

Run: ``.venv/bin/python -m benchmarks.governance [--requests N] [--entries N]`` (SQLite in
benchmarks/out/). Part 1 imports the demo FHIR bundle and a synthetic MAF for one patient
through the import service, then serves two instances of the real app on 127.0.0.1 (uvicorn,
one process, same engine): ``GET /api/v1/patients/{id}`` with a bearer token (token lookup,
gate, consent, audit append), and the same record from a route this script mounts on the
second instance only, which hands ``record.service.get_patient_record`` a pre-built
``gate.Access`` (no token, consent or audit). Each round asks both once, twice over: with the
garbage collector paused during the requests, and with it on as served. The other part writes
a valid chain of N entries (hashed as ``governance.audit`` does, inserted with executemany),
times ``audit.verify`` on it, best of 3, then ``oncoboard audit verify`` once as a user runs it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine

from benchmarks.patient_page import ServerTimer, _cpu_model, _free_port, write_maf
from oncoboard.api.app import create_app
from oncoboard.demo.loader import demo_folder
from oncoboard.edge.deps import SessionDep
from oncoboard.errors import NotFound
from oncoboard.governance import audit, consent, gate, users
from oncoboard.governance import service as governance_service
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.ingest import service as ingest_service
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.record import service as record_service
from oncoboard.record.routes import GeneQuery, SortQuery
from oncoboard.record.schemas import PatientRecord
from oncoboard.settings import Settings
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade

OUT = Path(__file__).parent / "out"
PATIENT = "demo-001"  # from the bundled demo FHIR cohort: demographics, stage, ECOG, HER2, ...
CLINICIAN = "bench-clinician"
GATED = f"/api/v1/patients/{PATIENT}"
UNGATED = f"/api/v1/ungated/patients/{PATIENT}"
WARMUP = 20
GOAL_RATIO, GOAL_RATE = 1.5, 200_000


# ---- part 1: a patient record, served with and without the gate -------------------------------


def fresh_engine(name: str) -> tuple[Engine, Settings]:
    for stale in OUT.glob(f"{name}*"):
        stale.unlink()
    settings = Settings(env="test", database_url=f"sqlite:///{OUT / name}", upload_dir=OUT)
    engine = make_engine(settings.database_url)
    upgrade(engine)
    with unit_of_work(engine) as session:
        users.ensure_site_admin(session)
    return engine, settings


def load_patient(engine: Engine, settings: Settings, variants: int) -> tuple[str, int]:
    """Import the demo FHIR bundle and a MAF for ``PATIENT`` as site-admin; add consent events
    and a clinician with a token. Return the token and the number of facts imported."""
    maf = OUT / f"governance-{variants}.maf"
    write_maf(maf, variants)
    files = [
        (demo_folder() / "demo-cohort.fhir.json", ImportOptions()),
        (maf, ImportOptions(patient=PATIENT)),
    ]
    facts = 0
    for path, options in files:
        with unit_of_work(engine) as session:
            admin = users.actor_for(session, users.SITE_ADMIN)
            source = SourceFile.from_path(path)
            report = ingest_service.import_as(
                session=session,
                access=ingest_service.authorize_import(session, admin, source.name),
                source=source,
                options=options,
                batch_size=settings.import_batch_size,
            )
            facts += sum(report.fact_counts.values())
    with unit_of_work(engine) as session:
        admin = users.actor_for(session, users.SITE_ADMIN)
        access = gate.authorize(
            session,
            actor=admin,
            action=Action.MANAGE_CONSENT,
            purpose=Purpose.TREATMENT,
            obj="consent",
            patient_id=PATIENT,
        )
        for purpose in (Purpose.TREATMENT, Purpose.RESEARCH, Purpose.RECONTACT):
            consent_in = consent.ConsentIn(purpose=purpose, status="granted", source="form B-17")
            governance_service.change_consent(session, access=access, consent_in=consent_in)
        users.create_user(
            session,
            username=CLINICIAN,
            display_name="Dr Bench",
            roles=[Role.CLINICIAN],
            granted_by="benchmark",
        )
        token, _ = users.create_token(session, username=CLINICIAN, name="benchmark")
    return token, facts


def ungated_app(settings: Settings, engine: Engine) -> FastAPI:
    """A second instance of the real app with one extra route that skips token, gate and audit."""
    app = create_app(settings, engine=engine)
    actor = Actor(username=CLINICIAN, display_name="Dr Bench", roles=frozenset({Role.CLINICIAN}))
    proof = Access(
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        patient_id=PATIENT,
        break_glass=False,
    )

    @app.get("/api/v1/ungated/patients/{patient_id}", response_model=PatientRecord)
    def ungated_record(
        patient_id: str,
        session: SessionDep,
        variant_limit: int = 500,
        variant_offset: int = 0,
        gene: GeneQuery = None,
        sort: SortQuery = "file",
    ) -> PatientRecord:
        if patient_id != PATIENT:
            raise NotFound(f"patient {patient_id!r} not found")
        return record_service.get_patient_record(
            session=session,
            access=proof,
            variant_limit=variant_limit,
            variant_offset=variant_offset,
            gene=gene,
            sort=sort,
        )

    return app


class Served:
    """One app on a real uvicorn server on 127.0.0.1, in a thread, timed inside the ASGI app."""

    def __init__(self, app: FastAPI) -> None:
        self.timer = ServerTimer(app)
        self.url = f"http://127.0.0.1:{_free_port()}"
        config = uvicorn.Config(
            self.timer,
            host="127.0.0.1",
            port=int(self.url.rsplit(":", 1)[1]),
            log_level="warning",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start within 10 s")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


Timings = dict[str, dict[str, list[float]]]  # series -> server/client -> seconds


def measure_requests(
    gated: Served, ungated: Served, token: str, requests: int, *, gc_paused: bool
) -> tuple[Timings, int]:
    """Both series on keep-alive connections, one request of each per round; seconds each.

    CPython's full collections (~0.1 s on this heap) fall on whichever request crosses the
    threshold, and with a strict A-B / B-A order that is always the same series. So either
    collect outside the timed requests every 10 rounds (``gc_paused``), or leave the collector
    on and pick each round's order at random, so pauses land where the garbage is made.
    """
    headers = {"Authorization": f"Bearer {token}"}  # sent to both, so both parse the same request
    series = {"with": (gated, GATED), "without": (ungated, UNGATED)}
    client_times: dict[str, list[float]] = {name: [] for name in series}
    sizes: dict[str, int] = {}
    rng = random.Random(3)
    clients = {
        name: httpx.Client(base_url=served.url, headers=headers, timeout=60)
        for name, (served, _) in series.items()
    }
    if gc_paused:
        gc.disable()
    try:
        for number in range(WARMUP + requests):
            if number == WARMUP:
                for name, (served, _) in series.items():
                    served.timer.times.clear()
                    client_times[name].clear()
            if gc_paused and number % 10 == 0:
                gc.collect()
            swap = number % 2 == 1 if gc_paused else rng.random() < 0.5
            for name in ("without", "with") if swap else ("with", "without"):
                began = time.perf_counter()
                response = clients[name].get(series[name][1])
                client_times[name].append(time.perf_counter() - began)
                response.raise_for_status()
                sizes[name] = len(response.content)
    finally:
        gc.enable()
        for client in clients.values():
            client.close()
    if sizes["with"] != sizes["without"]:
        raise AssertionError(f"the two routes answered different records: {sizes}")
    timings = {
        name: {"server": served.timer.times.pop(path), "client": client_times[name]}
        for name, (served, path) in series.items()
    }
    return timings, sizes["with"]


def _stats(values: list[float]) -> tuple[float, float, float]:
    """p50, p95 and mean in milliseconds."""
    cuts = statistics.quantiles(values, n=100, method="inclusive")
    return 1000 * cuts[49], 1000 * cuts[94], 1000 * statistics.fmean(values)


def breakdown(engine: Engine, token: str, rounds: int) -> list[tuple[str, float]]:
    """Median in-process cost (ms) of each governance step, outside HTTP: where the ratio goes."""
    steps: dict[str, list[float]] = {
        "token -> actor (token, user, roles queries)": [],
        "gate.authorize (consent query + audit.append)": [],
        "commit with the audit row": [],
        "empty unit of work (BEGIN IMMEDIATE + commit)": [],
    }
    names = list(steps)
    for _ in range(rounds):
        marks = [time.perf_counter()]
        with unit_of_work(engine) as session:
            actor = users.actor_for_token(session, token, request_id="bench")
            marks.append(time.perf_counter())
            gate.authorize(
                session,
                actor=actor,
                action=Action.VIEW_RECORD,
                purpose=Purpose.TREATMENT,
                obj="patient record",
                patient_id=PATIENT,
            )
            marks.append(time.perf_counter())
        marks.append(time.perf_counter())
        with unit_of_work(engine):
            pass
        marks.append(time.perf_counter())
        for index, name in enumerate(names):
            steps[name].append(marks[index + 1] - marks[index])
    return [(name, 1000 * statistics.median(values)) for name, values in steps.items()]


# ---- part 2: audit chain verification ----------------------------------------------------------


def chain_rows(count: int, seed: int = 11) -> Iterator[tuple[object, ...]]:
    """Plausible entries, chained exactly as ``audit.append`` does (same fields, same hash)."""
    rng = random.Random(seed)
    actors = [f"dr-{n:02d}" for n in range(30)] + [f"nurse-{n:02d}" for n in range(10)]
    objects = ("patient record", "variants", "patient list", "consent", "fact 4711")
    moment = dt.datetime(2025, 1, 6, 7, 30, tzinfo=dt.UTC)
    prev = audit.GENESIS
    for seq in range(1, count + 1):
        moment += dt.timedelta(microseconds=rng.randint(1_000, 60_000_000))
        actor = rng.choice(actors)
        denied = rng.random() < 0.02
        glass = not denied and rng.random() < 0.001
        reason = (
            "consent for research was withdrawn on 2025-03-02"
            if denied
            else ("break-the-glass: unconscious patient in the emergency room" if glass else None)
        )
        values = (
            seq,
            moment.isoformat(timespec="microseconds"),
            actor,
            "nurse" if actor.startswith("nurse") else "clinician,tumor_board",
            "edit_record" if rng.random() < 0.1 else "view_record",
            "research" if denied else "treatment",
            f"PT-{rng.randint(1, 20_000):05d}",
            rng.choice(objects),
            "denied" if denied else "allowed",
            reason,
            glass,
            f"{rng.getrandbits(128):032x}",
            prev,
        )
        prev = audit.entry_hash(values)
        yield (*values, prev)


def fill_chain(path: Path, count: int, chunk: int = 50_000) -> tuple[float, str]:
    """Insert ``count`` chained entries and the chain head; return seconds and the last hash."""
    columns = ", ".join([*audit.CHAINED_FIELDS, "entry_hash"])
    marks = ", ".join("?" * (len(audit.CHAINED_FIELDS) + 1))
    began, last = time.perf_counter(), audit.GENESIS
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        batch: list[tuple[object, ...]] = []
        for row in chain_rows(count):
            batch.append(row)
            if len(batch) == chunk:
                connection.executemany(f"INSERT INTO audit_log ({columns}) VALUES ({marks})", batch)
                batch.clear()
            last = str(row[-1])
        if batch:
            connection.executemany(f"INSERT INTO audit_log ({columns}) VALUES ({marks})", batch)
        connection.execute(
            "INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, ?, ?) "
            "ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq, "
            "last_hash = excluded.last_hash",
            (count, last),
        )
        connection.execute("COMMIT")
    finally:
        connection.close()
    return time.perf_counter() - began, last


def time_verify(engine: Engine, count: int, runs: int = 3) -> list[float]:
    """Seconds per ``audit.verify`` run; each must find the chain intact with ``count`` entries."""
    times = []
    for _ in range(runs):
        with engine.connect() as connection:
            began = time.perf_counter()
            report = audit.verify(connection)
            times.append(time.perf_counter() - began)
        if not (report.ok and report.checked == count):
            raise AssertionError(f"the generated chain does not verify: {report}")
    return times


def time_cli(settings: Settings, *arguments: str) -> tuple[float, str]:
    """Wall time of ``oncoboard ...`` in a fresh process, as a user at the shell runs it."""
    command = [str(Path(sys.executable).with_name("oncoboard")), *arguments]
    env = {**os.environ, "ONCOBOARD_DATABASE_URL": settings.database_url}
    env.pop("ONCOBOARD_USER", None)  # the default local site-admin account
    began = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - began
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(arguments)} failed ({done.returncode}): {done.stderr}")
    return elapsed, done.stdout.strip()


# ---- report ------------------------------------------------------------------------------------

MODES = {
    "GC paused, collected between rounds": True,
    "GC on (CPython default), random order": False,
}


def print_requests(runs: dict[str, Timings]) -> None:
    print("| collector | series | server p50 ms | server p95 ms | server mean ms | client p50 ms | client p95 ms | client mean ms |")  # fmt: skip
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for mode, timings in runs.items():
        stats = {
            name: [v for side in ("server", "client") for v in _stats(sides[side])]
            for name, sides in timings.items()
        }
        print(f"| {mode} | with gate + audit | " + " | ".join(f"{v:.2f}" for v in stats["with"]) + " |")  # fmt: skip
        print("| | without (pre-built `Access`) | " + " | ".join(f"{v:.2f}" for v in stats["without"]) + " |")  # fmt: skip
        ratios = [f"**{a / b:.2f}×**" for a, b in zip(stats["with"], stats["without"], strict=True)]
        print("| | ratio with / without | " + " | ".join(ratios) + " |")
    print(f"\nGoal: ratio < {GOAL_RATIO}× at p50 and p95.\n")


def print_chain(args: argparse.Namespace, fill_s: float, verify_times: list[float]) -> None:
    size_mb = (OUT / "audit-chain.sqlite3").stat().st_size / 1e6
    print(f"\n## `audit verify`: {args.entries:,} entries, SQLite file of {size_mb:.0f} MB\n")
    print("| measurement | seconds | entries/s |")
    print("|---|---:|---:|")
    print(f"| write a valid chain (generate, hash, executemany) | {fill_s:.2f} | {args.entries / fill_s:,.0f} |")  # fmt: skip
    for number, seconds in enumerate(verify_times, 1):
        print(f"| `audit.verify(connection)`, run {number} of 3 | {seconds:.2f} | {args.entries / seconds:,.0f} |")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--requests", type=int, default=300, help="timed requests per series")
    parser.add_argument("--entries", type=int, default=1_000_000, help="audit entries to verify")
    parser.add_argument("--variants", type=int, default=300, help="MAF variants of the patient")
    args, _ = parser.parse_known_args()  # benchmarks.run passes its arguments to all
    OUT.mkdir(exist_ok=True)
    load_before = os.getloadavg()[0]

    chain_engine, chain_settings = fresh_engine("audit-chain.sqlite3")
    fill_s, _ = fill_chain(OUT / "audit-chain.sqlite3", args.entries)
    verify_times = time_verify(chain_engine, args.entries)
    chain_engine.dispose()
    startup_s, _ = time_cli(chain_settings, "version")
    cli_s, cli_out = time_cli(chain_settings, "audit", "verify")

    engine, settings = fresh_engine("governance.sqlite3")
    token, facts = load_patient(engine, settings, args.variants)
    runs: dict[str, Timings] = {}
    with (
        Served(create_app(settings, engine=engine)) as gated,
        Served(ungated_app(settings, engine)) as ungated,
    ):
        for mode, paused in MODES.items():
            runs[mode], size = measure_requests(
                gated, ungated, token, args.requests, gc_paused=paused
            )
    steps = breakdown(engine, token, rounds=200)
    engine.dispose()

    print(f"# Governance benchmark — {dt.date.today().isoformat()}\n")
    print(
        f"- machine: {_cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; load average {load_before:.1f} at start, "
        f"{os.getloadavg()[0]:.1f} at end"
    )
    print(
        f"- patient {PATIENT}: demo FHIR cohort + {args.variants} MAF variants ({facts} facts "
        f"imported through the service), record JSON {size:,} bytes, SQLite file database\n"
        f"- {args.requests} timed requests per series after {WARMUP} warm-up rounds, the two "
        "series in the same rounds; both app instances on uvicorn in one process\n"
    )
    print("## Gate + audit overhead: `GET /api/v1/patients/{id}`\n")
    print_requests(runs)
    print("| step, in process (median of 200) | ms |")
    print("|---|---:|")
    for name, ms in steps:
        print(f"| {name} | {ms:.3f} |")
    print_chain(args, fill_s, verify_times)
    print(f"| `oncoboard version` (CLI start-up only) | {startup_s:.2f} | – |")
    print(f"| `oncoboard audit verify` (subprocess, once) | {cli_s:.2f} | {(args.entries + 1) / cli_s:,.0f} |")  # fmt: skip
    rate = args.entries / min(verify_times)
    print(
        f"\nBest `audit.verify`: {rate:,.0f} entries/s (goal > {GOAL_RATE:,}/s). The written "
        f'chain verified intact in every run; the CLI printed "{cli_out}" (entry N + 1 is its '
        "own gate entry)."
    )


if __name__ == "__main__":
    main()
