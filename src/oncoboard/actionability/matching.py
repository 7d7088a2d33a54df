# SPDX-License-Identifier: Apache-2.0
"""Evaluate one biomarker rule against a patient's facts: matched, not matched or not evaluated.

Pure functions. "Not evaluated" always says why (missing data, build mismatch, a rule kind the
engine cannot judge, gene-level rules switched off), so the report can list it instead of
silently treating the biomarker as absent.
"""

from __future__ import annotations

from collections.abc import Callable

from oncoboard.actionability import absence
from oncoboard.actionability.facts import PatientFacts
from oncoboard.actionability.results import (
    SILENT,
    EngineOptions,
    RuleResult,
    Status,
    protein_altering,
)
from oncoboard.actionability.results import no as _no
from oncoboard.actionability.results import unknown as _unknown
from oncoboard.actionability.results import yes as _yes
from oncoboard.errors import InputError
from oncoboard.knowledge import rules as r
from oncoboard.knowledge.rules import MatchLevel
from oncoboard.record.genomics import ProteinChange
from oncoboard.record.schemas import RecordedFact, SomaticVariant

# Truncating or otherwise inactivating consequences: Sequence Ontology terms (VEP/SnpEff)
# and their MAF Variant_Classification names.
LOSS_OF_FUNCTION = frozenset({
    "stop_gained", "frameshift_variant", "splice_acceptor_variant", "splice_donor_variant",
    "start_lost", "transcript_ablation", "Nonsense_Mutation", "Frame_Shift_Del",
    "Frame_Shift_Ins", "Splice_Site", "Translation_Start_Site",
})  # fmt: skip
# Consequence → the variant class a rule may require (LossOfFunctionRule / GeneAnyRule
# ``variant_class``, e.g. MOAlmanac rows "TP53 Nonsense" vs "TP53 Frameshift"): MAF
# Variant_Classification names and Sequence Ontology terms (VEP/SnpEff).
VARIANT_CLASSES: dict[str, r.VariantClass] = {
    "Missense_Mutation": "missense", "missense_variant": "missense",
    "Nonsense_Mutation": "nonsense", "stop_gained": "nonsense",
    "Frame_Shift_Del": "frameshift", "Frame_Shift_Ins": "frameshift",
    "frameshift_variant": "frameshift",
    "Splice_Site": "splice_site", "splice_acceptor_variant": "splice_site",
    "splice_donor_variant": "splice_site",
    "In_Frame_Del": "inframe_indel", "In_Frame_Ins": "inframe_indel",
    "inframe_deletion": "inframe_indel", "inframe_insertion": "inframe_indel",
}  # fmt: skip
MSI_HIGH = ("msi-h", "msi high", "instability high", "high", "unstable", "dmmr")


def evaluate(rule: r.AnyRule, facts: PatientFacts, options: EngineOptions) -> RuleResult:
    """Dispatch on the rule kind; every kind has exactly one evaluator."""
    evaluator = _EVALUATORS[rule.kind]
    return evaluator(rule, facts, options)


def _protein(change: str | None) -> ProteinChange | None:
    if not change:
        return None
    try:
        return ProteinChange.parse(change)
    except InputError:
        return None


def _gene_variants(
    facts: PatientFacts, gene: str, origin: str = "any"
) -> list[tuple[RecordedFact, SomaticVariant]]:
    """A gene's variants a rule of this origin may use: a germline rule only germline calls,
    a somatic rule somatic calls and calls of unknown origin (they are in the tumour)."""
    wanted = {"germline": ("germline",), "somatic": ("somatic", "unknown")}.get(origin)
    return [
        (f, v) for f, v in facts.gene_variant_facts(gene) if wanted is None or v.origin in wanted
    ]


Predicate = Callable[[SomaticVariant], bool]


def _germline_unknown(
    facts: PatientFacts, gene: str, origin: str, predicate: Predicate
) -> RuleResult | None:
    """A germline rule that a variant of unknown origin would satisfy: not evaluated, never a
    silent match (clinical safety invariant 7)."""
    if origin != "germline":
        return None
    pending = [
        v for _, v in facts.gene_variant_facts(gene) if v.origin == "unknown" and predicate(v)
    ]
    if not pending:
        return None
    names = ", ".join(sorted({v.hgvs_p or v.hgvs_c or "variant" for v in pending}))
    return _unknown(
        f"germline status unknown: the rule requires a germline {gene} variant; {gene} {names} "
        "is of unknown origin (somatic or germline not recorded)"
    )


def _variant_hits(
    facts: PatientFacts, gene: str, origin: str, predicate: Predicate
) -> list[RecordedFact] | RuleResult:
    hits = [f for f, v in _gene_variants(facts, gene, origin) if predicate(v)]
    if hits:
        return hits
    return _germline_unknown(facts, gene, origin, predicate) or []


def _no_variants(facts: PatientFacts) -> RuleResult | None:
    if not facts.variants:
        return _unknown("no small-variant calls in the record")
    return None


def _eval_protein(rule: r.ProteinRule, facts: PatientFacts, _: EngineOptions) -> RuleResult:
    missing = _no_variants(facts)
    if missing:
        return missing
    wanted = _protein(rule.protein_change)
    if wanted is None:
        return _unknown(f"rule protein change {rule.protein_change!r} is not valid HGVS p.")
    hits = _variant_hits(facts, rule.gene, rule.origin, lambda v: _protein(v.hgvs_p) == wanted)
    if isinstance(hits, RuleResult):
        return hits
    if hits:
        return _yes(MatchLevel.PROTEIN_CHANGE, hits, f"{rule.gene} {wanted.short} present")
    return _no(f"no {rule.gene} {wanted.short}")


def _eval_codon(rule: r.CodonRule, facts: PatientFacts, _: EngineOptions) -> RuleResult:
    missing = _no_variants(facts)
    if missing:
        return missing
    codon = f"{rule.ref}{rule.position}"

    def at_codon(variant: SomaticVariant) -> bool:
        change = _protein(variant.hgvs_p)
        return change is not None and change.codon == codon and not change.change.endswith("=")

    hits = _variant_hits(facts, rule.gene, rule.origin, at_codon)
    if isinstance(hits, RuleResult):
        return hits
    if hits:
        return _yes(MatchLevel.CODON, hits, f"{rule.gene} codon {codon} altered")
    return _no(f"no {rule.gene} codon {codon} change")


def _normal_chrom(chrom: str | None) -> str:
    text = (chrom or "").removeprefix("chr")
    return "MT" if text == "M" else text


def _eval_genomic(rule: r.GenomicRule, facts: PatientFacts, _: EngineOptions) -> RuleResult:
    missing = _no_variants(facts)
    if missing:
        return missing
    if facts.genome_builds and rule.genome_build not in facts.genome_builds:
        builds = ", ".join(sorted(facts.genome_builds))
        return _unknown(f"rule coordinates are {rule.genome_build}, the patient's are {builds}")
    hits = [
        f
        for f, v in facts.variants_at(rule.pos)
        if _normal_chrom(v.chrom) == _normal_chrom(rule.chrom)
        and v.pos == rule.pos
        and v.ref == rule.ref
        and v.alt == rule.alt
    ]
    where = f"{rule.chrom}:{rule.pos} {rule.ref}>{rule.alt} ({rule.genome_build})"
    return _yes(MatchLevel.EXACT_GENOMIC, hits, where) if hits else _no(f"no variant at {where}")


def _eval_exon(rule: r.ExonRule, facts: PatientFacts, _: EngineOptions) -> RuleResult:
    variants = _gene_variants(facts, rule.gene, rule.origin)
    if not variants:
        missing = _no_variants(facts)
        return missing or _no(f"no {rule.gene} variant")
    exons = [(f, getattr(v, "exon", None)) for f, v in variants]
    if all(exon is None for _, exon in exons):
        return _unknown(f"exon numbers are not recorded for this patient's {rule.gene} variants")
    hits = [
        f
        for (f, exon), (_, v) in zip(exons, variants, strict=True)
        if exon == rule.exon and _exon_change(v, rule.change)
    ]
    label = f"{rule.gene} exon {rule.exon} {rule.change}"
    return _yes(MatchLevel.EXON, hits, label) if hits else _no(f"no {label}")


def _exon_change(variant: SomaticVariant, change: str) -> bool:
    consequence = (variant.consequence or "").lower()
    protein = variant.hgvs_p or ""
    if change == "deletion":
        return "deletion" in consequence or "del" in protein
    if change == "insertion":
        return "insertion" in consequence or "ins" in protein or "dup" in protein
    if change == "skipping":
        return "splice" in consequence
    return consequence not in {s.lower() for s in SILENT}


def _eval_lof(rule: r.LossOfFunctionRule, facts: PatientFacts, _: EngineOptions) -> RuleResult:
    missing = _no_variants(facts)
    if missing:
        return missing
    hits = _variant_hits(
        facts, rule.gene, rule.origin, lambda v: _truncating(v) and _of_class(v, rule.variant_class)
    )
    if isinstance(hits, RuleResult):
        return hits
    what = f"{rule.gene} truncating variant" + _class_label(rule.variant_class)
    if hits:
        return _yes(MatchLevel.GENE_LOSS_OF_FUNCTION, hits, what)
    return _no(f"no {what}")


def _class_label(variant_class: r.VariantClass | None) -> str:
    return f" ({variant_class.replace('_', ' ')})" if variant_class else ""


def _of_class(variant: SomaticVariant, wanted: r.VariantClass | None) -> bool:
    """Whether the variant is of the class the rule names; ``activating`` is not a consequence
    (it needs functional evidence), so it constrains nothing here and stays gene level."""
    if wanted is None or wanted == "activating":
        return True
    terms = (variant.consequence or "").replace("&", ",").split(",")
    classes = {VARIANT_CLASSES[t.strip()] for t in terms if t.strip() in VARIANT_CLASSES}
    if classes:
        return wanted in classes
    return _class_from_protein(variant.hgvs_p or "") == wanted


def _class_from_protein(protein: str) -> r.VariantClass | None:
    """The class of a p. change when no consequence is recorded (``p.R174*``, ``p.S114fs``)."""
    if "fs" in protein:
        return "frameshift"
    if protein.endswith("*"):
        return "nonsense"
    if any(word in protein for word in ("del", "ins", "dup")):
        return "inframe_indel"
    change = _protein(protein)
    if change is None or len(change.change) != 1 or not change.change.isalpha():
        return None
    return "missense" if change.change != change.ref else None


def _truncating(variant: SomaticVariant) -> bool:
    terms = set((variant.consequence or "").replace("&", ",").split(","))
    protein = variant.hgvs_p or ""
    return bool(terms & LOSS_OF_FUNCTION) or protein.endswith("*") or "fs" in protein


def _eval_gene_any(rule: r.GeneAnyRule, facts: PatientFacts, options: EngineOptions) -> RuleResult:
    if not options.gene_level:
        return _unknown("gene-level ('any mutation') evidence is off; enable it explicitly")
    missing = _no_variants(facts)
    if missing:
        return missing
    hits = _variant_hits(
        facts,
        rule.gene,
        rule.origin,
        lambda v: protein_altering(v) and _of_class(v, rule.variant_class),
    )
    if isinstance(hits, RuleResult):
        return hits
    label = _class_label(rule.variant_class)
    if hits:
        return _yes(
            MatchLevel.GENE_ANY, hits, f"{rule.gene} altered{label} (gene-level, low specificity)"
        )
    return _no(f"no protein-altering {rule.gene} variant{label}")


def _eval_fusion(rule: r.FusionRule, facts: PatientFacts, _: EngineOptions) -> RuleResult:
    if not facts.fusions:
        return _unknown("no fusion / structural-variant calls in the record")
    wanted = {g for g in (rule.gene_5p, rule.gene_3p) if g}
    hits = [f for f, fusion in facts.fusion_facts() if wanted <= {fusion.gene_5p, fusion.gene_3p}]
    label = "::".join(g or "any partner" for g in (rule.gene_5p, rule.gene_3p))
    if not hits:
        return _no(f"no {label} fusion")
    level = MatchLevel.FUSION
    partner = "" if len(wanted) == 2 else " (any partner)"
    return _yes(level, hits, f"{label} fusion present{partner}")


def _eval_copy_number(rule: r.CopyNumberRule, facts: PatientFacts, _: EngineOptions) -> RuleResult:
    if not facts.copy_numbers:
        return _unknown("no copy-number calls in the record")
    accepted = {"amplification"} if rule.direction == "amplification" else {"deep_deletion"}
    hits = [f for f, c in facts.cna_facts() if c.gene == rule.gene and c.change in accepted]
    label = f"{rule.gene} {rule.direction}"
    return _yes(MatchLevel.COPY_NUMBER, hits, label) if hits else _no(f"no {label}")


def _eval_tmb(rule: r.TmbRule, facts: PatientFacts, _: EngineOptions) -> RuleResult:
    values = [
        (f, b)
        for f, b in facts.biomarker_facts()
        if b.name.upper() == "TMB" and b.value_number is not None
    ]
    if not values:
        return _unknown("no tumour mutational burden in the record")
    hits = [f for f, b in values if (b.value_number or 0) >= rule.at_least]
    if hits:
        return _yes(MatchLevel.SIGNATURE, hits, f"TMB ≥ {rule.at_least:g} mut/Mb")
    return _no(f"TMB below {rule.at_least:g} mut/Mb")


def _eval_msi(rule: r.MsiRule, facts: PatientFacts, _: EngineOptions) -> RuleResult:
    values = [(f, b) for f, b in facts.biomarker_facts() if b.name.upper() in ("MSI", "MMR")]
    if not values:
        return _unknown("no microsatellite-instability or MMR result in the record")
    hits = [
        f
        for f, b in values
        if any(word in (b.value_text or "").lower() for word in MSI_HIGH)
        and "stable" not in (b.value_text or "").lower()
    ]
    return _yes(MatchLevel.SIGNATURE, hits, "MSI-H/dMMR") if hits else _no("not MSI-H/dMMR")


def _eval_expression(rule: r.ExpressionRule, facts: PatientFacts, _: EngineOptions) -> RuleResult:
    values = [(f, b) for f, b in facts.biomarker_facts() if b.name.upper() == rule.marker.upper()]
    if not values:
        return _unknown(f"no {rule.marker} result in the record")
    wanted = rule.result.lower()
    hits = [f for f, b in values if wanted in (b.value_text or "").lower()]
    label = f"{rule.marker} {rule.result}"
    return (
        _yes(MatchLevel.EXPRESSION, hits, label)
        if hits
        else _no(f"{rule.marker} not {rule.result}")
    )


def _eval_unsupported(rule: r.UnsupportedRule, _f: PatientFacts, _o: EngineOptions) -> RuleResult:
    return _unknown(f"not evaluated: {rule.reason}")


def _eval_composite(
    rule: r.CompositeRule, facts: PatientFacts, options: EngineOptions
) -> RuleResult:
    if rule.operator == "not":
        return absence.eval_not(rule, facts, options, evaluate)
    parts = [evaluate(child, facts, options) for child in rule.rules]
    facts_used = tuple(f for p in parts if p.matched for f in p.facts)
    level = min((p.level for p in parts if p.level), default=None, key=_specificity)
    status = _all(parts) if rule.operator == "and" else _any(parts)
    # a matched "or" is about the branches that held; the others would read as findings
    said = (
        [p for p in parts if p.matched] if rule.operator == "or" and status == "matched" else parts
    )
    joined = (
        said[0].reason
        if len(said) == 1
        else f" {rule.operator} ".join(f"({p.reason})" for p in said)
    )
    return RuleResult(status, level if status == "matched" else None, facts_used, joined)


def _all(parts: list[RuleResult]) -> Status:
    if any(p.status == "not_matched" for p in parts):
        return "not_matched"
    return "matched" if all(p.matched for p in parts) else "not_evaluated"


def _any(parts: list[RuleResult]) -> Status:
    if any(p.matched for p in parts):
        return "matched"
    return "not_matched" if all(p.status == "not_matched" for p in parts) else "not_evaluated"


_ORDER = list(MatchLevel)


def _specificity(level: MatchLevel | None) -> int:
    """Lower is more specific; a composite reports its least specific matched part."""
    return -_ORDER.index(level) if level is not None else 0


_EVALUATORS: dict[str, Callable[..., RuleResult]] = {
    "protein": _eval_protein,
    "codon": _eval_codon,
    "genomic": _eval_genomic,
    "exon": _eval_exon,
    "loss_of_function": _eval_lof,
    "gene_any": _eval_gene_any,
    "fusion": _eval_fusion,
    "copy_number": _eval_copy_number,
    "tmb": _eval_tmb,
    "msi": _eval_msi,
    "expression": _eval_expression,
    "wild_type": absence.eval_wild_type,
    "composite": _eval_composite,
    "unsupported": _eval_unsupported,
}
