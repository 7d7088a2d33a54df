# SPDX-License-Identifier: Apache-2.0
"""Cancer Genome Interpreter biomarkers, per-variant file (CC0) → normalised assertions.

One assertion per row: the row is one (biomarker, drug, tumour type, observed variant)
(``../shared/data/kb/cgi/SOURCE.md``). The release is hg19: its genome build GRCh37 is
recorded, and any coordinate that claims another build refuses the release (a problem, not a
dropped row), so builds are never mixed silently.

Assertion ids are ``cgi:<16 hex of sha256>`` over the fields that say *what* is claimed:
Alteration, individual_mutation, Drug, Drug full name, Primary Tumor acronym, Association and
Source. The file has no ids of its own; a line number shifts whenever a row is added above it,
and a hash of the whole row changes with any curator or annotation edit. With these fields a
re-curated evidence level or a new gDNA annotation is the *same* assertion changed, which is
what ``kb diff`` should show; a second row with the same key is dropped as a duplicate.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from oncoboard.errors import Problem
from oncoboard.knowledge.reader import KbRead
from oncoboard.knowledge.rules import AnyRule
from oncoboard.knowledge.schemas import (
    Assertion,
    Direction,
    Disease,
    DroppedRow,
    EvidenceClass,
    Reference,
    Therapy,
)
from oncoboard.knowledge.sources.cgi_alterations import alteration_rule, individual_rule, parse_gdna
from oncoboard.knowledge.sources.civic_variants import RowError, check_gene, open_tsv
from oncoboard.record.genomics import GenomeBuild

LICENCE = "CC0-1.0"  # CGI biomarkers README; Tamborero D. et al., Genome Med 2018;10:25
REQUIRED = (
    "Alteration",
    "Alteration type",
    "Association",
    "Biomarker",
    "Drug",
    "Drug family",
    "Drug full name",
    "Evidence level",
    "Gene",
    "Primary Tumor acronym",
    "Primary Tumor type",
    "Source",
    "gDNA",
    "individual_mutation",
)
NOT_EMPTY = (
    "Alteration",
    "Alteration type",
    "Association",
    "Evidence level",
    "Gene",
    "Primary Tumor type",
    "Source",
)
KEY = (
    "Alteration",
    "individual_mutation",
    "Drug",
    "Drug full name",
    "Primary Tumor acronym",
    "Association",
    "Source",
)

# CGI level -> normalised class: ../shared/data/kb/crosswalk/evidence_level_crosswalk.tsv,
# scheme "CGI". Combined values ("Early Trials,Case Report") have no crosswalk row: dropped.
LEVELS: dict[str, EvidenceClass] = {
    "FDA guidelines": EvidenceClass.REGULATORY_APPROVAL,
    "NCCN guidelines": EvidenceClass.GUIDELINE,
    "European LeukemiaNet guidelines": EvidenceClass.GUIDELINE,
    "CPIC guidelines": EvidenceClass.GUIDELINE,
    "NCCN/CAP guidelines": EvidenceClass.GUIDELINE,
    "Late trials": EvidenceClass.CLINICAL_STRONG,
    "Early trials": EvidenceClass.CLINICAL_LIMITED,
    "Clinical trials": EvidenceClass.CLINICAL_LIMITED,
    "Case report": EvidenceClass.CASE_REPORT,
    "Pre-clinical": EvidenceClass.PRECLINICAL,
}
# Association -> (direction, supports). "No Responsive" is evidence against response, as
# CIViC's "Does Not Support" + Sensitivity/Response; toxicity is an adverse response.
ASSOCIATIONS: dict[str, tuple[Direction, bool]] = {
    "Responsive": ("sensitivity", True),
    "Resistant": ("resistance", True),
    "No Responsive": ("sensitivity", False),
    "Increased Toxicity": ("adverse_response", True),
}
_BUILD_COLUMNS = ("reference_build", "genome_build", "Genome build", "assembly")


class CgiReader:
    """``KbReader`` for ``cgi_biomarkers_per_variant.tsv`` (hg19 releases by default)."""

    source = "cgi"

    def __init__(self, genome_build: GenomeBuild = "GRCh37") -> None:
        self.genome_build: GenomeBuild = genome_build

    def read(self, path: Path) -> KbRead:
        release = _release(path)
        read = KbRead(
            source=self.source,
            release=release,
            release_date=None,
            licence=LICENCE,
            genome_build=self.genome_build,
        )
        rows = open_tsv(path)
        first = next(rows, None)
        header = [name.strip() for name in first[1]] if first else []
        missing = [column for column in REQUIRED if column not in header]
        if missing:
            read.problems.append(
                Problem(
                    path.name,
                    "line 1 (header)",
                    "columns",
                    ", ".join(missing),
                    "the CGI per-variant biomarker columns",
                )
            )
            return read
        seen: dict[str, int] = {}
        for number, fields in rows:
            if not any(field.strip() for field in fields):
                continue
            read.records_read += 1
            self._row(read, path, header, number, fields, seen)
        return read

    def _row(
        self,
        read: KbRead,
        path: Path,
        header: list[str],
        number: int,
        fields: list[str],
        seen: dict[str, int],
    ) -> None:
        raw = "\t".join(fields)
        if len(fields) != len(header):
            reason = f"line {number}: {len(fields)} fields, expected {len(header)}"
            read.dropped.append(DroppedRow(locator=f"line {number}", reason=reason, raw=raw))
            return
        row = dict(zip(header, (field.strip() for field in fields), strict=True))
        claim = _build_claim(row, self.genome_build)
        if claim is not None:
            read.problems.append(
                Problem(
                    path.name, f"line {number}", claim[0], claim[1], f"{self.genome_build} only"
                )
            )
            read.rows_with_problems.add(f"line {number}")
            return
        key = _key(row)
        if key in seen:
            reason = f"line {number}: duplicate of line {seen[key]} (same {', '.join(KEY)})"
            read.dropped.append(DroppedRow(locator=f"line {number}", reason=reason, raw=raw))
            return
        try:
            assertion = _assertion(row, number, key, self.genome_build)
        except RowError as exc:
            read.dropped.append(
                DroppedRow(locator=f"line {number}", reason=f"line {number}: {exc}", raw=raw)
            )
            return
        seen[key] = number
        read.assertions.append(assertion)


def _release(path: Path) -> str:
    """``20170208`` (official ``cgi_biomarkers_20170208``) or a bare year (``...2017.tsv``)."""
    found = re.search(r"(?<![0-9])(20[0-9]{6}|20[0-9]{2})(?![0-9])", path.name)
    return found.group(1) if found else path.name.split(".")[0]


def _build_claim(row: dict[str, str], build: GenomeBuild) -> tuple[str, str] | None:
    """(field, value) of a coordinate that names a build other than the release's, if any."""
    for column in _BUILD_COLUMNS:
        value = row.get(column, "")
        if (
            value
            and value.upper().replace("HG19", "GRCH37").replace("HG38", "GRCH38") != build.upper()
        ):
            return column, value
    if row["gDNA"]:
        try:
            claimed = parse_gdna(row["gDNA"]).claimed_build
        except RowError:
            return None  # malformed values are dropped with their reason later
        if claimed is not None and claimed != build:
            return "gDNA", f"{row['gDNA']} ({claimed} accession)"
    return None


def _key(row: dict[str, str]) -> str:
    text = "\x1f".join(row[column] for column in KEY)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _assertion(row: dict[str, str], number: int, key: str, build: GenomeBuild) -> Assertion:
    for column in NOT_EMPTY:
        if not row[column]:
            raise RowError(column, "empty")
    level = row["Evidence level"]
    if level not in LEVELS:
        raise RowError(
            "Evidence level", f"unknown level {level!r}; not a CGI level in the crosswalk"
        )
    association = row["Association"].split(" (")[0]  # "Increased Toxicity (Ototoxicity)"
    if association not in ASSOCIATIONS:
        raise RowError(
            "Association", f"{row['Association']!r}: expected one of {', '.join(ASSOCIATIONS)}"
        )
    for gene in row["Gene"].split(";"):
        check_gene(gene.strip(), "Gene")
    direction, supports = ASSOCIATIONS[association]
    return Assertion(
        assertion_id=f"cgi:{key}",
        source="cgi",
        source_level=level,
        evidence_class=LEVELS[level],
        direction=direction,
        supports=supports,
        rule=_rule(row, build),
        therapy=_therapy(row),
        disease=_disease(row),
        references=_references(row["Source"]),
        description=row["Biomarker"] or None,
        raw={**{name: value for name, value in row.items() if value}, "source_line": number},
    )


def _rule(row: dict[str, str], build: GenomeBuild) -> AnyRule:
    gdna = parse_gdna(row["gDNA"]) if row["gDNA"] else None
    if row["individual_mutation"]:
        return individual_rule(row["individual_mutation"], gdna, build)
    if gdna is not None:
        raise RowError("individual_mutation", f"empty although gDNA {row['gDNA']!r} is given")
    return alteration_rule(row["Alteration"], row["Alteration type"])


def _therapy(row: dict[str, str]) -> Therapy:
    """A drug, a combination (``A;B``), or a drug class (``[]`` or ``[A,B]``: examples only)."""
    drug, family = row["Drug"], row["Drug family"].strip("[]") or None
    if drug and not drug.startswith("["):
        parts = [part.strip() for part in drug.split(";") if part.strip()]
        return Therapy(name=" + ".join(parts), strategy=family)
    if not row["Drug full name"]:
        raise RowError("Drug", "empty (and no Drug full name)")
    return Therapy(name=row["Drug full name"], strategy=family, therapy_type="drug class")


def _disease(row: dict[str, str]) -> Disease:
    """CGI tumour names and acronyms; no OncoTree code (CGI acronyms are their own scheme)."""
    acronyms = [a.strip() for a in row["Primary Tumor acronym"].split(";") if a.strip()]
    return Disease(name=row["Primary Tumor type"], codes=tuple(f"cgi:{a}" for a in acronyms))


def _references(source: str) -> tuple[Reference, ...]:
    references = []
    for item in (part.strip() for part in source.split(";")):
        if not item:
            continue
        if pmid := re.fullmatch(r"PMID:\s*([0-9]+)", item):
            url = f"https://pubmed.ncbi.nlm.nih.gov/{pmid[1]}/"
            references.append(Reference(citation=f"PMID:{pmid[1]}", pmid=pmid[1], url=url))
        elif re.fullmatch(r"NCT[0-9]{8}", item):
            references.append(Reference(citation=item, nct=item))
        elif item.startswith(("http://", "https://")):
            references.append(Reference(citation=item, url=item))
        else:
            references.append(Reference(citation=item))
    if not references:
        raise RowError("Source", "empty")
    return tuple(references)
