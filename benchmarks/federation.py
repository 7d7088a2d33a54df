# SPDX-License-Identifier: Apache-2.0
"""Federated research: a site's count over 100k patients (goal < 200 ms), the coordinator's
answer with one dead site (goal: its timeout + 100 ms), and Flower FedAvg vs the pooled model.

Run: ``.venv/bin/python -m benchmarks.federation [--patients N] [--skip-flower]``.

1. Count: N synthetic patients written straight into the record tables and the research index
   (one diagnosis from ten OncoTree codes, sex, birth date, 0–2 treatment classes, 3 variants of
   which 5 % EGFR L858R), 90 % with federated-analysis consent and 5 % of those withdrawn again.
   Each question runs through the site service as a Beacon request does (gate and audit entries,
   incremental index check, count, disclosure rule incl. the differencing check, commit), best,
   median and worst of ``--runs``, with the CPU time of this process plus, on PostgreSQL, of its
   server backend (read from /proc: the server must run on this machine), on SQLite and, when
   ``ONCOBOARD_TEST_POSTGRES_URL`` is set, PostgreSQL (its schema is dropped: use a scratch
   database); the query plans of two broad questions are printed. Baseline: the same members
   selected with the gate's per-candidate consent look-up (``gate.visible_patients``).
2. Fan-out: three live site processes (1/24 of the Beacon cohort each) and one hung site (a
   socket that never answers, timeout 1 s): wall time of the coordinator's answer, median of 5,
   next to the same question to the three live sites only.
3. Flower: three sites with TCGA-LAML parts; FedAvg (5 rounds × 5 local epochs) in deployment
   mode on loopback vs the same model on the pooled rows; metrics on the same held-out rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, Select, func, insert, select, text
from sqlalchemy.orm import Session

from oncoboard.federation import query, service
from oncoboard.federation.beacon import query_from_words
from oncoboard.federation.models import (
    IndexedDiagnosisRow,
    IndexedImportRow,
    IndexedIndividualRow,
    IndexedTreatmentRow,
    IndexedVariantRow,
)
from oncoboard.federation.schemas import CohortQuery
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
    "EGFR p.L858R": ["gene:EGFR:L858R"],
    "NSCLC + female + age 50-70 + EGFR L858R": [
        "oncotree:NSCLC",
        "sex:female",
        "age:50-70",
        "gene:EGFR:L858R",
    ],
    "stage IV + checkpoint inhibitor": ["stage:IV", "treatment:immune-checkpoint-inhibitor"],
}
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
                for _ in range(3):
                    hot = rng.random() < 0.05 / 3
                    variants.append(
                        {
                            "patient_id": i,
                            "genome_build": "GRCh38",
                            "chrom": "7" if hot else str(rng.randint(1, 22)),
                            "pos": 55191822 if hot else rng.randint(1, 10**8),
                            "ref": "T",
                            "alt": "G",
                            "gene": "EGFR" if hot else f"G{rng.randint(1, 18000)}",
                            "protein": "p.L858R" if hot else None,
                            "origin": "somatic",
                        }
                    )
            connection.execute(insert(IndexedVariantRow.__table__), variants)
    if engine.dialect.name == "postgresql":
        # what autovacuum does after a bulk load: statistics, and the visibility map that lets
        # the consent pass read its covering index only
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("VACUUM ANALYZE"))


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


def _one_answer(engine: Engine, name: str, cohort: CohortQuery) -> tuple[float, float, str]:
    """One Beacon count end to end, commit included: (wall s, CPU s of both processes, label)."""
    started, cpu_started = time.perf_counter(), time.process_time()
    with unit_of_work(engine) as session:
        server_started = _server_cpu(session)
        access = service.authorize(session, ACTOR, f"bench: {name}")
        answer = service.answer(
            session=session,
            access=access,
            entry_type="individuals",
            query=cohort,
            granularity="count",
        )
        server = _server_cpu(session) - server_started
    wall = time.perf_counter() - started
    return wall, time.process_time() - cpu_started + server, answer.label()


def time_counts(engine: Engine, runs: int) -> list[tuple[str, ...]]:
    rows = []
    for name, words in QUESTIONS.items():
        cohort = query_from_words(words)
        ends, cpu, baseline = [], [], []
        for _ in range(runs):
            wall, used, label = _one_answer(engine, name, cohort)
            ends.append(wall * 1000)
            cpu.append(used * 1000)
            with unit_of_work(engine) as session:
                started = time.perf_counter()
                if engine.dialect.name == "postgresql":
                    found = _per_candidate(cohort).subquery()
                    session.scalar(select(func.array_agg(found.c[0])))
                else:
                    list(session.scalars(_per_candidate(cohort)))
                baseline.append((time.perf_counter() - started) * 1000)
        rows.append(
            (
                name,
                f"{min(ends):.0f}",
                f"{statistics.median(ends):.0f}",
                f"{max(ends):.0f}",
                f"{statistics.median(cpu):.0f}",
                f"{statistics.median(baseline):.0f}",
                label,
            )
        )
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
            "database server (ms) | members with per-candidate consent (baseline, ms) | released |"
        )
        print("|---|---:|---:|---:|---:|---:|---|")
        for row in time_counts(engine, runs):
            print("| " + " | ".join(row) + " |")
        for name in ("all consented", "NSCLC (descendants)"):
            print(f"\nplan ({label}, {name}):\n```\n{plan(engine, QUESTIONS[name])}\n```")
        engine.dispose()


def fan_out() -> None:
    from tests.federation.sites import HungSite, Site

    from oncoboard.federation import transport

    root = Path(tempfile.mkdtemp())
    live = [Site(f"site-{k}", root / f"site-{k}", k, 24) for k in (1, 2, 3)]
    hung = HungSite()
    try:
        for site in live:
            site.prepare()
            site.start()
        from oncoboard.federation.auth import AccessKey

        targets = [
            transport.Target(s.name, s.base_url, AccessKey.parse(s.access_key), 10.0, 1)
            for s in live
        ]
        dead = transport.Target("hung", hung.base_url, AccessKey.parse(live[0].access_key), 1.0, 1)
        body = b'{"query": {"requestedGranularity": "count", "filters": ["NCIT:C16576"]}}'
        timings: dict[str, list[float]] = {"3 live": [], "3 live + 1 hung (timeout 1.0 s)": []}
        for _ in range(5):
            for name, chosen in (
                ("3 live", targets),
                ("3 live + 1 hung (timeout 1.0 s)", [*targets, dead]),
            ):
                started = time.perf_counter()
                replies = transport.fan_out(chosen, "POST", "/individuals", body, "bench")
                timings[name].append(time.perf_counter() - started)
                assert sum(r.status == "answered" for r in replies) == 3
        print(
            "\n| sites asked | median wall time (s) | max (s) | over the dead site's timeout (ms) |"
        )
        print("|---|---:|---:|---:|")
        for name, values in timings.items():
            over = f"{(statistics.median(values) - 1.0) * 1000:.0f}" if "hung" in name else "–"
            print(f"| {name} | {statistics.median(values):.3f} | {max(values):.3f} | {over} |")
    finally:
        for site in live:
            site.kill()
        hung.close()


def flower_comparison() -> None:
    from tests.conftest import make_user
    from tests.federation.test_training import GENES, _export, _site

    from oncoboard.federation import flower, training

    root = Path(tempfile.mkdtemp())
    files = []
    for part in (1, 2, 3):
        engine = make_engine(f"sqlite:///{root / f'site-{part}.sqlite3'}")
        upgrade(engine)
        _site(engine, root / f"laml-{part}", part, 3)
        make_user(engine, "dr-ml", [Role.RESEARCHER])
        files.append(_export(engine, root / f"site-{part}.npz").path)
    for hyper in (
        training.Hyper(rounds=5, local_epochs=5),
        training.Hyper(rounds=5, local_epochs=5, dp_clip=1.0, dp_noise=0.5),
    ):
        started = time.perf_counter()
        result = training.comparison(
            flower.run(files, hyper, features=len(GENES) + 1), files, hyper
        )
        took = time.perf_counter() - started
        dp = f"clip {hyper.dp_clip:g}, noise ×{hyper.dp_noise:g}" if hyper.dp_clip else "off"
        print(
            f"\nFedAvg {hyper.rounds} rounds × {hyper.local_epochs} local epochs, DP {dp}; "
            f"{result['train_rows']} training rows at 3 sites; Flower run {took:.0f} s; "
            f"|w_fed − w_pooled| = {result['weight_distance']:.3f}\n"
        )
        print("| model | AUC | accuracy | Brier | log loss | held-out rows |")
        print("|---|---:|---:|---:|---:|---:|")
        for name in ("federated", "pooled"):
            m = result[name]
            print(
                f"| {name} | {m['auc']:.3f} | {m['accuracy']:.3f} | {m['brier']:.3f} | {m['log_loss']:.3f} | {int(m['n'])} |"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--patients", type=int, default=100_000)
    parser.add_argument("--skip-flower", action="store_true")
    parser.add_argument("--only", choices=["counts", "fanout", "flower"])
    parser.add_argument("--runs", type=int, default=9)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}; {date.today()}"
    )
    if args.only in (None, "counts"):
        counts(args.patients, args.runs)
    if args.only in (None, "fanout"):
        fan_out()
    if args.only == "flower" or (args.only is None and not args.skip_flower):
        flower_comparison()


if __name__ == "__main__":
    main()
