# SPDX-License-Identifier: Apache-2.0
"""Germline VCF text for the PGx tests: every CPIC-defined site OncoBoard calls, GRCh38."""

from __future__ import annotations

from pathlib import Path

# (chrom, pos, ref, alt) of every site the caller reads, from the shipped CPIC tables.
SITES = {
    "DPYD c.2846A>T": ("chr1", 97082391, "T", "A"),
    "DPYD *2A": ("chr1", 97450058, "C", "T"),
    "DPYD *13": ("chr1", 97515787, "A", "C"),
    "DPYD HapB3": ("chr1", 97579893, "G", "C"),
    "DPYD c.557A>G": ("chr1", 97699474, "T", "C"),
    "TPMT c.719A>G": ("chr6", 18130687, "T", "C"),
    "TPMT *4": ("chr6", 18130781, "C", "T"),
    "TPMT c.460G>A": ("chr6", 18138997, "C", "T"),
    "TPMT *2": ("chr6", 18143724, "C", "G"),
    "NUDT15 *5": ("chr13", 48037798, "G", "A"),
    "NUDT15 *3": ("chr13", 48045719, "C", "T"),
    "NUDT15 *4": ("chr13", 48045720, "G", "A"),
    "UGT1A1 TA": ("chr2", 233760233, "CAT", "CATAT"),
    "UGT1A1 *6": ("chr2", 233760498, "G", "A"),
}
HEADER = (
    "##fileformat=VCFv4.2\n"
    "##reference=GRCh38\n"
    '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t{samples}\n"
)


def germline_vcf(
    path: Path,
    genotypes: dict[str, str] | None = None,
    *,
    skip: tuple[str, ...] = (),
    filters: dict[str, str] | None = None,
    header: str = HEADER,
    samples: tuple[str, ...] = ("NA-TEST",),
) -> Path:
    """A VCF with a record at every site (``0/0`` unless ``genotypes`` says otherwise)."""
    genotypes = genotypes or {}
    filters = filters or {}
    lines = [header.format(samples="\t".join(samples))]
    records = sorted(SITES.items(), key=lambda kv: (kv[1][0], kv[1][1]))
    for name, (chrom, pos, ref, alt) in records:
        if name in skip:
            continue
        gt = genotypes.get(name, "0/0")
        cells = "\t".join([gt] * len(samples))
        lines.append(
            f"{chrom}\t{pos}\t.\t{ref}\t{alt}\t50\t{filters.get(name, 'PASS')}\t.\tGT\t{cells}\n"
        )
    path.write_text("".join(lines), encoding="utf-8")
    return path
