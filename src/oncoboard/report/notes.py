# SPDX-License-Identifier: Apache-2.0
""" "Not evaluated and why": the engine's reasons grouped, and plain notes on missing inputs.

A board must see what the report could not judge (no CNA calls, another genome build,
gene-level rules switched off, rule kinds the engine does not evaluate), never a silent absence.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from oncoboard.actionability.service import PatientAssessment
from oncoboard.record.schemas import PatientRecord
from oncoboard.report.schemas import NotEvaluatedGroup

_CATEGORY_ORDER = (
    "missing data",
    "genome build mismatch",
    "gene-level rules off",
    "unsupported rule",
    "other",
)


def category(reason: str) -> str:
    """Which kind of gap an engine reason (actionability/matching.py) describes."""
    text = reason.lower()
    if "gene-level" in text:
        return "gene-level rules off"
    if text.startswith("rule coordinates are"):
        return "genome build mismatch"
    if text.startswith("not evaluated:") or "is not valid hgvs" in text:
        return "unsupported rule"
    if text.startswith("no ") or "not recorded" in text:
        return "missing data"
    return "other"


def not_evaluated_groups(runs: Sequence[PatientAssessment]) -> list[NotEvaluatedGroup]:
    """One group per reason across the releases, largest first within each category."""
    ids: dict[str, list[str]] = defaultdict(list)
    for run in runs:
        for reason, assertions in run.assessment.not_evaluated.items():
            ids[reason].extend(a.assertion_id for a in assertions)
    groups = [
        NotEvaluatedGroup(
            category=category(reason),
            reason=reason,
            count=len(found),
            assertion_ids=sorted(found),
        )
        for reason, found in ids.items()
    ]
    return sorted(groups, key=lambda g: (_CATEGORY_ORDER.index(g.category), -g.count, g.reason))


def notes_for(
    record: PatientRecord, runs: Sequence[PatientAssessment], *, gene_level: bool
) -> list[str]:
    """Statements about the inputs, in a fixed order, each saying exactly what is missing."""
    notes = _input_notes(record)
    notes += _build_notes(record, runs)
    if not runs:
        notes.append(
            "No knowledge-base release was consulted (none is stored): nothing could be "
            "evaluated. Import one with 'oncoboard kb import'."
        )
    elif not any(run.assessment.options for run in runs):
        notes.append(
            "No alteration in this record matched a therapy option in the consulted releases."
        )
    if gene_level:
        notes.append(
            "Gene-level ('any mutation') evidence was enabled: such matches are low specificity."
        )
    else:
        notes.append(
            "Gene-level ('any mutation') evidence is off (the default); those assertions are "
            "listed as not evaluated."
        )
    notes += [f"{run.releases[0].release_id}: {run.releases[0].notice}" for run in runs
              if run.releases[0].notice]  # fmt: skip
    return notes


def _input_notes(record: PatientRecord) -> list[str]:
    notes = []
    if record.variant_total == 0:
        notes.append(
            "The record holds no small-variant calls (SNVs/indels): variant rules were not "
            "evaluated, and no variant is reported as absent."
        )
    if not record.copy_numbers:
        notes.append("No copy-number calls in the record: amplification and deletion rules "
                     "were not evaluated.")  # fmt: skip
    if not record.fusions:
        notes.append("No fusion / structural-variant calls in the record: fusion rules were "
                     "not evaluated.")  # fmt: skip
    return notes


def _build_notes(record: PatientRecord, runs: Sequence[PatientAssessment]) -> list[str]:
    builds = sorted(record.genome_builds)
    notes = []
    if not builds:
        notes.append("No genome build is recorded for this patient (no genomic calls).")
    for run in runs:
        release = run.releases[0]
        if not builds or not release.genome_build or release.genome_build in builds:
            continue
        skipped = sum(
            len(found)
            for reason, found in run.assessment.not_evaluated.items()
            if category(reason) == "genome build mismatch"
        )
        notes.append(
            f"Genome build mismatch: {release.release_id} gives genomic coordinates in "
            f"{release.genome_build}, this patient's calls are {', '.join(builds)}; its "
            f"{skipped} coordinate-level assertion(s) were not evaluated (not lifted over). "
            "Protein-, codon-, exon- and gene-level rules do not depend on the build."
        )
    return notes
