# SPDX-License-Identifier: Apache-2.0
"""Batched writes of parsed facts; refuses a genome build that disagrees with the patient's."""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from oncoboard.errors import Conflict
from oncoboard.ingest.schemas import ParsedFact
from oncoboard.record.models import FactRow, PatientRow

_GENOMIC = frozenset({"variant", "copy_number", "fusion"})
_DATE_FIELDS = ("effective", "onset", "start", "collected")


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
        self.counts: Counter[str] = Counter()

    def add(self, parsed: ParsedFact) -> None:
        external_id = self._override or parsed.patient_key
        patient_id = self._patient_id(external_id)
        fact = parsed.fact
        build = getattr(fact, "genome_build", None) if fact.kind in _GENOMIC else None
        if build is not None:
            self._check_build(patient_id, external_id, build, parsed)
        payload = fact.model_dump(mode="json", exclude={"kind"}, exclude_none=True)
        self._rows.append(
            {
                "patient_id": patient_id,
                "import_id": self._import_id,
                "kind": fact.kind,
                "genome_build": build,
                "gene": getattr(fact, "gene", None) or getattr(fact, "gene_5p", None),
                "effective": _effective(payload),
                "locator": parsed.locator[:200],
                "payload": payload,
                "raw": parsed.raw,
            }
        )
        self.counts[fact.kind] += 1
        if len(self._rows) >= self._batch_size:
            self.flush()

    def flush(self) -> None:
        if self._rows:
            self._session.execute(insert(FactRow), self._rows)
            self._rows = []

    @property
    def patients(self) -> list[str]:
        return sorted(self._patients)

    def _patient_id(self, external_id: str) -> int:
        cached = self._patients.get(external_id)
        if cached is not None:
            return cached
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


def _effective(payload: dict[str, Any]) -> str | None:
    for name in _DATE_FIELDS:
        value = payload.get(name)
        if isinstance(value, str) and value:
            return value[:40]
    return None
