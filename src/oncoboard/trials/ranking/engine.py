# SPDX-License-Identifier: Apache-2.0
"""Hybrid ranking of a candidate pool: BM25 + MiniLM cosine (onnxruntime) + age/sex mismatches.

Per pool, each signal is standardised (z-score over the pool's trials) and the two are blended
with fixed weights; every age or sex contradiction then subtracts a fixed penalty. The weights
were chosen on the 9 BIRCO ``birco-dev`` queries only (see docs/benchmarks.md, "Trial ranking").
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from oncoboard.trials.ranking import structured
from oncoboard.trials.ranking.dense import EmbeddingStore, Encoder
from oncoboard.trials.ranking.encoder import MiniLMEncoder
from oncoboard.trials.ranking.lexical import Bm25Index
from oncoboard.trials.ranking.pools import PoolSet, RunLine

RUN_TAG = "oncoboard-hybrid"


@dataclass(frozen=True)
class RankerSettings:
    """Blend weights; zero switches a signal off (dense 0 avoids loading the model at all)."""

    # Chosen on birco-dev (9 queries; rule: best nDCG@10, ties within 0.005 by RR, then the
    # simpler setting): equal z-score weights, no stemming. Every blend within 0.47-0.48 dev
    # nDCG@10; the age/sex penalty was neutral there (-0.001) and is kept small for its
    # explainable contradictions, not for a measured gain.
    bm25_weight: float = 1.0
    dense_weight: float = 1.0
    mismatch_penalty: float = 0.25
    stem: bool = False
    tag: str = RUN_TAG


BM25_ONLY = RankerSettings(dense_weight=0.0, mismatch_penalty=0.0, tag="oncoboard-bm25")


def _standardise(scores: NDArray[np.float32]) -> NDArray[np.float64]:
    values = scores.astype(np.float64)
    spread = values.std()
    if spread < 1e-9:
        return np.zeros_like(values)
    return (values - values.mean()) / spread


class PoolRanker:
    """Holds the BM25 index and the embeddings of one corpus; ranks any pool drawn from it.

    The public entry for text similarity (the trial page orders trials of equal decided fit by
    ``score``): ``PoolRanker(corpus, settings, cache_dir=..., threads=...)`` then
    ``score(patient_text, trial_ids)``. Trial vectors are shared by every ranker in the process
    and, with ``cache_dir``, kept on disk; ``threads`` sets onnxruntime's intra-op threads;
    ``encoder`` replaces the packaged MiniLM (benchmarks compare encoders through it).
    """

    def __init__(
        self,
        corpus: dict[str, str],
        settings: RankerSettings = RankerSettings(),
        *,
        cache_dir: Path | None = None,
        threads: int | None = None,
        encoder: Encoder | None = None,
    ) -> None:
        self.settings = settings
        self.doc_ids = list(corpus)
        self.texts = corpus
        self.position = {doc: i for i, doc in enumerate(self.doc_ids)}
        self.bm25 = Bm25Index(list(corpus.values()), stem=settings.stem)
        self.store: EmbeddingStore | None = None
        if settings.dense_weight:
            self.store = EmbeddingStore(encoder or MiniLMEncoder.load(threads), cache_dir)

    def score(self, query: str, pool: list[str]) -> NDArray[np.float64]:
        """Blended score of each pooled trial, in pool order (higher ranks first)."""
        s = self.settings
        lexical = self.bm25.scores(query)[[self.position[d] for d in pool]]
        total = s.bm25_weight * _standardise(lexical)
        if self.store is not None:
            vectors = self.store.embed([self.texts[d] for d in pool])
            # the patient text is new each time: embedded directly, never written to the cache
            cosine = vectors @ self.store.encoder.encode([query])[0]
            total = total + s.dense_weight * _standardise(cosine)
        if s.mismatch_penalty:
            patient = structured.read_patient(query)
            misses = [len(structured.mismatches(patient, self.texts[d])) for d in pool]
            total = total - s.mismatch_penalty * np.asarray(misses, dtype=np.float64)
        return total

    def rank(self, qid: str, query: str, pool: list[str]) -> list[RunLine]:
        """TREC run lines for one pool: every pooled trial once, ranks 1..n, ties by trial id."""
        scores = self.score(query, pool)
        order = sorted(range(len(pool)), key=lambda i: (-scores[i], pool[i]))
        return [
            RunLine(qid=qid, docid=pool[i], rank=r, score=float(scores[i]), tag=self.settings.tag)
            for r, i in enumerate(order, start=1)
        ]


def rank_pools(
    pools: PoolSet,
    settings: RankerSettings = RankerSettings(),
    *,
    cache_dir: Path | None = None,
    threads: int | None = None,
) -> list[RunLine]:
    """Rank every query's pool; queries without a pool produce no lines."""
    ranker = PoolRanker(pools.corpus, settings, cache_dir=cache_dir, threads=threads)
    lines: list[RunLine] = []
    for qid, query in pools.queries.items():
        if pools.pools.get(qid):
            lines.extend(ranker.rank(qid, query, pools.pools[qid]))
    return lines
