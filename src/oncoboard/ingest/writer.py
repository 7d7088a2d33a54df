# SPDX-License-Identifier: Apache-2.0
"""Batched writes of parsed facts; refuses a genome build that disagrees with the patient's.

Sized for 100k-record VCFs (``benchmarks/vcf_import.py``): payloads are serialised once by
pydantic (no dict round trip), rows go through one Core ``executemany`` per batch, and raw
source records are compressed in blocks of neighbours instead of stored one by one.
"""

from __future__ import annotations

import zlib
from collections import Counter
from functools import cache
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict
from oncoboard.ingest.schemas import ParsedFact
from oncoboard.record.models import RAW_SEPARATOR, FactRow, PatientRow, RawBlockRow
from oncoboard.record.schemas import Fact
from oncoboard.store.db import RawJSON, accepts_raw_json

_GENOMIC = frozenset({"variant", "copy_number", "fusion"})
_DATE_FIELDS = ("effective", "onset", "start", "collected")
_NOT_STORED = {"kind"}  # the kind column carries it
# ~256k characters of raw text per block: ~70 VCF records, ~10 KB compressed; reading one
# fact's record back inflates one block (well under a millisecond).
BLOCK_CHARS = 256 * 1024
# zlib level 1: level 6 halves the stored size again but costs more CPU than the I/O it saves.
_LEVEL = 1


class FactWriter:
    """Buffers facts and inserts them in batches inside the caller's transaction."""

    def __init__(
        self, *, session: Session, import_id: str, batch_size: int, patient_override: str | None
    ) -> None:
        self._session = session
        self._import_id = import_id
        self._batch_size = batch_size
        self._override = patient_override
        self._patients: dict[str, int] = {}
        self._builds: dict[int, str | None] = {}
        self._rows: list[dict[str, Any]] = []
        self._raw_json = accepts_raw_json(session.get_bind().engine)
        self.counts: Counter[str] = Counter()

    def add(self, parsed: ParsedFact) -> None:
        external_id = self._override or parsed.patient_key
        patient_id = self._patients.get(external_id) or self._patient_id(external_id)
        fact = parsed.fact
        kind = fact.kind
        gene_field, date_fields = _lifted(type(fact))
        build = getattr(fact, "genome_build", None) if kind in _GENOMIC else None
        if build is not None and self._builds.get(patient_id) != build:
            self._check_build(patient_id, external_id, build, parsed)
        self._rows.append(
            {
                "patient_id": patient_id,
                "import_id": self._import_id,
                "kind": kind,
                "genome_build": build,
                "gene": getattr(fact, gene_field) if gene_field else None,
                "effective": _effective(fact, date_fields),
                "locator": parsed.locator[:200],
                "payload": self._payload(fact),
                "raw": parsed.raw,
                "raw_block": None,
                "raw_index": None,
            }
        )
        self.counts[kind] += 1
        if len(self._rows) >= self._batch_size:
            self.flush()

    def flush(self) -> None:
        if self._rows:
            self._pack_raw(self._rows)
            self._session.connection().execute(insert(FactRow), self._rows)
            self._rows = []

    @property
    def patients(self) -> list[str]:
        return sorted(self._patients)

    def _payload(self, fact: Fact) -> RawJSON | dict[str, Any]:
        if self._raw_json:
            return RawJSON(fact.model_dump_json(exclude=_NOT_STORED, exclude_none=True))
        return fact.model_dump(mode="json", exclude=_NOT_STORED, exclude_none=True)

    def _pack_raw(self, rows: list[dict[str, Any]]) -> None:
        """Move each row's raw record into a compressed block; consecutive facts from one
        record (a multi-allelic VCF line) share one entry."""
        texts: list[str] = []
        size = 0
        previous: str | None = None
        members: list[dict[str, Any]] = []
        for row in rows:
            raw = row["raw"]
            if raw is None or RAW_SEPARATOR in raw:
                continue  # nothing to keep, or kept inline
            if raw != previous:
                if size >= BLOCK_CHARS:
                    self._store_block(texts, members)
                    texts, members, size = [], [], 0
                texts.append(raw)
                size += len(raw)
                previous = raw
            row["raw"] = None
            row["raw_index"] = len(texts) - 1
            members.append(row)
        if texts:
            self._store_block(texts, members)

    def _store_block(self, texts: list[str], members: list[dict[str, Any]]) -> None:
        data = zlib.compress(RAW_SEPARATOR.join(texts).encode("utf-8"), _LEVEL)
        result = self._session.connection().execute(
            insert(RawBlockRow).values(import_id=self._import_id, data=data)
        )
        key = result.inserted_primary_key
        assert key is not None  # a single-row INSERT always reports its key
        block_id = key[0]
        for row in members:
            row["raw_block"] = block_id

    def _patient_id(self, external_id: str) -> int:
        row = self._session.scalar(select(PatientRow).where(PatientRow.external_id == external_id))
        if row is None:
            row = PatientRow(external_id=external_id)
            self._session.add(row)
            self._session.flush()
        self._patients[external_id] = row.id
        return row.id

    def _check_build(
        self, patient_id: int, external_id: str, build: str, parsed: ParsedFact
    ) -> None:
        if patient_id not in self._builds:
            stored = self._session.scalars(
                select(FactRow.genome_build)
                .where(FactRow.patient_id == patient_id, FactRow.genome_build.is_not(None))
                .limit(1)
            ).first()
            self._builds[patient_id] = stored or build
        expected = self._builds[patient_id]
        if expected != build:
            raise Conflict(
                f"{parsed.locator}: genome build {build} disagrees with patient {external_id}'s "
                f"existing genomic facts on {expected}; refusing to mix builds"
            )


@cache
def _lifted(model: type[Fact]) -> tuple[str | None, tuple[str, ...]]:
    """The fields a kind has for the gene and date columns, looked up once per class: asking a
    pydantic model for a field it lacks raises inside ``__getattr__`` (slow, 100k times)."""
    fields = model.model_fields
    gene = next((name for name in ("gene", "gene_5p") if name in fields), None)
    return gene, tuple(name for name in _DATE_FIELDS if name in fields)


def _effective(fact: Fact, names: tuple[str, ...]) -> str | None:
    for name in names:
        value = getattr(fact, name)
        if isinstance(value, str) and value:
            return value[:40]
    return None
