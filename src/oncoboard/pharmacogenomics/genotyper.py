# SPDX-License-Identifier: Apache-2.0
"""Pure allele caller: genotypes at the CPIC-defined GRCh38 sites of one gene → diplotype.

Only the alleles listed in ``GeneTable.vcf_alleles`` are called (SNV-defined, plus the UGT1A1
TA-repeat record itself). A site absent from the file, a no-call (``./.``) or a filtered call is
*not called*: absence is not evidence, so alleles resting on it stay possible and the engine
bounds the phenotype. Unphased heterozygous variants are assumed to lie on different strands
(CPIC, DPYD: "presumed to be on different gene copies"); more than two DPYD variants → the two
lowest-function variants count (CPIC DPYD guideline, as PharmCAT documents it).
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import combinations_with_replacement

from oncoboard.pharmacogenomics.schemas import GeneTable, VcfSite
from oncoboard.record.schemas import PharmacogenomicResult


@dataclass(frozen=True)
class SiteCall:
    """What the file says at one defining site: alt copies per strand (phased) or in all."""

    site: VcfSite
    status: str  # "called", "no-call", "filtered", "absent"
    alleles: tuple[str, ...] = ()  # the genotype's allele sequences, e.g. ("C", "T")
    phased: bool = False
    genotype: str = ""
    locator: str = ""

    def copies(self, alt: str) -> int:
        return sum(1 for a in self.alleles if a == alt)


def call_gene(
    table: GeneTable, calls: dict[int, SiteCall], *, test: str | None
) -> PharmacogenomicResult:
    """The gene's diplotype from its site calls (best case for uncalled sites, listed)."""
    called = {pos: c for pos, c in calls.items() if c.status == "called"}
    possible_uncalled = _uncalled_alleles(table, calls)
    notes: list[str] = []
    if not called:
        return PharmacogenomicResult(
            gene=table.gene,
            diplotype=None,
            method="vcf",
            test=test,
            calls=_call_rows(calls),
            not_called=tuple(possible_uncalled),
            notes=("no defining site of this gene was called in the file",),
        )
    phased = all(c.phased for c in called.values() if len(set(c.alleles)) > 1)
    strands = _phased(table, called) if phased else None
    if strands is None:
        strands = _unphased(table, called, notes)
    diplotype = f"{strands[0]}/{strands[1]}" if strands else None
    if strands is None:
        notes.append("the genotypes match no pair of defined alleles: ask the lab for a call")
    return PharmacogenomicResult(
        gene=table.gene,
        diplotype=diplotype,
        method="vcf",
        test=test,
        phased=phased,
        calls=_call_rows(calls),
        not_called=tuple(a for a in possible_uncalled),
        notes=tuple(notes),
    )


def _observed(table: GeneTable, called: dict[int, SiteCall]) -> dict[tuple[int, str], int]:
    """Alt copies per (site, alt sequence) the defined alleles use."""
    out: dict[tuple[int, str], int] = {}
    for definition in table.vcf_alleles.values():
        for pos_text, alt in definition.items():
            pos = int(pos_text)
            if pos in called:
                out[(pos, alt)] = called[pos].copies(alt)
    return out


def _contribution(table: GeneTable, allele: str | None) -> dict[tuple[int, str], int]:
    if allele is None:
        return {}
    return {(int(p), alt): 1 for p, alt in table.vcf_alleles[allele].items()}


def _unphased(
    table: GeneTable, called: dict[int, SiteCall], notes: list[str]
) -> tuple[str, str] | None:
    observed = _observed(table, called)
    names: list[str | None] = [None, *table.vcf_alleles]
    matches = []
    for first, second in combinations_with_replacement(names, 2):
        total: dict[tuple[int, str], int] = {}
        for part in (_contribution(table, first), _contribution(table, second)):
            for key, n in part.items():
                total[key] = total.get(key, 0) + n
        if _explains(total, observed):
            matches.append((first, second))
    if matches:
        matches.sort(key=lambda pair: -sum(1 for a in pair if a is None))
        best = matches[0]
        if len(matches) > 1:
            others = "; ".join(_pair_text(table, p) for p in matches[1:])
            notes.append(
                f"unphased: {_pair_text(table, best)} assumed (the usual configuration); "
                f"also consistent with {others}"
            )
        elif sum(1 for a in best if a is not None) == 2 and best[0] != best[1]:
            notes.append("unphased heterozygous variants: assumed on different strands (trans)")
        return _name(table, best[0]), _name(table, best[1])
    if table.lookup != "activity_score":
        return None
    return _lowest_two(table, observed, notes)


def _explains(total: dict[tuple[int, str], int], observed: dict[tuple[int, str], int]) -> bool:
    """The pair gives exactly the observed alt copies, and rests only on called sites (an
    allele whose defining site was not called cannot be asserted from this file)."""
    return all(total.get(key, 0) == n for key, n in observed.items()) and all(
        key in observed for key in total
    )


def _lowest_two(
    table: GeneTable, observed: dict[tuple[int, str], int], notes: list[str]
) -> tuple[str, str]:
    values = {
        a.name: (a.activity_value if a.activity_value is not None else 1.0) for a in table.alleles
    }
    found: list[str] = []
    for allele, definition in table.vcf_alleles.items():
        copies = min(observed.get((int(p), alt), 0) for p, alt in definition.items())
        found.extend([allele] * copies)
    found.sort(key=lambda a: values.get(a, 1.0))
    notes.append(
        f"{len(found)} variant alleles found unphased ({', '.join(found)}): the two lowest-function "
        "variants determine the activity score (CPIC DPYD)"
    )
    padded = [*found[:2], table.reference_allele, table.reference_allele][:2]
    return padded[0], padded[1]


def _phased(table: GeneTable, called: dict[int, SiteCall]) -> tuple[str, str] | None:
    strands: list[str] = []
    for index in (0, 1):
        present = {(pos, c.alleles[index]) for pos, c in called.items() if len(c.alleles) > index}
        hits = [
            a
            for a, d in table.vcf_alleles.items()
            if all((int(p), alt) in present for p, alt in d.items())
        ]
        # an allele contained in a larger hit (TPMT *3B in *3A) is not called on its own
        hits = [
            h
            for h in hits
            if not any(
                h != o and set(table.vcf_alleles[h].items()) < set(table.vcf_alleles[o].items())
                for o in hits
            )
        ]
        if not hits:
            strands.append(table.reference_allele)
        elif len(hits) == 1:
            strands.append(hits[0])
        elif table.lookup == "activity_score":
            strands.append("[" + " + ".join(hits) + "]")
        else:
            return None
    return strands[0], strands[1]


def _name(table: GeneTable, allele: str | None) -> str:
    return table.reference_allele if allele is None else allele


def _pair_text(table: GeneTable, pair: tuple[str | None, str | None]) -> str:
    return f"{_name(table, pair[0])}/{_name(table, pair[1])}"


def _uncalled_alleles(table: GeneTable, calls: dict[int, SiteCall]) -> list[str]:
    """Alleles a not-called site leaves possible (no defining site of theirs reads hom-ref)."""
    out = []
    for allele, definition in table.vcf_alleles.items():
        sites = [int(p) for p in definition]
        if all(calls[p].status == "called" for p in sites if p in calls) and all(
            p in calls for p in sites
        ):
            continue
        excluded = any(
            calls[p].status == "called" and calls[p].copies(definition[str(p)]) == 0
            for p in sites
            if p in calls
        )
        if not excluded:
            out.append(allele)
    return out


def _call_rows(calls: dict[int, SiteCall]) -> tuple[dict[str, object], ...]:
    rows: list[dict[str, object]] = []
    for pos in sorted(calls):
        call = calls[pos]
        rows.append(
            {
                "position": f"{call.site.chrom}:{pos}",
                "rsid": call.site.rsid,
                "alleles": ", ".join(call.site.labels),
                "genotype": call.genotype or ".",
                "status": call.status,
                "locator": call.locator,
            }
        )
    return tuple(rows)
