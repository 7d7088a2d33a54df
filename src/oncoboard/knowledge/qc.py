# SPDX-License-Identifier: Apache-2.0
"""Quality checks every knowledge-base release passes before it is published.

A release that fails any check is refused as a whole (``service.publish`` writes nothing):
a tumour board must never see a partially or wrongly read knowledge base. Rows a reader
deliberately leaves out are not failures; they are published as dropped rows with reasons.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

from oncoboard.errors import Problem
from oncoboard.knowledge.reader import KbRead
from oncoboard.knowledge.rules import CompositeRule, GenomicRule
from oncoboard.knowledge.schemas import Assertion, EvidenceClass

# Source level -> normalised class, from ../shared/data/kb/crosswalk/evidence_level_crosswalk.tsv
# (authored, CC0), column suggested_normalized_class. Readers of other sources add their scheme.
LEVELS: dict[str, dict[str, EvidenceClass]] = {
    "moalmanac": {
        "FDA-Approved": EvidenceClass.REGULATORY_APPROVAL,
        "Guideline": EvidenceClass.GUIDELINE,
        # "eligibility criterion of a trial, not proof of efficacy": weaker than its name
        "Clinical trial": EvidenceClass.CLINICAL_LIMITED,
        "Clinical evidence": EvidenceClass.CLINICAL_LIMITED,
        "Preclinical": EvidenceClass.PRECLINICAL,
        "Inferential": EvidenceClass.INFERENTIAL,
    },
    # MOAlmanac draft relational schema: the single strength "Approval" (ncit:C25425)
    "moalmanac-regulatory": {"Approval": EvidenceClass.REGULATORY_APPROVAL},
}

# HGNC approved symbols: upper-case letters and digits, hyphens, and the "orf" of C1orf...
# (HGNC guidelines, Bruford et al., Nat Genet 2020;52:754-758); the same form as rules.Gene.
HGNC_SYMBOL = re.compile(r"^[A-Z0-9][A-Z0-9-]*(orf[0-9]+)?[A-Z0-9-]*$")
ALLELE = re.compile(r"^[ACGT-]+$")


def run(read: KbRead, *, name: str) -> list[Problem]:
    """Every problem that refuses publication: the reader's own, then release-level checks."""
    found = list(read.problems)
    found += _accounting(read, name)
    found += _duplicates(read.assertions, name)
    for assertion in read.assertions:
        found += _assertion_problems(assertion, name)
    return found


def _accounting(read: KbRead, name: str) -> list[Problem]:
    found: list[Problem] = []
    if not read.assertions:
        found.append(Problem(name, "whole file", "assertions", "0", "at least one assertion"))
    accounted = len(read.assertions) + len(read.dropped) + len(read.rows_with_problems)
    if accounted != read.records_read:
        found.append(
            Problem(
                name,
                "whole file",
                "records",
                f"{read.records_read} read, {accounted} published, dropped or in error",
                "every record published, dropped with a reason, or reported",
            )
        )
    if read.expected_records is not None and read.records_read != read.expected_records:
        found.append(
            Problem(
                name,
                "whole file",
                "record count",
                str(read.records_read),
                f"{read.expected_records:,} records, as the source documents for this release",
            )
        )
    return found


def _duplicates(assertions: list[Assertion], name: str) -> list[Problem]:
    counts = Counter(a.assertion_id for a in assertions)
    return [
        Problem(name, f"assertion {key}", "assertion_id", key, f"unique (found {n} times)")
        for key, n in counts.items()
        if n > 1
    ]


def _assertion_problems(assertion: Assertion, name: str) -> list[Problem]:
    where = f"assertion {assertion.assertion_id}"
    found: list[Problem] = []
    levels = LEVELS.get(assertion.source)
    if levels is not None and levels.get(assertion.source_level) != assertion.evidence_class:
        found.append(
            Problem(
                name,
                where,
                "evidence level",
                f"{assertion.source_level} -> {assertion.evidence_class.value}",
                f"a {assertion.source} level mapped as the crosswalk says ({', '.join(levels)})",
            )
        )
    for gene in _genes(assertion.rule):
        if not HGNC_SYMBOL.match(gene):
            found.append(Problem(name, where, "gene", gene, "an HGNC symbol (e.g. 'HIF1A')"))
    for rule in _rules(assertion.rule):
        if isinstance(rule, GenomicRule):
            for label, allele in (("ref", rule.ref), ("alt", rule.alt)):
                if not ALLELE.match(allele):
                    found.append(Problem(name, where, label, allele, "bases A, C, G, T or '-'"))
    return found


def _rules(rule: object) -> Iterator[object]:
    yield rule
    if isinstance(rule, CompositeRule):
        for inner in rule.rules:
            yield from _rules(inner)


def _genes(rule: object) -> Iterator[str]:
    for each in _rules(rule):
        for attribute in ("gene", "gene_5p", "gene_3p"):
            value = getattr(each, attribute, None)
            if isinstance(value, str):
                yield value
