# SPDX-License-Identifier: Apache-2.0
"""Test helpers: real-world inputs from ../shared and optional parts that must exist in CI."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ONCOBOARD_SHARED", ROOT.parent / "shared"))
SHARED_DATA = SHARED / "data"
IN_CI = os.environ.get("CI", "").lower() == "true"


def shared_file(*parts: str) -> Path:
    """A real-world test input from ../shared/data; skips (or fails in CI) when absent."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        if IN_CI:
            pytest.fail(f"{path} is missing in CI (../shared must sit beside the checkout)")
        pytest.skip(f"{path} not found: ../shared/data is not beside this checkout")
    return path


def require_or_skip(available: bool, reason: str) -> None:
    """Skip on a developer machine without an optional part; fail under CI=true."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{reason} (required under CI=true)")
    pytest.skip(reason)
