# SPDX-License-Identifier: Apache-2.0
"""Trial-text embeddings with a content-addressed cache (in memory, optionally on disk).

Embedding a trial costs ~0.1-0.3 s on two CPU cores, ranking it afterwards microseconds; a
registry's trials change rarely, so vectors are keyed by the SHA-256 of (model, window, text) and
kept in one ``.npz`` file per model under the cache folder.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import numpy as np

from oncoboard.trials.ranking.encoder import MAX_TOKENS, MODEL_ID, Matrix, MiniLMEncoder

CACHE_NAME = "minilm-l6-v2.embeddings.npz"


def text_key(text: str) -> str:
    """Cache key of one text's embedding under this model and window."""
    return hashlib.sha256(f"{MODEL_ID}\0{MAX_TOKENS}\0{text}".encode()).hexdigest()


class EmbeddingStore:
    """Embed texts once; later calls for the same text reuse the vector."""

    def __init__(self, encoder: MiniLMEncoder, cache_dir: Path | None = None) -> None:
        self.encoder = encoder
        self.cache_file = cache_dir / CACHE_NAME if cache_dir else None
        self._vectors: dict[str, Matrix] = {}
        self.computed = 0
        if self.cache_file and self.cache_file.is_file():
            with np.load(self.cache_file, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
            self._vectors = {str(k): v for k, v in zip(keys, vectors, strict=True)}

    def embed(self, texts: list[str]) -> Matrix:
        """One unit vector per text, in order; missing ones are computed in one batch."""
        keys = [text_key(t) for t in texts]
        todo = {k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}
        if todo:
            fresh = self.encoder.encode(list(todo.values()))
            self._vectors.update(zip(todo.keys(), fresh, strict=True))
            self.computed += len(todo)
            self._save()
        dim = self.encoder.word.shape[1]
        if not keys:
            return np.zeros((0, dim), dtype=np.float32)
        return np.stack([self._vectors[k] for k in keys])

    def _save(self) -> None:
        if self.cache_file is None:
            return
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        keys = np.array(list(self._vectors.keys()))
        vectors = np.stack(list(self._vectors.values()))
        # write then rename, so a reader never sees half a file
        fd, tmp = tempfile.mkstemp(dir=self.cache_file.parent, suffix=".npz")
        with os.fdopen(fd, "wb") as handle:
            np.savez(handle, keys=keys, vectors=vectors)
        Path(tmp).replace(self.cache_file)
