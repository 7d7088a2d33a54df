# SPDX-License-Identifier: Apache-2.0
"""Tumour VAF and depth, wherever the caller put them (interop-notes §3.2 item 10).

Each extractor reads one caller's fields for one sample and ALT. Only those whose fields the
header declares are kept, once per file. Read counts win over reported fractions; a value a
caller left out is ``None``, never an error.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

# (alt_depth, depth, vaf); any part may be None.
Reading = tuple[int | None, int | None, float | None]
ReadFn = Callable[[Any, int, int], Reading]
_NONE: Reading = (None, None, None)


@dataclass(frozen=True)
class Extractor:
    """Fields a caller writes (``FORMAT/AD``, ``INFO/TVAF``) and how to read them."""

    name: str
    needs: tuple[str, ...]
    read: ReadFn


def _count(value: Any) -> int | None:
    """htslib marks a missing integer with a negative sentinel."""
    number = int(value)
    return number if number >= 0 else None


def _fraction(value: Any) -> float | None:
    """A reported allele fraction; float32 noise beyond 6 decimals dropped."""
    number = float(value)
    return round(number, 6) if not math.isnan(number) and 0.0 <= number <= 1.0 else None


def _row(variant: Any, key: str, sample: int) -> Any:
    values = variant.format(key)
    return None if values is None else values[sample]


def _allelic_depths(variant: Any, sample: int, alt: int) -> Reading:
    """FORMAT/AD: ref,alt… (Number=R, Mutect/GATK), or only the ALT count (VarScan, with RD)."""
    row = _row(variant, "AD", sample)
    if row is None:
        return _NONE
    counts = [v if v >= 0 else None for v in row.tolist()]
    if len(counts) == len(variant.ALT) + 1:
        alt_depth = counts[alt + 1]
        known = [c for c in counts if c is not None]
        depth = sum(known) if counts[0] is not None and alt_depth is not None else None
        return alt_depth, depth, None
    if len(counts) == len(variant.ALT):
        ref_row = _row(variant, "RD", sample) if "RD" in variant.FORMAT else None
        ref = _count(ref_row[0]) if ref_row is not None else None
        alt_depth = counts[alt]
        depth = ref + alt_depth if ref is not None and alt_depth is not None else None
        return alt_depth, depth, None
    return _NONE


def _string_depths(variant: Any, sample: int, alt: int) -> Reading:
    """FORMAT/ADT (PCGR input): ``ref,alt`` as a string."""
    values = variant.format("ADT")
    if values is None:
        return _NONE
    parts = unquote(str(values[sample])).split(",")
    if len(parts) != len(variant.ALT) + 1 or not all(p.isdigit() for p in parts):
        return _NONE
    counts = [int(p) for p in parts]
    return counts[alt + 1], sum(counts), None


def _strelka_snv(variant: Any, sample: int, alt: int) -> Reading:
    """Strelka SNVs: per-base AU/CU/GU/TU pairs (tier1, tier2); use tier1 as Strelka advises."""
    base = variant.ALT[alt]
    if base not in ("A", "C", "G", "T"):
        return _NONE
    tier1: dict[str, int | None] = {}
    for letter in "ACGT":
        row = _row(variant, f"{letter}U", sample)
        tier1[letter] = _count(row[0]) if row is not None else None
    if tier1[base] is None or any(v is None for v in tier1.values()):
        return _NONE
    return tier1[base], sum(v for v in tier1.values() if v is not None), None


def _strelka_indel(variant: Any, sample: int, alt: int) -> Reading:
    """Strelka indels: TIR (indel-supporting) and TAR (reference-supporting), tier1."""
    tir, tar = _row(variant, "TIR", sample), _row(variant, "TAR", sample)
    if tir is None or tar is None:
        return _NONE
    alt_depth, ref_depth = _count(tir[0]), _count(tar[0])
    if alt_depth is None or ref_depth is None:
        return _NONE
    return alt_depth, alt_depth + ref_depth, None


def _observations(variant: Any, sample: int, alt: int) -> Reading:
    """freebayes: AO (per ALT) and RO."""
    ao, ro = _row(variant, "AO", sample), _row(variant, "RO", sample)
    if ao is None or ro is None or len(ao) <= alt:
        return _NONE
    alt_depth, ref_depth = _count(ao[alt]), _count(ro[0])
    if alt_depth is None or ref_depth is None:
        return _NONE
    return alt_depth, alt_depth + ref_depth, None


def _format_af(variant: Any, sample: int, alt: int) -> Reading:
    row = _row(variant, "AF", sample)
    return (None, None, _fraction(row[alt])) if row is not None and len(row) > alt else _NONE


def _varscan_freq(variant: Any, sample: int, alt: int) -> Reading:
    """VarScan FREQ is a percent string, ``48.7%`` (``48.7%25`` once percent-encoded)."""
    values = variant.format("FREQ")
    if values is None:
        return _NONE
    text = unquote(str(values[sample])).strip().rstrip("%")
    try:
        return None, None, _fraction(float(text) / 100.0)
    except ValueError:
        return _NONE


def _info_tvaf(variant: Any, sample: int, alt: int) -> Reading:
    """PCGR input: INFO/TVAF and INFO/TDP describe the tumour."""
    vaf, depth = variant.INFO.get("TVAF"), variant.INFO.get("TDP")
    if isinstance(vaf, tuple):
        vaf = vaf[alt] if len(vaf) > alt else None
    if isinstance(depth, tuple):
        depth = depth[0] if depth else None
    return (
        None,
        _count(depth) if isinstance(depth, int) else None,
        _fraction(vaf) if isinstance(vaf, float) else None,
    )


def _depth_field(key: str) -> ReadFn:
    def read(variant: Any, sample: int, alt: int) -> Reading:
        row = _row(variant, key, sample)
        return (None, _count(row[0]), None) if row is not None else _NONE

    return read


REGISTRY: tuple[Extractor, ...] = (
    Extractor("AD", ("FORMAT/AD",), _allelic_depths),
    Extractor("ADT", ("FORMAT/ADT",), _string_depths),
    Extractor(
        "Strelka SNV tier1", ("FORMAT/AU", "FORMAT/CU", "FORMAT/GU", "FORMAT/TU"), _strelka_snv
    ),
    Extractor("Strelka indel tier1", ("FORMAT/TIR", "FORMAT/TAR"), _strelka_indel),
    Extractor("AO/RO", ("FORMAT/AO", "FORMAT/RO"), _observations),
    Extractor("AF", ("FORMAT/AF",), _format_af),
    Extractor("VarScan FREQ", ("FORMAT/FREQ",), _varscan_freq),
    Extractor("PCGR TVAF/TDP", ("INFO/TVAF",), _info_tvaf),
    Extractor("DP", ("FORMAT/DP",), _depth_field("DP")),
    Extractor("DPT", ("FORMAT/DPT",), _depth_field("DPT")),
)


def extractors_for(declared: Iterable[str]) -> tuple[Extractor, ...]:
    """The extractors whose fields the header declares (``FORMAT/AD``, ``INFO/TVAF`` …)."""
    present = set(declared)
    return tuple(e for e in REGISTRY if all(n in present for n in e.needs))


def tumour_reading(
    extractors: tuple[Extractor, ...], variant: Any, sample: int | None, alt: int
) -> Reading:
    """Counts from the first extractor that has them; else a reported fraction and a depth."""
    if sample is None:
        return _NONE
    alt_depth: int | None = None
    depth: int | None = None
    vaf: float | None = None
    for extractor in extractors:
        try:
            got_alt, got_depth, got_vaf = extractor.read(variant, sample, alt)
        except (KeyError, IndexError, TypeError, ValueError):
            continue  # a field the header declares but this record leaves out
        alt_depth = alt_depth if alt_depth is not None else got_alt
        depth = depth if depth is not None else got_depth
        vaf = vaf if vaf is not None else got_vaf
        if alt_depth is not None and depth is not None:
            break
    if alt_depth is not None and depth and alt_depth <= depth:
        vaf = alt_depth / depth
    return alt_depth, depth, vaf
