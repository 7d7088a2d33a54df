# SPDX-License-Identifier: Apache-2.0
"""CPU seconds of processes by name or parentage, from ``/proc`` (Linux): where a load run's
CPU went (client, server workers, database), whatever else the machine was doing."""

from __future__ import annotations

import os
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _stat(pid: int) -> tuple[str, int, float] | None:
    """(command name, parent pid, user + system CPU seconds) or None when it is gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    name = text[text.index("(") + 1 : text.rindex(")")]
    fields = text[text.rindex(")") + 2 :].split()
    # fields from the 3rd of stat(5): state ppid ... utime (14th) stime (15th)
    return name, int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS


def snapshot() -> dict[int, tuple[str, int, float]]:
    """Every live process now; empty where /proc does not exist."""
    found = {}
    for entry in Path("/proc").iterdir() if Path("/proc").is_dir() else ():
        if entry.name.isdigit() and (stat := _stat(int(entry.name))) is not None:
            found[int(entry.name)] = stat
    return found


def cpu_of(
    before: dict[int, tuple[str, int, float]],
    after: dict[int, tuple[str, int, float]],
    *,
    name: str | None = None,
    under: int | None = None,
) -> float:
    """CPU seconds spent between the snapshots by the processes named ``name`` or descending
    from ``under`` (processes that exited in between are not counted)."""

    def selected(pid: int) -> bool:
        if name is not None and after[pid][0].startswith(name):
            return True
        seen, current = set(), pid
        while under is not None and current in after and current not in seen:
            if current == under:
                return True
            seen.add(current)
            current = after[current][1]
        return False

    total = 0.0
    for pid, (_, _, cpu) in after.items():
        if selected(pid):
            total += cpu - before.get(pid, ("", 0, 0.0))[2]
    return total
