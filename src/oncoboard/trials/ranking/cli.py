# SPDX-License-Identifier: Apache-2.0
"""``oncoboard trials rank-pools DIR --out RUN``: rank candidate trials offline, write a TREC run.

An offline file operation (like ``validate``): it reads no stored record and no relevance
judgements, so it does not pass the gate; it is on the gate contract's public allow-list.
Trial embeddings are cached on disk by default (``var/cache/trial-ranking``, beside the default
database under ``var/``), so only the first run over a registry pays for embedding it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from oncoboard.edge.cli_output import console
from oncoboard.errors import InputError

DEFAULT_CACHE_DIR = Path("var/cache/trial-ranking")


def rank_pools_command(
    folder: Annotated[
        Path, typer.Argument(help="Folder with queries.jsonl, pools.tsv and corpus.jsonl")
    ],
    out: Annotated[Path, typer.Option("--out", help="TREC run file to write")],
    cache_dir: Annotated[
        Path,
        typer.Option("--cache-dir", help="Keep trial embeddings here between runs"),
    ] = DEFAULT_CACHE_DIR,
    no_cache: Annotated[
        bool, typer.Option("--no-cache", help="Keep trial embeddings in memory only")
    ] = False,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads", help="onnxruntime threads, 1 or more (default: cores, at most 4)"
        ),
    ] = None,
    bm25_only: Annotated[
        bool, typer.Option("--bm25-only", help="Lexical ranking only (no embedding model)")
    ] = False,
) -> None:
    """Rank every query's candidate trials (BM25 + MiniLM + age/sex) and write a TREC run."""
    # imported here: numpy/bm25s/onnxruntime cost every other command ~0.5 s of start-up
    from oncoboard.trials.ranking.engine import BM25_ONLY, RankerSettings, rank_pools
    from oncoboard.trials.ranking.pools import load_pool_dir, write_run

    if threads is not None and threads < 1:
        raise InputError(f"--threads {threads}: expected 1 or more onnxruntime threads")
    started = time.perf_counter()
    pools = load_pool_dir(folder)
    settings = BM25_ONLY if bm25_only else RankerSettings()
    cache = None if no_cache or bm25_only else cache_dir
    lines = rank_pools(pools, settings, cache_dir=cache, threads=threads)
    write_run(lines, out)
    ranked = len({line.qid for line in lines})
    where = f", embeddings cached in {cache}" if cache else ""
    console.print(
        f"ranked {len(lines):,} trials for {ranked} queries into {out} "
        f"({settings.tag}, {time.perf_counter() - started:.1f} s{where})",
        markup=False,
    )
