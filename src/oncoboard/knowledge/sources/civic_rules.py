# SPDX-License-Identifier: Apache-2.0
"""The biomarker rule of one CIViC evidence item: v2 molecular profile or v1 gene + variant."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from oncoboard.errors import InputError
from oncoboard.knowledge.rules import AnyRule, CompositeRule, GenomicRule, Origin, UnsupportedRule
from oncoboard.knowledge.sources import civic_columns as cols
from oncoboard.knowledge.sources.civic_variants import (
    ProfileError,
    RowError,
    check_gene,
    fusion_rule,
    parse_profile,
    unsupported,
    variant_rule,
)
from oncoboard.record.genomics import parse_genome_build


def origin_of(text: str) -> Origin:
    """CIViC variant origin: Somatic, Rare/Common Germline; Unknown, N/A or empty → any."""
    if text == "Somatic":
        return "somatic"
    if "Germline" in text:
        return "germline"
    return "any"


def item_rule(layout: cols.Layout, rows: list[list[str]], origin: Origin) -> AnyRule:
    """The rule of one evidence item from its rows (v2: one row; the v1 subset: several)."""
    if layout.version == "v2":
        profile = layout.get(rows[0], "profile")
        return _profile(profile, lambda segment: _v2_segment(segment, origin))
    gene = layout.get(rows[0], "gene")
    rules: list[AnyRule] = []
    seen: set[str] = set()
    for fields in rows:
        name = layout.get(fields, "variant")
        if name in seen:
            continue
        seen.add(name)
        rules.append(_profile(name, partial(_v1_segment, layout, fields, gene, origin=origin)))
    # the subset split "D835H/Y" into rows: either variant qualifies
    return rules[0] if len(rules) == 1 else CompositeRule(operator="or", rules=tuple(rules))


def _profile(text: str, segment: Callable[[str], AnyRule]) -> AnyRule:
    try:
        return parse_profile(text, segment)
    except ProfileError as exc:
        return UnsupportedRule(description=text, reason=f"molecular profile not parseable: {exc}")


def _v2_segment(segment: str, origin: Origin) -> AnyRule:
    """``BRAF V600E``, ``EML4::ALK Fusion``: the gene (or fusion) first, then the variant."""
    token, _, rest = segment.partition(" ")
    if "::" in token:
        return fusion_rule(token, rest.strip())
    gene = check_gene(token, "molecular_profile")
    if not rest.strip():
        return unsupported(segment, "molecular profile segment without a variant name")
    return variant_rule(gene, rest.strip(), origin)


def _v1_segment(
    layout: cols.Layout, fields: list[str], gene: str, name: str, *, origin: Origin
) -> AnyRule:
    rule = variant_rule(gene, name, origin)
    upper = name.upper()
    if isinstance(rule, UnsupportedRule) and (upper.startswith("C.") or upper.startswith("RS")):
        return _genomic(layout, fields, gene, origin, f"{gene} {name}")
    return rule


def _genomic(
    layout: cols.Layout, fields: list[str], gene: str, origin: Origin, description: str
) -> AnyRule:
    """The row's representative coordinates, for rsID and c. names (substitutions only)."""
    chrom, start, ref, alt, build = (
        layout.get(fields, role) for role in ("chromosome", "start", "ref", "alt", "build")
    )
    if not (chrom and start and ref and alt and build):
        return unsupported(
            description, "no complete genomic coordinates (chromosome, start, bases, build)"
        )
    if len(ref) != len(alt):
        return unsupported(
            description, "insertion/deletion: CIViC's indel coordinate convention is not mapped"
        )
    try:
        genome_build = parse_genome_build(build)
        position = int(float(start))
    except (InputError, ValueError):
        raise RowError(
            "start/reference_build", f"{start!r} on {build!r} is not a position on a known build"
        ) from None
    return GenomicRule(
        genome_build=genome_build,
        chrom=chrom.removeprefix("chr"),
        pos=position,
        ref=ref,
        alt=alt,
        gene=gene,
        origin=origin,
    )
