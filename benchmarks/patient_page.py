# SPDX-License-Identifier: Apache-2.0
"""Patient page and API record latency for a patient with 50,000 variants.

Run: ``.venv/bin/python -m benchmarks.patient_page`` (SQLite in benchmarks/out/). A synthetic MAF
is written, imported through the import service, then a real uvicorn on 127.0.0.1 is asked
each URL ``--requests`` times with httpx. Server time is measured inside the ASGI app, from
request start to the last body byte; client time adds the loopback round trip.
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import random
import socket
import sqlite3
import statistics
import subprocess
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from oncoboard.api.app import create_app
from oncoboard.governance import users
from oncoboard.governance.vocabulary import Role
from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.settings import Settings
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade

OUT = Path(__file__).parent / "out"
PATIENT = "BENCH-1"
HEADER = (
    "Hugo_Symbol\tNCBI_Build\tChromosome\tStart_Position\tReference_Allele\tTumor_Seq_Allele2\t"
    "Tumor_Sample_Barcode\tt_depth\tt_alt_count\tHGVSc\tHGVSp_Short\tVariant_Classification\t"
    "Transcript_ID\n"
)
CLASSES = ("Missense_Mutation", "Silent", "Nonsense_Mutation", "Splice_Site", "Intron")
AMINO = "ACDEFGHIKLMNPQRSTVWY"


def write_maf(path: Path, variants: int, seed: int = 7) -> None:
    """A deterministic MAF: ``variants`` rows of one tumour across 2,000 synthetic genes."""
    rng = random.Random(seed)
    genes = [f"G{n:04d}" for n in range(2000)] + ["TP53", "KRAS", "BRAF", "EGFR", "PIK3CA"]
    with path.open("w", encoding="utf-8") as out:
        out.write("#version 2.4\n" + HEADER)
        for n in range(variants):
            gene = rng.choice(genes)
            depth = rng.randint(20, 400)
            alt = rng.randint(1, depth)
            codon = rng.randint(1, 1200)
            ref_aa, alt_aa = rng.choice(AMINO), rng.choice(AMINO)
            out.write(
                f"{gene}\tGRCh38\t{rng.randint(1, 22)}\t{1_000_000 + n * 37}\tC\tT\t"
                f"{PATIENT}-T\t{depth}\t{alt}\tc.{codon * 3}C>T\tp.{ref_aa}{codon}{alt_aa}\t"
                f"{rng.choice(CLASSES)}\tENST{n:011d}\n"
            )


class ServerTimer:
    """ASGI wrapper that records each request's time inside the server, per path+query."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.times: dict[str, list[float]] = {}

    async def __call__(
        self, scope: dict[str, Any], receive: Callable[[], Awaitable[Any]], send: Any
    ) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        key = scope["path"] + (
            "?" + scope["query_string"].decode() if scope["query_string"] else ""
        )

        async def timed_send(message: dict[str, Any]) -> None:
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body"):
                self.times.setdefault(key, []).append(time.perf_counter() - start)

        await self.app(scope, receive, timed_send)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def _cpu_model() -> str:
    try:
        text = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
    except (OSError, subprocess.CalledProcessError):
        return platform.processor() or "unknown CPU"
    return next(
        (line.split(":", 1)[1].strip() for line in text.splitlines() if "Model name" in line),
        "unknown CPU",
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--variants", type=int, default=50_000)
    parser.add_argument("--requests", type=int, default=60)
    args, _ = parser.parse_known_args()  # benchmarks.run passes its arguments to all
    OUT.mkdir(exist_ok=True)
    maf, db = OUT / f"bench-{args.variants}.maf", OUT / "bench.sqlite3"
    if not maf.exists():
        write_maf(maf, args.variants)
    for stale in OUT.glob("bench.sqlite3*"):
        stale.unlink()
    settings = Settings(env="test", database_url=f"sqlite:///{db}", upload_dir=OUT / "uploads")
    engine = make_engine(settings.database_url)
    upgrade(engine)
    began = time.perf_counter()
    with unit_of_work(engine) as session:
        report = service.import_source(
            session=session,
            source=SourceFile.from_path(maf),
            options=ImportOptions(patient=PATIENT),
            batch_size=settings.import_batch_size,
        )
    import_s = time.perf_counter() - began
    assert report.fact_counts == {"variant": args.variants}, report.fact_counts
    with unit_of_work(engine) as session:  # requests pass the gate as a named clinician
        users.create_user(
            session,
            username="bench",
            display_name="Bench",
            roles=[Role.CLINICIAN],
            granted_by="benchmark",
        )
        token, _ = users.create_token(session, username="bench", name="benchmark")

    timer = ServerTimer(create_app(settings, engine=engine))
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(timer, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    urls = {
        "patient page HTML (first 100 variants)": f"/patients/{PATIENT}",
        "patient page HTML, last page": f"/patients/{PATIENT}?vpage={args.variants // 100}",
        "patient page HTML, gene=TP53": f"/patients/{PATIENT}?gene=TP53",
        "patient page HTML, sorted by VAF desc": f"/patients/{PATIENT}?sort=-vaf",
        "patient page HTML, passed + missense (#17 filters)": (
            f"/patients/{PATIENT}?passed=true&consequence=Missense_Mutation"
        ),
        "API record JSON (500 variants)": f"/api/v1/patients/{PATIENT}",
        "API variants JSON (100, gene sort)": f"/api/v1/patients/{PATIENT}/variants?sort=gene",
        "patient list HTML": "/",
    }
    rows = []
    auth = {"Authorization": f"Bearer {token}"}
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=60, headers=auth) as client:
        for label, url in urls.items():
            for _ in range(3):  # warm-up: connection, template compilation, SQLite page cache
                client.get(url).raise_for_status()
            timer.times.clear()
            client_times, size = [], 0
            for _ in range(args.requests):
                began = time.perf_counter()
                response = client.get(url)
                client_times.append(time.perf_counter() - began)
                response.raise_for_status()
                size = len(response.content)
            server_times = next(iter(timer.times.values()))
            rows.append((label, server_times, client_times, size))
    server.should_exit = True
    thread.join(timeout=10)

    print(f"# Patient page benchmark — {dt.date.today().isoformat()}\n")
    print(
        f"- machine: {_cpu_model()}, Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"
    )
    print(f"- patient {PATIENT}: {args.variants:,} variants (synthetic MAF), SQLite file database")
    print(f"- import through the service: {import_s:.1f} s; {args.requests} requests per URL\n")
    print("| request | server p50 ms | server p95 ms | client p50 ms | client p95 ms | bytes |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, server_times, client_times, size in rows:
        ms = [
            1000 * _percentile(values, q)
            for values in (server_times, client_times)
            for q in (50, 95)
        ]
        print(f"| {label} | {ms[0]:.1f} | {ms[1]:.1f} | {ms[2]:.1f} | {ms[3]:.1f} | {size:,} |")


if __name__ == "__main__":
    main()
