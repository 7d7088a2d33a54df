# SPDX-License-Identifier: Apache-2.0
"""Console output and exit codes for CLI commands (library code never prints)."""

from __future__ import annotations

import json
import sys
from typing import Any

from rich.console import Console

from oncoboard.errors import (
    Conflict,
    ConsentDenied,
    FeatureUnavailable,
    InputError,
    KnowledgeUnavailable,
    NotAuthenticated,
    NotFound,
    OncoBoardError,
    PermissionDenied,
    RateLimited,
)

console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


def emit_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, default=str) + "\n")


# Exit codes, in exactly one place (README: exit codes); the first matching class wins.
EXIT_CODES: list[tuple[type[OncoBoardError], int]] = [
    (InputError, 3),
    (NotFound, 4),
    (Conflict, 5),
    (NotAuthenticated, 6),
    (PermissionDenied, 6),
    (ConsentDenied, 7),
    (RateLimited, 6),
    (KnowledgeUnavailable, 8),
    (FeatureUnavailable, 8),
    (OncoBoardError, 1),
]


def exit_code_for(error: OncoBoardError) -> int:
    return next(code for kind, code in EXIT_CODES if isinstance(error, kind))
