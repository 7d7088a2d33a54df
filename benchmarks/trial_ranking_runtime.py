# SPDX-License-Identifier: Apache-2.0
"""The MiniLM encoder's runtime, old against new in one run: numpy float32 vs onnxruntime INT8.

Run: ``.venv/bin/python -m benchmarks.trial_ranking_runtime [--cold-trials N] [--old-full]``.
Data: BIRCO Clinical-Trial in ``../shared/data/trials`` (CC BY-NC 4.0, test use only).

Measures, each with the load average before and after and the CPU seconds it used:
1. cold ``oncoboard trials rank-pools`` over the whole folder (1,397 trials, 26 queries) in a new
   process with an empty cache: the new runtime always; the old numpy pass only with
   ``--old-full``, stopped after ``--old-limit`` seconds (it took 7-18 minutes under load);
2. cold embedding of the same ``N`` trials by each encoder in this process (no cache);
3. warm ranking of 150-trial pools (trial vectors cached, patient embedded each time), p50/p95;
4. what INT8 changes: cosine between the two encoders' vectors of every trial, and nDCG@10 /
   P@10 / RR of the shipped default with either encoder on ``birco-dev`` and ``birco-test``.
Vectors are cached in ``benchmarks/out/trial_ranking/cache`` (one file per encoder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import resource
import shutil
import subprocess
import sys
import time

import numpy as np

from benchmarks.minilm_numpy import NumpyMiniLM
from benchmarks.patient_page import _cpu_model
from benchmarks.trial_ranking import (
    DATA,
    OUT,
    SPLITS,
    _origins,
    _pct,
    _pool_of_150,
    _rank_with,
    read_qrels,
    score,
)
from oncoboard.trials.ranking.dense import EmbeddingStore, Encoder
from oncoboard.trials.ranking.encoder import MiniLMEncoder
from oncoboard.trials.ranking.engine import PoolRanker
from oncoboard.trials.ranking.pools import PoolSet, load_pool_dir
from oncoboard.trials.ranking.runtime import default_threads

CACHE = OUT / "cache"


def _load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def cold_cli(encoder: str, limit: float | None = None) -> tuple[float, float, str]:
    """Wall and CPU seconds of a cold ``rank-pools`` over the folder, in a new process; stopped
    after ``limit`` seconds, in which case the note says how many trials it had embedded."""
    cache = OUT / f"cold-{encoder}"
    shutil.rmtree(cache, ignore_errors=True)
    code = "from oncoboard.cli.main import run; run()"
    if encoder == "numpy":  # the old product: the same command with the numpy encoder
        code = (
            "import oncoboard.trials.ranking.engine as e; from benchmarks.minilm_numpy import "
            "NumpyMiniLM; e.MiniLMEncoder.load = lambda threads=None: NumpyMiniLM.load(); " + code
        )
    before, cpu, started = _load(), _children_cpu(), time.perf_counter()
    command = [sys.executable, "-c", code, "trials", "rank-pools", str(DATA),
               "--out", str(cache / "run"), "--cache-dir", str(cache)]  # fmt: skip
    note = "all 1,397 embedded"
    try:
        subprocess.run(command, check=True, timeout=limit)
    except subprocess.TimeoutExpired:  # run() has killed the child
        files = list(cache.glob("*.npz"))
        done = len(np.load(files[0])["keys"]) if files else 0
        note = f"stopped at {limit:.0f} s: {done} of 1,397 embedded"
    load = f"{before} -> {_load()}"
    return time.perf_counter() - started, _children_cpu() - cpu, f"{note} | {load}"


def cold_in_process(encoder: Encoder, texts: list[str]) -> tuple[float, float, str]:
    """Wall and CPU seconds to embed ``texts`` with nothing cached."""
    store = EmbeddingStore(encoder, share_in_process=False)
    before, cpu, started = _load(), time.process_time(), time.perf_counter()
    store.embed(texts)
    return time.perf_counter() - started, time.process_time() - cpu, f"{before} -> {_load()}"


def warm(pools: PoolSet, encoder: Encoder, reps: int) -> tuple[list[float], float, str]:
    """Seconds per 150-trial ranking with every trial vector cached (patient embedded)."""
    ranker = PoolRanker(pools.corpus, cache_dir=CACHE, encoder=encoder)
    big = [(q, _pool_of_150(pools, q)) for q in pools.pools]
    assert ranker.store is not None
    ranker.store.embed([pools.corpus[d] for _, docs in big for d in docs])  # fill the cache
    times: list[float] = []
    before, cpu = _load(), time.process_time()
    for _ in range(reps):
        for qid, docs in big:
            started = time.perf_counter()
            ranker.rank(qid, pools.queries[qid], docs)
            times.append(time.perf_counter() - started)
    return times, time.process_time() - cpu, f"{before} -> {_load()}"


def quality(pools: PoolSet, encoder: Encoder) -> dict[str, list[float]]:
    """The shipped default's scores per split with ``encoder`` for MiniLM."""
    ranker = PoolRanker(pools.corpus, cache_dir=CACHE, encoder=encoder)
    run = _rank_with(pools, ranker.score)
    qrels = read_qrels(DATA / "qrels.tsv")
    origin = _origins(DATA / "queries.jsonl")
    return {s: score(qrels, run, {q for q, o in origin.items() if o == s}) for s in SPLITS}


def _row(name: str, measured: tuple[float, float, str], extra: str = "") -> str:
    wall, cpu, load = measured
    if "|" in load:  # the note came with the load
        extra, load = (part.strip() for part in load.split("|"))
    return f"| {name} | {wall:.1f} | {cpu:.1f} | {extra} | {load} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cold-trials", type=int, default=100, help="trials embedded cold each")
    parser.add_argument("--warm-reps", type=int, default=4, help="passes over the 26 pools")
    parser.add_argument("--no-cold-cli", action="store_true", help="skip the cold rank-pools")
    parser.add_argument("--old-full", action="store_true", help="also a cold numpy rank-pools")
    parser.add_argument("--old-limit", type=float, default=600, help="seconds it may take")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: the BIRCO data is not at {DATA}")
        return
    OUT.mkdir(parents=True, exist_ok=True)
    pools = load_pool_dir(DATA)
    new, old = MiniLMEncoder.load(), NumpyMiniLM.load()
    encoders: dict[str, Encoder] = {"numpy float32 (old)": old, "onnxruntime INT8 (new)": new}
    print(f"# MiniLM runtime, {dt.datetime.now():%Y-%m-%d %H:%M}, {_cpu_model()}, "
          f"{os.cpu_count()} CPUs, onnxruntime threads {default_threads()}, "
          f"Python {platform.python_version()}\n")  # fmt: skip
    print("| measurement | wall s | CPU s | per trial / note | load avg before -> after |")
    print("|---|---:|---:|---|---|")
    if not args.no_cold_cli:
        measured = cold_cli("onnx")
        print(_row("cold rank-pools, 1,397 trials, new process: onnxruntime INT8", measured))
        kept = CACHE / new.cache_name
        if not kept.exists():  # the cold run's vectors serve the warm and quality parts
            CACHE.mkdir(parents=True, exist_ok=True)
            shutil.copy(OUT / "cold-onnx" / new.cache_name, kept)
    if args.old_full and not args.no_cold_cli:
        measured = cold_cli("numpy", args.old_limit)
        print(_row("cold rank-pools, 1,397 trials, new process: numpy", measured))
    texts = list(pools.corpus.values())[: args.cold_trials]
    for name, encoder in encoders.items():
        wall, cpu, load = cold_in_process(encoder, texts)
        note = f"{1000 * wall / len(texts):.0f} ms wall, {1000 * cpu / len(texts):.0f} ms CPU"
        print(_row(f"cold, {len(texts)} trials embedded in-process: {name}", (wall, cpu, load), note))  # fmt: skip
    for name, encoder in encoders.items():
        times, cpu, load = warm(pools, encoder, args.warm_reps)
        note = f"{len(times)} rankings: p50 {1000 * _pct(times, 0.5):.0f} ms, p95 {1000 * _pct(times, 0.95):.0f} ms"  # fmt: skip
        print(_row(f"warm 150-trial pool: {name}", (sum(times), cpu, load), note))
    _agreement(pools, encoders)


def _agreement(pools: PoolSet, encoders: dict[str, Encoder]) -> None:
    texts = list(pools.corpus.values())
    vectors = [EmbeddingStore(e, CACHE).embed(texts) for e in encoders.values()]
    cosine = (vectors[0] * vectors[1]).sum(axis=1)
    print(f"\ncosine(old, new) over {len(texts)} trials: min {cosine.min():.4f}, "
          f"median {np.median(cosine):.4f}\n")  # fmt: skip
    head = " | ".join(f"{s[6:]} {m}" for s in SPLITS for m in ("nDCG@10", "P@10", "RR"))
    print(f"| shipped default with | {head} |\n|---|" + "---:|" * 6)
    for name, encoder in encoders.items():
        scores = quality(pools, encoder)
        cells = [f"{v:.3f}" for s in SPLITS for v in scores[s]]
        print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
