# SPDX-License-Identifier: Apache-2.0
"""Trial eligibility: decided share and accuracy per criterion family against hand labels.

Input: the 11 real CT.gov v2 records (``shared/data/ctgov``, 281 criteria) and two patients written
for this set (``benchmarks/data/trial_eligibility/patients.json``, each with its source); labels
are my own reading of each criterion against each record, with a reason per label
(``labels.tsv``: M met, N not met, U not decidable from this record, A administrative,
X a heading that is not a criterion). The reader never sees the labels.

Measures (administrative and heading items are left out of the denominators):
- decided share = criteria the matcher decides (met / not met) / criteria labelled M, N or U;
- accuracy = decisions equal to the label / decisions (a decision on a U label is an error);
- administrative agreement = items both call administrative / items labelled A.
The set is split by trial into a development part and a check part (``CHECK``, never tuned on
after the split was fixed; the rules were written while reading all 11 texts, see
docs/benchmarks.md).

Run: ``.venv/bin/python -m benchmarks.trial_eligibility [--errors]``
"""

from __future__ import annotations

import argparse
import csv
import json
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from tests.trials.support import real_trials, record

from oncoboard.record.schemas import AnyFact
from oncoboard.trials.constraints import structure
from oncoboard.trials.engine import Screening, TrialCriteria, match_trial
from oncoboard.trials.schemas import CriterionState

DATA = Path(__file__).parent / "data" / "trial_eligibility"
CHECK = ("NCT05786924", "NCT06411691", "NCT06898385")
_FACT: TypeAdapter[Any] = TypeAdapter(AnyFact)


def load_patients() -> tuple[date, dict[str, list[AnyFact]]]:
    data = json.loads((DATA / "patients.json").read_text(encoding="utf-8"))
    today = date.fromisoformat(data["today"])
    return today, {
        pid: [_FACT.validate_python(f) for f in spec["facts"]]
        for pid, spec in data["patients"].items()
    }


def load_labels() -> list[dict[str, str]]:
    with (DATA / "labels.tsv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def system_states(
    today: date, patients: dict[str, list[AnyFact]]
) -> dict[tuple[str, str, str], Any]:
    """(nct, criterion, patient) -> the matcher's CriterionResult."""
    out = {}
    for nct, trial in real_trials().items():
        criteria = TrialCriteria(
            nct, trial.version, trial.brief_title, structure(trial.eligibility)
        )
        for pid, facts in patients.items():
            match = match_trial(criteria, Screening.of(record(pid, *facts), today))
            for result in match.criteria:
                out[(nct, result.criterion_id, pid)] = result
    return out


def score(labels: list[dict[str, str]], results: dict[tuple[str, str, str], Any]) -> dict[str, Any]:
    """Per family and overall: counted, decided, correct; administrative agreement."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    errors = []
    for row in labels:
        result = results[(row["nct_id"], row["criterion_id"], row["patient"])]
        split = "check" if row["nct_id"] in CHECK else "dev"
        label = row["label"]
        if label in ("A", "X"):
            if label == "A":
                for key in (f"{split}:administrative", "all:administrative"):
                    table[key]["labelled"] += 1
                    table[key]["agreed"] += int(result.category == "administrative")
            continue
        decided = result.state in (CriterionState.MET, CriterionState.NOT_MET)
        said = {CriterionState.MET: "M", CriterionState.NOT_MET: "N"}.get(result.state, "U")
        correct = decided and said == label
        for key in (f"{split}:{row['family']}", f"{split}:ALL", f"all:{row['family']}", "all:ALL"):
            table[key]["counted"] += 1
            table[key]["decidable"] += int(label in ("M", "N"))
            table[key]["decided"] += int(decided)
            table[key]["correct"] += int(correct)
        if decided and not correct:
            errors.append((row, result))
    return {"table": table, "errors": errors}


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f} %" if b else "—"


def report(scored: dict[str, Any], show_errors: bool) -> None:
    table = scored["table"]
    families = sorted(
        {k.split(":", 1)[1] for k in table if k.startswith("all:")} - {"ALL", "administrative"}
    )
    print(
        "| family | criteria×patients | labelled decidable | decided | decided share | accuracy |"
    )
    print("|---|---|---|---|---|---|")
    for family in [*families, "ALL"]:
        for split in ("all",) if family != "ALL" else ("dev", "check", "all"):
            c = table[f"{split}:{family}"]
            name = family if family != "ALL" else f"**all families ({split})**"
            print(
                f"| {name} | {c['counted']} | {c['decidable']} | {c['decided']} | "
                f"{_pct(c['decided'], c['counted'])} | {_pct(c['correct'], c['decided'])} |"
            )
    admin = table["all:administrative"]
    print(f"\nadministrative: {admin['agreed']} of {admin['labelled']} labelled A shown apart")
    if show_errors:
        for row, result in scored["errors"]:
            print(
                f"ERROR {row['nct_id']} {row['criterion_id']} {row['patient']}: label "
                f"{row['label']} ({row['reason']}); matcher {result.state.value}: {result.reason}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--errors", action="store_true", help="list every wrong decision")
    args = parser.parse_args()
    today, patients = load_patients()
    report(score(load_labels(), system_states(today, patients)), args.errors)


if __name__ == "__main__":
    main()
