# SPDX-License-Identifier: Apache-2.0
"""The readable layer of the report: one row per (alteration, therapy) with merged evidence,
options undone by the whole tumour, key alterations, germline notes, Tier III/IV variants.

Pure functions over the engine runs; every list is sorted on content.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

from oncoboard.actionability import engine
from oncoboard.actionability.contraindications import (
    Caution,
    Contraindication,
    DrugClasses,
    agents,
    cautions,
    split_options,
)
from oncoboard.actionability.facts import PatientFacts, passed_filters
from oncoboard.actionability.oncogenicity import NOT_SCORED, is_null, score
from oncoboard.actionability.service import PatientAssessment
from oncoboard.knowledge import germline
from oncoboard.record.schemas import RecordedFact, SomaticVariant
from oncoboard.record.service import describe
from oncoboard.report import facts as report_facts
from oncoboard.report.schemas import (
    ContraindicatedOption,
    FilteredCalls,
    GermlineNote,
    KeyAlteration,
    OptionRow,
    UncertainVariant,
    VariantTiers,
)

_TIER_ORDER = {"Tier I": 0, "Tier II": 1, "Tier III": 2, "Tier IV": 3}


def patient_facts(runs: Sequence[PatientAssessment]) -> PatientFacts | None:
    return next((run.assessment.facts for run in runs if run.assessment.facts), None)


def whole_tumour(
    runs: Sequence[PatientAssessment],
) -> tuple[list[engine.Finding], list[Contraindication]]:
    """Options of every release against resistance of every release and the treatments
    (options one release's run already moved are judged again with everything)."""
    options = [f for run in runs for f in run.assessment.options]
    options += [c.option for run in runs for c in run.assessment.contraindicated]
    resistance = [f for run in runs for f in run.assessment.resistance]
    facts = patient_facts(runs)
    treatments = facts.treatment_facts() if facts else []
    return split_options(options, resistance, treatments, drug_classes_of(runs))


def drug_classes_of(runs: Sequence[PatientAssessment]) -> DrugClasses:
    """Each release's drug classes together (a drug keeps every class any release gives it)."""
    merged: dict[str, frozenset[str]] = {}
    for run in runs:
        for drug, names in run.assessment.drug_classes.items():
            merged[drug] = merged.get(drug, frozenset()) | names
    return merged


def option_cautions(
    runs: Sequence[PatientAssessment], kept: Sequence[engine.Finding]
) -> list[Caution]:
    """The kept options other alterations' resistance evidence names, too weak to rule out."""
    resistance = [f for run in runs for f in run.assessment.resistance]
    return cautions(kept, resistance, drug_classes_of(runs))


def alteration_label(found: engine.Finding) -> str:
    labels = sorted({describe(f.fact) for f in found.result.facts})
    return "; ".join(labels) or found.result.reason


def _filtered(found: engine.Finding) -> bool:
    return any(
        isinstance(f.fact, SomaticVariant) and not passed_filters(f.fact)
        for f in found.result.facts
    )


def option_rows(
    options: Sequence[engine.Finding], noted: Sequence[Caution] = ()
) -> dict[str, list[OptionRow]]:
    """Per tier, one row per (alteration, therapy); the strongest finding gives the tier."""
    why = {id(c.option): c.why for c in noted}
    groups: dict[tuple[str, str, frozenset[str]], list[engine.Finding]] = defaultdict(list)
    for found in options:
        therapy = found.assertion.therapy.name if found.assertion.therapy else ""
        groups[(found.tier.amp_tier, alteration_label(found), agents(therapy))].append(found)
    rows: dict[str, list[OptionRow]] = defaultdict(list)
    for (tier, alteration, _), members in groups.items():
        members.sort(key=report_facts.finding_key)
        best = members[0]
        rows[tier].append(
            OptionRow(
                alteration=alteration,
                therapy=best.assertion.therapy.name if best.assertion.therapy else "",
                on_label=best.disease.on_label,
                amp_tier=tier,
                amp_level=best.tier.amp_level,
                escat=best.tier.escat,
                tumour_types=sorted({m.assertion.disease.name for m in members}),
                evidence=[_evidence_line(m) for m in members],
                releases=sorted({m.release.release_id for m in members}),
                assertions=len(members),
                filtered_call=any(_filtered(m) for m in members),
                cautions=sorted({why[id(m)] for m in members if id(m) in why}),
            )
        )
    for tier_rows in rows.values():
        tier_rows.sort(key=lambda r: (r.amp_level, not r.on_label, r.alteration, r.therapy.lower()))
    return rows


def _evidence_line(found: engine.Finding) -> str:
    assertion = found.assertion
    cites = "; ".join(
        f"PMID {r.pmid}" if r.pmid else (r.nct or r.citation[:60]) for r in assertion.references[:2]
    )
    return (
        f"{assertion.source} {assertion.source_level} ({assertion.disease.name}; "
        f"{'on-label' if found.disease.on_label else 'other tumour type'}) — "
        f"{assertion.assertion_id} — {cites}"
    )


def rationale(options: Sequence[engine.Finding], tier: str) -> list[str]:
    """The tier rules behind a tier's rows, each stated once."""
    seen = dict.fromkeys(f.tier.rule for f in options if f.tier.amp_tier == tier)
    return sorted(seen)


def contraindicated(moved: Sequence[Contraindication]) -> list[ContraindicatedOption]:
    """One row per (alteration, therapy) moved out, strongest option first, ids of the rest."""
    groups: dict[tuple[str, frozenset[str]], list[Contraindication]] = defaultdict(list)
    for item in moved:
        option = item.option
        therapy = option.assertion.therapy.name if option.assertion.therapy else ""
        groups[(alteration_label(option), agents(therapy))].append(item)
    out = []
    for (alteration, _), items in groups.items():
        items.sort(key=lambda c: report_facts.finding_key(c.option))
        first = items[0]
        option = first.option
        out.append(
            ContraindicatedOption(
                alteration=alteration,
                therapy=option.assertion.therapy.name if option.assertion.therapy else "",
                amp_tier=option.tier.amp_tier,
                why=first.why,
                option=report_facts.finding(option),
                resistance=report_facts.finding(first.resistance) if first.resistance else None,
                treatment=describe(first.treatment.fact) if first.treatment else None,
                assertions=len(items),
                assertion_ids=sorted(c.option.assertion.assertion_id for c in items),
            )
        )
    return sorted(out, key=lambda c: (c.therapy.lower(), c.alteration))


def key_alterations(runs: Sequence[PatientAssessment]) -> list[KeyAlteration]:
    """Every fact a finding rests on, once: gene, change, VAF, origin, FILTER."""
    seen: dict[int, RecordedFact] = {}
    for run in runs:
        a = run.assessment
        for found in [*a.options, *a.resistance, *a.other, *(c.option for c in a.contraindicated)]:
            for fact in found.result.facts:
                seen.setdefault(fact.fact_id, fact)
    out = [_key(fact) for fact in seen.values()]
    return sorted(out, key=lambda k: (k.gene, k.change))


def _key(fact: RecordedFact) -> KeyAlteration:
    value = fact.fact
    if isinstance(value, SomaticVariant):
        return KeyAlteration(
            gene=value.gene or "",
            change=value.hgvs_p or value.hgvs_c or f"{value.chrom}:{value.pos}",
            kind="variant",
            vaf=value.vaf,
            origin=value.origin,
            filter=value.filters,
            passed=passed_filters(value),
            germline_significance=(value.gene or "") in germline.GENES,
        )
    gene = getattr(value, "gene", None) or getattr(value, "name", None) or ""
    if value.kind == "fusion":
        gene = "::".join(
            g or "?" for g in (getattr(value, "gene_5p", None), getattr(value, "gene_3p", None))
        )
    return KeyAlteration(gene=str(gene), change=describe(value), kind=value.kind)


def germline_notes(facts: PatientFacts | None, pathogenic_ids: set[int]) -> list[GermlineNote]:
    """Every variant in a gene with germline significance, with origin and testing prompt."""
    if facts is None:
        return []
    out = []
    for fact, variant in facts.variant_facts():
        entry = germline.GENES.get(variant.gene or "")
        if entry is None or not _protein_altering(variant):
            continue
        pathogenic = is_null(variant) or fact.fact_id in pathogenic_ids
        out.append(
            GermlineNote(
                gene=entry.gene,
                change=variant.hgvs_p or variant.hgvs_c or "",
                vaf=variant.vaf,
                origin=variant.origin,
                prompt=germline.prompt(entry.gene, origin=variant.origin, pathogenic=pathogenic),
                why=entry.why,
                citation=entry.citation,
            )
        )
    return sorted(out, key=lambda n: (n.gene, n.change))


def _protein_altering(variant: SomaticVariant) -> bool:
    text = (variant.consequence or "").lower()
    return not any(w in text for w in ("intron", "utr", "intergenic", "upstream", "downstream"))


def variant_tiers(
    facts: PatientFacts | None,
    tiered_ids: set[int],
    cancer_genes: frozenset[str],
    suppressors: frozenset[str],
) -> VariantTiers | None:
    """Variants in cancer genes without Tier I/II evidence: Tier III, or Tier IV when benign."""
    if facts is None:
        return None
    tier3: list[UncertainVariant] = []
    tier4: list[UncertainVariant] = []
    other = 0
    for fact, variant in facts.variant_facts():
        gene = variant.gene or ""
        if fact.fact_id in tiered_ids or not _protein_altering(variant):
            continue
        if gene not in cancer_genes:
            other += 1
            continue
        call = score(variant, tumour_suppressor=gene in suppressors, cancer_gene=True)
        row = UncertainVariant(
            gene=gene,
            change=variant.hgvs_p or variant.hgvs_c or f"{variant.chrom}:{variant.pos}",
            consequence=variant.consequence,
            vaf=variant.vaf,
            oncogenicity=call.classification,
            points=call.points,
            criteria=list(call.criteria),
        )
        (tier4 if call.points < 0 else tier3).append(row)
    return VariantTiers(
        tier3=sorted(tier3, key=lambda v: (-v.points, v.gene, v.change)),
        tier4=sorted(tier4, key=lambda v: (v.gene, v.change)),
        other_genes=other,
        cancer_genes=len(cancer_genes),
        gene_list=(
            "genes named by the consulted knowledge-base releases' assertions plus the "
            "germline-significance genes (knowledge/germline.py); tumour suppressors: genes "
            "with loss-of-function assertions in those releases plus the germline list"
        ),
        not_scored=NOT_SCORED,
    )


def filtered_calls(runs: Sequence[PatientAssessment]) -> FilteredCalls | None:
    facts = patient_facts(runs)
    if facts is None:
        return None
    values: Counter[str] = Counter(
        str(getattr(f.fact, "filters", "") or "") for f in facts.filtered
    )
    return FilteredCalls(
        count=len(facts.filtered),
        included=facts.filtered_included,
        values=dict(sorted(values.items())),
    )
