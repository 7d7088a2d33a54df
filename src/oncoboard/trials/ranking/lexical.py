# SPDX-License-Identifier: Apache-2.0
"""BM25 over trial texts with ``bm25s`` (Lù 2024, arXiv:2407.03618), optionally Snowball-stemmed.

One index per corpus: document frequencies come from every trial in the pool directory, so a
term's weight does not depend on which pool is being ranked.
"""

from __future__ import annotations

import bm25s
import numpy as np
import Stemmer
from numpy.typing import NDArray

# bm25s defaults (Lucene variant, k1 1.5, b 0.75); BIRCO's published BM25 used the same library
K1 = 1.5
B = 0.75


class Bm25Index:
    """Score a query against every indexed text; zero for texts sharing no term.

    Examples
    --------
    >>> index = Bm25Index(["knee pain exercise", "breast cancer in women"])
    >>> [round(float(s), 3) > 0 for s in index.scores("woman with breast cancer")]
    [False, True]
    """

    def __init__(self, texts: list[str], *, stem: bool = True) -> None:
        self._stemmer = Stemmer.Stemmer("english") if stem else None
        self._retriever = bm25s.BM25(k1=K1, b=B)
        tokens = self._tokens(texts)
        # bm25s cannot index a corpus without a single term (trials stored without text): such
        # a registry has no lexical signal, every score is zero
        self._empty = not any(tokens)
        if not self._empty:
            self._retriever.index(tokens, show_progress=False)
        self.size = len(texts)

    def _tokens(self, texts: list[str]) -> list[list[str]]:
        tokens = bm25s.tokenize(
            texts,
            stopwords="en",
            stemmer=self._stemmer,
            return_ids=False,
            show_progress=False,
        )
        return [list(row) for row in tokens]

    def scores(self, query: str) -> NDArray[np.float32]:
        """BM25 score of ``query`` for every indexed text, in index order."""
        if self._empty:
            return np.zeros(self.size, dtype=np.float32)
        vocab = self._retriever.vocab_dict
        terms = [t for t in self._tokens([query])[0] if t in vocab]
        if not terms:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(terms), dtype=np.float32)
