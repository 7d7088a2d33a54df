# SPDX-License-Identifier: Apache-2.0
"""What evaluating one rule gives: matched, not matched or not evaluated, with the facts and why."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from oncoboard.knowledge.rules import MatchLevel
from oncoboard.record.schemas import RecordedFact, SomaticVariant

Status = Literal["matched", "not_matched", "not_evaluated"]

# Changes that leave the protein sequence unchanged never satisfy an "any alteration" rule.
SILENT = frozenset(
    {
        "synonymous_variant",
        "Silent",
        "intron_variant",
        "Intron",
        "3'UTR",
        "5'UTR",
        "3_prime_UTR_variant",
        "5_prime_UTR_variant",
        "IGR",
        "intergenic_variant",
    }
)


def protein_altering(variant: SomaticVariant) -> bool:
    return not set((variant.consequence or "").split(",")) <= SILENT


@dataclass(frozen=True)
class EngineOptions:
    """Visible opt-ins; conservative by default (no gene-level evidence, PASS calls only)."""

    gene_level: bool = False
    include_filtered: bool = False


@dataclass(frozen=True)
class RuleResult:
    status: Status
    level: MatchLevel | None
    facts: tuple[RecordedFact, ...]
    reason: str

    @property
    def matched(self) -> bool:
        return self.status == "matched"


def yes(level: MatchLevel, facts: list[RecordedFact], reason: str) -> RuleResult:
    return RuleResult("matched", level, tuple(facts), reason)


def no(reason: str) -> RuleResult:
    return RuleResult("not_matched", None, (), reason)


def unknown(reason: str) -> RuleResult:
    return RuleResult("not_evaluated", None, (), reason)
