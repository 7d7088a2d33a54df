# SPDX-License-Identifier: Apache-2.0
"""The whole tumour counts: options undone by co-occurring resistance or documented progression.

Clinical safety invariant 5. A sensitivity option for a therapy to which another matched
alteration of the same tumour confers resistance, with evidence of the same or a stronger AMP
tier, is no longer an option; nor is a therapy containing a drug the patient progressed on
(a treatment line whose recorded status or stop reason names progression). Both facts are kept
and shown. Resistance of weaker evidence than the option does not move it but is shown beside it
as a caution. Resistance stated for a drug class (CGI: "EGFR inhibitor 1st gen") reaches the
drugs the same release assigns to that class. Pure functions over engine findings.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from oncoboard.knowledge.schemas import Assertion, Therapy
from oncoboard.record.schemas import RecordedFact, Treatment

if TYPE_CHECKING:
    from oncoboard.actionability.engine import Finding

_TIER_RANK = {"Tier I": 0, "Tier II": 1, "Tier III": 2, "Tier IV": 3}
_SPLIT = re.compile(r"\s*(?:\+|;|,|/| then | and )\s*", re.IGNORECASE)
_PROGRESSION = re.compile(r"progress", re.IGNORECASE)
_LISTED = re.compile(r"\(([^()]*)\)\s*$")
DRUG_CLASS = "drug class"

DrugClasses = Mapping[str, frozenset[str]]
"""Drug (lower case) → the classes its knowledge base assigns to it (lower case)."""


def agents(therapy: str) -> frozenset[str]:
    """The drugs of a therapy name: ``Cetuximab + Encorafenib`` → {cetuximab, encorafenib}.

    Examples
    --------
    >>> sorted(agents("Carboplatin + Osimertinib"))
    ['carboplatin', 'osimertinib']
    """
    return frozenset(part.strip().lower() for part in _SPLIT.split(therapy) if part.strip())


def _classes_of(therapy: Therapy) -> list[str]:
    """Per drug of a combination, its class names: ``A + B`` with ``X&Y;Z`` → [x&y, z]."""
    return [part.strip().strip("[]").lower() for part in (therapy.strategy or "").split(";")]


def drug_classes(assertions: Iterable[Assertion]) -> dict[str, frozenset[str]]:
    """The classes a release assigns to each drug it names, from its own drug rows.

    A class given in fewer than half of a drug's rows is dropped as a slip of the source: CGI
    2017 lists ado-trastuzumab emtansine once as an "EGFR mAb inhibitor" and five times as an
    "ERBB2 mAb inhibitor".
    """
    rows: Counter[str] = Counter()
    given: Counter[tuple[str, str]] = Counter()
    for assertion in assertions:
        therapy = assertion.therapy
        if therapy is None or therapy.therapy_type == DRUG_CLASS or not therapy.strategy:
            continue
        drugs = [part.strip().lower() for part in therapy.name.split(" + ")]
        classes = _classes_of(therapy)
        if len(drugs) != len(classes):
            continue
        for drug, named in zip(drugs, classes, strict=True):
            rows[drug] += 1
            for name in {c.strip() for c in named.split("&") if c.strip()}:
                given[(drug, name)] += 1
    found: dict[str, set[str]] = {}
    for (drug, name), count in given.items():
        if 2 * count >= rows[drug]:
            found.setdefault(drug, set()).add(name)
    return {drug: frozenset(names) for drug, names in found.items()}


def named_drugs(therapy: Therapy | None, classes: DrugClasses) -> frozenset[str]:
    """The drugs a therapy names; for a drug class, its members in the same knowledge base
    plus the examples the source lists (``BCR-ABL inhibitor 2nd gens (Nilotinib,Dasatinib,etc)``)."""
    if therapy is None:
        return frozenset()
    if therapy.therapy_type != DRUG_CLASS:
        return agents(therapy.name)
    wanted = {name for part in _classes_of(therapy) for name in part.split("&") if name}
    members = {drug for drug, names in classes.items() if names & wanted}
    listed = _LISTED.search(therapy.name)
    if listed:
        members |= {d.strip().lower() for d in listed[1].split(",") if d.strip() not in {"", "etc"}}
    return frozenset(members)


@dataclass(frozen=True)
class Caution:
    """A kept option beside another alteration's resistance evidence too weak or too partial to
    rule it out (a weaker tier, or one drug of a combination)."""

    option: Finding
    resistance: Finding

    @property
    def why(self) -> str:
        against = self.resistance
        return (
            f"co-occurring resistance: {against.result.reason} → resistance to "
            f"{_therapy(against)} ({against.tier.amp}, {against.assertion.source} "
            f"{against.assertion.source_level}); the option's evidence outweighs it here: review both"
        )


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


def _covers(
    option: Finding, against: Finding, targeted: frozenset[str], classes: DrugClasses
) -> bool:
    """Whether a resistance finding undoes an option.

    It does when it names every drug of the option; when it is of a strictly stronger tier and
    names one of its drugs; or when it comes from another alteration and names a drug that the
    option's own alteration targets as a single agent (L858R + T790M: erlotinib + ramucirumab,
    erlotinib being an L858R option on its own). A chemotherapy backbone resisted by another
    alteration (MSI-H and fluorouracil) does not undo a targeted combination (encorafenib +
    cetuximab + FOLFOX for BRAF V600E), nor does the alteration's own resistance to one part of
    a combination built for it at the same tier.
    """
    wanted = agents(_therapy(option))
    named = named_drugs(against.assertion.therapy, classes)
    if wanted <= named:
        return True
    shared = wanted & named
    if not shared:
        return False
    if _TIER_RANK[against.tier.amp_tier] < _TIER_RANK[option.tier.amp_tier]:
        return True
    return _other_alteration(option, against) and bool(shared & targeted)


def _other_alteration(option: Finding, against: Finding) -> bool:
    return {f.fact_id for f in against.result.facts}.isdisjoint(
        f.fact_id for f in option.result.facts
    )


def _resisting(
    option: Finding, resistance: Sequence[Finding], targeted: frozenset[str], classes: DrugClasses
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
        and _covers(option, r, targeted, classes)
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


def _undone(
    option: Finding,
    progressed: list[tuple[RecordedFact, frozenset[str]]],
    targeted: frozenset[str],
    resistance: Sequence[Finding],
    classes: DrugClasses,
) -> Contraindication | None:
    wanted = agents(_therapy(option))
    line = next(((fact, drugs) for fact, drugs in progressed if wanted & drugs), None)
    if line is not None:
        drug = ", ".join(sorted(wanted & line[1]))
        label = getattr(line[0].fact, "name", drug)
        return Contraindication(
            option,
            f"documented progression on {drug} ({label}: {getattr(line[0].fact, 'status', '')})",
            treatment=line[0],
        )
    against = _resisting(option, resistance, targeted, classes)
    if against is None:
        return None
    return Contraindication(
        option,
        f"co-occurring resistance: {against.result.reason} → resistance to "
        f"{_therapy(against)} ({against.tier.amp}, {against.assertion.source} "
        f"{against.assertion.source_level})",
        resistance=against,
    )


def _option_key(option: Finding) -> tuple[frozenset[int], frozenset[str]]:
    return frozenset(f.fact_id for f in option.result.facts), agents(_therapy(option))


def split_options(
    options: Sequence[Finding],
    resistance: Sequence[Finding],
    treatments: Iterable[tuple[RecordedFact, Treatment]],
    classes: DrugClasses | None = None,
) -> tuple[list[Finding], list[Contraindication]]:
    """(options that stand, options moved out with the fact that moved each).

    One alteration's therapy is one option: when its strongest evidence stands against the
    resistance, its weaker assertions stand with it (the resistance is then a caution beside
    the option, not a second verdict on the same therapy).
    """
    progressed = _progressed(treatments)
    singles = _single_agents(options)
    verdicts = [
        (
            option,
            _undone(
                option,
                progressed,
                singles.get(frozenset(f.fact_id for f in option.result.facts), frozenset()),
                resistance,
                classes or {},
            ),
        )
        for option in options
    ]
    standing = {_option_key(option) for option, undone in verdicts if undone is None}
    kept: list[Finding] = []
    moved: list[Contraindication] = []
    for option, undone in verdicts:
        if undone is None or (undone.resistance is not None and _option_key(option) in standing):
            kept.append(option)
        else:
            moved.append(undone)
    return kept, moved


def cautions(
    kept: Sequence[Finding], resistance: Sequence[Finding], classes: DrugClasses
) -> list[Caution]:
    """Kept options that another alteration's resistance evidence names (a drug of the option,
    or its class): the strongest such finding per option, shown beside it."""
    out = []
    for option in kept:
        wanted = agents(_therapy(option))
        against = [
            r
            for r in resistance
            if r.assertion.supports
            and r.assertion.direction == "resistance"
            and _other_alteration(option, r)
            and wanted & named_drugs(r.assertion.therapy, classes)
        ]
        if against:
            strongest = min(against, key=lambda r: (_TIER_RANK[r.tier.amp_tier], r.tier.amp_level))
            out.append(Caution(option, strongest))
    return out
