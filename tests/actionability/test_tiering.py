# SPDX-License-Identifier: Apache-2.0
"""Tiers follow the published definitions (Li 2017; Mateo 2018) for on- and off-label evidence."""

from __future__ import annotations

import pytest

from oncoboard.actionability.tiering import tier
from oncoboard.knowledge.oncotree import relation
from oncoboard.knowledge.schemas import EvidenceClass as E

LUAD_IN_NSCLC = relation("LUAD", "NSCLC")  # patient LUAD, assertion for NSCLC: on-label
LUAD_VS_MEL = relation("LUAD", "MEL")  # other tumour type: off-label
NO_TYPE = relation(None, "NSCLC")


@pytest.mark.parametrize(
    ("evidence", "disease", "amp", "escat"),
    [
        # Li 2017: level A = FDA-approved therapy or guideline for this tumour type -> Tier I
        (E.REGULATORY_APPROVAL, LUAD_IN_NSCLC, ("Tier I", "A"), "I-A"),
        (E.GUIDELINE, LUAD_IN_NSCLC, ("Tier I", "A"), "I-A"),
        # level B = well-powered studies -> Tier I when in this tumour type
        (E.CLINICAL_STRONG, LUAD_IN_NSCLC, ("Tier I", "B"), "I-B"),
        # level C = FDA-approved for a *different* tumour type -> Tier II C; ESCAT III-A
        (E.REGULATORY_APPROVAL, LUAD_VS_MEL, ("Tier II", "C"), "III-A"),
        (E.CLINICAL_LIMITED, LUAD_IN_NSCLC, ("Tier II", "C"), "II-B"),
        # level D = preclinical -> Tier II D; ESCAT IV-A / IV-B
        (E.PRECLINICAL, LUAD_IN_NSCLC, ("Tier II", "D"), "IV-A"),
        (E.INFERENTIAL, LUAD_VS_MEL, ("Tier II", "D"), "IV-B"),
        # Li 2017 table 3: level D = "preclinical trials or a few case reports": one case
        # report is never level C, on-label or not (clinical review, issue 13)
        (E.CASE_REPORT, LUAD_IN_NSCLC, ("Tier II", "D"), "X"),
        (E.CASE_REPORT, LUAD_VS_MEL, ("Tier II", "D"), "X"),
        # no tumour type: never guessed, treated as another tumour type
        (E.REGULATORY_APPROVAL, NO_TYPE, ("Tier II", "C"), "III-A"),
    ],
)
def test_tiers(evidence: E, disease: object, amp: tuple[str, str], escat: str) -> None:
    call = tier(evidence, disease)  # type: ignore[arg-type]
    assert (call.amp_tier, call.amp_level) == amp
    assert call.escat == escat
    assert call.rule_id.startswith("amp-") and call.rule
    assert call.disease_reason == disease.reason  # type: ignore[attr-defined]


def test_every_evidence_class_has_a_tier() -> None:
    for evidence in E:
        assert tier(evidence, LUAD_IN_NSCLC).amp_tier in ("Tier I", "Tier II")


def test_tumour_agnostic_assertions_cover_solid_tumours_only() -> None:
    from oncoboard.knowledge.oncotree import MatchKind, agnostic_relation

    lung = agnostic_relation("LUAD", "Any solid tumor")
    assert lung is not None and lung.on_label and "solid tumour (tissue Lung)" in lung.reason
    leukaemia = agnostic_relation("AML", "Any solid tumor")
    assert (
        leukaemia is not None and leukaemia.kind is MatchKind.NONE and "Myeloid" in leukaemia.reason
    )
    untyped = agnostic_relation(None, "Any solid tumor")
    assert (
        untyped is not None
        and untyped.kind is MatchKind.UNKNOWN
        and "not guessed" in untyped.reason
    )
    assert agnostic_relation("LUAD", "Melanoma") is None
    # Li 2017 level A in this (agnostic) indication -> Tier I
    assert tier(E.REGULATORY_APPROVAL, lung).amp_tier == "Tier I"
