# SPDX-License-Identifier: Apache-2.0
"""CIViC ClinicalEvidenceSummaries (CC0) → normalised assertions.

Reads the current v2 export (molecular profiles with AND/OR/NOT) and the legacy v1 export of
the 2022 subset on disk (``../shared/data/kb/civic/SOURCE.md``); the header says which.
One assertion per evidence item (EID) and therapy: a Combination or Sequential therapy is one
assertion, Substitutes are one assertion each (``civic:EID<n>:<therapy>``). The 2022 subset
exploded therapies and "/"-separated variants into rows, so rows are grouped by EID again and
must agree on the item's fields; an item with any bad row is dropped whole, with the line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from oncoboard.errors import Problem
from oncoboard.knowledge.reader import KbRead
from oncoboard.knowledge.rules import AnyRule, CompositeRule, GenomicRule
from oncoboard.knowledge.schemas import Assertion, Disease, DroppedRow, Reference, Therapy
from oncoboard.knowledge.sources import civic_columns as cols
from oncoboard.knowledge.sources.civic_rules import item_rule, origin_of
from oncoboard.knowledge.sources.civic_variants import RowError, check_gene, open_tsv

LICENCE = "CC0-1.0"  # civicdb.org licensing; Griffith M. et al., Nat Genet 2017;49:170-174
_RELEASE_DATE = re.compile(r"\d{2}-[A-Z][a-z]{2}-\d{4}")
_ACGT = re.compile(r"^[ACGT]+$")
_NCT = re.compile(r"^NCT[0-9]{8}$")


@dataclass(frozen=True)
class _Line:
    number: int
    fields: list[str]

    @property
    def raw(self) -> str:
        return "\t".join(self.fields)


class _ItemDropped(Exception):
    """An evidence item that is not published; the message is the located reason."""


class CivicReader:
    """``KbReader`` for CIViC evidence summaries (v2 columns, or the v1 2022 subset)."""

    source = "civic"

    def read(self, path: Path) -> KbRead:
        release, released = _release(path)
        read = KbRead(source=self.source, release=release, release_date=released, licence=LICENCE)
        rows = open_tsv(path)
        first = next(rows, None)
        layout, missing = cols.detect(first[1]) if first else (None, ["(no header)"])
        if layout is None:
            read.problems.append(_missing_columns(path, missing))
            return read
        groups: dict[str, list[_Line]] = {}
        for number, fields in rows:
            if not any(field.strip() for field in fields):
                continue
            line = _Line(number, fields)
            try:
                groups.setdefault(_evidence_id(layout, line), []).append(line)
            except _ItemDropped as exc:
                read.dropped.append(
                    DroppedRow(locator=f"line {number}", reason=str(exc), raw=line.raw)
                )
        for eid, lines in groups.items():
            try:
                read.assertions.extend(_item(layout, eid, lines))
            except _ItemDropped as exc:
                read.dropped.append(
                    DroppedRow(
                        locator=_locator(lines),
                        reason=str(exc),
                        raw="\n".join(ln.raw for ln in lines),
                    )
                )
        # A CIViC record is one evidence item × therapy (the unit of an assertion); a dropped
        # item counts once. Every line was either grouped into an item or dropped above.
        read.records_read = len(read.assertions) + len(read.dropped)
        read.genome_build = _single_build(read.assertions)
        return read


def _release(path: Path) -> tuple[str, date | None]:
    """``01-Dec-2022`` from CIViC's monthly file names; otherwise the file's stem."""
    found = _RELEASE_DATE.search(path.name)
    if not found:
        return path.name.split(".")[0], None
    return found.group(0), datetime.strptime(found.group(0), "%d-%b-%Y").date()


def _missing_columns(path: Path, missing: list[str]) -> Problem:
    return Problem(
        source=path.name,
        locator="line 1 (header)",
        field="columns",
        value=", ".join(missing),
        expected="the CIViC ClinicalEvidenceSummaries columns (v2 molecular_profile, or v1 gene/variant)",
    )


def _locator(lines: list[_Line]) -> str:
    if len(lines) == 1:
        return f"line {lines[0].number}"
    return "lines " + ", ".join(str(line.number) for line in lines)


def _evidence_id(layout: cols.Layout, line: _Line) -> str:
    if len(line.fields) != len(layout.header):
        raise _ItemDropped(
            f"line {line.number}: {len(line.fields)} fields, expected {len(layout.header)}"
        )
    eid = layout.get(line.fields, "eid")
    if not eid:
        raise _ItemDropped(f"line {line.number}: field evidence_id empty")
    if not eid.isdigit():
        raise _ItemDropped(f"line {line.number}: field evidence_id: expected a number, got {eid!r}")
    return eid


def _item(layout: cols.Layout, eid: str, lines: list[_Line]) -> list[Assertion]:
    """Every assertion of one evidence item, or ``_ItemDropped`` with the located reason."""
    current = lines[0]
    try:
        for current in lines:
            _check_line(layout, current.fields)
        _check_agreement(layout, eid, lines)
        current = lines[0]
        return _assertions(layout, eid, lines)
    except RowError as exc:
        raise _ItemDropped(f"line {current.number}: {exc}") from None


def _check_line(layout: cols.Layout, fields: list[str]) -> None:
    def get(role: str) -> str:
        return layout.get(fields, role)

    subject = ("profile",) if layout.version == "v2" else ("gene", "variant")
    for role in (*cols.REQUIRED, *subject):
        if not get(role):
            raise RowError(_column(layout, role), "empty")
    if get("status") and get("status").lower() != "accepted":
        raise RowError("evidence_status", f"{get('status')!r}: only accepted evidence is imported")
    _check_vocabulary(layout, fields)
    if get("evidence_type") == "Predictive" and not get("therapies"):
        raise RowError(_column(layout, "therapies"), "empty")
    for role in ("ref", "alt"):
        if get(role) and not _ACGT.match(get(role)):
            raise RowError(_column(layout, role), f"allele {get(role)!r} outside ACGT-")
    if layout.version == "v1":
        check_gene(get("gene"))


def _check_vocabulary(layout: cols.Layout, fields: list[str]) -> None:
    """Evidence type, level, direction and significance from CIViC's closed vocabularies."""
    kind, level = layout.get(fields, "evidence_type"), layout.get(fields, "level")
    direction = layout.get(fields, "direction")
    if kind not in ("Predictive", "Prognostic"):
        raise RowError("evidence_type", f"{kind!r} not imported (predictive and prognostic only)")
    if level not in cols.LEVELS:
        raise RowError("evidence_level", f"unknown level {level!r}; expected one of A, B, C, D, E")
    if direction not in cols.SUPPORTS:
        raise RowError(
            "evidence_direction", f"{direction!r}: expected Supports or Does Not Support"
        )
    _direction(layout, fields)


def _column(layout: cols.Layout, role: str) -> str:
    position = layout.index.get(role)
    return layout.header[position] if position is not None else role


def _check_agreement(layout: cols.Layout, eid: str, lines: list[_Line]) -> None:
    first = lines[0]
    for line in lines[1:]:
        for role in cols.ITEM_ROLES:
            mine, theirs = layout.get(line.fields, role), layout.get(first.fields, role)
            if mine != theirs:
                raise _ItemDropped(
                    f"line {line.number}: field {_column(layout, role)}: {mine!r} differs from"
                    f" line {first.number} of EID {eid} ({theirs!r})"
                )


def _direction(layout: cols.Layout, fields: list[str]) -> str:
    significance = layout.get(fields, "significance")
    table = (
        cols.PREDICTIVE if layout.get(fields, "evidence_type") == "Predictive" else cols.PROGNOSTIC
    )
    if significance not in table:
        raise RowError(
            _column(layout, "significance"),
            f"{significance!r} has no direction; expected one of {', '.join(table)}",
        )
    return table[significance]


def _assertions(layout: cols.Layout, eid: str, lines: list[_Line]) -> list[Assertion]:
    fields = lines[0].fields

    def get(role: str) -> str:
        return layout.get(fields, role)

    rule = item_rule(layout, [line.fields for line in lines], origin_of(get("origin")))
    predictive = get("evidence_type") == "Predictive"
    names = _therapy_names(layout, lines) if predictive else []
    common: dict[str, Any] = {
        "source": "civic",
        "source_level": get("level"),
        "evidence_class": cols.LEVELS[get("level")],
        "direction": _direction(layout, fields),
        "supports": cols.SUPPORTS[get("direction")],
        "rule": rule,
        "disease": _disease(get("disease"), get("doid")),
        "references": _references(layout, fields),
        "description": get("statement") or None,
        "last_updated": _reviewed(get("reviewed")),
        "raw": _raw(layout, lines, names),
    }
    return [
        Assertion(assertion_id=f"civic:EID{eid}{suffix}", therapy=therapy, **common)
        for suffix, therapy in _therapies(names, get("interaction"), _column(layout, "interaction"))
    ]


def _therapy_names(layout: cols.Layout, lines: list[_Line]) -> list[str]:
    names: dict[str, None] = {}
    for line in lines:
        for name in layout.get(line.fields, "therapies").split(","):
            if name.strip():
                names[name.strip()] = None
    return list(names)


def _therapies(names: list[str], interaction: str, column: str) -> list[tuple[str, Therapy | None]]:
    """(assertion id suffix, therapy) per assertion of one evidence item."""
    if not names:
        return [("", None)]
    if len(names) == 1:
        return [("", Therapy(name=names[0]))]
    if interaction == "Combination":
        return [("", Therapy(name=" + ".join(names)))]
    if interaction == "Sequential":
        return [("", Therapy(name=" then ".join(names)))]
    if interaction == "Substitutes":
        return [(":" + _slug(name), Therapy(name=name)) for name in names]
    raise RowError(
        column,
        f"{interaction!r} with {len(names)} therapies; expected Combination, Sequential or Substitutes",
    )


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def _disease(name: str, doid: str) -> Disease:
    """Disease name and DOID only: no OncoTree code is invented (no documented mapping)."""
    if not doid:
        return Disease(name=name)
    number = doid.removeprefix("DOID:").removesuffix(".0")
    if not number.isdigit():
        raise RowError("doid", f"expected a Disease Ontology number, got {doid!r}")
    return Disease(name=name, codes=(f"DOID:{number}",))


def _references(layout: cols.Layout, fields: list[str]) -> tuple[Reference, ...]:
    # the 2022 subset appended the source type: "22081665(PubMed)"
    source_id = re.sub(r"\(.*\)$", "", layout.get(fields, "citation_id")).strip()
    source_type = layout.get(fields, "source_type")
    citation = layout.get(fields, "citation") or f"{source_type} {source_id}"
    if not source_id:
        raise RowError("citation_id", "empty")
    if source_type.lower() == "pubmed":
        if not source_id.isdigit():
            raise RowError("citation_id", f"PubMed id {source_id!r} is not a number")
        url = f"https://pubmed.ncbi.nlm.nih.gov/{source_id}/"
        first = Reference(citation=citation, pmid=source_id, url=url)
    else:
        first = Reference(citation=f"{citation} ({source_type} abstract {source_id})")
    trials = [
        nct.strip() for nct in re.split(r"[,;]", layout.get(fields, "nct_ids")) if nct.strip()
    ]
    for nct in trials:
        if not _NCT.match(nct):
            raise RowError("nct_ids", f"{nct!r} is not a ClinicalTrials.gov id (NCT + 8 digits)")
    return (first, *(Reference(citation=nct, nct=nct) for nct in trials))


def _reviewed(text: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise RowError("last_review_date", f"expected a date, got {text!r}") from None


def _raw(layout: cols.Layout, lines: list[_Line], therapies: list[str]) -> dict[str, Any]:
    row: dict[str, Any] = {
        name: value
        for name, value in zip(layout.header, lines[0].fields, strict=True)
        if name and value
    }
    row["source_lines"] = [line.number for line in lines]
    if len(lines) > 1:
        row["therapies_all"] = therapies
        row["variants_all"] = list(dict.fromkeys(layout.get(ln.fields, "variant") for ln in lines))
    return row


def _single_build(assertions: list[Assertion]) -> str | None:
    builds = {
        rule.genome_build
        for a in assertions
        for rule in _walk(a.rule)
        if isinstance(rule, GenomicRule)
    }
    return builds.pop() if len(builds) == 1 else None


def _walk(rule: AnyRule) -> list[AnyRule]:
    if isinstance(rule, CompositeRule):
        return [rule, *(inner for child in rule.rules for inner in _walk(child))]
    return [rule]
