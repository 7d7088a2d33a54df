# SPDX-License-Identifier: Apache-2.0
"""Trial eligibility, round 3, disease-and-treatment families: decided share and accuracy.

The families biomarker (with the cohort definitions), histology_stage, brain_metastases,
prior_therapy and prior_malignancy of ``trial_eligibility``'s set (same records, patients and
``labels.tsv``). Split of this round, fixed and committed before any round-3 reader was written
(``data/trial_eligibility/round3_check_disease_treatment.tsv``): every criterion whose
sha256("NCT/criterion id") is 0 mod 3 is held out (all four patients); the rest is development.
The whole set (every family) is printed too, so the round's effect on the headline is visible.

Run: ``.venv/bin/python -m benchmarks.trial_eligibility_r3_disease [--errors] [--missed]
[--split dev|check|all]``. Baseline: the same script with the old source first on the path
(``PYTHONPATH=<export of main>/src:.``).
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

from benchmarks.trial_eligibility import (
    DATA,
    JUDGEMENT,
    load_labels,
    load_patients,
    system_states,
)
from oncoboard.trials.schemas import CriterionState

FAMILIES = ("biomarker", "histology_stage", "brain_metastases", "prior_therapy", "prior_malignancy")
CHECK_FILE = DATA / "round3_check_disease_treatment.tsv"


def check_criteria(path: Path = CHECK_FILE) -> frozenset[tuple[str, str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return frozenset((nct, cid) for nct, cid in rows[1:])


def score(labels: list[dict[str, str]], results: dict[tuple[str, str, str], Any]) -> dict[str, Any]:
    """Per split ("dev"/"check" of these families, "whole" for every family) and family."""
    check = check_criteria()
    table: dict[str, Counter[str]] = defaultdict(Counter)
    wrong, missed = [], []
    for row in labels:
        if row["label"] in ("A", "X"):
            continue
        result = results[(row["nct_id"], row["criterion_id"], row["patient"])]
        said = {CriterionState.MET: "M", CriterionState.NOT_MET: "N"}.get(result.state, "U")
        family = JUDGEMENT if row["label"] == "J" else row["family"]
        keys = ["whole:ALL"]
        if row["family"] in FAMILIES:
            split = "check" if (row["nct_id"], row["criterion_id"]) in check else "dev"
            keys += [f"{split}:{family}", f"{split}:ALL", f"all:{family}", "all:ALL"]
            if said != "U" and said != row["label"]:
                wrong.append((split, row, result))
            elif row["label"] in ("M", "N") and said == "U":
                missed.append((split, row, result))
        for key in keys:
            c = table[key]
            c["counted"] += 1
            c["decidable"] += int(row["label"] in ("M", "N"))
            c["decided"] += int(said != "U")
            c["correct"] += int(said != "U" and said == row["label"])
    return {"table": table, "wrong": wrong, "missed": missed}


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f} %" if b else "—"


def report(table: dict[str, Counter[str]], splits: tuple[str, ...]) -> None:
    print("| split | family | labels | labelled M/N | decided | decided share | accuracy |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for split in splits:
        for family in (*FAMILIES, JUDGEMENT, "ALL"):
            c = table.get(f"{split}:{family}")
            if c:
                print(
                    f"| {split} | {family} | {c['counted']} | {c['decidable']} | {c['decided']} "
                    f"| {_pct(c['decided'], c['counted'])} | {_pct(c['correct'], c['decided'])} |"
                )
    if "all" not in splits:
        return  # the whole set holds the check part
    c = table["whole:ALL"]
    print(
        f"| whole set | every family | {c['counted']} | {c['decidable']} | {c['decided']} | "
        f"{_pct(c['decided'], c['counted'])} | {_pct(c['correct'], c['decided'])} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--split", choices=("dev", "check", "all"), default="all")
    parser.add_argument("--errors", action="store_true", help="list every wrong decision")
    parser.add_argument("--missed", action="store_true", help="list labelled M/N undecided")
    args = parser.parse_args()
    splits = ("dev", "check", "all") if args.split == "all" else (args.split,)
    scored = score(load_labels("v2"), system_states(load_patients("v2")))
    report(scored["table"], splits)
    for kind, items in (("WRONG", scored["wrong"]), ("MISSED", scored["missed"])):
        if (kind == "WRONG" and args.errors) or (kind == "MISSED" and args.missed):
            for split, row, result in items:
                if split in splits:
                    print(
                        f"{kind} [{split}] {row['nct_id']} {row['criterion_id']} "
                        f"{row['patient']}: label {row['label']} ({row['reason']}); matcher "
                        f"{result.state.value}: {result.reason}"
                    )


if __name__ == "__main__":
    main()
