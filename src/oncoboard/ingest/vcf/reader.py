# SPDX-License-Identifier: Apache-2.0
"""Annotated VCF reader: one SomaticVariant per ALT allele of every record, read with cyvcf2.

Header decisions (annotation format, build, tumour sample, VAF fields) are made once in
``header.py``; the per-record loop below only splits, matches and copies values.
"""

from __future__ import annotations

import ctypes
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import cyvcf2
from pydantic import ValidationError

from oncoboard.errors import InputError, Problem
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog, SourceFile
from oncoboard.ingest.vcf import pipeline
from oncoboard.ingest.vcf.annotation import Blocks, Described
from oncoboard.ingest.vcf.depth import tumour_reading
from oncoboard.ingest.vcf.header import FileSetup, prepare
from oncoboard.ingest.vcf.lines import LineShadow
from oncoboard.ingest.vcf.scan import HeaderScan, readable_path, scan_header
from oncoboard.ingest.writer import Prepared
from oncoboard.ingest.writer import prepare as prepare_row
from oncoboard.record.schemas import SomaticVariant

_BASES = re.compile(r"^[ACGTNacgtn]+$")
_NOTHING = Described(None, None, None, None, None)
_MAX_ERRORS_IN_A_ROW = 1000


def _symbolic(alt: str) -> bool:
    """``<DEL>``, breakends ``]15:80623247]C``, the spanning deletion ``*``: not small variants."""
    return alt.startswith("<") or "[" in alt or "]" in alt or alt in ("*", ".")


class VcfReader:
    """Reads one annotated VCF (plain, gzip or bgzip); patient = ``--patient`` or the tumour sample."""

    name = "vcf"
    version = "1.0"
    source_format = "vcf"

    def read(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog
    ) -> Iterator[ParsedFact]:
        return self._read(source, options, log, own_lines=True)

    def rows(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog
    ) -> Iterator[Prepared]:
        """Facts ready to store; a large file is read in a child process (``pipeline.py``)
        while this one reads the records' lines for their raw text (:func:`_with_lines`)."""
        if pipeline.wanted(source):
            return _with_lines(
                pipeline.piped(self._read_for_pipe, source, options, log), source, log
            )
        return map(prepare_row, self.read(source, options, log))

    def _read_for_pipe(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog
    ) -> Iterator[ParsedFact]:
        return self._read(source, options, log, own_lines=False)

    def _read(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog, *, own_lines: bool
    ) -> Iterator[ParsedFact]:
        scan = scan_header(source.path, source.name)
        with readable_path(source.path, scan, source.name, log) as path:
            vcf = _open(path, source.name)
            try:
                setup = prepare(vcf, scan, options, source.name, log)
                if setup is not None:
                    records = _Records(vcf, setup, scan, source.path, log, own_lines=own_lines)
                    yield from records.facts()
            finally:
                vcf.close()


def _with_lines(
    rows: Iterator[Prepared], source: SourceFile, log: ProblemLog
) -> Iterator[Prepared]:
    """Piped rows with their raw record: the line the locator names, read here from the file.

    The reader process sends only the record's first columns (``CHROM\tPOS\t``) as ``raw``:
    inflating, splitting and pickling ~3.6 KB per record cost it ~1.6 s of CPU per 100k
    records (``benchmarks/vcf_import.py``), and it is the slower of the two processes. A line
    that is not UTF-8 is a located problem here, as in the reader; a line that does not start
    with those columns (the compressed stream failed to give it) fails the import unless the
    reader already reported why (htslib stops at the same damage)."""
    lines = LineShadow(source.path, 0)
    astray: str | None = None
    undecodable = 0
    try:
        for row in rows:
            number = int(row.locator.removeprefix("line "))
            try:
                text = lines.record(number)
            except UnicodeDecodeError as error:
                if number != undecodable:
                    undecodable = number
                    value = repr(error.object[error.start : error.start + 4])
                    log.add(row.locator, "encoding", value, "UTF-8 text")
                continue
            if text is None or row.raw is None or not text.startswith(row.raw):
                astray = astray or row.locator
                continue
            yield Prepared(*row[:-1], text)  # raw is the last field; _replace is slower
    finally:
        lines.close()
    if astray is not None and not log.problems:
        raise RuntimeError(
            f"{source.name}: {astray}: the file's line does not hold the record htslib read; "
            "nothing was imported"
        )


@cache
def _quiet_htslib() -> None:
    """Keep htslib's errors on stderr but not its warnings (undeclared contigs in SnpEff files):
    every problem that matters is reported, located, by this reader."""
    try:
        ctypes.CDLL(cyvcf2.cyvcf2.__file__).hts_set_log_level(1)  # HTS_LOG_ERROR
    except (OSError, AttributeError):
        return


def _open(path: Path, display: str) -> Any:
    _quiet_htslib()
    try:
        return cyvcf2.VCF(str(path))
    except Exception as error:  # cyvcf2 raises a bare Exception for a bad header
        raise InputError(
            f"{display}: htslib cannot read the VCF header ({error})",
            [Problem(display, "header", "header", str(error)[:80], "a VCF 4.x header")],
        ) from error


class _Records:
    """The per-record loop; counts what it skips so the import can say so."""

    def __init__(
        self,
        vcf: Any,
        setup: FileSetup,
        scan: HeaderScan,
        original: Path,
        log: ProblemLog,
        *,
        own_lines: bool = True,
    ) -> None:
        self.vcf = vcf
        self.setup = setup
        self.scan = scan
        self.log = log
        self.shadow = LineShadow(original, scan.columns)
        self.contigs = set(scan.contigs)
        self.symbolic = 0
        self.unmatched = 0
        self.unannotated = 0
        # False in the reader process of the pipeline: the writing process reads the lines
        self.own_lines = own_lines

    def facts(self) -> Iterator[ParsedFact]:
        iterator = iter(self.vcf)
        line = self.scan.first_record_line
        errors_in_a_row = 0
        try:
            while True:
                try:
                    variant = next(iterator)
                except StopIteration:
                    break
                except Exception:  # cyvcf2 raises a bare Exception when htslib rejects a record
                    errors_in_a_row += 1
                    if self._rejected(line) or errors_in_a_row > _MAX_ERRORS_IN_A_ROW:
                        break
                    line += 1
                    continue
                errors_in_a_row = 0
                yield from self._record(variant, line)
                line += 1
        finally:
            self.shadow.close()
        self._notes()

    def _rejected(self, line: int) -> bool:
        field, value, expected, fatal = self.shadow.diagnose(line)
        self.log.add(f"line {line}", field, value, expected)
        return fatal

    def _record(self, variant: Any, line: int) -> list[ParsedFact]:
        locator = f"line {line}"
        try:
            return self._parse(variant, locator, line)
        except UnicodeDecodeError as error:
            value = repr(error.object[error.start : error.start + 4])
            self.log.add(locator, "encoding", value, "UTF-8 text")
            return []

    def _parse(self, variant: Any, locator: str, line: int) -> list[ParsedFact]:
        chrom = variant.CHROM
        if chrom not in self.contigs:
            # On the first record of a contig the header does not declare, htslib hands back
            # a half-parsed record instead of an error (its alleles unset: touching them
            # crashes); so read that line's text first. Files that declare contigs never pay.
            self.contigs.add(chrom)
            found = self.shadow.check(line)
            if found is not None:
                self.log.add(locator, *found)
                return []
        ref, alts = variant.REF, variant.ALT
        fmt = self.setup.annotation
        problems = len(self.log.problems)
        if not _BASES.match(ref):
            self.log.add(locator, "REF", ref, "A/C/G/T/N bases")
        if self.setup.sample_count and not variant.FORMAT:
            self.log.add(
                locator,
                "columns",
                "8 or fewer",
                f"{self.scan.columns} tab-separated columns, as the #CHROM line names",
            )
        value = variant.INFO.get(fmt.key)
        blocks: Blocks = fmt.split(value) if isinstance(value, str) else []
        width = fmt.bad_width(blocks)
        if width is not None:
            self.log.add(
                locator,
                f"INFO/{fmt.key}",
                f"{width} '|'-separated fields",
                f"{fmt.width} fields, as the header's {fmt.key} Format lists",
            )
        if len(self.log.problems) > problems:
            return []
        return self._facts(variant, line, (chrom, ref, alts), blocks)

    def _facts(
        self, variant: Any, line: int, site: tuple[str, str, list[str]], blocks: Blocks
    ) -> list[ParsedFact]:
        locator = f"line {line}"
        chrom, ref, alts = site
        fmt = self.setup.annotation
        groups: dict[int, Blocks] = {}
        if blocks:
            groups, unmatched = fmt.assign(blocks, ref, alts)
            self.unmatched += unmatched
        else:
            self.unannotated += 1
        pos = variant.POS
        raw = self._raw(variant, line, f"{chrom}\t{pos}\t")
        filters = ";".join(variant.FILTERS) or None
        facts = []
        for number, alt in enumerate(alts):
            if _symbolic(alt):
                self.symbolic += 1
                continue
            if not _BASES.match(alt):
                self.log.add(locator, "ALT", alt, "A/C/G/T/N bases or a symbolic allele")
                continue
            fact = self._variant(
                variant, (chrom, pos, ref, alt), number, groups.get(number), filters
            )
            if fact is None:
                self.log.add(
                    locator, "record", raw[:80], "values within range (VAF 0-1, depth ≥ 0)"
                )
                continue
            facts.append(ParsedFact(self.setup.patient_key, locator, fact, raw))
        return facts

    def _raw(self, variant: Any, line: int, start: str) -> str:
        """The record's line as the file has it; htslib's re-writing if the file cannot give
        it (a damaged gzip stream) or the line is not this record (a locator gone astray).
        Only ``start`` when the writing process reads the lines (:func:`_with_lines`)."""
        if not self.own_lines:
            return start
        text = self.shadow.record(line)
        if text is not None and text.startswith(start):
            return text
        return str(variant).rstrip("\n")

    def _variant(
        self,
        variant: Any,
        site: tuple[str, int, str, str],
        number: int,
        group: Blocks | None,
        filters: str | None,
    ) -> SomaticVariant | None:
        setup = self.setup
        fmt = setup.annotation
        alt_depth, depth, vaf = tumour_reading(
            setup.extractors, variant, setup.sample_index, number
        )
        described, policy = _NOTHING, None
        others: tuple[dict[str, str], ...] = ()
        if group:
            chosen, policy = fmt.choose(group)
            described = fmt.describe(chosen)
            others = fmt.compacts(group, chosen)
        chrom, pos, ref, alt = site
        try:
            fact = SomaticVariant(
                genome_build=setup.build,
                chrom=chrom,
                pos=pos,
                ref=ref,
                alt=alt,
                gene=described.gene,
                hgvs_c=described.hgvs_c,
                hgvs_p=described.hgvs_p,
                hgvs_p_raw=described.hgvs_p_raw,
                consequence=described.consequence,
                transcript=described.transcript,
                exon=described.exon,
                transcript_policy=policy,
                vaf=vaf,
                depth=depth,
                alt_depth=alt_depth,
                filters=filters,
                sample_id=setup.sample_name,
            )
        except ValidationError:
            return None
        # Pydantic would only copy each of these dicts of strings, which compact() built from
        # the file's text (~8 per record; a third of the validation time): attach them as built.
        return fact.model_copy(update={"other_transcripts": others}) if others else fact

    def _notes(self) -> None:
        label = self.setup.annotation.label
        if self.symbolic:
            self.log.notes.append(
                f"{self.symbolic} symbolic/breakend ALT allele(s) skipped: structural variants "
                "are not small variants"
            )
        if self.unannotated:
            self.log.notes.append(f"{self.unannotated} record(s) carry no {label}: gene unknown")
        if self.unmatched:
            self.log.notes.append(
                f"{self.unmatched} {label} entr(y/ies) matched no ALT allele and were ignored"
            )
