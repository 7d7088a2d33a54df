# SPDX-License-Identifier: Apache-2.0
"""Symptom monitoring under load on PostgreSQL: 10,000 weekly surveys from 2,000 patients.

Run: ``.venv/bin/python -m benchmarks.monitoring_load [--kill]``. Needs PostgreSQL:
``ONCOBOARD_BENCH_POSTGRES_URL``, else the server of ``ONCOBOARD_TEST_POSTGRES_URL`` with the
database ``oncoboard_bench_mon`` (create it once: ``createdb -O oncoboard oncoboard_bench_mon``);
its schema is dropped and migrated afresh. Without a URL the benchmark says so and skips.

A real uvicorn (``--server-workers`` processes) on 127.0.0.1 serves the app; client threads
submit each patient's weekly surveys in order through ``POST /api/v1/patients/{id}/pro/
submissions`` with their own patient tokens. Some submissions are deliberately sent twice (after
the answer, and two at once). An observer polls the database every ``--poll-ms`` on its own
connection with the queue's filter (staff audience, open) and notes when each submission's
alerts first become visible; with ``--kill`` the server is SIGKILLed mid-load and restarted,
and every unanswered request is re-sent with the same idempotency key. Afterwards the database
must hold each accepted survey exactly once and exactly the alerts worked out independently in
``benchmarks.monitoring_plan``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import statistics
import subprocess
import threading
import time
from collections import Counter

from sqlalchemy import Engine, text

from benchmarks import cpu_accounting
from benchmarks.monitoring_harness import (
    FACTORY,
    Check,
    Load,
    Server,
    bench_url,
    free_port,
    fresh_schema,
    queue_total,
    run_load,
    running,
    seed,
    verify,
)
from benchmarks.monitoring_plan import TABLE, plan


class Observer(threading.Thread):
    """Polls the database as the queue filters it and notes when each submission's alerts
    first show; the times are wall clock on this machine, like ``Outcome.sent_at``."""

    def __init__(self, engine: Engine, poll_s: float) -> None:
        super().__init__(daemon=True)
        self.engine, self.poll_s = engine, poll_s
        self.first_seen: dict[str, float] = {}
        self.stop = threading.Event()
        self.window_s = 5.0

    def run(self) -> None:
        query = text(
            "SELECT DISTINCT submission_id FROM pro_alerts WHERE audience = 'staff' "
            "AND status IN ('open', 'acknowledged', 'escalated') AND created_at >= :since"
        )
        since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
        with self.engine.connect() as connection:
            while not self.stop.is_set():
                ids = connection.execute(query, {"since": since}).scalars().all()
                connection.rollback()  # a fresh snapshot each poll
                now = time.time()
                for submission_id in ids:
                    self.first_seen.setdefault(submission_id, now)
                # a submission is stamped when its request starts and commits within seconds
                since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=self.window_s)
                time.sleep(self.poll_s)


def pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def cpu_model() -> str:
    try:
        lines = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    return next(
        (x.split(":", 1)[1].strip() for x in lines.splitlines() if "Model name" in x), "unknown"
    )


def _ms(values: list[float], *qs: int) -> str:
    return " / ".join(f"{1000 * pct(values, q):.0f}" for q in qs)


def _rows(load: Load, wall: float, check: Check, seen: dict[str, float]) -> list[tuple[str, str]]:
    outcomes = list(load.outcomes.values())
    sends = [x for o in outcomes for x in o.latencies]
    alerted = [o for o in outcomes if o.survey.expected_rules and o.submission_ids]
    to_alert = [seen[i] - o.sent_at for o in alerted if (i := min(o.submission_ids)) in seen]
    resent = [o for o in outcomes if o.unanswered]
    return [
        ("surveys accepted / stored", f"{check.accepted:,} / {check.stored:,}"),
        ("lost / duplicated / id mismatch", f"{len(check.lost)} / {check.duplicated} / {check.id_mismatch}"),
        ("alerts stored / expected (independent)", f"{check.alerts:,} / {check.alerts_expected:,}"),
        ("alert reasons stored / expected (independent)", f"{check.reasons:,} / {check.reasons_expected:,}"),
        ("reasons missing / extra; alerts repeated", f"{check.alerts_missing} / {check.alerts_extra}; {check.alerts_repeated}"),
        ("alert recommendations / queue API total", f"{check.recommendations:,} / {check.queue_total:,}"),
        ("surveys with an alert", f"{sum(bool(o.survey.expected_rules) for o in outcomes):,}"),
        ("wall time s (goal < 60)", f"{wall:.1f}"),
        ("throughput surveys/s", f"{len(outcomes) / wall:.0f}"),
        ("POST latency p50 / p95 / p99 ms", _ms(sends, 50, 95, 99)),
        ("submission sent -> alert visible p50 / p95 / p99 ms (goal p95 < 1000)", _ms(to_alert, 50, 95, 99)),
        ("alerted surveys seen by the observer", f"{len(to_alert):,} / {len(alerted):,}"),
        ("surveys with unanswered sends (re-sent, same key)", f"{len(resent)}"),
        ("... of which stored before the kill (replayed 200) / stored on re-send (201)",
         f"{sum(o.statuses[-1] == 200 for o in resent)} / {sum(o.statuses[-1] == 201 for o in resent)}"),
        ("checks", "PASS" if check.ok else "FAIL"),
    ]  # fmt: skip


def _cpu_split(
    before: dict[int, tuple[str, int, float]], client_before: float, server: Server, surveys: int
) -> tuple[str, str]:
    """CPU ms per survey of the client (this process: its threads and the observer), the server
    workers and PostgreSQL, and the machine's load average: what limits the throughput."""
    after = cpu_accounting.snapshot()
    pid = server.process.pid if server.process is not None else None
    client = time.process_time() - client_before
    workers = cpu_accounting.cpu_of(before, after, under=pid)
    database = cpu_accounting.cpu_of(before, after, name="postgres")
    per = [1000 * x / max(surveys, 1) for x in (client, workers, database)]
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (
        "CPU ms per survey: client / server workers / PostgreSQL (load average at the end)",
        f"{per[0]:.1f} / {per[1]:.1f} / {per[2]:.1f} ({load})",
    )


def report(args: argparse.Namespace, engine: Engine, load: Load, rows: list[tuple[str, str]],
           seed_s: float) -> None:  # fmt: skip
    statuses = Counter(s for o in load.outcomes.values() for s in o.statuses)
    with engine.connect() as connection:
        version = connection.scalar(text("SHOW server_version"))
    print(f"# Symptom monitoring load — {dt.date.today().isoformat()}\n")
    print(f"- machine: {cpu_model()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"- PostgreSQL {version}; uvicorn workers {args.server_workers}; client threads "
          f"{args.concurrency}; observer poll {args.poll_ms} ms; seeding {seed_s:.1f} s")  # fmt: skip
    print(f"- {len(load.surveys):,} patients x {args.weeks} weeks; answers by status "
          f"{dict(sorted(statuses.items()))}; SIGKILL mid-load: {'yes' if args.kill else 'no'}\n")  # fmt: skip
    print("| measure | value |\n|---|---:|")
    for label, value in rows:
        print(f"| {label} | {value} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=2000)
    parser.add_argument("--weeks", type=int, default=5)
    parser.add_argument("--concurrency", type=int, default=24)
    parser.add_argument("--server-workers", type=int, default=2)
    parser.add_argument("--poll-ms", type=int, default=20)
    parser.add_argument("--factory", default=FACTORY, help="uvicorn app factory (module:function)")
    parser.add_argument("--kill", action="store_true", help="SIGKILL the server mid-load")
    args, _ = parser.parse_known_args()  # benchmarks.run passes its arguments to all
    url = bench_url()
    if url is None:
        print("skipped: set ONCOBOARD_BENCH_POSTGRES_URL or ONCOBOARD_TEST_POSTGRES_URL")
        return 0
    if not TABLE.exists():
        print(f"skipped: the composite grading table is needed for the expected alerts: {TABLE}")
        return 0
    engine = fresh_schema(url)
    patients = [f"LOAD-{n:05d}" for n in range(args.patients)]
    began = time.perf_counter()
    tokens, nurse = seed(engine, patients)
    seed_s = time.perf_counter() - began
    server = Server(url, free_port(), args.server_workers, args.factory)
    load = Load(server.base, tokens, plan(patients, args.weeks))
    observer = Observer(engine, args.poll_ms / 1000)
    with running(server):
        observer.start()
        kill_at = int(0.4 * args.patients * args.weeks)
        before, client_before = cpu_accounting.snapshot(), time.process_time()
        wall = run_load(load, args.concurrency, server if args.kill else None, kill_at)
        cpu = _cpu_split(before, client_before, server, len(load.outcomes))
        time.sleep(0.5)
        observer.stop.set()
        observer.join()
        check = verify(engine, load.outcomes)
        check.queue_total = queue_total(server.base, nurse)
    report(args, engine, load, [*_rows(load, wall, check, observer.first_seen), cpu], seed_s)
    engine.dispose()
    return 0 if check.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
