# SPDX-License-Identifier: Apache-2.0
"""The patient facts the engine reads, grouped by kind, each keeping its id and provenance."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import cached_property

from oncoboard.record.schemas import (
    Biomarker,
    CopyNumberChange,
    Fusion,
    GeneTesting,
    PatientRecord,
    RecordedFact,
    SomaticVariant,
    Treatment,
)

# FILTER values that mean "passed" (VCF 4.x: PASS; "." or no column: no filter was applied).
PASSING_FILTERS = frozenset({"", ".", "PASS"})
# Result words of a pertinent negative: the gene (or fusion) was tested and nothing was found.
# "Absent" is the LOINC answer LA9634-2 of a Genomics Reporting variant Observation.
_NEGATIVE = re.compile(
    r"\b(negative|wild[- ]?type|wt|not detected|no (?:mutation|alteration|variant|fusion)s? "
    r"(?:detected|found|identified)|absent)\b",
    re.IGNORECASE,
)
_GENE_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9-]*")


def passed_filters(variant: SomaticVariant) -> bool:
    """Whether the caller's filters passed the call (PASS, or no filter applied)."""
    return (variant.filters or "").strip().upper() in PASSING_FILTERS


def is_negative_result(text: str | None) -> bool:
    """``KRAS``: ``wild type`` / ``negative`` / ``not detected`` / ``Absent``."""
    return bool(text and _NEGATIVE.search(text))


@dataclass(frozen=True)
class PatientFacts:
    """Everything actionability needs from one record (all variants, not a page of them).

    ``variants`` are the calls the engine may use; ``filtered`` holds calls whose FILTER is
    not PASS, set aside unless the caller includes them (``with_filtered``).
    """

    patient_id: str
    variants: tuple[RecordedFact, ...]
    copy_numbers: tuple[RecordedFact, ...]
    fusions: tuple[RecordedFact, ...]
    biomarkers: tuple[RecordedFact, ...]
    genome_builds: frozenset[str]
    tumor_types: tuple[str, ...]
    treatments: tuple[RecordedFact, ...] = ()
    gene_tests: tuple[RecordedFact, ...] = ()
    filtered: tuple[RecordedFact, ...] = ()
    filtered_included: bool = False

    @classmethod
    def from_record(cls, record: PatientRecord) -> PatientFacts:
        if len(record.variants) < record.variant_total:
            raise ValueError(
                f"record of {record.patient_id} holds {len(record.variants)} of "
                f"{record.variant_total} variants; load all of them for actionability"
            )
        codes = tuple(
            dict.fromkeys(
                code
                for fact in record.conditions
                if (code := getattr(fact.fact, "oncotree_code", None))
            )
        )
        return cls(
            patient_id=record.patient_id,
            variants=tuple(record.variants),
            copy_numbers=tuple(record.copy_numbers),
            fusions=tuple(record.fusions),
            biomarkers=tuple(record.biomarkers),
            genome_builds=frozenset(record.genome_builds),
            tumor_types=codes,
            treatments=tuple(record.treatments),
            gene_tests=tuple(record.gene_tests),
        )

    def with_filtered(self, include: bool) -> PatientFacts:
        """Split calls whose FILTER is not PASS from the rest (once); keep them only if asked.

        Clinical safety invariant 4: only calls that passed the caller's filters count by
        default; included ones are flagged on every finding that rests on them.
        """
        every = self.variants + self.filtered
        failed = tuple(
            f for f in every if isinstance(f.fact, SomaticVariant) and not passed_filters(f.fact)
        )
        failed_ids = {id(f) for f in failed}  # identity: pydantic equality is slow on 50k facts
        used = every if include else tuple(f for f in every if id(f) not in failed_ids)
        return replace(self, variants=used, filtered=failed, filtered_included=include)

    def variant_facts(self) -> list[tuple[RecordedFact, SomaticVariant]]:
        return self._variant_pairs

    @cached_property
    def _variant_pairs(self) -> list[tuple[RecordedFact, SomaticVariant]]:
        return [(f, f.fact) for f in self.variants if isinstance(f.fact, SomaticVariant)]

    def gene_variant_facts(self, gene: str) -> list[tuple[RecordedFact, SomaticVariant]]:
        """A gene's variants, from an index built once (a KB has ~1,000 rules, a tumour up to
        tens of thousands of variants: scanning them per rule is what made 50k slow)."""
        return self._by_gene.get(gene, [])

    @cached_property
    def _by_gene(self) -> dict[str, list[tuple[RecordedFact, SomaticVariant]]]:
        index: dict[str, list[tuple[RecordedFact, SomaticVariant]]] = {}
        for fact, variant in self._variant_pairs:
            if variant.gene:
                index.setdefault(variant.gene, []).append((fact, variant))
        return index

    def variants_at(self, pos: int) -> list[tuple[RecordedFact, SomaticVariant]]:
        return self._by_position.get(pos, [])

    @cached_property
    def _by_position(self) -> dict[int, list[tuple[RecordedFact, SomaticVariant]]]:
        index: dict[int, list[tuple[RecordedFact, SomaticVariant]]] = {}
        for fact, variant in self._variant_pairs:
            if variant.pos is not None:
                index.setdefault(variant.pos, []).append((fact, variant))
        return index

    def cna_facts(self) -> list[tuple[RecordedFact, CopyNumberChange]]:
        return [(f, f.fact) for f in self.copy_numbers if isinstance(f.fact, CopyNumberChange)]

    def fusion_facts(self) -> list[tuple[RecordedFact, Fusion]]:
        return [(f, f.fact) for f in self.fusions if isinstance(f.fact, Fusion)]

    def biomarker_facts(self) -> list[tuple[RecordedFact, Biomarker]]:
        return [(f, f.fact) for f in self.biomarkers if isinstance(f.fact, Biomarker)]

    def treatment_facts(self) -> list[tuple[RecordedFact, Treatment]]:
        return [(f, f.fact) for f in self.treatments if isinstance(f.fact, Treatment)]

    def negative_results(self, gene: str) -> list[RecordedFact]:
        """Facts showing ``gene`` was tested and found unaltered (a pertinent negative).

        A biomarker named by the gene (``KRAS``, ``KRAS mutation``, ``EML4::ALK``) with a
        negative result, or a gene-testing fact covering the gene (a pertinent negative or the
        panel's region studied). Absence of a call is never such a fact (clinical safety
        invariant 3); callers still check that no call alters the gene.
        """
        return self._negatives.get(gene, [])

    @cached_property
    def _negatives(self) -> dict[str, list[RecordedFact]]:
        index: dict[str, list[RecordedFact]] = {}
        for fact, marker in self.biomarker_facts():
            if not is_negative_result(marker.value_text):
                continue
            for gene in dict.fromkeys(_GENE_TOKEN.findall(marker.name.replace("::", " "))):
                index.setdefault(gene, []).append(fact)
        for fact in self.gene_tests:
            if isinstance(fact.fact, GeneTesting):
                for gene in fact.fact.genes:
                    index.setdefault(gene.upper(), []).append(fact)
        return index
