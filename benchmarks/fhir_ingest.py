# SPDX-License-Identifier: Apache-2.0
"""FHIR import speed: our import into SQLite against bare ``fhir.resources`` R4B parsing.

Input: the 20 real Synthea R4 patient bundles (``shared/data/interop/synthea/bundles-r4``).
(a) ``import_source`` per file into a fresh SQLite database (a copy of an empty database migrated
before any timing; the migration's own cost is printed apart), one unit of work per file
(all-or-nothing per file, as the CLI does), validating the resource types OncoBoard reads (#21)
through the fast path to the R4B verdict; (a1) the same with the R4B models only;
(a0) the same import validating every entry (the rule before #21: the named baseline);
(b) gunzip + ``json`` + R4B ``Bundle.model_validate`` of the same bytes. All count every Bundle
entry as a resource; best of ``--repeat`` runs, wall and CPU (process) time — CPU time is the
steadier figure on a shared machine.

Run: ``.venv/bin/python -m benchmarks.fhir_ingest [--repeat N]``
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import platform
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from fhir.resources.R4B import get_fhir_model_class

from oncoboard.ingest import service
from oncoboard.ingest.fhir import reader as fhir_reader
from oncoboard.ingest.fhir.validate import validate
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ONCOBOARD_SHARED", ROOT.parent / "shared"))
BUNDLES = SHARED / "data/interop/synthea/bundles-r4"


def _entries(path: Path) -> int:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return len(json.load(handle).get("entry", []))


# An empty database at the current schema, migrated once outside every timing; each import run
# starts from a copy of it (a file copy, timed; running the migrations is not importing).
_TEMPLATE: dict[str, Path] = {}


def _migrated_template(folder: Path) -> Path:
    path = folder / "template.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    _TEMPLATE["path"] = path
    return path


def _import_all(files: list[Path]) -> int:
    """Import every file into a new SQLite database; return the facts written."""
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "bench.sqlite3"
        shutil.copyfile(_TEMPLATE["path"], target)
        engine = make_engine(f"sqlite:///{target}")
        facts = 0
        for path in files:
            with unit_of_work(engine) as session:
                report = service.import_source(
                    session=session, source=SourceFile.from_path(path), options=ImportOptions()
                )
            facts += sum(report.fact_counts.values())
        engine.dispose()
    return facts


def _migrate_only(_files: list[Path]) -> int:
    """(m): what creating and migrating the database costs (not part of the rows above)."""
    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'm.sqlite3'}")
        upgrade(engine)
        engine.dispose()
    return 0


def _parse_all(files: list[Path]) -> int:
    bundle = get_fhir_model_class("Bundle")
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            bundle.model_validate(json.load(handle))
    return 0


def _parse_entries(files: list[Path]) -> int:
    """R4B validation of each entry on its own, as our reader does (to locate errors)."""
    for path in files:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            bundle = json.load(handle)
        for entry in bundle.get("entry", []):
            resource = entry["resource"]
            get_fhir_model_class(resource["resourceType"]).model_validate(resource)
    return 0


def _import_validating_all(files: list[Path]) -> int:
    """(a0): every entry through the R4B models, as before #21 (the baseline)."""
    original = fhir_reader.validate_kept
    fhir_reader.validate_kept = lambda resource, locator, log, _unchecked, _parts=None: validate(
        resource, locator, log
    )
    try:
        return _import_all(files)
    finally:
        fhir_reader.validate_kept = original


def _import_kept_plain(files: list[Path]) -> int:
    """(a1): kept types through the R4B models themselves, without the fast path."""
    original = fhir_reader.validate_kept
    fhir_reader.validate_kept = lambda resource, locator, log, unchecked, _parts=None: original(
        resource, locator, log, unchecked
    )
    try:
        return _import_all(files)
    finally:
        fhir_reader.validate_kept = original


def _best(
    run: Callable[[list[Path]], int], files: list[Path], repeat: int
) -> tuple[float, float, int]:
    """(best wall seconds, best CPU seconds, result)."""
    best, best_cpu = float("inf"), float("inf")
    result = 0
    for _ in range(repeat):
        start, cpu = time.perf_counter(), time.process_time()
        result = run(files)
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - cpu)
    return best, best_cpu, result


def _cpu() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
    except OSError:
        return platform.processor() or "unknown"
    for line in out.splitlines():
        if line.startswith("Model name:"):
            return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args, _ = parser.parse_known_args()
    files = sorted(BUNDLES.glob("*.json.gz"))
    if len(files) != 20:
        print(f"expected 20 Synthea bundles in {BUNDLES}, found {len(files)}")
        return 1
    resources = sum(_entries(p) for p in files)
    with tempfile.TemporaryDirectory() as folder:
        _migrated_template(Path(folder))
        return _report(files, resources, args.repeat)


def _report(files: list[Path], resources: int, repeat: int) -> int:
    _import_all(files[:1])  # load the R4B model classes once, outside every timing
    runs = {
        "(a) OncoBoard FHIR import → SQLite, kept types validated": _best(
            _import_all, files, repeat),
        "(a0) baseline: the same import validating every entry": _best(
            _import_validating_all, files, repeat),
        "(a1) kept types validated by the R4B models, no fast path": _best(
            _import_kept_plain, files, repeat),
        "(b) bare fhir.resources R4B Bundle parse": _best(_parse_all, files, repeat),
        "(b') bare R4B, each entry validated alone": _best(_parse_entries, files, repeat),
    }  # fmt: skip
    load = os.getloadavg()[0]
    print(
        f"{len(files)} Synthea R4 bundles, {resources:,} resources; {_cpu()}, "
        f"{os.cpu_count()} cores; load average {load:.1f}; {date.today().isoformat()}; "
        f"best of {repeat}\n"
    )
    print("| run | wall s | resources/s (wall) | CPU s | resources/s (CPU) | facts |")
    print("|---|---:|---:|---:|---:|---:|")
    for label, (wall, cpu, facts) in runs.items():
        shown = f"{facts:,}" if facts else "–"
        print(f"| {label} | {wall:.2f} | {resources / wall:,.0f} | {cpu:.2f} "
              f"| {resources / cpu:,.0f} | {shown} |")  # fmt: skip
    ours, base = runs[next(iter(runs))][1], list(runs.values())[1][1]
    print(f"\nCPU time (a)/(a0): {ours / base:.2f}×")
    wall, cpu, _ = _best(_migrate_only, files, repeat)
    print(
        f"Not in the rows: creating + migrating an empty SQLite database {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU (each import row starts from a copy of one migrated before timing)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
