# SPDX-License-Identifier: Apache-2.0
"""Absence is not evidence (clinical safety invariant 3): wild-type and ``not`` rules.

A gene counts as unaltered only when the record holds a negative result for it (a pertinent
negative) and no call that alters it; otherwise the rule is not evaluated, never matched.
"""

from __future__ import annotations

from collections.abc import Callable

from oncoboard.actionability.facts import PatientFacts
from oncoboard.actionability.results import (
    EngineOptions,
    RuleResult,
    no,
    protein_altering,
    unknown,
    yes,
)
from oncoboard.knowledge import rules as r
from oncoboard.knowledge.rules import MatchLevel
from oncoboard.record.schemas import RecordedFact

Evaluate = Callable[[r.AnyRule, PatientFacts, EngineOptions], RuleResult]


def altered(facts: PatientFacts, gene: str) -> list[RecordedFact]:
    """Calls that show ``gene`` altered: a protein-altering variant, a fusion naming it, an
    amplification or deep deletion."""
    found = [f for f, v in facts.gene_variant_facts(gene) if protein_altering(v)]
    found += [f for f, x in facts.fusion_facts() if gene in (x.gene_5p, x.gene_3p)]
    found += [
        f
        for f, c in facts.cna_facts()
        if c.gene == gene and c.change in ("amplification", "deep_deletion")
    ]
    return found


def _not_tested(genes: list[str]) -> RuleResult:
    return unknown(
        f"gene testing not recorded: no negative result or panel coverage for "
        f"{', '.join(genes)} in the record (absence of a call is not evidence)"
    )


def eval_wild_type(rule: r.WildTypeRule, facts: PatientFacts, _: EngineOptions) -> RuleResult:
    """Wild type needs a recorded negative result for the gene, and no call altering it."""
    if altered(facts, rule.gene):
        return no(f"{rule.gene} is altered")
    negatives = facts.negative_results(rule.gene)
    if not negatives:
        return _not_tested([rule.gene])
    return yes(MatchLevel.WILD_TYPE, negatives, f"{rule.gene} tested: no alteration (wild type)")


def _rule_genes(rule: r.AnyRule) -> list[str]:
    if isinstance(rule, r.CompositeRule):
        return [g for child in rule.rules for g in _rule_genes(child)]
    return [g for g in (getattr(rule, a, None) for a in ("gene", "gene_5p", "gene_3p")) if g]


def _measured(rule: r.AnyRule, facts: PatientFacts) -> list[RecordedFact]:
    """Facts showing a gene-less biomarker was measured (the basis of "not MSI-H" etc.)."""
    names = {"tmb": ("TMB",), "msi": ("MSI", "MMR")}.get(rule.kind)
    if isinstance(rule, r.ExpressionRule):
        names = (rule.marker.upper(),)
    if names is None:
        return []
    return [f for f, b in facts.biomarker_facts() if b.name.upper() in names]


def eval_not(
    rule: r.CompositeRule, facts: PatientFacts, options: EngineOptions, evaluate: Evaluate
) -> RuleResult:
    """``not X`` holds only when X was tested and found absent, never on a missing call."""
    inner = evaluate(rule.rules[0], facts, options)
    if inner.status == "matched":
        return no(f"not ({inner.reason}): it is present")
    if inner.status == "not_evaluated":
        return RuleResult("not_evaluated", None, (), f"not ({inner.reason})")
    if isinstance(rule.rules[0], r.WildTypeRule):  # "not wild type": the gene is altered
        calls = altered(facts, rule.rules[0].gene)
        return yes(MatchLevel.GENE_ANY, calls, f"not ({inner.reason}): altered")
    genes = list(dict.fromkeys(_rule_genes(rule.rules[0])))
    basis = [f for gene in genes for f in facts.negative_results(gene)]
    if not genes:
        basis = _measured(rule.rules[0], facts)
    if not basis:
        return _not_tested(genes) if genes else unknown(f"not ({inner.reason}): no result")
    return yes(MatchLevel.WILD_TYPE, list(dict.fromkeys(basis)), f"not ({inner.reason})")
