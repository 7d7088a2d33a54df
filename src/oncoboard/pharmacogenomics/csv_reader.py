# SPDX-License-Identifier: Apache-2.0
"""Lab-reported pharmacogenomic results as CSV: one row per patient and gene.

Columns (case-insensitive): ``patient_id`` (unless ``--patient``), ``gene``, and ``diplotype``
(or ``allele1`` + ``allele2``); optional ``phenotype``, ``activity_score``, ``test``, ``date``.
Every row is checked and every problem is listed before anything is written.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator

from oncoboard.errors import InputError
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog, SourceFile
from oncoboard.pharmacogenomics.alleles import split_diplotype
from oncoboard.pharmacogenomics.engine import check_diplotype
from oncoboard.record.schemas import PharmacogenomicResult

_GENE = re.compile(r"^[A-Z][A-Z0-9-]{1,15}$")
_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
REQUIRED = ("gene",)


class PgxCsvReader:
    """Reads lab PGx result tables (``oncoboard pgx import results.csv``)."""

    name = "pgx-csv"
    version = "1.0"
    source_format = "pgx-csv"

    def read(
        self, source: SourceFile, options: ImportOptions, log: ProblemLog
    ) -> Iterator[ParsedFact]:
        text = _text(source)
        rows = csv.DictReader(io.StringIO(text))
        header = {(h or "").strip().lower(): h for h in rows.fieldnames or []}
        missing = [c for c in REQUIRED if c not in header]
        if "diplotype" not in header and not {"allele1", "allele2"} <= set(header):
            missing.append("diplotype (or allele1 and allele2)")
        if options.patient is None and "patient_id" not in header:
            missing.append("patient_id (or pass --patient)")
        if missing:
            log.add("line 1", "header", ",".join(header), f"the columns {', '.join(missing)}")
            return
        for number, row in enumerate(rows, start=2):
            values = {k: (row.get(original) or "").strip() for k, original in header.items()}
            fact = _fact(values, f"line {number}", source.name, log)
            if fact is None:
                continue
            patient = options.patient or values.get("patient_id", "")
            if not patient:
                log.add(f"line {number}", "patient_id", "", "a patient id (or pass --patient)")
                continue
            raw = ",".join(row.get(h) or "" for h in rows.fieldnames or [])
            yield ParsedFact(patient_key=patient, locator=f"line {number}", fact=fact, raw=raw)
        log.notes.append("lab-reported pharmacogenomic results (CSV)")


def _text(source: SourceFile) -> str:
    data = source.path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(f"{source.name}: not UTF-8 text (byte {error.start})") from error


def _fact(
    values: dict[str, str], locator: str, source: str, log: ProblemLog
) -> PharmacogenomicResult | None:
    gene = values.get("gene", "").upper()
    if not _GENE.match(gene):
        log.add(locator, "gene", values.get("gene", ""), "an HGNC gene symbol such as DPYD")
        return None
    diplotype = values.get("diplotype") or _joined(values)
    if not diplotype or split_diplotype(gene, diplotype) is None:
        log.add(locator, "diplotype", diplotype, f"a {gene} diplotype written allele/allele")
        return None
    try:
        check_diplotype(gene, diplotype, source=source, locator=locator)
    except InputError as error:
        for problem in error.problems:
            log.add(problem.locator, problem.field, problem.value, problem.expected)
        return None
    score = _score(values.get("activity_score", ""), locator, log)
    date = values.get("date") or None
    if date and not _DATE.match(date):
        log.add(locator, "date", date, "an ISO date (YYYY-MM-DD)")
        return None
    if score is False:
        return None
    return PharmacogenomicResult(
        gene=gene,
        diplotype=diplotype,
        method="lab",
        reported_phenotype=values.get("phenotype") or None,
        reported_activity_score=score if isinstance(score, float) else None,
        test=values.get("test") or None,
        effective=date,
    )


def _joined(values: dict[str, str]) -> str:
    first, second = values.get("allele1", ""), values.get("allele2", "")
    return f"{first}/{second}" if first and second else ""


def _score(text: str, locator: str, log: ProblemLog) -> float | bool | None:
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not 0 <= value <= 4:
        log.add(locator, "activity_score", text, "a number from 0 to 4")
        return False
    return value
