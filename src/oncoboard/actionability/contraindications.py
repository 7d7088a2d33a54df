# SPDX-License-Identifier: Apache-2.0
"""The whole tumour counts: options undone by co-occurring resistance or documented progression.

Clinical safety invariant 5. A sensitivity option for a therapy to which another matched
alteration of the same tumour confers resistance, with evidence of the same or a stronger AMP
tier, is no longer an option; nor is a therapy containing a drug the patient progressed on
(a treatment line whose recorded status or stop reason names progression). Both facts are kept
and shown. Pure functions over engine findings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oncoboard.record.schemas import RecordedFact, Treatment

if TYPE_CHECKING:
    from oncoboard.actionability.engine import Finding

_TIER_RANK = {"Tier I": 0, "Tier II": 1, "Tier III": 2, "Tier IV": 3}
_SPLIT = re.compile(r"\s*(?:\+|;|,|/| then | and )\s*", re.IGNORECASE)
_PROGRESSION = re.compile(r"progress", re.IGNORECASE)


def agents(therapy: str) -> frozenset[str]:
    """The drugs of a therapy name: ``Cetuximab + Encorafenib`` → {cetuximab, encorafenib}.

    Examples
    --------
    >>> sorted(agents("Carboplatin + Osimertinib"))
    ['carboplatin', 'osimertinib']
    """
    return frozenset(part.strip().lower() for part in _SPLIT.split(therapy) if part.strip())


@dataclass(frozen=True)
class Contraindication:
    """An option moved out of the options, with the fact that undoes it."""

    option: Finding
    why: str
    resistance: Finding | None = None
    treatment: RecordedFact | None = None


def _therapy(finding: Finding) -> str:
    return finding.assertion.therapy.name if finding.assertion.therapy else ""


def _progressed(
    treatments: Iterable[tuple[RecordedFact, Treatment]],
) -> list[tuple[RecordedFact, frozenset[str]]]:
    return [
        (fact, agents(treatment.name))
        for fact, treatment in treatments
        if treatment.category == "medication" and _PROGRESSION.search(treatment.status or "")
    ]


def _covers(option: Finding, against: Finding, targeted: frozenset[str]) -> bool:
    """Whether a resistance finding undoes an option.

    It does when it names every drug of the option; when it is of a strictly stronger tier and
    names one of its drugs; or when it comes from another alteration and names a drug that the
    option's own alteration targets as a single agent (L858R + T790M: erlotinib + ramucirumab,
    erlotinib being an L858R option on its own). A chemotherapy backbone resisted by another
    alteration (MSI-H and fluorouracil) does not undo a targeted combination (encorafenib +
    cetuximab + FOLFOX for BRAF V600E), nor does the alteration's own resistance to one part of
    a combination built for it at the same tier.
    """
    wanted, named = agents(_therapy(option)), agents(_therapy(against))
    if wanted <= named:
        return True
    shared = wanted & named
    if not shared:
        return False
    if _TIER_RANK[against.tier.amp_tier] < _TIER_RANK[option.tier.amp_tier]:
        return True
    other = {f.fact_id for f in against.result.facts}.isdisjoint(
        f.fact_id for f in option.result.facts
    )
    return other and bool(shared & targeted)


def _resisting(
    option: Finding, resistance: Sequence[Finding], targeted: frozenset[str]
) -> Finding | None:
    """The strongest resistance finding against the option at the same or a stronger AMP tier."""
    if not agents(_therapy(option)):
        return None
    rank = _TIER_RANK[option.tier.amp_tier]
    found = [
        r
        for r in resistance
        if r.assertion.supports
        and r.assertion.direction == "resistance"
        and _TIER_RANK[r.tier.amp_tier] <= rank
        and _covers(option, r, targeted)
    ]
    return min(found, key=lambda r: (_TIER_RANK[r.tier.amp_tier], r.tier.amp_level), default=None)


def _single_agents(options: Sequence[Finding]) -> dict[frozenset[int], frozenset[str]]:
    """Per alteration (its fact ids), the drugs offered for it as single agents."""
    found: dict[frozenset[int], set[str]] = {}
    for option in options:
        drugs = agents(_therapy(option))
        if len(drugs) == 1:
            key = frozenset(f.fact_id for f in option.result.facts)
            found.setdefault(key, set()).update(drugs)
    return {key: frozenset(drugs) for key, drugs in found.items()}


def split_options(
    options: Sequence[Finding],
    resistance: Sequence[Finding],
    treatments: Iterable[tuple[RecordedFact, Treatment]],
) -> tuple[list[Finding], list[Contraindication]]:
    """(options that stand, options moved out with the fact that moved each)."""
    progressed = _progressed(treatments)
    singles = _single_agents(options)
    kept: list[Finding] = []
    moved: list[Contraindication] = []
    for option in options:
        wanted = agents(_therapy(option))
        line = next(((fact, drugs) for fact, drugs in progressed if wanted & drugs), None)
        if line is not None:
            drug = ", ".join(sorted(wanted & line[1]))
            label = getattr(line[0].fact, "name", drug)
            moved.append(
                Contraindication(
                    option,
                    f"documented progression on {drug} ({label}: "
                    f"{getattr(line[0].fact, 'status', '')})",
                    treatment=line[0],
                )
            )
            continue
        targeted = singles.get(frozenset(f.fact_id for f in option.result.facts), frozenset())
        against = _resisting(option, resistance, targeted)
        if against is not None:
            moved.append(
                Contraindication(
                    option,
                    f"co-occurring resistance: {against.result.reason} → resistance to "
                    f"{_therapy(against)} ({against.tier.amp}, {against.assertion.source} "
                    f"{against.assertion.source_level})",
                    resistance=against,
                )
            )
            continue
        kept.append(option)
    return kept, moved
