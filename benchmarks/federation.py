# SPDX-License-Identifier: Apache-2.0
"""Federated research: a site's count over 100k patients (goal < 200 ms), the coordinator's
answer with one dead site (goal: its timeout + 100 ms), and Flower FedAvg vs the pooled model.

Run: ``.venv/bin/python -m benchmarks.federation [--patients N] [--runs R] [--only …]``.

1. Count (``benchmarks/federation_counts.py``): N synthetic patients, each question through the
   site service and over HTTP, SQLite and PostgreSQL.
2. Fan-out: three live site processes (1/24 of the Beacon cohort each) and one dead site, asked
   through the coordinator service as ``oncoboard federation query`` does (sites read from its
   registry, keys decrypted, signed requests, answers verified and totalled, audit, commit):
   wall time, median and worst of 5, next to the same question to the three live sites only.
   Two kinds of dead site: a socket that accepts and never answers (a hung host: the coordinator
   must give up at the deadline, 1.0 s) and a site process killed before the question (its port
   refuses connections: retried once after 0.1 s, then reported).
3. Flower: three sites with TCGA-LAML parts; FedAvg (5 rounds × 5 local epochs) in deployment
   mode on loopback vs the same model on the pooled rows; metrics on the same held-out rows.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from benchmarks.federation_counts import counts
from oncoboard.federation.beacon import query_from_words
from oncoboard.governance.vocabulary import Role
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade

SECRET = "benchmark-coordinator-secret"
DEAD_TIMEOUT_S = 1.0


def _coordinator(root: Path, live: list[Any], hung: Any, killed: Any) -> Engine:
    """A coordinator database with the live, hung and killed sites registered."""
    from tests.conftest import make_user
    from tests.federation.support import admin_actor

    from oncoboard.federation import coordinator
    from oncoboard.governance.users import actor_for

    engine = make_engine(f"sqlite:///{root / 'coordinator.sqlite3'}")
    upgrade(engine)
    make_user(engine, "dr-bench", [Role.RESEARCHER])
    admin_actor(engine, "bench-it")
    with unit_of_work(engine) as session:
        access = coordinator.authorize_admin(session, actor_for(session, "bench-it"), "sites")
        for name, url, key, timeout in (
            *((s.name, s.base_url, s.access_key, 10.0) for s in live),
            ("hung", hung.base_url, live[0].access_key, DEAD_TIMEOUT_S),
            ("killed", killed.base_url, killed.access_key, DEAD_TIMEOUT_S),
        ):
            coordinator.add_site(session=session, access=access, name=name, base_url=url,
                                 access_key=key, secret_key=SECRET, timeout_s=timeout, retries=1)  # fmt: skip
    return engine


def _ask(engine: Engine, sites: list[str]) -> tuple[float, dict[str, str]]:
    from oncoboard.federation import coordinator
    from oncoboard.governance.users import actor_for

    cohort = query_from_words(["NCIT:C16576"])
    started = time.perf_counter()
    with unit_of_work(engine) as session:
        access = coordinator.authorize_research(
            session, actor_for(session, "dr-bench"), cohort.describe()
        )
        result = coordinator.query(session=session, access=access, cohort=cohort,
                                   entry_type="individuals", granularity="count",
                                   secret_key=SECRET, sites=sites)  # fmt: skip
    return time.perf_counter() - started, {s.site: s.status for s in result.sites}


def fan_out() -> None:
    from tests.federation.sites import HungSite, Site

    root = Path(tempfile.mkdtemp())
    live = [Site(f"site-{k}", root / f"site-{k}", k, 24) for k in (1, 2, 3)]
    killed = Site("killed", root / "site-4", 4, 24)
    hung = HungSite()
    try:
        for site in (*live, killed):
            site.prepare()
            site.start()
        killed.kill()
        engine = _coordinator(root, live, hung, killed)
        names = [s.name for s in live]
        cases = {
            "3 live (baseline)": names,
            f"3 live + 1 hung (timeout {DEAD_TIMEOUT_S} s)": [*names, "hung"],
            f"3 live + 1 killed (timeout {DEAD_TIMEOUT_S} s)": [*names, "killed"],
        }
        timings: dict[str, list[float]] = {name: [] for name in cases}
        for _ in range(5):
            for name, chosen in cases.items():
                took, status = _ask(engine, chosen)
                timings[name].append(took)
                assert [status[n] for n in names] == ["answered"] * 3, status
                assert status.get("hung", "timed_out") == "timed_out", status
                assert status.get("killed", "error") == "error", status
        print(f"\nload {os.getloadavg()[0]:.1f}\n")
        print("| sites asked | median wall (s) | worst (s) | median over the deadline (ms) |")
        print("|---|---:|---:|---:|")
        for name, values in timings.items():
            over = (
                f"{(statistics.median(values) - DEAD_TIMEOUT_S) * 1000:.0f}"
                if "hung" in name
                else "–"
            )
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
