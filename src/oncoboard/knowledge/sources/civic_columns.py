# SPDX-License-Identifier: Apache-2.0
"""CIViC ClinicalEvidenceSummaries columns: the current v2 export and the legacy v1 one.

v2 (molecular profiles, since 2023): ``../shared/data/kb/civic/civic_v2_tsv_columns.tsv``.
v1 (gene + variant, up to 01-Dec-2022): the same file's "(v1: ...)" notes and
``../shared/data/kb/civic/SOURCE.md``. Each role below names the column that carries it.
"""

from __future__ import annotations

from dataclasses import dataclass

from oncoboard.knowledge.schemas import EvidenceClass

# Roles every importable export must have (missing → the release is refused).
_SHARED = {
    "disease": "disease",
    "doid": "doid",
    "evidence_type": "evidence_type",
    "direction": "evidence_direction",
    "level": "evidence_level",
    "statement": "evidence_statement",
    "citation_id": "citation_id",
    "source_type": "source_type",
    "citation": "citation",
    "nct_ids": "nct_ids",
    "status": "evidence_status",
    "eid": "evidence_id",
    "origin": "variant_origin",
    "reviewed": "last_review_date",
}
V2 = {
    **_SHARED,
    "profile": "molecular_profile",
    "therapies": "therapies",
    "interaction": "therapy_interaction_type",
    "significance": "significance",
}
V1 = {
    **_SHARED,
    "gene": "gene",
    "variant": "variant",
    "therapies": "drugs",
    "interaction": "drug_interaction_type",
    "significance": "clinical_significance",
}
# v1 only, optional: representative coordinates, used for rsID and c. variant names.
V1_COORDINATES = {
    "chromosome": "chromosome",
    "start": "start",
    "stop": "stop",
    "ref": "reference_bases",
    "alt": "variant_bases",
    "build": "reference_build",
}

# Fields of one evidence item: rows of one EID (the 2022 subset explodes therapies and
# "/"-separated variants into rows) must agree on these.
ITEM_ROLES = (
    "disease",
    "doid",
    "evidence_type",
    "direction",
    "level",
    "significance",
    "citation_id",
    "source_type",
    "origin",
    "interaction",
)
REQUIRED = ("eid", "evidence_type", "direction", "level", "significance", "disease")

# CIViC level -> normalised class: ../shared/data/kb/crosswalk/evidence_level_crosswalk.tsv,
# scheme "CIViC", column suggested_normalized_class.
LEVELS: dict[str, EvidenceClass] = {
    "A": EvidenceClass.GUIDELINE_OR_APPROVAL,
    "B": EvidenceClass.CLINICAL_STRONG_OR_LIMITED,
    "C": EvidenceClass.CASE_REPORT,
    "D": EvidenceClass.PRECLINICAL,
    "E": EvidenceClass.INFERENTIAL,
}

# Predictive significance (CIViC docs, evidence/significance) -> direction.
PREDICTIVE = {
    "Sensitivity/Response": "sensitivity",
    "Sensitivity": "sensitivity",
    "Resistance": "resistance",
    "Reduced Sensitivity": "reduced_sensitivity",
    "Adverse Response": "adverse_response",
}
PROGNOSTIC = {"Better Outcome": "favorable_prognosis", "Poor Outcome": "poor_prognosis"}
SUPPORTS = {"Supports": True, "Does Not Support": False}


@dataclass(frozen=True)
class Layout:
    """Which export a header is, and the column index of every role."""

    version: str
    index: dict[str, int]
    header: list[str]

    def get(self, fields: list[str], role: str) -> str:
        position = self.index.get(role)
        if position is None or position >= len(fields):
            return ""
        return fields[position].strip()


def detect(header: list[str]) -> tuple[Layout | None, list[str]]:
    """The layout of a header, or the columns it lacks (v2 is preferred when both fit)."""
    names = [name.strip() for name in header]
    version, roles = ("v2", V2) if "molecular_profile" in names else ("v1", V1)
    missing = [column for column in roles.values() if column not in names]
    if missing:
        return None, missing
    wanted = {**roles, **V1_COORDINATES} if version == "v1" else roles
    index = {role: names.index(col) for role, col in wanted.items() if col in names}
    return Layout(version=version, index=index, header=names), []
