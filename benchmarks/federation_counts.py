# SPDX-License-Identifier: Apache-2.0
"""A site's count over N patients (goal: < 200 ms for 100k), run by ``benchmarks.federation``.

N synthetic patients are written straight into the record tables and the research index (one
diagnosis from ten OncoTree codes, AJCC stage group, sex, birth date, 0–2 treatment classes,
3 variants of which 5 % EGFR L858R), 90 % with federated-analysis consent and 5 % of those
withdrawn again. Each question is answered twice over:

* through the site service as a Beacon request does (gate and audit entries, incremental index
  check, count, disclosure rule incl. the differencing check, commit), with the CPU time of this
  process plus, on PostgreSQL, of its server backend (read from /proc: the server must run on
  this machine); baseline: the same members selected with the gate's per-candidate consent
  look-up (``gate.visible_patients``);
* over HTTP, as a coordinator asks: a signed ``POST /api/beacon/individuals`` to an
  ``oncoboard serve`` process over the same database, the signed answer verified.

Best, median and worst of ``--runs``; SQLite and, when ``ONCOBOARD_TEST_POSTGRES_URL`` is set,
PostgreSQL (its schema is dropped: use a scratch database); the query plans of two broad
questions are printed.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import subprocess
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, func, insert, select, text
from sqlalchemy.orm import Session

from oncoboard.federation import auth, beacon, query, service, transport
from oncoboard.federation.beacon import query_from_words
from oncoboard.federation.models import (
    IndexedDiagnosisRow,
    IndexedImportRow,
    IndexedIndividualRow,
    IndexedTreatmentRow,
    IndexedVariantRow,
)
from oncoboard.federation.schemas import CohortQuery, EntryType
from oncoboard.governance import gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.models import ConsentEventRow
from oncoboard.governance.vocabulary import Role
from oncoboard.ingest.models import ImportRow
from oncoboard.record.models import PatientRow
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade

TUMOURS = ["LUAD", "LUSC", "SKCM", "COADREAD", "BRCA", "PAAD", "PRAD", "GBM", "BLCA", "AML"]
CLASSES = [
    "systemic-therapy",
    "surgery-or-procedure",
    "radiotherapy",
    "immune-checkpoint-inhibitor",
]
QUESTIONS = {
    "all consented": [],
    "female": ["sex:female"],
    "NSCLC (descendants)": ["oncotree:NSCLC"],
    "female aged 50-70": ["sex:female", "age:50-70"],
    "TP53, any variant": ["gene:TP53"],
    "EGFR p.L858R": ["gene:EGFR:L858R"],
    "NSCLC + female + age 50-70 + EGFR L858R": [
        "oncotree:NSCLC",
        "sex:female",
        "age:50-70",
        "gene:EGFR:L858R",
    ],
    "stage IV + checkpoint inhibitor": ["stage:IV", "treatment:immune-checkpoint-inhibitor"],
}
# g_variants: distinct variants and their carriers among the consented
VARIANT_QUESTIONS = {"g_variants: TP53": ["gene:TP53"]}
TP53_HOTSPOTS = [("p.R175H", 7675088), ("p.R248Q", 7674220), ("p.R273H", 7673802)]
ACTOR = Actor(username="bench/researcher", display_name="bench", roles=frozenset({Role.RESEARCHER}))


def build(engine: Engine, patients: int) -> None:
    rng = random.Random(19)
    today = date.today()
    with engine.begin() as connection:
        connection.execute(
            insert(ImportRow.__table__),
            [
                {
                    "id": "bench",
                    "source_name": "synthetic",
                    "source_sha256": "0" * 64,
                    "source_format": "synthetic",
                    "importer": "bench",
                    "importer_version": "1",
                    "options_key": "",
                    "fact_counts": {},
                    "patients": [],
                    "notes": [],
                }
            ],
        )
        connection.execute(
            insert(IndexedImportRow.__table__), [{"import_id": "bench", "indexed_at": today}]
        )
        for start in range(0, patients, 10_000):
            ids = range(start + 1, min(patients, start + 10_000) + 1)
            connection.execute(
                insert(PatientRow.__table__), [{"id": i, "external_id": f"P{i:07d}"} for i in ids]
            )
            consent = [
                {
                    "patient_id": i,
                    "purpose": "federated_analysis",
                    "status": "granted",
                    "recorded_by": "bench",
                    "source": "synthetic",
                }
                for i in ids
                if rng.random() < 0.9
            ]
            withdrawn = [{**c, "status": "withdrawn"} for c in consent if rng.random() < 0.05]
            connection.execute(insert(ConsentEventRow.__table__), consent + withdrawn)
            connection.execute(
                insert(IndexedIndividualRow.__table__),
                [
                    {
                        "patient_id": i,
                        "sex": rng.choice(["female", "male"]),
                        "birth_date": today - timedelta(days=rng.randint(20 * 365, 90 * 365)),
                        "indexed_at": today,
                    }
                    for i in ids
                ],
            )
            connection.execute(
                insert(IndexedDiagnosisRow.__table__),
                [
                    {
                        "patient_id": i,
                        "oncotree_code": rng.choice(TUMOURS),
                        "stage": None,
                        "stage_group": rng.choice(["I", "II", "III", "IV"]),
                    }
                    for i in ids
                ],
            )
            connection.execute(
                insert(IndexedTreatmentRow.__table__),
                [
                    {"patient_id": i, "treatment_class": c}
                    for i in ids
                    for c in rng.sample(CLASSES, rng.randint(0, 2))
                ],
            )
            variants = []
            for i in ids:
                for n in range(3):
                    variants.append(_variant(rng, i, tp53=n == 0 and rng.random() < 0.35))
            connection.execute(insert(IndexedVariantRow.__table__), variants)
    if engine.dialect.name == "postgresql":
        # what autovacuum does after a bulk load: statistics, and the visibility map that lets
        # the consent pass read its covering index only
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


def _variant(rng: random.Random, patient: int, *, tp53: bool) -> dict[str, Any]:
    """One synthetic variant: a TP53 hotspot, EGFR L858R (5 % of patients) or a random gene."""
    row = {"patient_id": patient, "genome_build": "GRCh38", "ref": "T", "alt": "G",
           "origin": "somatic", "protein": None}  # fmt: skip
    if tp53:
        protein, pos = rng.choice(TP53_HOTSPOTS)
        return {**row, "chrom": "17", "pos": pos, "gene": "TP53", "protein": protein}
    if rng.random() < 0.05 / 3:
        return {**row, "chrom": "7", "pos": 55191822, "gene": "EGFR", "protein": "p.L858R"}
    gene = f"G{rng.randint(1, 18000)}"
    return {**row, "chrom": str(rng.randint(1, 22)), "pos": rng.randint(1, 10**8), "gene": gene}


def _server_cpu(session: Session) -> float:
    """CPU seconds of this session's PostgreSQL backend so far (the server runs on this machine:
    its process is read from /proc); 0 on SQLite, whose work is in this process's CPU time."""
    if session.get_bind().dialect.name != "postgresql":
        return 0.0
    pid = session.scalar(text("SELECT pg_backend_pid()"))
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _per_candidate(cohort: CohortQuery) -> Select[Any]:
    """Baseline: the same members with the gate's per-candidate consent look-up."""
    stmt = (
        select(IndexedIndividualRow.patient_id)
        .join(PatientRow, PatientRow.id == IndexedIndividualRow.patient_id)
        .where(gate.visible_patients(ACTOR, query.PURPOSE))
    )
    return stmt.where(*query._conditions(cohort, date.today(), with_variant=True))


def _one_answer(
    engine: Engine, name: str, cohort: CohortQuery, entry_type: EntryType = "individuals"
) -> tuple[float, float, str]:
    """One Beacon count end to end, commit included: (wall s, CPU s of both processes, label)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    with unit_of_work(engine) as session:
        server_started = _server_cpu(session)
        access = service.authorize(session, ACTOR, f"bench: {name}")
        answer = service.answer(
            session=session,
            access=access,
            entry_type=entry_type,
            query=cohort,
            granularity="count",
        )
        server = _server_cpu(session) - server_started
    wall = time.perf_counter() - started
    return wall, time.process_time() - cpu_started + server, answer.label()


def _baseline(engine: Engine, cohort: CohortQuery) -> float:
    """CPU (app + server, s) of the same members with the per-candidate consent form, sent as
    one value as the site does (the planner left at its defaults, as before the set form)."""
    with unit_of_work(engine) as session:
        server_started, cpu_started = _server_cpu(session), time.process_time()
        found = _per_candidate(cohort).subquery()
        if engine.dialect.name == "postgresql":
            session.scalar(select(func.array_agg(found.c[0])))
        else:
            json.loads(session.scalar(select(func.json_group_array(found.c[0]))) or "[]")
        return time.process_time() - cpu_started + _server_cpu(session) - server_started


def time_counts(engine: Engine, runs: int) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    asked: list[tuple[str, list[str], EntryType]] = [
        (n, w, "individuals") for n, w in QUESTIONS.items()
    ]
    asked += [(n, w, "g_variants") for n, w in VARIANT_QUESTIONS.items()]
    for name, words, entry_type in asked:
        cohort = query_from_words(words)
        ends, cpu, baseline = [], [], []
        for _ in range(runs):
            wall, used, label = _one_answer(engine, name, cohort, entry_type)
            ends.append(wall * 1000)
            cpu.append(used * 1000)
            if entry_type == "individuals":
                baseline.append(_baseline(engine, cohort) * 1000)
        rows.append((name, f"{min(ends):.0f}", f"{statistics.median(ends):.0f}",
                     f"{max(ends):.0f}", f"{statistics.median(cpu):.0f}",
                     f"{statistics.median(baseline):.0f}" if baseline else "–", label))  # fmt: skip
    return rows


def plan(engine: Engine, words: list[str]) -> str:
    cohort = query_from_words(words)
    stmt = select(func.count()).select_from(
        query.individuals(ACTOR, cohort, date.today(), dialect=engine.dialect.name).subquery()
    )
    compiled = stmt.compile(engine, compile_kwargs={"literal_binds": True})
    if engine.dialect.name == "sqlite":
        prefix = "EXPLAIN QUERY PLAN "
    else:
        prefix = "EXPLAIN (ANALYZE, TIMING OFF, COSTS OFF) "
    with engine.connect() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("SET enable_nestloop = off"))
            connection.execute(text("SET jit = off"))
        return "\n".join(
            " ".join(map(str, r)) for r in connection.execute(text(prefix + str(compiled)))
        )


def _cpu_of(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def _site_pids(engine: Engine, server: int) -> list[int]:
    """The site process and, on PostgreSQL, the database backends serving it."""
    if engine.dialect.name != "postgresql":
        return [server]
    with engine.connect() as connection:
        backends = connection.scalars(
            text(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
        return [server, *backends]


def _serve(url: str, secret: str) -> tuple[subprocess.Popen[bytes], int]:
    import httpx
    from tests.federation.sites import ONCOBOARD, free_port

    port = free_port()
    env = {**os.environ, "ONCOBOARD_SECRET_KEY": secret, "ONCOBOARD_ENV": "test",
           "ONCOBOARD_MAX_ACTIVE_REQUESTS": "0"}  # fmt: skip
    process = subprocess.Popen(
        [str(ONCOBOARD), "--database-url", url, "serve", "--host", "127.0.0.1", "--port", str(port)],
        env=env, cwd=tempfile.mkdtemp(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=1).raise_for_status()
            return process, port
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the benchmark site did not start")


def http_counts(url: str, engine: Engine, runs: int) -> list[tuple[str, ...]]:
    """Each question as a coordinator asks it: signed, over HTTP, the answer's signature checked."""
    secret = os.urandom(16).hex()
    with unit_of_work(engine) as session:
        key, _ = auth.issue_peer_key(
            session, name=f"bench-{secret[:8]}", created_by="bench", secret_key=secret
        )
    process, port = _serve(url, secret)
    target = transport.Target(
        "bench", f"http://127.0.0.1:{port}/api/beacon", auth.AccessKey.parse(key), 30.0, 0
    )
    rows: list[tuple[str, ...]] = []
    try:
        asked = [(n, w, "/individuals") for n, w in QUESTIONS.items()]
        asked += [(n, w, "/g_variants") for n, w in VARIANT_QUESTIONS.items()]
        for name, words, path in asked:
            body = json.dumps(beacon.request_body(query_from_words(words), "count")).encode()
            walls, cpu, label = [], [], ""
            for _ in range(runs):
                pids = _site_pids(engine, process.pid)
                cpu_started, started = _cpu_of(pids), time.perf_counter()
                (reply,) = transport.fan_out([target], "POST", path, body, "researcher")
                walls.append((time.perf_counter() - started) * 1000)
                cpu.append((_cpu_of(pids) - cpu_started) * 1000)
                assert reply.status == "answered" and reply.document, reply.detail
                label = str(reply.document["info"]["oncoboard"]["label"])
            rows.append((name, f"{min(walls):.0f}", f"{statistics.median(walls):.0f}",
                         f"{max(walls):.0f}", f"{statistics.median(cpu):.0f}", label))  # fmt: skip
    finally:
        process.kill()
        process.wait(timeout=10)
    return rows


def counts(patients: int, runs: int) -> None:
    targets = [("SQLite", f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.sqlite3'}")]
    if os.environ.get("ONCOBOARD_TEST_POSTGRES_URL"):
        targets.append(("PostgreSQL", os.environ["ONCOBOARD_TEST_POSTGRES_URL"]))
    for label, url in targets:
        engine = make_engine(url)
        if label == "PostgreSQL":
            with engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE"))
                connection.execute(text("CREATE SCHEMA public"))
        upgrade(engine)
        started = time.perf_counter()
        build(engine, patients)
        print(
            f"\n### {label}: {patients:,} patients (built in {time.perf_counter() - started:.0f} s), "
            f"load {os.getloadavg()[0]:.1f}\n"
        )
        print(
            f"| question | wall best of {runs} (ms) | median | worst | CPU median, app + "
            "database server (ms) | baseline: members with per-candidate consent, CPU median (ms) "
            "| released |"
        )
        print("|---|---:|---:|---:|---:|---:|---|")
        for row in time_counts(engine, runs):
            print("| " + " | ".join(row) + " |")
        print(
            f"\nOver HTTP (signed request to `oncoboard serve`, answer verified), load "
            f"{os.getloadavg()[0]:.1f}:\n\n| question | wall best of {runs} (ms) | median | worst "
            "| CPU median, site process + database server (ms) | released |\n|---|---:|---:|---:|---:|---|"
        )
        for row in http_counts(url, engine, runs):
            print("| " + " | ".join(row) + " |")
        for name in ("all consented", "NSCLC (descendants)"):
            print(f"\nplan ({label}, {name}):\n```\n{plan(engine, QUESTIONS[name])}\n```")
        engine.dispose()
