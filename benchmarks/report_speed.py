# SPDX-License-Identifier: Apache-2.0
"""Tumour-board report speed, end to end, as a user runs it (`oncoboard report`).

Inputs: the real HCC1395 VEP VCF (1,470 records, a breast-cancer cell line: tumour type IDC) and a
synthetic 50,000-variant MAF, each imported into a fresh SQLite database together with the real
MOAlmanac legacy release from ``../shared``. Goals (issue 5): under 2 s and 20 s; the anchor is
PCGR's reported 24-28 min for 863 variants (pcgr#257, a different tool and machine).

Run: ``.venv/bin/python -m benchmarks.report_speed``
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from benchmarks.patient_page import write_maf

ROOT = Path(__file__).resolve().parents[1]
OUT = Path(__file__).parent / "out"
SHARED = Path(os.environ.get("ONCOBOARD_SHARED", ROOT.parent / "shared")) / "data"
HCC1395 = SHARED / "interop/vcf/vep/HCC1395.pvacseq_example.vep105.annotated.expression.vcf.gz"
MOALMANAC = SHARED / "kb/moalmanac/molecular-oncology-almanac.json.gz"


def oncoboard(db: Path, *args: str) -> float:
    """Run one CLI command; return its wall time (fails loudly)."""
    began = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "oncoboard", "--database-url", f"sqlite:///{db}", *args],
        check=True,
        capture_output=True,
        text=True,
    )
    return time.perf_counter() - began


def case(
    name: str, source: Path, patient: str, tumor: str, extra: list[str], repeat: int
) -> tuple[str, float, float]:
    db = OUT / f"report-{name}.sqlite3"
    for stale in OUT.glob(f"report-{name}.sqlite3*"):
        stale.unlink()
    oncoboard(db, "db", "upgrade")
    oncoboard(db, "kb", "import", str(MOALMANAC), "--source", "moalmanac")
    oncoboard(db, "import", str(source), "--patient", patient, "--tumor-type", tumor, *extra)
    times = [
        oncoboard(db, "report", patient, "--format", "json", "--out", str(OUT))
        for _ in range(repeat)
    ]
    html = oncoboard(db, "report", patient, "--format", "html", "--out", str(OUT))
    return name, min(times), html


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args, _ = parser.parse_known_args()
    OUT.mkdir(exist_ok=True)
    maf = OUT / "bench-50000.maf"
    if not maf.exists():
        write_maf(maf, 50_000)
    rows = [
        case(
            "hcc1395",
            HCC1395,
            "HCC1395",
            "IDC",
            ["--tumor-sample", "HCC1395_TUMOR_DNA"],
            args.repeat,
        ),
        case("maf50k", maf, "BENCH-1", "LUAD", [], args.repeat),
    ]
    print(
        f"# Report speed — {dt.date.today().isoformat()} · {platform.processor() or platform.machine()} · "
        f"{os.cpu_count()} CPUs · Python {platform.python_version()}\n"
    )
    print(
        "| input | `oncoboard report --format json` s (best of runs) | `--format html` s | goal s |"
    )
    print("|---|---:|---:|---:|")
    goals = {"hcc1395": 2, "maf50k": 20}
    for name, json_s, html_s in rows:
        print(f"| {name} | {json_s:.2f} | {html_s:.2f} | {goals[name]} |")


if __name__ == "__main__":
    main()
