# SPDX-License-Identifier: Apache-2.0
"""AMP/ASCO/CAP 2017 and ESCAT tiers from evidence class × disease match, each call naming its rule.

Sources: Li MM et al., J Mol Diagn 2017;19:4-23 (AMP/ASCO/CAP levels A-D, tiers I-IV);
Mateo J et al., Ann Oncol 2018;29:1895-1902 (ESCAT I-A … X). The source level → evidence class
step is the crosswalk in ``../shared/data/kb/crosswalk`` (its approximate AMP column is what
``_AMP_LEVEL`` encodes). Only published tier vocabularies appear in the output.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from oncoboard.knowledge.oncotree import DiseaseMatch
from oncoboard.knowledge.schemas import EvidenceClass

AmpTier = Literal["Tier I", "Tier II", "Tier III", "Tier IV"]
AmpLevel = Literal["A", "B", "C", "D"]
EscatTier = Literal["I-A", "I-B", "I-C", "II-A", "II-B", "III-A", "III-B", "IV-A", "IV-B", "V", "X"]

# Crosswalk: approximate AMP/ASCO/CAP evidence level of each normalised class. A case report
# is level D: Li 2017 (J Mol Diagn 19:4-23) defines D as "preclinical trials or a few
# case reports without consensus"; the shared crosswalk's "C" for CIViC C / CGI "Case report"
# over-called a single case (clinical review, issue 13).
_AMP_LEVEL: dict[EvidenceClass, AmpLevel] = {
    EvidenceClass.REGULATORY_APPROVAL: "A",
    EvidenceClass.GUIDELINE: "A",
    EvidenceClass.GUIDELINE_OR_APPROVAL: "A",
    EvidenceClass.CLINICAL_STRONG: "B",
    EvidenceClass.CLINICAL_STRONG_OR_LIMITED: "B",
    EvidenceClass.CLINICAL_LIMITED: "C",
    EvidenceClass.CASE_REPORT: "D",
    EvidenceClass.PRECLINICAL: "D",
    EvidenceClass.INFERENTIAL: "D",
}


@dataclass(frozen=True)
class TierCall:
    """A tier with the rule that produced it and the disease reason shown next to it."""

    amp_tier: AmpTier
    amp_level: AmpLevel
    escat: EscatTier
    rule_id: str
    rule: str
    disease_reason: str

    @property
    def amp(self) -> str:
        return f"{self.amp_tier} (level {self.amp_level})"


def tier(evidence: EvidenceClass, disease: DiseaseMatch) -> TierCall:
    """Tier one matched assertion for one patient's tumour type."""
    level = _AMP_LEVEL[evidence]
    on_label = disease.on_label
    amp_tier, amp_level, amp_rule_id, amp_rule = _amp(level, on_label, evidence)
    escat, escat_rule = _escat(evidence, on_label)
    return TierCall(
        amp_tier=amp_tier,
        amp_level=amp_level,
        escat=escat,
        rule_id=f"{amp_rule_id}/escat-{escat}",
        rule=f"{amp_rule}; {escat_rule}",
        disease_reason=disease.reason,
    )


def _amp(
    level: AmpLevel, on_label: bool, evidence: EvidenceClass
) -> tuple[AmpTier, AmpLevel, str, str]:
    if level in ("A", "B") and on_label:
        what = (
            "approved therapy or professional guideline"
            if level == "A"
            else "well-powered studies with expert consensus"
        )
        return "Tier I", level, f"amp-I{level}", f"AMP level {level} ({what}) in this tumour type"
    if level in ("A", "B"):
        return (
            "Tier II",
            "C",
            "amp-IIC-other-tumour",
            f"evidence of level {level} in a different tumour type counts as level C",
        )
    if level == "C":
        return (
            "Tier II",
            "C",
            "amp-IIC",
            "investigational therapy, clinical trials or small studies (level C)",
        )
    if evidence is EvidenceClass.CASE_REPORT:
        return "Tier II", "D", "amp-IID-case-report", "case report(s) without consensus (level D)"
    return "Tier II", "D", "amp-IID", "preclinical or inferential evidence (level D)"


def _escat(evidence: EvidenceClass, on_label: bool) -> tuple[EscatTier, str]:
    if evidence is EvidenceClass.CASE_REPORT:
        return (
            "X",
            "ESCAT X: ESCAT I-III rest on trials or cohort studies; case reports are not among "
            "its levels (not up-graded to II-B)",
        )
    if evidence in (EvidenceClass.PRECLINICAL,):
        return "IV-A", "ESCAT IV-A: preclinical (in vitro / in vivo) evidence"
    if evidence is EvidenceClass.INFERENTIAL:
        return "IV-B", "ESCAT IV-B: inferential (in silico) evidence only"
    if not on_label:
        return "III-A", "ESCAT III-A: benefit shown in another tumour type"
    if evidence in (
        EvidenceClass.REGULATORY_APPROVAL,
        EvidenceClass.GUIDELINE,
        EvidenceClass.GUIDELINE_OR_APPROVAL,
    ):
        return (
            "I-A",
            "ESCAT I-A assumed from approval or guideline status in this tumour type "
            "(check the pivotal trial: a single-arm approval is I-B)",
        )
    if evidence is EvidenceClass.CLINICAL_STRONG:
        return "I-B", "ESCAT I-B: prospective clinical evidence in this tumour type"
    return "II-B", "ESCAT II-B: clinical activity in this tumour type, benefit not quantified"
