# SPDX-License-Identifier: Apache-2.0
"""Cohort screening: which patients have an actionable alteration for drug X / biomarker Y.

Research use of patient data (GDPR Art. 9(2)(a)): the caller passes the gate for
``view_record`` × ``research`` (researchers), every screen is one audit entry naming the query,
and only patients whose research consent is in force now are read at all
(``gate.visible_patients``); a withdrawal removes the patient from the next screen. Callers who
may view records for research see the (pseudonymous) patient ids and findings of consented
patients; there is no counts-only tier for other roles, who are refused (small counts identify
patients too). See docs/knowledge-base.md, "Cohort screening".
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from oncoboard.actionability.cohort import facts as cohort_facts
from oncoboard.actionability.cohort.engine import Pair, altered_genes, assess_cohort, needs
from oncoboard.actionability.cohort.schemas import (
    ReleaseStamp,
    ScreenedPatient,
    ScreenMatch,
    ScreenQuery,
    ScreenResult,
)
from oncoboard.actionability.engine import Assessment, Finding
from oncoboard.actionability.facts import PatientFacts
from oncoboard.actionability.matching import EngineOptions
from oncoboard.errors import InputError, PermissionDenied, Problem
from oncoboard.governance import gate, pseudonyms
from oncoboard.governance.gate import Access, Actor
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.knowledge import oncotree
from oncoboard.knowledge import service as kb
from oncoboard.knowledge.models import KbReleaseRow
from oncoboard.knowledge.schemas import Assertion, KbReleaseInfo
from oncoboard.record.genomics import ProteinChange
from oncoboard.record.models import FactRow, PatientRow
from oncoboard.runtime import collector_paused

PURPOSE = Purpose.RESEARCH
_THERAPY_SEPARATORS = ("+", ",", "/", ";")


def authorize(session: Session, actor: Actor, query: ScreenQuery) -> Access:
    """Research use across patients: allowed (and audited) or refused (and audited)."""
    return gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=PURPOSE,
        obj=f"cohort screen: {query.describe()}"[:256],
    )


def screen(*, session: Session, access: Access, query: ScreenQuery) -> ScreenResult:
    """Patients with research consent in force whose facts match the selected assertions."""
    gate.require(access, Action.VIEW_RECORD, patient_scoped=False)
    if access.purpose != PURPOSE:
        raise PermissionDenied(f"cohort screening is research use, not {access.purpose.value}")
    started = time.perf_counter()
    _check(query)
    releases = releases_for(session, query.releases)
    pairs = [pair for pair in load_pairs(session, releases) if _selected(pair[0], query)]
    options = EngineOptions(gene_level=query.gene_level)
    patients = _patients(access.actor, query.tumor_type)
    with collector_paused():
        cohort = cohort_facts.load(session, patients, needs([a.rule for a, _ in pairs]))
        screened = [
            entry
            for assessment in assess_cohort(cohort, pairs, options)
            if (entry := _entry(assessment, query)) is not None
        ]
    screened.sort(key=lambda entry: entry.patient_id)
    result = ScreenResult(
        query=query,
        purpose=PURPOSE.value,
        releases=[
            ReleaseStamp(release_id=r.release_id, sha256=r.sha256, notice=r.notice)
            for r in releases
        ],
        assertions=len(pairs),
        patients_screened=len(cohort),
        patients_matched=len(screened),
        patients_with_option=sum(entry.has_option for entry in screened),
        not_evaluated=_never(pairs, options),
        patients_without=_coverage(cohort),
        patients=screened,
        seconds=time.perf_counter() - started,
    )
    # research answers carry pseudonyms, never direct identifiers (governance/pseudonyms.py)
    return pseudonyms.for_research(session, result, access=access)


def _check(query: ScreenQuery) -> None:
    if query.alteration and not query.gene:
        raise InputError(
            "an alteration needs its gene (--gene)",
            [Problem("screen", "query", "alteration", query.alteration, "with gene")],
        )
    if query.tumor_type:
        oncotree.tumor_type(query.tumor_type, source="screen", locator="query")


def releases_for(session: Session, release_ids: Sequence[str]) -> list[KbReleaseInfo]:
    """The chosen releases, or every stored one (as a patient's report consults them)."""
    if release_ids:
        return [kb.release_info(session, release_id) for release_id in release_ids]
    ids = session.scalars(select(KbReleaseRow.release_id).order_by(KbReleaseRow.release_id))
    return [kb.release_info(session, release_id) for release_id in ids]


def load_pairs(session: Session, releases: Sequence[KbReleaseInfo]) -> list[Pair]:
    return [
        (Assertion.model_validate(payload), release)
        for release in releases
        for payload in kb.load_assertions(session, release.release_id).values()
    ]


def _selected(assertion: Assertion, query: ScreenQuery) -> bool:
    if query.gene and query.gene.strip().upper() not in {
        g.upper() for g in altered_genes(assertion.rule)
    }:
        return False
    return not query.drug or _names_drug(assertion, query.drug)


def _names_drug(assertion: Assertion, drug: str) -> bool:
    """The drug is the therapy or one of a combination's parts (case-insensitive)."""
    if assertion.therapy is None:
        return False
    name = assertion.therapy.name.lower()
    for separator in _THERAPY_SEPARATORS:
        name = name.replace(separator, "\x00")
    parts = {part.strip() for part in name.split("\x00")}
    return drug.strip().lower() in parts | {assertion.therapy.name.lower()}


def _patients(actor: Actor, tumor_type: str | None) -> Select[Any]:
    """Consented patients, optionally those with a diagnosis at or under ``tumor_type``."""
    query = select(PatientRow.id).where(gate.visible_patients(actor, PURPOSE))
    if tumor_type:
        codes = sorted(_codes_under(tumor_type))
        diagnosed = select(FactRow.patient_id).where(
            FactRow.kind == "condition",
            FactRow.payload["oncotree_code"].as_string().in_(codes),
        )
        query = query.where(PatientRow.id.in_(diagnosed))
    return query


def _codes_under(code: str) -> set[str]:
    """The code and its descendants, in every shipped OncoTree release that has it."""
    found: set[str] = set()
    for release in oncotree.RELEASES:
        tree = oncotree.load(release)
        node = tree.get(code)
        if node is not None:
            found |= {node.code, *(n.code for n in tree.descendants(node.code))}
    return found


def _entry(assessment: Assessment, query: ScreenQuery) -> ScreenedPatient | None:
    buckets = (
        ("option", assessment.options),
        ("resistance", assessment.resistance),
        ("other", assessment.other),
    )
    matches = [
        _match(bucket, finding)
        for bucket, found in buckets
        for finding in found
        if _shows_alteration(finding, query.alteration)
    ]
    if not matches:
        return None
    return ScreenedPatient(
        patient_id=assessment.patient_id,
        tumor_types=[assessment.tumor_type] if assessment.tumor_type else [],
        has_option=any(m.bucket == "option" for m in matches),
        matches=matches,
    )


def _shows_alteration(finding: Finding, alteration: str | None) -> bool:
    """A protein change must be the matched variant's; other text must appear in the match."""
    if not alteration:
        return True
    wanted = _protein(alteration)
    if wanted is None:
        return alteration.strip().lower() in finding.result.reason.lower()
    return any(
        _protein(getattr(fact.fact, "hgvs_p", None)) == wanted for fact in finding.result.facts
    )


def _protein(text: str | None) -> ProteinChange | None:
    if not text:
        return None
    try:
        return ProteinChange.parse(text)
    except InputError:
        return None


def _match(bucket: str, finding: Finding) -> ScreenMatch:
    assertion = finding.assertion
    return ScreenMatch(
        assertion_id=assertion.assertion_id,
        release_id=finding.release.release_id,
        bucket=bucket,
        therapy=assertion.therapy.name if assertion.therapy else None,
        direction=assertion.direction,
        gene=kb.primary_gene(assertion.rule),
        alteration=finding.result.reason,
        match_level=str(finding.result.level) if finding.result.level else None,
        source_level=assertion.source_level,
        evidence_class=assertion.evidence_class,
        amp=finding.tier.amp,
        escat=finding.tier.escat,
        on_label=finding.disease.on_label,
        disease=finding.disease.reason,
        fact_ids=[fact.fact_id for fact in finding.result.facts],
    )


def _never(pairs: Sequence[Pair], options: EngineOptions) -> dict[str, int]:
    """Selected assertions that cannot match anyone under these options, by reason."""
    reasons: Counter[str] = Counter()
    for assertion, _ in pairs:
        if assertion.rule.kind == "unsupported":
            reasons[f"not evaluated: {assertion.rule.reason}"] += 1
        elif assertion.rule.kind == "gene_any" and not options.gene_level:
            reasons["gene-level ('any mutation') evidence is off; enable it explicitly"] += 1
    return dict(sorted(reasons.items()))


def _coverage(cohort: Sequence[PatientFacts]) -> dict[str, int]:
    return {
        "variant": sum(not p.variants for p in cohort),
        "copy_number": sum(not p.copy_numbers for p in cohort),
        "fusion": sum(not p.fusions for p in cohort),
        "biomarker": sum(not p.biomarkers for p in cohort),
    }
