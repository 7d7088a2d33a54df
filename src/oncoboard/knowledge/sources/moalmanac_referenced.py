# SPDX-License-Identifier: Apache-2.0
"""MOAlmanac regulatory approvals: the draft relational schema in ``referenced/`` (a folder).

Statements point to propositions (biomarkers, disease, therapy or therapy group), documents
(labels, EPARs) and indications by id (``../shared/data/kb/moalmanac/SOURCE.md``, "Draft
relational schema"). Every reference must resolve, or the release is refused. A proposition's
biomarkers all have to hold (AND); a biomarker with ``_present: false`` must be absent (NOT).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from oncoboard.errors import InputError, Problem
from oncoboard.knowledge.qc import LEVELS
from oncoboard.knowledge.reader import KbRead
from oncoboard.knowledge.rules import (
    AnyRule,
    CompositeRule,
    CopyNumberRule,
    ExpressionRule,
    FusionRule,
    MsiRule,
    TmbRule,
    UnsupportedRule,
    WildTypeRule,
)
from oncoboard.knowledge.schemas import Assertion, Disease, DroppedRow, Reference, Therapy
from oncoboard.knowledge.sources.moalmanac import LICENCE, NOTICE, load_json
from oncoboard.knowledge.sources.moalmanac_rules import (
    MOALMANAC_BUILD,
    RowDrop,
    RowProblem,
    gene_symbol,
    rule_for,
)

SOURCE = "moalmanac-regulatory"
TABLES = ("statements", "propositions", "biomarkers", "diseases", "therapies",
          "therapy_groups", "documents", "indications", "genes", "strengths", "urls")  # fmt: skip
# SOURCE.md: 1,944 statements in the draft dated 2026-05-07
DOCUMENTED_STATEMENTS = {"2026-05-07": 1944}
_VARIANT_FIELDS = ("chromosome", "start_position", "end_position", "reference_allele",
                   "alternate_allele", "protein_change", "variant_annotation", "exon")  # fmt: skip


class RegulatoryReader:
    """The ``referenced/`` folder of moalmanac-db: one assertion per approval statement."""

    source = SOURCE

    def read(self, path: Path) -> KbRead:
        if not path.is_dir():
            raise InputError(f"{path}: expected the moalmanac-db 'referenced' folder")
        about = _table(path, "about")
        if not isinstance(about, dict) or not about.get("last_updated"):
            raise InputError(f"{path.name}/about.json: expected an object with 'last_updated'")
        release = str(about["last_updated"])
        db = {name: _by_id(path, name) for name in TABLES}
        statements = list(db["statements"].values())
        read = KbRead(
            source=SOURCE,
            release=release,
            release_date=date.fromisoformat(release),
            licence=str(about.get("license") or LICENCE),
            notice=NOTICE,
            genome_build=MOALMANAC_BUILD,
            records_read=len(statements),
            expected_records=DOCUMENTED_STATEMENTS.get(release),
        )
        for statement in statements:
            where = f"statement {statement.get('id')}"
            try:
                read.assertions.append(_assertion(statement, db))
            except RowProblem as problem:
                read.problems.append(
                    Problem(
                        "statements.json", where, problem.field, problem.value, problem.expected
                    )
                )
                read.rows_with_problems.add(where)
            except RowDrop as drop:
                read.dropped.append(_dropped(where, drop, statement))
        return read


def _dropped(where: str, drop: RowDrop, statement: dict[str, Any]) -> DroppedRow:
    return DroppedRow(locator=where, reason=str(drop), raw=json.dumps(statement))


def _table(folder: Path, name: str) -> Any:
    for candidate in (folder / f"{name}.json", folder / f"{name}.json.gz"):
        if candidate.exists():
            return load_json(candidate)[0]
    raise InputError(f"{folder.name}: {name}.json is missing")


def _by_id(folder: Path, name: str) -> dict[Any, dict[str, Any]]:
    rows = _table(folder, name)
    if not isinstance(rows, list) or not all(isinstance(r, dict) and "id" in r for r in rows):
        raise InputError(f"{folder.name}/{name}.json: expected a list of objects with 'id'")
    return {row["id"]: row for row in rows}


def _ref(db: dict[str, dict[Any, dict[str, Any]]], table: str, key: Any) -> dict[str, Any]:
    found = db[table].get(key)
    if found is None:
        raise RowProblem(f"{table} id", key, f"an id present in {table}.json")
    return found


def _extensions(item: dict[str, Any]) -> dict[str, Any]:
    return {e.get("name"): e.get("value") for e in item.get("extensions") or []}


def _assertion(statement: dict[str, Any], db: dict[str, dict[Any, dict[str, Any]]]) -> Assertion:
    proposition = _ref(db, "propositions", statement.get("proposition_id"))
    strength = _ref(db, "strengths", statement.get("strength_id"))
    level = str(strength.get("name"))
    evidence_class = LEVELS[SOURCE].get(level)
    if evidence_class is None:
        raise RowProblem("strength", level, "one of " + ", ".join(LEVELS[SOURCE]))
    if (proposition.get("predicate"), statement.get("direction")) != (
        "predictSensitivityTo",
        "supports",
    ):
        raise RowProblem(
            "predicate/direction",
            f"{proposition.get('predicate')}/{statement.get('direction')}",
            "predictSensitivityTo/supports (the only combination this draft uses)",
        )
    rules = [_biomarker_rule(_ref(db, "biomarkers", b), db) for b in proposition["biomarkers"]]
    documents = [_ref(db, "documents", d) for d in statement.get("reportedIn") or []]
    indication = _ref(db, "indications", statement.get("indication_id"))
    try:
        return Assertion(
            assertion_id=f"moalmanac-reg:{statement['id']}",
            source=SOURCE,
            source_level=level,
            evidence_class=evidence_class,
            direction="sensitivity",
            rule=rules[0] if len(rules) == 1 else CompositeRule(operator="and", rules=tuple(rules)),
            therapy=_therapy(proposition, db),
            disease=_disease(_ref(db, "diseases", proposition.get("conditionQualifier_id"))),
            references=tuple(_reference(doc, indication, db) for doc in documents),
            description=statement.get("description"),
            raw={"statement": statement, "proposition": proposition, "indication": indication},
        )
    except ValidationError as error:
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        raise RowProblem(field, first.get("input"), first["msg"]) from error


def _biomarker_rule(biomarker: dict[str, Any], db: dict[str, dict[Any, dict[str, Any]]]) -> AnyRule:
    ext = _extensions(biomarker)
    genes = [str(_ref(db, "genes", g).get("name")) for g in biomarker.get("genes") or []]
    rule = _positive_rule(str(ext.get("biomarker_type")), biomarker, ext, genes)
    if ext.get("_present") is False:
        return CompositeRule(operator="not", rules=(rule,))
    return rule


def _positive_rule(
    kind: str, biomarker: dict[str, Any], ext: dict[str, Any], genes: list[str]
) -> AnyRule:
    name = str(biomarker.get("name"))
    if kind in ("Somatic Variant", "Germline Variant"):
        return _variant_rule(kind, name, ext, genes)
    if kind == "Rearrangement":
        return _fusion_rule(name, genes)
    if kind == "Copy Number" and genes:
        direction = str(ext.get("direction"))
        if direction not in ("Amplification", "Deletion"):
            raise RowProblem("direction", direction, "Amplification or Deletion")
        change = "amplification" if direction == "Amplification" else "deletion"
        return CopyNumberRule(gene=_gene(genes[0]), direction=change)
    if kind == "Wild type" and genes:
        return WildTypeRule(gene=_gene(genes[0]))
    if kind == "Protein expression":
        return ExpressionRule(marker=str(ext.get("marker")), result=str(ext.get("value")))
    if kind == "Tumor mutational burden" and ext.get("minimum_mutations_per_megabase"):
        return TmbRule(at_least=float(ext["minimum_mutations_per_megabase"]))
    if name in ("MSI-H", "dMMR"):
        return MsiRule()
    return UnsupportedRule(description=name, reason=f"biomarker type {kind!r} is not evaluated yet")


def _gene(symbol: str) -> str:
    gene = gene_symbol({"gene": symbol}, "gene")
    assert gene is not None
    return gene


def _variant_rule(kind: str, name: str, ext: dict[str, Any], genes: list[str]) -> AnyRule:
    if len(genes) != 1:
        raise RowProblem("biomarker genes", genes, f"exactly one gene for {name!r}")
    row: dict[str, Any] = {key: "" if ext.get(key) is None else ext[key] for key in _VARIANT_FIELDS}
    row.update(feature_type=kind, gene=genes[0], description=name)
    row["pathogenic"] = 1 if ext.get("requires_pathogenic") else ""
    return rule_for(row)


def _fusion_rule(name: str, genes: list[str]) -> AnyRule:
    """``BCR::ABL1`` names both partners 5' then 3'; ``v::ALK`` leaves one side open."""
    left, sep, right = name.partition("::")
    if not sep:
        if not genes:  # "t(15;17)": bands only, no gene named (biomarkers.json)
            return UnsupportedRule(
                description=name, reason="translocation named by cytogenetic bands, no genes"
            )
        if len(genes) != 1:
            raise RowProblem("biomarker name", name, "'GENE::GENE', 'v::GENE' or one gene")
        return FusionRule(gene_5p=_gene(genes[0]), ordered=False)
    five = None if left == "v" else _gene(left)
    three = None if right == "v" else _gene(right)
    return FusionRule(gene_5p=five, gene_3p=three)


def _therapy(proposition: dict[str, Any], db: dict[str, dict[Any, dict[str, Any]]]) -> Therapy:
    if proposition.get("therapy_id") is not None:
        members = [_ref(db, "therapies", proposition["therapy_id"])]
    else:
        group = _ref(db, "therapy_groups", proposition.get("therapy_group_id"))
        members = [_ref(db, "therapies", t) for t in group.get("therapies") or []]
    extensions = [_extensions(m) for m in members]
    strategies = sorted({s for e in extensions for s in e.get("therapy_strategy") or []})
    types = sorted({str(e["therapy_type"]) for e in extensions if e.get("therapy_type")})
    return Therapy(
        name=" + ".join(str(m.get("name")) for m in members),
        strategy=", ".join(strategies) or None,
        therapy_type=", ".join(types) or None,
        codes=tuple(str(m["primary_coding_id"]) for m in members if m.get("primary_coding_id")),
    )


def _disease(disease: dict[str, Any]) -> Disease:
    coding = str(disease.get("primary_coding_id") or "")
    code = coding.split(":", 1)[1] if coding.startswith("oncotree:") else None
    return Disease(name=str(disease.get("name")), oncotree_code=code)


def _reference(
    document: dict[str, Any], indication: dict[str, Any], db: dict[str, dict[Any, dict[str, Any]]]
) -> Reference:
    urls = [str(_ref(db, "urls", u).get("url")) for u in document.get("urls") or []]
    agency = str(document.get("agent_id") or "").upper()
    text = document.get("description") or document.get("name") or document["id"]
    return Reference(
        citation=f"{agency}: {text} Approved {indication.get('initial_approval_date')}.",
        pmid=str(document["pmid"]) if document.get("pmid") else None,
        doi=document.get("doi"),
        url=indication.get("initial_approval_url") or (urls[0] if urls else None),
    )
