# SPDX-License-Identifier: Apache-2.0
"""Pure drug guidance: a drug name or RxNorm code plus gene results → starting-dose advice."""

from __future__ import annotations

from oncoboard.pharmacogenomics.schemas import (
    INDETERMINATE,
    DrugAdvice,
    DrugGroup,
    Fallback,
    GeneResult,
    GuidanceRule,
)
from oncoboard.pharmacogenomics.tables import cpic, guidance

_SEVERITY = {"avoid": 4, "reduce": 3, "test": 2, "monitor": 1, "standard": 0}


def find_drug(name: str | None = None, rxnorm: str | None = None) -> tuple[str, str] | None:
    """(group, drug) for a drug with PGx guidance, from its name (brand or generic) or RxCUI.

    Examples
    --------
    >>> find_drug("XELODA 500 mg tablet")
    ('fluoropyrimidine', 'capecitabine')
    >>> find_drug(rxnorm="103")
    ('thiopurine', 'mercaptopurine')
    >>> find_drug("oxaliplatin") is None
    True
    """
    text = (name or "").lower()
    for group_name, group in guidance().drugs.items():
        for drug, member in group.members.items():
            if rxnorm and rxnorm in member.rxnorm:
                return group_name, drug
            words = (drug, *member.aliases)
            if text and any(_mentions(text, word) for word in words):
                return group_name, drug
    return None


def _mentions(text: str, word: str) -> bool:
    start = text.find(word)
    while start >= 0:
        end = start + len(word)
        before = text[start - 1] if start > 0 else " "
        after = text[end] if end < len(text) else " "
        if not before.isalnum() and not after.isalnum():
            return True
        start = text.find(word, start + 1)
    return False


def _matches(rule: GuidanceRule, results: dict[str, GeneResult]) -> bool:
    for gene, criteria in rule.when.items():
        result = results.get(gene)
        if result is None or result.status != "determined":
            return False
        scores = criteria.get("activity_score")
        if scores is not None and result.activity_score not in scores:
            return False
        phenotypes = criteria.get("phenotype")
        if phenotypes is not None and result.phenotype not in phenotypes:
            return False
    return True


def advise(drug: str, group_name: str, results: dict[str, GeneResult]) -> DrugAdvice:
    """The starting-dose advice for ``drug`` given the patient's gene results."""
    group = guidance().drugs[group_name]
    genes = tuple(results[g] for g in group.genes if g in results)
    rule = next(
        (r for r in group.rules if (not r.drugs or drug in r.drugs) and _matches(r, results)),
        None,
    )
    warnings = _other_genes(group, results, rule)
    if rule is not None:
        verification = rule.drug_verification.get(drug, rule.verification)
        return _advice(
            drug,
            group_name,
            group,
            genes,
            rule.action,
            rule.percent,
            rule.text,
            rule.sources,
            verification,
            warnings,
            rule.id,
        )
    fallback = _fallback(group, results)
    warnings += _bounds_warning(drug, group_name, group, genes)
    return _advice(
        drug,
        group_name,
        group,
        genes,
        fallback.action,
        None,
        fallback.text,
        fallback.sources,
        fallback.verification,
        warnings,
        None,
    )


def _fallback(group: DrugGroup, results: dict[str, GeneResult]) -> Fallback:
    statuses = {results[g].status if g in results else "not_tested" for g in group.genes}
    return group.untested if statuses <= {"not_tested", "no_table"} else group.indeterminate


def _other_genes(
    group: DrugGroup, results: dict[str, GeneResult], rule: GuidanceRule | None
) -> list[str]:
    """Genes the matched rule did not look at and that are not known: say so."""
    used = set(rule.when) if rule else set()
    out = []
    for gene in group.genes:
        result = results.get(gene)
        if gene in used or result is None:
            continue
        if result.status != "determined":
            out.append(
                f"{gene} is {result.phenotype.lower()}: if it is also decreased, a larger "
                f"reduction applies ({group.guideline})"
            )
    return out


def _bounds_warning(
    drug: str, group_name: str, group: DrugGroup, genes: tuple[GeneResult, ...]
) -> list[str]:
    """For an incomplete result: the guidance the calls made already imply, at the least."""
    out = []
    for result in genes:
        if result.status != "indeterminate" or not result.diplotype or not result.notes:
            continue
        possible = [n for n in result.notes if n.startswith("with the calls made")]
        if possible:
            out.append(
                f"{result.gene}: {possible[0]}; treat as at least the milder of these only "
                "after the result is completed"
            )
    return out


def _advice(
    drug: str,
    group_name: str,
    group: DrugGroup,
    genes: tuple[GeneResult, ...],
    action: str,
    percent: tuple[int, int] | None,
    text: str,
    sources: tuple[str, ...],
    verification: str,
    warnings: list[str],
    rule_id: str | None,
) -> DrugAdvice:
    table = guidance()
    member = group.members[drug]
    citations = tuple(table.sources.get(member.label if s == "label" else s, s) for s in sources)
    if group.provisional:
        warnings = [*warnings, "provisional: no CPIC guideline for this gene-drug pair"]
    return DrugAdvice.model_validate(
        {
            "drug": drug,
            "group": group_name,
            "action": action,
            "percent": percent,
            "text": text,
            "rule_id": rule_id,
            "genes": genes,
            "citations": citations,
            "verification": verification,
            "provisional": group.provisional,
            "warnings": tuple(warnings),
            "guideline": group.guideline,
            "guidance_version": table.version,
            "table_version": cpic().table_version,
        }
    )


def all_drugs() -> list[tuple[str, str]]:
    """Every (group, drug) with guidance, in table order."""
    return [(g, d) for g, group in guidance().drugs.items() for d in group.members]


def severity(advice: DrugAdvice) -> int:
    return _SEVERITY[advice.action]


def is_unknown(result: GeneResult) -> bool:
    return result.phenotype in (INDETERMINATE,) or result.status != "determined"


def advice_genes(group_name: str) -> tuple[str, ...]:
    """The genes a drug group's guidance reads."""
    return guidance().drugs[group_name].genes
