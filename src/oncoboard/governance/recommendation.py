# SPDX-License-Identifier: Apache-2.0
"""The recommendation contract every engine returns (FDA non-device CDS criterion 4;
EU AI Act Arts 13-14): basis, evidence, alternatives and limitations, reviewable by a clinician.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from oncoboard.record.schemas import Provenance

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
NONE_KNOWN = "none known"


class RecommendationKind(StrEnum):
    THERAPY = "therapy"
    TRIAL = "trial"
    ALERT = "alert"
    DOSE_CHANGE = "dose_change"
    PREDICTION = "prediction"


class RecommendationStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    MODIFIED = "modified"
    REJECTED = "rejected"
    # trial recommendations: a coordinator's screening outcome
    SCREENED = "screened"
    REFERRED = "referred"
    NOT_SUITABLE = "not_suitable"


class FactReference(BaseModel):
    """A patient fact the recommendation rests on, with where it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    label: Text
    fact_id: int | None = None
    kind: Text
    provenance: Provenance
    match: str | None = Field(default=None, description="how the fact matched, e.g. a match level")


class Citation(BaseModel):
    """Evidence: a source with its level and the knowledge or model version it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    source: Text = Field(description="label section, guideline, trial record or study")
    identifier: str | None = Field(default=None, description="PMID, NCT id, label set id …")
    level: Text
    knowledge_version: Text


class Alternative(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")
    statement: Text
    why_not_first: Text


class Recommendation(BaseModel):
    """Frozen; cannot exist without at least one basis fact and one citation."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    id: str = Field(default_factory=lambda: str(uuid.uuid4()))
    patient_id: Text
    kind: RecommendationKind
    statement: Text
    basis: tuple[FactReference, ...] = Field(min_length=1)
    evidence: tuple[Citation, ...] = Field(min_length=1)
    alternatives: tuple[Alternative, ...] | Literal["none known"]
    limitations: Text
    intended_use: Text
    generated_by: Text = Field(description="rule id, or model name + version")
    ai_generated: bool
    created_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    status: RecommendationStatus = RecommendationStatus.PROPOSED

    @classmethod
    def model_construct(  # type: ignore[override]
        cls, _fields_set: set[str] | None = None, **values: Any
    ) -> Self:
        """Refuse the unvalidated path: the contract's invariants hold for every instance."""
        return cls.model_validate(values)
