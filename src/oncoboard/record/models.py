# SPDX-License-Identifier: Apache-2.0
"""Tables of the patient record: patients and their facts, each fact tied to its import."""

from __future__ import annotations

import zlib
from datetime import UTC, datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from oncoboard.store.base import Base


def utcnow() -> datetime:
    return datetime.now(UTC)


class PatientRow(Base):
    __tablename__ = "patients"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    external_id: Mapped[str] = mapped_column(String(128), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class FactRow(Base):
    """One fact; typed payload as JSON, with the columns queries filter on lifted out."""

    __tablename__ = "facts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), nullable=False)
    import_id: Mapped[str] = mapped_column(ForeignKey("imports.id"), nullable=False, index=True)
    kind: Mapped[str] = mapped_column(String(32), nullable=False)
    genome_build: Mapped[str | None] = mapped_column(String(8))
    gene: Mapped[str | None] = mapped_column(String(64))
    effective: Mapped[str | None] = mapped_column(String(40))
    locator: Mapped[str] = mapped_column(String(200), nullable=False)
    payload: Mapped[dict[str, object]] = mapped_column(JSON, nullable=False)
    # The raw source record: inline, or entry ``raw_index`` of block ``raw_block`` (0004).
    raw: Mapped[str | None] = mapped_column(Text)
    raw_block: Mapped[int | None] = mapped_column(Integer)
    raw_index: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index("ix_facts_patient_kind", "patient_id", "kind", "id"),
        # Variant table filtered or sorted by gene without scanning a 50k-variant tumour (0002).
        Index("ix_facts_patient_kind_gene", "patient_id", "kind", "gene", "id"),
    )


# Separates the raw records inside one block; a record containing it is stored inline.
RAW_SEPARATOR = "\x1e"  # ASCII record separator


class RawBlockRow(Base):
    """Raw source records of consecutive facts, compressed together (0004).

    Neighbouring VCF records repeat most of their text (the same transcripts and fields), so
    a block of them compresses about 25:1 where one record alone compresses 3:1; a 100k-record
    import then writes ~15 MB of raw text instead of ~360 MB (``benchmarks/vcf_import.py``).
    """

    __tablename__ = "raw_blocks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    import_id: Mapped[str] = mapped_column(ForeignKey("imports.id"), nullable=False, index=True)
    # zlib of the UTF-8 records joined by RAW_SEPARATOR
    data: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)

    def record(self, index: int) -> str:
        return zlib.decompress(self.data).decode("utf-8").split(RAW_SEPARATOR)[index]
