# SPDX-License-Identifier: Apache-2.0
"""Read a pool directory (queries, candidate pools, trial texts) and write TREC run files.

The layout is the BEIR/BIRCO one: ``queries.jsonl`` and ``corpus.jsonl`` hold ``{"_id", "text"}``
objects, one per line; ``pools.tsv`` lists ``query-id<TAB>corpus-id`` pairs under a header. Only
these three files are read: relevance judgements (``qrels.tsv``) never are, so ranking cannot see
the answers. Every defect is collected with its file and line, then reported at once.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from oncoboard.errors import InputError, Problem

QUERIES = "queries.jsonl"
CORPUS = "corpus.jsonl"
POOLS = "pools.tsv"
POOL_HEADER = ("query-id", "corpus-id")


@dataclass(frozen=True)
class PoolSet:
    """What ``rank-pools`` ranks: per query, its patient text and its candidate trials."""

    queries: dict[str, str]
    corpus: dict[str, str]
    pools: dict[str, list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class RunLine:
    """One line of a TREC run: ``qid Q0 docid rank score tag``."""

    qid: str
    docid: str
    rank: int
    score: float
    tag: str

    def format(self) -> str:
        return f"{self.qid} Q0 {self.docid} {self.rank} {self.score:.6f} {self.tag}"


def _jsonl(path: Path, problems: list[Problem]) -> Iterator[tuple[int, str, str]]:
    """Yield ``(line number, _id, text)``; malformed lines become problems."""
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            if not raw.strip():
                continue
            where = f"line {number}"
            try:
                obj = json.loads(raw)
            except json.JSONDecodeError as err:
                problems.append(Problem(path.name, where, "json", raw.strip(), f"JSON ({err.msg})"))
                continue
            if not isinstance(obj, dict):
                problems.append(Problem(path.name, where, "json", raw.strip(), "a JSON object"))
                continue
            ident, text = obj.get("_id"), obj.get("text")
            if not isinstance(ident, str | int) or isinstance(ident, bool) or not str(ident):
                problems.append(Problem(path.name, where, "_id", repr(ident), "a non-empty id"))
                continue
            if not isinstance(text, str) or not text.strip():
                problems.append(Problem(path.name, where, "text", repr(text), "non-empty text"))
                continue
            yield number, str(ident), text


def _read_texts(path: Path, problems: list[Problem]) -> dict[str, str]:
    texts: dict[str, str] = {}
    for number, ident, text in _jsonl(path, problems):
        if ident in texts:
            problems.append(Problem(path.name, f"line {number}", "_id", ident, "a unique id"))
            continue
        texts[ident] = text
    return texts


def _read_pools(
    path: Path, queries: dict[str, str], corpus: dict[str, str], problems: list[Problem]
) -> dict[str, list[str]]:
    pools: dict[str, list[str]] = {}
    seen: set[tuple[str, str]] = set()
    with path.open(encoding="utf-8") as handle:
        for number, raw in enumerate(handle, start=1):
            cells = tuple(cell.strip() for cell in raw.rstrip("\n\r").split("\t"))
            if (number == 1 and cells == POOL_HEADER) or not raw.strip():
                continue
            where = f"line {number}"
            if len(cells) != 2 or not all(cells):
                problems.append(
                    Problem(path.name, where, "row", raw.strip(), "query-id<TAB>corpus-id")
                )
                continue
            qid, docid = cells
            if qid not in queries:
                problems.append(Problem(path.name, where, "query-id", qid, f"an _id in {QUERIES}"))
            elif docid not in corpus:
                problems.append(
                    Problem(path.name, where, "corpus-id", docid, f"an _id in {CORPUS}")
                )
            elif (qid, docid) not in seen:  # a repeated pair is ranked once
                seen.add((qid, docid))
                pools.setdefault(qid, []).append(docid)
    return pools


def load_pool_dir(folder: Path) -> PoolSet:
    """Read and check ``queries.jsonl``, ``corpus.jsonl`` and ``pools.tsv`` from ``folder``.

    Raises
    ------
    InputError
        A file is missing, or any line is malformed or refers to an unknown id; every problem is
        listed with its file and line.
    """
    missing = [name for name in (QUERIES, CORPUS, POOLS) if not (folder / name).is_file()]
    if missing:
        raise InputError(
            f"{folder}: missing {', '.join(missing)}",
            [Problem(str(folder), name, "file", "absent", "a readable file") for name in missing],
        )
    problems: list[Problem] = []
    queries = _read_texts(folder / QUERIES, problems)
    corpus = _read_texts(folder / CORPUS, problems)
    pools = _read_pools(folder / POOLS, queries, corpus, problems)
    if problems:
        raise InputError(f"{folder}: {len(problems)} problem(s) in the pool files", problems)
    return PoolSet(queries=queries, corpus=corpus, pools=pools)


def write_run(lines: list[RunLine], path: Path) -> None:
    """Write a TREC run file (space separated, one ranked document per line)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as handle:
        for line in lines:
            handle.write(line.format() + "\n")
