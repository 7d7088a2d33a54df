# SPDX-License-Identifier: Apache-2.0
"""Peer tuples from MOAlmanac's ``actionable.txt`` against our engine's findings.

Unit (peer_run/README.md, "How to compare"): one tuple per row × direction whose per-direction bin
is *Putatively Actionable*: (feature type, feature, alteration, direction, therapy, level).
Protein changes are normalised on both sides with ``ProteinChange``; combinations compare as
unordered agent sets. Reasons for each difference are classified: automatically from the
assertion's fate in our pipeline (dropped at KB import, rule not evaluated, not matched), and,
where only reading the case can tell, from ``KNOWN`` below (argued in ``docs/validation.md``).
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from oncoboard.actionability.engine import Assessment, Finding
from oncoboard.errors import InputError
from oncoboard.knowledge.rules import MatchLevel
from oncoboard.record.genomics import ProteinChange
from oncoboard.record.schemas import Biomarker, CopyNumberChange, Fusion, SomaticVariant

PA = "Putatively Actionable"
IA = "Investigate Actionability"
DIRECTIONS = ("sensitive", "resistance", "prognostic")
# Our match levels that correspond to the peer's bin 4 ("gene + alteration type + alteration").
SPECIFIC = frozenset({
    MatchLevel.EXACT_GENOMIC, MatchLevel.PROTEIN_CHANGE, MatchLevel.COPY_NUMBER,
    MatchLevel.FUSION, MatchLevel.SIGNATURE, MatchLevel.CODON, MatchLevel.EXON,
})  # fmt: skip
_CNA = {"amplification": "Amplification", "deep_deletion": "Deletion"}

Key = tuple[str, str, str]  # feature type, feature, alteration


@dataclass(frozen=True)
class PeerTuple:
    key: Key
    direction: str
    therapy: str
    level: str
    oncotree: str

    def label(self) -> str:
        therapy = f" → {self.therapy}" if self.therapy else ""
        where = f" [{self.oncotree}]" if self.oncotree else ""
        return f"{' '.join(p for p in self.key[1:] if p)} {self.direction}{therapy} ({self.level}){where}"


@dataclass
class Comparison:
    sample: str
    tumor_type: str
    both: list[PeerTuple] = field(default_factory=list)
    only_peer: list[tuple[PeerTuple, str]] = field(default_factory=list)
    only_ours: list[tuple[str, str]] = field(default_factory=list)
    peer_bins: dict[Key, dict[str, str]] = field(default_factory=dict)
    # alteration level: (feature, alteration) the peer bins PA or IA / that we match at all
    peer_alterations: set[Key] = field(default_factory=set)
    our_alterations: set[Key] = field(default_factory=set)
    not_evaluated: dict[str, int] = field(default_factory=dict)


def alteration(text: str) -> str:
    try:
        return ProteinChange.parse(text).short
    except InputError:
        return text


def _peer_direction(row: dict[str, str], direction: str) -> str:
    if direction == "sensitive":
        return "sensitivity"
    if direction == "resistance":
        return "resistance"
    return "favorable_prognosis" if row["favorable_prognosis"] == "1" else "poor_prognosis"


def peer_key(row: dict[str, str]) -> Key:
    kind = row["feature_type"]
    if kind == "Copy Number":
        return (kind, row["feature"], row["alteration_type"])
    if kind in ("Somatic Variant", "Germline Variant"):
        return (kind, row["feature"], alteration(row["alteration"]))
    return (kind, row["feature"], row["alteration"])


def read_peer(path: Path) -> tuple[list[PeerTuple], dict[Key, dict[str, str]]]:
    """The Putatively Actionable tuples, and every row's per-direction bins."""
    tuples: list[PeerTuple] = []
    bins: dict[Key, dict[str, str]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t"):
            key = peer_key(row)
            for direction in DIRECTIONS:
                ours = _peer_direction(row, direction)
                bins.setdefault(key, {})[ours] = row[f"{direction}_score_bin"]
                if row[f"{direction}_score_bin"] != PA:
                    continue
                therapy = "" if direction == "prognostic" else row[f"{direction}_therapy_name"]
                tuples.append(
                    PeerTuple(
                        key,
                        ours,
                        therapy,
                        row[f"{direction}_predictive_implication"],
                        row[f"{direction}_oncotree_code"],
                    )
                )
    return list(dict.fromkeys(tuples)), bins


def fact_keys(finding: Finding) -> list[Key]:
    """The peer-style keys of the facts a finding matched."""
    keys: list[Key] = []
    for recorded in finding.result.facts:
        fact = recorded.fact
        if isinstance(fact, SomaticVariant):
            kind = "Germline Variant" if fact.origin == "germline" else "Somatic Variant"
            keys.append((kind, fact.gene or "", alteration(fact.hgvs_p or fact.hgvs_p_raw or "")))
        elif isinstance(fact, CopyNumberChange):
            keys.append(("Copy Number", fact.gene, _CNA.get(fact.change, fact.change)))
        elif isinstance(fact, Fusion):
            name = f"{fact.gene_5p}--{fact.gene_3p}"
            keys += [("Rearrangement", g or "", name) for g in (fact.gene_5p, fact.gene_3p)]
        elif isinstance(fact, Biomarker) and fact.name.upper() == "MSI":
            keys.append(("Microsatellite Stability", "MSI-High", ""))
        elif isinstance(fact, Biomarker):
            keys.append(("Mutational Burden", fact.name, str(fact.value_number)))
    return keys


def agents(therapy: str) -> frozenset[str]:
    return frozenset(part.strip().lower() for part in therapy.split(" + ") if part.strip())


def _same(peer: PeerTuple, finding: Finding) -> bool:
    therapy = finding.assertion.therapy.name if finding.assertion.therapy else ""
    return (
        finding.assertion.direction == peer.direction
        and finding.assertion.source_level == peer.level
        and agents(therapy) == agents(peer.therapy)
        and peer.key in fact_keys(finding)
    )


def all_findings(assessment: Assessment) -> list[Finding]:
    return [*assessment.options, *assessment.resistance, *assessment.other]


def compare(
    sample: str, tumor_type: str, peer_file: Path, assessment: Assessment, fates: Fates
) -> Comparison:
    peer, bins = read_peer(peer_file)
    found = all_findings(assessment)
    result = Comparison(sample, tumor_type, peer_bins=bins)
    for item in peer:
        if any(_same(item, f) for f in found):
            result.both.append(item)
        else:
            result.only_peer.append((item, fates.explain(sample, item)))
    result.peer_alterations = {k for k, b in bins.items() if set(b.values()) & {PA, IA}}
    result.our_alterations = {k for f in found for k in fact_keys(f)}
    result.not_evaluated = {r: len(a) for r, a in assessment.not_evaluated.items()}
    peer_pairs = {(p.key, p.direction) for p in peer}
    ours: dict[tuple[Key, str], list[Finding]] = defaultdict(list)
    for finding in found:
        if finding.result.level not in SPECIFIC:
            continue
        for key in fact_keys(finding):
            ours[(key, finding.assertion.direction)].append(finding)
    for (key, direction), findings in sorted(ours.items()):
        if (key, direction) in peer_pairs:
            continue
        peer_bin = bins.get(key, {}).get(direction) or "no row"
        label = f"{' '.join(p for p in key[1:] if p)} {direction} ({_best(findings)})"
        reason = known_reason(sample, key, direction) or f"unclassified; MOAlmanac bin: {peer_bin}"
        result.only_ours.append((label, f"MOAlmanac: {peer_bin}; {reason}"))
    return result


def _best(findings: Iterable[Finding]) -> str:
    ordered = sorted(findings, key=lambda f: (f.tier.amp_tier, f.tier.amp_level))
    best = ordered[0]
    therapy = best.assertion.therapy.name if best.assertion.therapy else "no therapy"
    return (
        f"{len(ordered)} assertion(s), best {best.assertion.source_level}: {therapy} "
        f"[{best.assertion.disease.oncotree_code}], {best.result.level}"
    )


_MSI = (
    "matching semantics differ: MOAlmanac caps an MSI status match at bin 3 (annotator.py "
    "annotate_microsatellite_stability sets feature_match_to_assertion_bin = 3), so MSI-High can "
    "never be Putatively Actionable there; we match the same MSI-High assertions as a specific "
    "biomarker match"
)
_CODON = (
    "matching semantics differ: the assertion's protein_change is the codon 'p.G12' (assertion "
    "375: 'KRAS mutation in codon 12, 13, or 61'); MOAlmanac compares protein_change strings, so "
    "p.G12D != p.G12 falls to bin 3 (gene + Missense); we read p.G12 as codon 12 (codon rule)"
)
# Reasons only a reading of the case can give; keyed by (sample or "*", feature, alteration,
# direction). Each is argued in docs/validation.md.
KNOWN: dict[tuple[str, str, str, str], str] = {
    ("example", "MSI-High", "", "sensitivity"): _MSI,
    ("example", "MSI-High", "", "resistance"): _MSI,
    ("example", "MSI-High", "", "favorable_prognosis"): _MSI,
    ("TCGA-AB-2865", "KRAS", "p.G12D", "resistance"): _CODON,
}


def known_reason(sample: str, key: Key, direction: str) -> str | None:
    for who in (sample, "*"):
        found = KNOWN.get((who, key[1], key[2], direction))
        if found:
            return found
    return None


@dataclass
class Fates:
    """What became of each KB assertion in our pipeline, to explain what the peer has and we lack."""

    raw: list[dict[str, object]]
    dropped: dict[str, str]
    not_evaluated: dict[str, dict[str, str]] = field(default_factory=dict)
    matched: dict[str, set[str]] = field(default_factory=dict)

    def record(self, sample: str, assessment: Assessment) -> None:
        self.not_evaluated[sample] = {
            a.assertion_id: reason
            for reason, items in assessment.not_evaluated.items()
            for a in items
        }
        self.matched[sample] = {f.assertion.assertion_id for f in all_findings(assessment)}

    def explain(self, sample: str, peer: PeerTuple) -> str:
        candidates = [row for row in self.raw if _peer_assertion(row, peer)]
        if not candidates:
            return "peer row names no assertion in this KB release (peer bug?)"
        reasons = []
        for row in candidates:
            ident = f"moalmanac:{row['assertion_id']}"
            if ident in self.dropped:
                reasons.append(
                    f"KB import dropped assertion {row['assertion_id']}: {self.dropped[ident]}"
                )
            elif ident in self.not_evaluated.get(sample, {}):
                reasons.append(
                    f"rule not evaluated ({row['assertion_id']}): {self.not_evaluated[sample][ident]}"
                )
            elif ident in self.matched.get(sample, set()):
                reasons.append(f"assertion {row['assertion_id']} matched other facts")
            else:
                reasons.append(f"assertion {row['assertion_id']} not matched (input or semantics)")
        return "; ".join(reasons)


def _peer_assertion(row: dict[str, object], peer: PeerTuple) -> bool:
    kind, feature, alt = peer.key
    if row.get("feature_type") != kind or row.get("predictive_implication") != peer.level:
        return False
    if feature not in (row.get("gene"), row.get("gene1"), row.get("gene2"), row.get("status")):
        return False
    if (
        kind in ("Somatic Variant", "Germline Variant")
        and alteration(str(row.get("protein_change"))) != alt
    ):
        return False
    if kind == "Copy Number" and row.get("direction") != alt:
        return False
    therapy = str(row.get("therapy_name") or "")
    return agents(therapy) == agents(peer.therapy) and _row_direction(row) == peer.direction


def _row_direction(row: dict[str, object]) -> str:
    if str(row.get("therapy_sensitivity")) == "1":
        return "sensitivity"
    if str(row.get("therapy_resistance")) == "1":
        return "resistance"
    return "favorable_prognosis" if str(row.get("favorable_prognosis")) == "1" else "poor_prognosis"


def render(comparisons: list[Comparison]) -> str:
    lines = [
        "Concordance with MOAlmanac (Putatively Actionable tuples: row x direction)",
        f"{'sample':<14}{'tumour':<8}{'peer PA':>8}{'both':>6}{'only MOA':>10}{'only ours':>11}",
    ]
    for c in comparisons:
        peer = len(c.both) + len(c.only_peer)
        lines.append(
            f"{c.sample:<14}{c.tumor_type:<8}{peer:>8}{len(c.both):>6}"
            f"{len(c.only_peer):>10}{len(c.only_ours):>11}"
        )
    both = sum(len(c.both) for c in comparisons)
    only_peer = sum(len(c.only_peer) for c in comparisons)
    only_ours = sum(len(c.only_ours) for c in comparisons)
    lines.append(f"{'all':<22}{both + only_peer:>8}{both:>6}{only_peer:>10}{only_ours:>11}")
    lines += _alteration_level(comparisons)
    for c in comparisons:
        if not (c.both or c.only_peer or c.only_ours):
            continue
        lines.append(f"\n{c.sample} ({c.tumor_type})")
        lines += [f"  both       {p.label()}" for p in c.both]
        lines += [f"  only MOA   {p.label()}\n             reason: {why}" for p, why in c.only_peer]
        lines += [f"  only ours  {what}\n             reason: {why}" for what, why in c.only_ours]
    return "\n".join(lines) + "\n"


def _alteration_level(comparisons: list[Comparison]) -> list[str]:
    """README item 1: alterations the peer bins PA or IA vs alterations we match at any level."""
    peer = sum(len(c.peer_alterations) for c in comparisons)
    ours = sum(len(c.our_alterations) for c in comparisons)
    both = sum(len(c.peer_alterations & c.our_alterations) for c in comparisons)
    lines = [
        "",
        "Alteration level (peer PA or IA rows vs alterations with any OncoBoard finding):",
        f"  peer {peer}, ours {ours}, both {both}",
    ]
    for c in comparisons:
        for key in sorted(c.peer_alterations - c.our_alterations):
            lines.append(f"  only MOA   {c.sample}: {' '.join(p for p in key if p)}")
        for key in sorted(c.our_alterations - c.peer_alterations):
            lines.append(f"  only ours  {c.sample}: {' '.join(p for p in key if p)}")
    return lines
