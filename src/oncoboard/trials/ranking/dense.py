# SPDX-License-Identifier: Apache-2.0
"""Trial-text embeddings with a content-addressed cache (per process, and optionally on disk).

Embedding a trial costs ~0.1 s of CPU, ranking it afterwards microseconds; a registry's trials
change rarely, so vectors are keyed by the SHA-256 of (model id, window, text). Within a process
every store of the same model shares one table (a server ranking many patients embeds each trial
once); with a cache folder the table is also kept in one ``.npz`` file per model, written in
chunks while a cold run proceeds so an interrupted run keeps what it computed.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Protocol

import numpy as np

from oncoboard.trials.ranking.encoder import Matrix

SAVE_EVERY = 64  # texts embedded between two writes of the cache file

_PROCESS_TABLES: dict[str, dict[str, Matrix]] = {}


class Encoder(Protocol):
    """What the store needs from an encoder."""

    model_id: str
    max_tokens: int
    dimension: int
    cache_name: str

    def encode(self, texts: list[str]) -> Matrix: ...


def text_key(encoder: Encoder, text: str) -> str:
    """Cache key of one text's embedding under this model and window."""
    return hashlib.sha256(f"{encoder.model_id}\0{encoder.max_tokens}\0{text}".encode()).hexdigest()


class EmbeddingStore:
    """Embed texts once; later calls for the same text reuse the vector.

    ``share_in_process=False`` gives the store a table of its own (benchmarks time cold runs
    with it).
    """

    def __init__(
        self, encoder: Encoder, cache_dir: Path | None = None, *, share_in_process: bool = True
    ) -> None:
        self.encoder = encoder
        self.cache_file = cache_dir / encoder.cache_name if cache_dir else None
        if share_in_process:
            self._vectors = _PROCESS_TABLES.setdefault(encoder.model_id, {})
        else:
            self._vectors = {}
        self.computed = 0
        self.unreadable_cache: str | None = None
        if self.cache_file and self.cache_file.is_file():
            self._load(self.cache_file)

    def _load(self, path: Path) -> None:
        # a cache is disposable: one that cannot be read (truncated, another format) is
        # ignored, noted, and replaced at the next write
        try:
            # the file is opened here so that it is closed even when numpy cannot parse it
            with path.open("rb") as handle, np.load(handle, allow_pickle=False) as data:
                keys, vectors = data["keys"], data["vectors"]
            if vectors.ndim != 2 or vectors.shape != (len(keys), self.encoder.dimension):
                raise ValueError(f"vectors of shape {vectors.shape} for {len(keys)} keys")
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as error:
            self.unreadable_cache = f"{path}: {error}"
            return
        for key, vector in zip(keys, vectors, strict=True):
            self._vectors.setdefault(str(key), vector)

    def embed(self, texts: list[str]) -> Matrix:
        """One unit vector per text, in order; missing ones are computed, in chunks."""
        keys = [text_key(self.encoder, t) for t in texts]
        todo = list({k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors})
        texts_of = dict(zip(keys, texts, strict=True))
        for start in range(0, len(todo), SAVE_EVERY):
            chunk = todo[start : start + SAVE_EVERY]
            fresh = self.encoder.encode([texts_of[k] for k in chunk])
            self._vectors.update(zip(chunk, fresh, strict=True))
            self.computed += len(chunk)
            self._save()
        if not keys:
            return np.zeros((0, self.encoder.dimension), dtype=np.float32)
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
