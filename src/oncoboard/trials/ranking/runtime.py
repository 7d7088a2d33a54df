# SPDX-License-Identifier: Apache-2.0
"""onnxruntime sessions for the ranking models, with the thread settings fixed in one place.

The hand-written numpy forward pass this replaces slowed down badly when other jobs held the CPU
(issue #15: 164 trials in 18 minutes). onnxruntime fuses the transformer's operators and runs
INT8 matrix products; its worker threads are told not to spin while they wait, so a busy machine
loses no time to threads polling for work that another process is doing.
"""

from __future__ import annotations

import hashlib
import os
from functools import cache
from pathlib import Path
from typing import Any

from oncoboard.errors import FeatureUnavailable

MAX_DEFAULT_THREADS = 4  # beyond 4 threads a 6-layer MiniLM on one text gains little


def default_threads() -> int:
    """Cores this process may run on, at most ``MAX_DEFAULT_THREADS``."""
    try:
        available = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        available = os.cpu_count() or 1
    return max(1, min(available, MAX_DEFAULT_THREADS))


def onnx_session(model: Path, *, threads: int | None = None) -> Any:
    """A CPU inference session: ``threads`` intra-op threads (default: ``default_threads()``),
    one inter-op thread, sequential execution, no spin-waiting, all graph optimisations."""
    try:
        import onnxruntime
    except ImportError as missing:
        raise FeatureUnavailable("dense ranking needs onnxruntime: pip install onnxruntime") from (
            missing
        )
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads or default_threads()
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return onnxruntime.InferenceSession(
        str(model), sess_options=options, providers=["CPUExecutionProvider"]
    )


@cache
def file_sha256(path: Path) -> str:
    """SHA-256 of a model file (read once per process)."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
