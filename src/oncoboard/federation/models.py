# SPDX-License-Identifier: Apache-2.0
"""Tables of federated research (0016).

A site keeps a **research index** derived from its patient record (one row per individual,
diagnosis, treatment class and variant, with the columns count queries filter on indexed), the
policy its answers follow, the exact answers it gave (for differencing checks), the privacy
budget each researcher spent, the coordinators (peers) allowed to ask, and the request nonces
seen. A coordinator keeps the sites it asks. Consent is never copied here: every count reads the
consent in force through the governance gate.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column

from oncoboard.governance.models import ConsentEventRow
from oncoboard.record.models import utcnow
from oncoboard.store.base import Base

_TS = DateTime(timezone=True)

# Federated counts read every patient's latest consent event for one purpose in one ordered pass
# (``gate.consented_patients``); this index holds all four columns, so that pass never reads the
# table (an index-only scan on PostgreSQL, a covering index on SQLite). Declared here, next to
# its only reader; the consent table itself is governance's.
CONSENT_LATEST_INDEX = Index(
    "ix_consent_purpose_patient_latest",
    ConsentEventRow.purpose,
    ConsentEventRow.patient_id,
    ConsentEventRow.id,
    ConsentEventRow.status,
)


class IndexedImportRow(Base):
    """An import whose patients the research index already reflects."""

    __tablename__ = "federation_indexed_imports"

    import_id: Mapped[str] = mapped_column(ForeignKey("imports.id"), primary_key=True)
    indexed_at: Mapped[datetime] = mapped_column(_TS, nullable=False, default=utcnow)


class IndexedIndividualRow(Base):
    """One individual as count queries see it: sex and age only, no identifier but the key."""

    __tablename__ = "federation_individuals"

    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), primary_key=True)
    sex: Mapped[str | None] = mapped_column(String(16))
    birth_date: Mapped[date | None] = mapped_column(Date)
    # the age the source records (cBioPortal AGE, a biosample's collectionMoment) when the
    # record has no birth date
    age_years: Mapped[int | None] = mapped_column(Integer)
    indexed_at: Mapped[datetime] = mapped_column(_TS, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_federation_individuals_sex", "sex", "patient_id"),)


class IndexedDiagnosisRow(Base):
    __tablename__ = "federation_diagnoses"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False)
    oncotree_code: Mapped[str] = mapped_column(String(32), nullable=False)
    stage: Mapped[str | None] = mapped_column(String(8))
    stage_group: Mapped[str | None] = mapped_column(String(4))

    __table_args__ = (
        Index("ix_federation_diagnoses_code", "oncotree_code", "stage_group", "patient_id"),
        Index("ix_federation_diagnoses_patient", "patient_id"),
    )


class IndexedTreatmentRow(Base):
    __tablename__ = "federation_treatments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False)
    treatment_class: Mapped[str] = mapped_column(String(48), nullable=False)

    __table_args__ = (
        Index("ix_federation_treatments_class", "treatment_class", "patient_id"),
        Index("ix_federation_treatments_patient", "patient_id"),
    )


class IndexedVariantRow(Base):
    """One recorded small variant with the build it was recorded on (never converted)."""

    __tablename__ = "federation_variants"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False)
    genome_build: Mapped[str] = mapped_column(String(8), nullable=False)
    chrom: Mapped[str | None] = mapped_column(String(16))
    pos: Mapped[int | None] = mapped_column(Integer)  # 1-based, as VCF
    ref: Mapped[str | None] = mapped_column(String(200))
    alt: Mapped[str | None] = mapped_column(String(200))
    gene: Mapped[str | None] = mapped_column(String(64))
    protein: Mapped[str | None] = mapped_column(String(64))  # canonical short form, p.V600E
    origin: Mapped[str] = mapped_column(String(16), nullable=False)

    __table_args__ = (
        Index("ix_federation_variants_gene", "gene", "protein", "patient_id"),
        Index("ix_federation_variants_locus", "genome_build", "chrom", "pos", "patient_id"),
        Index("ix_federation_variants_patient", "patient_id"),
    )


class SitePolicyRow(Base):
    """The one policy a site's answers follow; changed only by an administrator (audited)."""

    __tablename__ = "federation_policy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    site_name: Mapped[str] = mapped_column(String(128), nullable=False)
    beacon_id: Mapped[str] = mapped_column(String(128), nullable=False)
    min_count: Mapped[int] = mapped_column(Integer, nullable=False)
    dp_enabled: Mapped[bool] = mapped_column(Boolean, nullable=False)
    epsilon_per_query: Mapped[float] = mapped_column(Float, nullable=False)
    epsilon_budget: Mapped[float] = mapped_column(Float, nullable=False)
    budget_window_days: Mapped[int] = mapped_column(Integer, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(_TS, nullable=False, default=utcnow)
    updated_by: Mapped[str] = mapped_column(String(64), nullable=False)


class ExactAnswerRow(Base):
    """An exact count this site released, with the set it counted (internal keys, compressed):
    the next answer that differs from it by fewer than the threshold is not released exactly."""

    __tablename__ = "federation_answers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(_TS, nullable=False, default=utcnow)
    researcher: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_type: Mapped[str] = mapped_column(String(16), nullable=False)
    query_key: Mapped[str] = mapped_column(String(64), nullable=False)
    count: Mapped[int] = mapped_column(Integer, nullable=False)
    members: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    members_sha256: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (Index("ix_federation_answers_count", "count"),)


class PrivacySpendRow(Base):
    """Epsilon one researcher spent on one differentially private answer (append-only)."""

    __tablename__ = "federation_privacy_spend"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(_TS, nullable=False, default=utcnow)
    researcher: Mapped[str] = mapped_column(String(64), nullable=False)
    epsilon: Mapped[float] = mapped_column(Float, nullable=False)
    entry_type: Mapped[str] = mapped_column(String(16), nullable=False)
    query_key: Mapped[str] = mapped_column(String(64), nullable=False)

    __table_args__ = (Index("ix_federation_privacy_spend_researcher", "researcher", "at"),)


class PeerRow(Base):
    """A coordinator allowed to query this site. Only its public key is kept: the private half
    was shown once, inside the access key, and never stored here."""

    __tablename__ = "federation_peers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    key_id: Mapped[str] = mapped_column(String(32), nullable=False, unique=True)
    public_key: Mapped[str] = mapped_column(String(64), nullable=False)
    fingerprint: Mapped[str] = mapped_column(String(64), nullable=False)
    created_at: Mapped[datetime] = mapped_column(_TS, nullable=False, default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64), nullable=False)
    revoked_at: Mapped[datetime | None] = mapped_column(_TS)
    last_used_at: Mapped[datetime | None] = mapped_column(_TS)


class SeenNonceRow(Base):
    """A signed request's nonce: a second request with it is a replay and is refused."""

    __tablename__ = "federation_nonces"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    nonce: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column(_TS, nullable=False, default=utcnow)

    __table_args__ = (Index("ix_federation_nonces_seen", "seen_at"),)


class SiteIdentityRow(Base):
    """This site's own signing key (answers are signed with it); private half encrypted."""

    __tablename__ = "federation_site_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    public_key: Mapped[str] = mapped_column(String(64), nullable=False)
    encrypted_private_key: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(_TS, nullable=False, default=utcnow)


class SiteRow(Base):
    """A site this coordinator asks; its access key is kept encrypted, never shown again."""

    __tablename__ = "federation_sites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)
    base_url: Mapped[str] = mapped_column(String(512), nullable=False)
    key_id: Mapped[str] = mapped_column(String(32), nullable=False)
    site_public_key: Mapped[str] = mapped_column(String(64), nullable=False)
    encrypted_private_key: Mapped[str] = mapped_column(Text, nullable=False)
    timeout_s: Mapped[float] = mapped_column(Float, nullable=False)
    retries: Mapped[int] = mapped_column(Integer, nullable=False)
    added_at: Mapped[datetime] = mapped_column(_TS, nullable=False, default=utcnow)
    added_by: Mapped[str] = mapped_column(String(64), nullable=False)
    last_checked_at: Mapped[datetime | None] = mapped_column(_TS)
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    catalogue: Mapped[dict[str, object] | None] = mapped_column(JSON)
