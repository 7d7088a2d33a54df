# SPDX-License-Identifier: Apache-2.0
"""The pure engine over a cohort: evaluate each assertion only for patients who could match it.

2,000 patients × 1,000 assertions is two million rule evaluations; most cannot match because
the patient holds no fact the rule asks for. Each rule therefore gets *trigger keys*: a protein
change (``BRAF:p.V600E``), a codon (``KRAS@G12``), a gene (exon, loss-of-function, gene-level
and genomic rules), a copy-number gene (``cna:ERBB2``), ``@fusion``, ``@biomarker``,
``BRAF!truncating`` (a loss-of-function rule), ``@variants`` (any small-variant call: a wild-type requirement), ``@all`` (cannot be narrowed:
``not``), or none at all (unsupported rules, and gene-level rules while they are off, never
match). A patient is assessed, with ``engine.assess``, against the assertions whose keys it
holds; a rule not assessed for a patient would have answered "not matched" or "not evaluated",
never "matched".
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from oncoboard.actionability.cohort.facts import Needs
from oncoboard.actionability.engine import Assessment, assess
from oncoboard.actionability.facts import PatientFacts
from oncoboard.actionability.matching import EngineOptions
from oncoboard.actionability.matching import _truncating as _truncating
from oncoboard.errors import InputError
from oncoboard.knowledge import rules as r
from oncoboard.knowledge.schemas import Assertion, KbReleaseInfo
from oncoboard.record.genomics import ProteinChange

ALL = "@all"
VARIANTS = "@variants"
FUSION = "@fusion"
BIOMARKER = "@biomarker"

Pair = tuple[Assertion, KbReleaseInfo]


def triggers(rule: r.AnyRule, options: EngineOptions = EngineOptions()) -> frozenset[str]:
    """Keys of which a patient must hold one for ``rule`` to be able to match (see module).

    A protein rule needs that very change, a codon rule a change at that residue, exactly as
    ``matching`` compares them (``ProteinChange``); a loss-of-function rule a variant that
    ``matching`` calls truncating.
    """
    if rule.kind == "composite":
        return _composite_triggers(rule, options)
    if rule.kind == "gene_any" and not options.gene_level:
        return frozenset()  # not evaluated for anyone: gene-level evidence is off
    key = _KEYS.get(rule.kind)
    return frozenset({key(rule)}) if key is not None else frozenset()  # unsupported: never


_KEYS: dict[str, Callable[[Any], str]] = {
    "protein": lambda rule: f"{rule.gene}:{_short(rule.protein_change)}",
    "codon": lambda rule: f"{rule.gene}@{rule.ref}{rule.position}",
    "loss_of_function": lambda rule: f"{rule.gene}!truncating",
    "exon": lambda rule: str(rule.gene),
    "gene_any": lambda rule: str(rule.gene),
    "genomic": lambda rule: str(rule.gene or VARIANTS),
    "copy_number": lambda rule: f"cna:{rule.gene}",
    "tmb": lambda _: BIOMARKER,
    "msi": lambda _: BIOMARKER,
    "expression": lambda _: BIOMARKER,
    "fusion": lambda _: FUSION,
    "wild_type": lambda _: VARIANTS,
}


def _composite_triggers(rule: r.CompositeRule, options: EngineOptions) -> frozenset[str]:
    parts = [triggers(child, options) for child in rule.rules]
    if rule.operator == "not":
        return frozenset({ALL})
    if rule.operator == "or":
        return frozenset().union(*parts)
    # "and" matches only when every part does: any one part's keys will do, the narrowest best
    return min(parts, key=lambda keys: (ALL in keys, VARIANTS in keys, len(keys)))


def _short(change: str) -> str:
    parsed = _parsed(change)
    return parsed.short if parsed is not None else f"invalid {change}"


def needs(rules: Sequence[r.AnyRule]) -> Needs:
    """The genes (and, for gene-less genomic rules, positions) whose facts the rules read."""
    genes: set[str] = set()
    positions: set[int] = set()
    stack = list(rules)
    while stack:
        rule = stack.pop()
        if rule.kind == "composite":
            stack.extend(rule.rules)
        elif rule.kind == "genomic" and not rule.gene:
            positions.add(rule.pos)
        elif (gene := getattr(rule, "gene", None)) is not None:
            genes.add(gene)
    return Needs(genes=frozenset(genes), positions=frozenset(positions))


def altered_genes(rule: r.AnyRule) -> frozenset[str]:
    """Genes the rule requires altered (a screen "for gene Y"); wild-type and ``not`` excluded."""
    if rule.kind == "composite":
        if rule.operator == "not":
            return frozenset()
        return frozenset().union(*(altered_genes(child) for child in rule.rules))
    if rule.kind == "fusion":
        return frozenset(g for g in (rule.gene_5p, rule.gene_3p) if g)
    if rule.kind == "wild_type":
        return frozenset()
    gene = getattr(rule, "gene", None)
    return frozenset({gene}) if gene else frozenset()


def patient_keys(facts: PatientFacts) -> set[str]:
    """The keys a patient holds: genes, protein changes and codons of its variants, CNA genes."""
    keys = {ALL}
    for _, variant in facts.variant_facts():
        gene = variant.gene
        if not gene:
            continue
        keys.add(gene)
        if _truncating(variant):  # the matcher's own predicate, so the key cannot disagree
            keys.add(f"{gene}!truncating")
        change = _parsed(variant.hgvs_p)
        if change is not None:
            keys.add(f"{gene}:{change.short}")
            if not change.change.endswith("="):
                keys.add(f"{gene}@{change.codon}")
    keys.update(f"cna:{getattr(c.fact, 'gene', '')}" for c in facts.copy_numbers)
    for key, present in ((VARIANTS, facts.variants), (FUSION, facts.fusions),
                         (BIOMARKER, facts.biomarkers)):  # fmt: skip
        if present:
            keys.add(key)
    return keys


def _parsed(change: str | None) -> ProteinChange | None:
    if not change:
        return None
    try:
        return ProteinChange.parse(change)
    except InputError:
        return None


def assess_cohort(
    cohort: Sequence[PatientFacts], pairs: Sequence[Pair], options: EngineOptions
) -> Iterator[Assessment]:
    """``engine.assess`` per patient, on the assertions the patient could match (in KB order)."""
    index: dict[str, list[int]] = defaultdict(list)
    for position, (assertion, _) in enumerate(pairs):
        for key in triggers(assertion.rule, options):
            index[key].append(position)
    for facts in cohort:
        chosen = sorted({i for key in patient_keys(facts) for i in index.get(key, ())})
        if chosen:
            yield assess(facts, [pairs[i] for i in chosen], options)
