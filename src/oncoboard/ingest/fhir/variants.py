# SPDX-License-Identifier: Apache-2.0
"""Genomics Reporting variant Observations (LOINC 69548-6) → variant, copy-number or fusion facts.

Keyed on LOINC component codes, not profile URLs: mCODE 4.0 follows GR 2.0 and the GR examples
are 3.0, with different profiles for the same concept (interop-notes §3.1, pitfall 1).
The genome build comes from component 62374-4, else ``--genome-build``; it is never assumed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from oncoboard.errors import InputError
from oncoboard.ingest.fhir import codes
from oncoboard.ingest.fhir.values import Json, code_keys, codings, components, label
from oncoboard.ingest.schemas import ProblemLog
from oncoboard.record.genomics import GenomeBuild, ProteinChange, parse_genome_build
from oncoboard.record.schemas import CopyNumberChange, Fusion, SomaticVariant

GenomicFact = SomaticVariant | CopyNumberChange | Fusion

# Sequence Ontology terms (www.sequenceontology.org) used as DNA change type (48019-4) or
# molecular consequence in the GR/mCODE examples.
_CNV = {"SO:0001019": None, "SO:0001742": "gain", "SO:0001743": "loss"}
_FUSION = {"SO:0002062", "SO:1000044", "SO:0001565", "SO:0001886"}
# RefSeq chromosome accessions: NC_000001 … NC_000022, NC_000023 = X, NC_000024 = Y.
_GENOMIC_HGVS = re.compile(r"^NC_0000(\d\d)\.\d+:g\.(\d+)(?:_\d+)?(.*)$")
_SUBSTITUTION = re.compile(r"^([ACGT])>([ACGT])$")


@dataclass(frozen=True)
class Parts:
    """The components of one variant Observation that OncoBoard reads."""

    genes: tuple[str, ...]
    so_codes: frozenset[str]
    hgvs_g: str | None
    hgvs_c: str | None
    hgvs_p_raw: str | None
    transcript: str | None
    consequence: str | None
    copy_number: float | None
    fusion_text: bool


def _value_code(component: Json) -> str | None:
    """The expression in a component: coding code (HGVS lives there), else display/text."""
    concept = component.get("valueCodeableConcept")
    for coding in codings(concept):
        if coding.get("code"):
            return str(coding["code"])
    if isinstance(concept, dict) and concept.get("text"):
        return str(concept["text"])
    string = component.get("valueString")
    return str(string) if isinstance(string, str) else None


def _first(resource: Json, code: str) -> str | None:
    for component in components(resource, code):
        value = _value_code(component)
        if value:
            return value
    return None


def _parts(resource: Json) -> Parts:
    genes = tuple(
        g
        for g in (label(c.get("valueCodeableConcept")) for c in components(resource, "48018-6"))
        if g
    )
    so_codes = frozenset(
        code
        for name in ("48019-4", "molecular-consequence")
        for c in components(resource, name)
        for _, code in code_keys(c.get("valueCodeableConcept"))
    )
    genomic = _first(resource, "81290-9")
    discrete = _first(resource, "81252-9") or ""
    if genomic is None and _GENOMIC_HGVS.match(discrete):  # GR puts g. HGVS in 81252-9 too
        genomic = discrete
    cdna = _first(resource, "48004-6")
    if genomic and ":c." in genomic:  # mCODE STK11 example carries c. HGVS in 81290-9
        cdna, genomic = cdna or genomic, None
    consequence = next(
        (
            label(c.get("valueCodeableConcept"))
            for c in components(resource, "molecular-consequence")
        ),
        None,
    ) or next((label(c.get("valueCodeableConcept")) for c in components(resource, "48019-4")), None)
    copies = [c.get("valueQuantity", {}).get("value") for c in components(resource, "82155-3")]
    texts = [label(c.get("valueCodeableConcept")) or "" for c in components(resource, "81252-9")]
    transcript = cdna.split(":")[0] if cdna and ":" in cdna else _first(resource, "51958-7")
    return Parts(
        genes=genes,
        so_codes=so_codes,
        hgvs_g=genomic,
        hgvs_c=cdna,
        hgvs_p_raw=_first(resource, "48005-3"),
        transcript=transcript,
        consequence=consequence,
        copy_number=float(copies[0]) if copies and copies[0] is not None else None,
        fusion_text=any("fusion" in t.lower() for t in texts),
    )


def is_pertinent_negative(resource: Json) -> bool:
    """A variant Observation valued "Absent" (LOINC LA9634-2): the genes it names were examined."""
    return any(code == codes.ABSENT for _, code in code_keys(resource.get("valueCodeableConcept")))


def skip_reason(resource: Json) -> str | None:
    """Why a variant Observation is not a fact OncoBoard can hold (None when it is)."""
    if any(code == codes.ABSENT for _, code in code_keys(resource.get("valueCodeableConcept"))):
        return "variant Observation reporting absence (pertinent negative)"
    parts = _parts(resource)
    if _is_cnv(parts):
        if not parts.genes or _cnv_change(parts) is None:
            return "copy-number Observation without gene or direction"
        return None
    if _is_fusion(parts):
        return None if parts.genes else "rearrangement Observation without genes"
    if not (parts.genes or parts.hgvs_g or parts.hgvs_c or parts.hgvs_p_raw):
        return "variant Observation without gene or HGVS (coordinates/karyotype/complex only)"
    return None


def _is_cnv(parts: Parts) -> bool:
    return bool(parts.so_codes & _CNV.keys()) or parts.copy_number is not None


def _is_fusion(parts: Parts) -> bool:
    return bool(parts.so_codes & _FUSION) or parts.fusion_text


def _cnv_change(parts: Parts) -> str | None:
    for so_code in sorted(parts.so_codes & _CNV.keys()):
        if _CNV[so_code]:
            return _CNV[so_code]
    if parts.copy_number is None or parts.copy_number == 2:
        return None  # a copy number of 2 is diploid, not a change
    if parts.copy_number == 0:
        return "deep_deletion"
    return "loss" if parts.copy_number < 2 else "gain"


def genome_build(
    resource: Json, default: GenomeBuild | None, locator: str, log: ProblemLog
) -> GenomeBuild | None:
    """Component 62374-4 (LOINC answers LA14029-5 GRCh37, LA26806-2 GRCh38), else the option."""
    declared: GenomeBuild | None = None
    for component in components(resource, "62374-4"):
        concept = component.get("valueCodeableConcept")
        for _, code in code_keys(concept):
            if code in codes.ASSEMBLY_ANSWERS:
                declared = "GRCh37" if codes.ASSEMBLY_ANSWERS[code] == "GRCh37" else "GRCh38"
        if declared is None:
            try:
                declared = parse_genome_build(label(concept) or "")
            except InputError:
                log.add(locator, "component 62374-4", label(concept), "GRCh37 or GRCh38")
                return None
    if declared is None:
        if default is None:
            log.add(
                locator,
                "component 62374-4 (reference assembly)",
                "",
                "a reference assembly in the Observation, or pass --genome-build GRCh37|GRCh38 "
                "(never assumed)",
            )
        return default
    if default is not None and default != declared:
        log.add(
            locator,
            "component 62374-4 (reference assembly)",
            declared,
            f"the --genome-build given ({default}); the Observation says {declared}",
        )
        return None
    return declared


def genomic_fact(resource: Json, build: GenomeBuild, locator: str, log: ProblemLog) -> GenomicFact:
    parts = _parts(resource)
    origin = _origin(resource)
    if _is_cnv(parts):
        change = _cnv_change(parts) or "gain"
        return CopyNumberChange(
            genome_build=build,
            gene=parts.genes[0],
            change=change,
            copy_number=parts.copy_number,
        )
    if _is_fusion(parts):
        pair = parts.genes if len(parts.genes) == 2 else (None, None)
        kind = parts.consequence or "fusion"
        return Fusion(
            genome_build=build,
            gene_5p=pair[0],
            gene_3p=pair[1],
            description=f"{'-'.join(parts.genes)} {kind}",
        )
    return _small_variant(parts, build, origin, resource, locator, log)


def _small_variant(
    parts: Parts, build: GenomeBuild, origin: str, resource: Json, locator: str, log: ProblemLog
) -> SomaticVariant:
    chrom = pos = ref = alt = None
    match = _GENOMIC_HGVS.match(parts.hgvs_g or "")
    if match:
        number = int(match.group(1))
        chrom = {23: "X", 24: "Y"}.get(number, str(number))
        pos = int(match.group(2))
        allele = _SUBSTITUTION.match(match.group(3))
        if allele:
            ref, alt = allele.group(1), allele.group(2)
    protein = None
    if parts.hgvs_p_raw:
        try:
            protein = ProteinChange.parse(parts.hgvs_p_raw).short
        except InputError:
            protein = None
    return SomaticVariant(
        genome_build=build,
        chrom=chrom,
        pos=pos,
        ref=ref,
        alt=alt,
        # Several gene components on one small variant (mCODE "genomic-variant-fusion": BCR and
        # ABL1 with an ABL1 c. change) are kept in HGNC fusion notation, not reduced to one.
        gene="::".join(parts.genes) if parts.genes else None,
        hgvs_c=parts.hgvs_c.split(":", 1)[-1] if parts.hgvs_c else None,
        hgvs_p=protein,
        hgvs_p_raw=parts.hgvs_p_raw,
        consequence=parts.consequence,
        transcript=parts.transcript,
        transcript_policy="as given in FHIR",
        vaf=_vaf(resource, locator, log),
        alt_depth=_alt_depth(resource),
        origin=origin,
    )


def _origin(resource: Json) -> str:
    for component in components(resource, "48002-0"):
        keys = [code for _, code in code_keys(component.get("valueCodeableConcept"))]
        if codes.SOMATIC in keys:
            return "somatic"
        if codes.GERMLINE in keys:
            return "germline"
    return "unknown"


def _vaf(resource: Json, locator: str, log: ProblemLog) -> float | None:
    """LOINC 81258-6 allelic frequency: a fraction, or a percentage when the unit is ``%``."""
    for component in components(resource, "81258-6"):
        quantity = component.get("valueQuantity") or {}
        value = quantity.get("value")
        if value is None:
            continue
        percent = "%" in (str(quantity.get("code", "")), str(quantity.get("unit", "")))
        fraction = round(float(value) / 100, 6) if percent else float(value)
        if not 0 <= fraction <= 1:
            log.add(locator, "component 81258-6", value, "an allele fraction 0-1 (or 0-100 %)")
            return None
        return fraction
    return None


def _alt_depth(resource: Json) -> int | None:
    """LOINC 82121-5 allelic read depth; a bound like ``>20`` is not a count and is dropped."""
    for component in components(resource, "82121-5"):
        quantity = component.get("valueQuantity") or {}
        if quantity.get("comparator") or quantity.get("value") is None:
            continue
        return int(quantity["value"])
    return None
