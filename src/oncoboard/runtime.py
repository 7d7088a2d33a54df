# SPDX-License-Identifier: Apache-2.0
"""Process-level tuning shared by the engines that build many short-lived objects at once."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector while an engine builds tens of thousands of acyclic
    objects (a cohort's facts, a registry's trials): reference counting frees them, and the
    collector's repeated walks over them cost ~40 % of a whole-KB screen. Process-wide but safe with
    threads: whoever found it enabled turns it back on, so it never stays off."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
