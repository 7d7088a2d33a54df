# SPDX-License-Identifier: Apache-2.0
"""The patient facts the engine reads, grouped by kind, each keeping its id and provenance."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from oncoboard.record.schemas import (
    Biomarker,
    CopyNumberChange,
    Fusion,
    PatientRecord,
    RecordedFact,
    SomaticVariant,
)


@dataclass(frozen=True)
class PatientFacts:
    """Everything actionability needs from one record (all variants, not a page of them)."""

    patient_id: str
    variants: tuple[RecordedFact, ...]
    copy_numbers: tuple[RecordedFact, ...]
    fusions: tuple[RecordedFact, ...]
    biomarkers: tuple[RecordedFact, ...]
    genome_builds: frozenset[str]
    tumor_types: tuple[str, ...]

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
        )

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
