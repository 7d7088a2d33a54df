# SPDX-License-Identifier: Apache-2.0
"""One hand-authored demo recommendation, so the decision workflow can be tried before the
actionability engine (knowledge-base issue) exists. It is labelled as a demo seed everywhere.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from oncoboard.governance import decisions, gate
from oncoboard.governance.gate import Actor
from oncoboard.governance.recommendation import (
    Alternative,
    Citation,
    FactReference,
    Recommendation,
    RecommendationKind,
)
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.record import service as record_service

PATIENT = "demo-002"
SEED = "demo seed: hand-authored example, not an engine output"


def ensure_demo_recommendation(session: Session, actor: Actor) -> bool:
    """Propose the EGFR L858R → osimertinib example once; returns True when created."""
    view = gate.authorize(
        session,
        actor=actor,
        action=Action.VIEW_RECORD,
        purpose=Purpose.TREATMENT,
        obj="demo recommendation",
        patient_id=PATIENT,
    )
    if decisions.list_for_patient(session, access=view):
        return False
    page = record_service.list_variants(session=session, access=view, gene="EGFR", limit=10)
    egfr = next(
        (item for item in page.items if getattr(item.fact, "hgvs_p", None) == "p.L858R"), None
    )
    if egfr is None:
        return False
    recommendation = Recommendation(
        patient_id=PATIENT,
        kind=RecommendationKind.THERAPY,
        statement="Osimertinib is the labelled first-line option for metastatic NSCLC with EGFR L858R",
        basis=(
            FactReference(
                label="EGFR p.L858R (somatic)",
                fact_id=egfr.fact_id,
                kind="variant",
                provenance=egfr.provenance,
                match="protein change",
            ),
        ),
        evidence=(
            Citation(
                source="TAGRISSO (osimertinib) US prescribing information, section 1 "
                "(first-line metastatic NSCLC with EGFR exon 19 deletions or exon 21 "
                "L858R mutations)",
                level="FDA-approved, this tumour type (AMP/ASCO/CAP Tier I, level A)",
                knowledge_version=SEED,
            ),
            Citation(
                source="Soria JC et al. Osimertinib in untreated EGFR-mutated advanced "
                "non-small-cell lung cancer (FLAURA). N Engl J Med 2018;378:113-125",
                identifier="PMID:29151359",
                level="phase 3 randomised trial",
                knowledge_version=SEED,
            ),
        ),
        alternatives=(
            Alternative(
                statement="gefitinib or erlotinib (first-generation EGFR TKI)",
                why_not_first="shorter progression-free survival than osimertinib in FLAURA",
            ),
        ),
        limitations="Demo seed written by hand; does not consider the MET amplification and RET "
        "fusion also on this record (possible resistance), nor the current treatment.",
        intended_use="Illustrates the review-and-decide workflow for oncologists and tumour "
        "boards; not for clinical use.",
        generated_by=SEED,
        ai_generated=False,
    )
    edit = gate.authorize(
        session,
        actor=actor,
        action=Action.EDIT_RECORD,
        purpose=Purpose.TREATMENT,
        obj="demo recommendation",
        patient_id=PATIENT,
    )
    decisions.propose(session, access=edit, recommendation=recommendation)
    return True
