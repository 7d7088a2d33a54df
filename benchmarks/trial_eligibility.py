# SPDX-License-Identifier: Apache-2.0
"""Trial eligibility: decided share and accuracy per criterion family against hand labels.

Input: the 11 real CT.gov v2 records (``shared/data/ctgov``, 281 criteria) and four authored
patients written as FHIR R4 / mCODE bundles (``data/trial_eligibility/patients``, read by the
normal FHIR importer; sources in ``patients/SOURCES.md``). Labels are my own reading of each
criterion against each record, with a reason each (``labels.tsv``): M met, N not met, U not
decidable from this record, J clinician judgement (no record decides it: life expectancy,
investigator's opinion, "adequate" function the registry text does not define), A
administrative, X a heading that is not a criterion. The reader never sees the labels.

Measures (administrative and heading items are left out):
- decided share = criteria decided (met / not met) / all criteria labelled M, N, U or J
  (clinician-judgement items stay in the denominator; the share without them is shown too);
- accuracy = decisions equal to the label / decisions (a decision on a U or J label is an error);
- clinician judgement: items labelled J that the matcher shows as clinician judgement;
- administrative agreement = items both call administrative / items labelled A.

Split (fixed before the readers of this round were written): the **check** part is every label
of the three check trials (``CHECK_TRIALS``) and every label of the check patient PANC-1; the
rest is the development part. The check labels were written after the readers were frozen.
``--set v1`` scores the first round's two patients and labels (``v1/``), kept for comparison.
``--set heldout-r4`` scores the round-4 held-out patient LUNG-2 against its own blind labels
(``heldout_r4/``: written and committed before any reader ran on it); all of it is one split,
"heldout", and ``--split`` does not apply.

Round 3, families of the "person and history" reader (``PERSON_FAMILIES``): ``--round3`` scores
only those families, split into the criteria held out for round 3 (``round3_person_check.tsv``,
frozen by a hash rule before any round-3 reader was written) and the rest; ``--errors`` and
``--missed`` then list the development part only unless ``--show-check`` is given.

Run: ``.venv/bin/python -m benchmarks.trial_eligibility [--set v1|v2|heldout-r4] [--split dev]
[--errors] [--missed] [--json]``. The baseline (main before this round) is the same script run
with the old source first on the path: ``PYTHONPATH=<worktree of main>/src:.``.
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

from oncoboard.ingest.fhir.reader import FhirReader
from oncoboard.ingest.schemas import ImportOptions, ProblemLog, SourceFile
from oncoboard.record.schemas import AnyFact, PatientRecord
from oncoboard.trials.constraints import structure
from oncoboard.trials.engine import Screening, TrialCriteria, match_trial
from oncoboard.trials.schemas import CriterionState

DATA = Path(__file__).parent / "data" / "trial_eligibility"
TODAY = date(2026, 1, 15)
CHECK_TRIALS = ("NCT05786924", "NCT06411691", "NCT06898385")
CHECK_PATIENTS = ("PANC-1",)
JUDGEMENT = "clinician_judgement"
HELDOUT = "heldout-r4"  # the round-4 held-out patient and labels, in ``heldout_r4/``
HELDOUT_DIR = "heldout_r4"
PERSON_FAMILIES = frozenset({
    "comorbidity", "infection", "other", "cardiac_function", "pregnancy", "organ_function",
    "age_sex",
})  # fmt: skip
_FACT: TypeAdapter[Any] = TypeAdapter(AnyFact)


def load_patients(which: str) -> dict[str, PatientRecord]:
    """v2: the FHIR bundles through the importer's reader; v1: the first round's fact lists."""
    if which == "v1":
        data = json.loads((DATA / "v1" / "patients.json").read_text(encoding="utf-8"))
        return {
            pid: record(pid, *(_FACT.validate_python(f) for f in spec["facts"]))
            for pid, spec in data["patients"].items()
        }
    out = {}
    folder = HELDOUT_DIR if which == HELDOUT else "patients"
    for path in sorted((DATA / folder).glob("*.json")):
        log = ProblemLog(source=path.name)
        facts = [
            p.fact for p in FhirReader().read(SourceFile.from_path(path), ImportOptions(), log)
        ]
        if log.problems:
            raise SystemExit(f"{path.name}: {log.problems}")
        out[path.stem] = record(path.stem, *facts)
    return out


def load_labels(which: str) -> list[dict[str, str]]:
    folder = {"v1": "v1", HELDOUT: HELDOUT_DIR}.get(which, "")
    path = DATA / folder / "labels.tsv"
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


def system_states(patients: dict[str, PatientRecord]) -> dict[tuple[str, str, str], Any]:
    """(nct, criterion, patient) -> the matcher's CriterionResult."""
    out = {}
    for nct, trial in real_trials().items():
        criteria = TrialCriteria(
            nct, trial.version, trial.brief_title, structure(trial.eligibility)
        )
        for pid, patient in patients.items():
            match = match_trial(criteria, Screening.of(patient, TODAY))
            for result in match.criteria:
                out[(nct, result.criterion_id, pid)] = result
    return out


def round3_check() -> frozenset[tuple[str, str]]:
    """(nct_id, criterion_id) of the round-3 held-out criteria of the person families."""
    lines = (DATA / "round3_person_check.tsv").read_text(encoding="utf-8").splitlines()
    rows = [line.split("\t") for line in lines if line and not line.startswith("#")]
    return frozenset((r[0], r[1]) for r in rows[1:])


def split_of(row: dict[str, str], which: str) -> str:
    if which == HELDOUT:
        return "heldout"
    if which == "round3":
        held = (row["nct_id"], row["criterion_id"]) in round3_check()
        return "r3-check" if held else "r3-dev"
    if which == "v1":
        return "check" if row["nct_id"] in CHECK_TRIALS else "dev"
    check = row["nct_id"] in CHECK_TRIALS or row["patient"] in CHECK_PATIENTS
    return "check" if check else "dev"


def score(
    labels: list[dict[str, str]], results: dict[tuple[str, str, str], Any], which: str
) -> dict[str, Any]:
    """Per split and family: counted, decidable, judgement, decided, correct; plus misses."""
    table: dict[str, Counter[str]] = defaultdict(Counter)
    errors, missed = [], []
    for row in labels:
        result = results[(row["nct_id"], row["criterion_id"], row["patient"])]
        split = split_of(row, which)
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
        family = JUDGEMENT if label == "J" else row["family"]
        for key in (f"{split}:{family}", f"{split}:ALL", f"all:{family}", "all:ALL"):
            c = table[key]
            c["counted"] += 1
            c["decidable"] += int(label in ("M", "N"))
            c["judgement"] += int(label == "J")
            c["shown_judgement"] += int(label == "J" and result.category == JUDGEMENT)
            c["decided"] += int(decided)
            c["correct"] += int(correct)
        if decided and not correct:
            errors.append((split, row, result))
        elif label in ("M", "N") and not decided:
            missed.append((split, row, result))
    return {"table": table, "errors": errors, "missed": missed}


def _pct(a: int, b: int) -> str:
    return f"{100 * a / b:.0f} %" if b else "—"


def report(scored: dict[str, Any], splits: tuple[str, ...]) -> None:
    table = scored["table"]
    families = sorted({k.split(":", 1)[1] for k in table} - {"ALL", "administrative", JUDGEMENT})
    for split in splits:
        print(f"\n### {split}\n")
        print(
            "| family | criteria×patients | labelled decidable | decided | decided share "
            "| accuracy |"
        )
        print("|---|---|---|---|---|---|")
        for family in [*families, JUDGEMENT]:
            c = table.get(f"{split}:{family}")
            if not c:
                continue
            print(
                f"| {family} | {c['counted']} | {c['decidable']} | {c['decided']} | "
                f"{_pct(c['decided'], c['counted'])} | {_pct(c['correct'], c['decided'])} |"
            )
        c = table[f"{split}:ALL"]
        print(
            f"| **all ({split})** | {c['counted']} | {c['decidable']} | {c['decided']} | "
            f"{_pct(c['decided'], c['counted'])} | {_pct(c['correct'], c['decided'])} |"
        )
        without = c["counted"] - c["judgement"]
        print(
            f"\n{split}: decided {c['decided']} of {c['counted']} clinical criteria "
            f"({_pct(c['decided'], c['counted'])}; without the {c['judgement']} clinician-"
            f"judgement items {_pct(c['decided'], without)} of {without}); correct "
            f"{c['correct']} ({_pct(c['correct'], c['decided'])}); decidable from the records "
            f"{c['decidable']}, of which decided {_pct(c['decided'], c['decidable'])}; "
            f"clinician judgement shown as such {c['shown_judgement']} of {c['judgement']}"
        )
        admin = table[f"{split}:administrative"]
        print(f"{split}: administrative {admin['agreed']} of {admin['labelled']} shown apart")


def _show(kind: str, items: list[Any], splits: tuple[str, ...]) -> None:
    for split, row, result in items:
        if split in splits:
            print(
                f"{kind} [{split}] {row['nct_id']} {row['criterion_id']} {row['patient']}: "
                f"label {row['label']} ({row['reason']}); matcher {result.state.value}: "
                f"{result.reason}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--set", choices=("v1", "v2", HELDOUT), default="v2")
    parser.add_argument("--split", choices=("dev", "check", "all"), default="all")
    parser.add_argument("--errors", action="store_true", help="list every wrong decision")
    parser.add_argument("--missed", action="store_true", help="list decidable items undecided")
    parser.add_argument("--json", action="store_true", help="print the counts as JSON")
    parser.add_argument("--round3", action="store_true", help="person families, round-3 split")
    parser.add_argument("--show-check", action="store_true", help="list round-3 check items too")
    args = parser.parse_args()
    splits = ("dev", "check", "all") if args.split == "all" else (args.split,)
    labels = load_labels(args.set)
    which = "round3" if args.round3 else args.set
    if args.round3:
        labels = [row for row in labels if row["family"] in PERSON_FAMILIES]
        # the held-out part is neither printed nor listed until the readers are frozen
        splits = ("r3-dev", "r3-check", "all") if args.show_check else ("r3-dev",)
    elif args.set == HELDOUT:
        splits = ("heldout",)
    elif args.split != "all":
        labels = [row for row in labels if split_of(row, args.set) == args.split]
    scored = score(labels, system_states(load_patients(args.set)), which)
    if args.round3 and not args.show_check:
        scored["errors"] = [e for e in scored["errors"] if e[0] != "r3-check"]
        scored["missed"] = [m for m in scored["missed"] if m[0] != "r3-check"]
    if args.json:
        print(json.dumps({k: dict(v) for k, v in scored["table"].items()}, indent=1))
        return
    report(scored, splits)
    if args.errors:
        _show("ERROR", scored["errors"], splits)
    if args.missed:
        _show("MISSED", scored["missed"], splits)


if __name__ == "__main__":
    main()
