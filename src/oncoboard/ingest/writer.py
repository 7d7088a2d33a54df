# SPDX-License-Identifier: Apache-2.0
"""Batched writes of parsed facts; refuses a genome build that disagrees with the patient's.

Sized for 100k-record VCFs (``benchmarks/vcf_import.py``): payloads are serialised once by
pydantic (no dict round trip), rows go through one Core ``executemany`` per batch, and raw
source records are compressed in blocks of neighbours instead of stored one by one. Each block
is compressed on a helper thread as soon as it fills (zlib lets go of the GIL), so the ~2 s a
100k-record VCF spends in zlib overlaps with reading the next records; only this module's
thread touches the database. On SQLite the rows go to the driver as tuples: SQLAlchemy's
per-row parameter processing cost ~1 s of CPU per 100k facts for values that are already
final (the payload is JSON text either way).
"""

from __future__ import annotations

import json
import zlib
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from functools import cache
from typing import Any, NamedTuple

from sqlalchemy import Dialect, insert, select
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
# The facts columns each row fills, in this order (a row is a list, filled in place).
_COLUMNS = (
    "patient_id",
    "import_id",
    "kind",
    "genome_build",
    "gene",
    "effective",
    "locator",
    "payload",
    "raw",
    "raw_block",
    "raw_index",
)
_RAW, _BLOCK, _INDEX = 8, 9, 10
Row = list[Any]


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
        self._rows: list[Row] = []
        engine = session.get_bind().engine
        self._raw_json = accepts_raw_json(engine)
        self._driver_sql = _driver_insert(engine.dialect) if self._raw_json else None
        self._block = _OpenBlock()
        self._sealed: list[tuple[Future[bytes], list[Row]]] = []
        self._zlib: ThreadPoolExecutor | None = None
        self.counts: Counter[str] = Counter()

    def add(self, parsed: ParsedFact) -> None:
        self.add_row(prepare(parsed))

    def add_row(self, prepared: Prepared) -> None:
        """Store a fact already serialised by :func:`prepare` (here or in a reader process)."""
        external_id = self._override or prepared.patient_key
        patient_id = self._patients.get(external_id) or self._patient_id(external_id)
        build = prepared.genome_build
        if build is not None and self._builds.get(patient_id) != build:
            self._check_build(patient_id, external_id, build, prepared.locator)
        payload = prepared.payload
        row = [
            patient_id,
            self._import_id,
            prepared.kind,
            build,
            prepared.gene,
            prepared.effective,
            prepared.locator[:200],
            RawJSON(payload) if self._raw_json else json.loads(payload),
            None,
            None,
            None,
        ]
        self._keep_raw(row, prepared.raw)
        self._rows.append(row)
        self.counts[prepared.kind] += 1
        if len(self._rows) >= self._batch_size:
            self.flush()

    def flush(self) -> None:
        """Store the buffered rows: their raw blocks first (each row names its block)."""
        self._seal()
        if self._sealed:
            ids = self._store_blocks([future.result() for future, _ in self._sealed])
            for block_id, (_, members) in zip(ids, self._sealed, strict=True):
                for row in members:
                    row[_BLOCK] = block_id
        self._sealed = []
        if self._zlib is not None:
            self._zlib.shutdown()  # idle by now: every block above has its data
            self._zlib = None
        if self._rows:
            connection = self._session.connection()
            if self._driver_sql is not None:
                connection.exec_driver_sql(self._driver_sql, list(map(tuple, self._rows)))
            else:
                rows = [dict(zip(_COLUMNS, row, strict=True)) for row in self._rows]
                connection.execute(insert(FactRow), rows)
            self._rows = []

    @property
    def patients(self) -> list[str]:
        return sorted(self._patients)

    def _keep_raw(self, row: Row, raw: str | None) -> None:
        """Put the raw record into the open block; consecutive facts from one record (a
        multi-allelic VCF line) share one entry; a record holding the separator stays inline."""
        if raw is None:
            return
        if RAW_SEPARATOR in raw:
            row[_RAW] = raw
            return
        block = self._block
        if raw != block.last:
            if block.size >= BLOCK_CHARS:
                self._seal()
                block = self._block
            block.texts.append(raw)
            block.size += len(raw)
            block.last = raw
        row[_INDEX] = len(block.texts) - 1
        block.members.append(row)

    def _seal(self) -> None:
        """Hand the open block to the zlib thread; its rows wait for the block's id."""
        block = self._block
        if not block.texts:
            return
        if self._zlib is None:
            self._zlib = ThreadPoolExecutor(max_workers=1, thread_name_prefix="raw-zlib")
        self._sealed.append((self._zlib.submit(_compress, block.texts), block.members))
        self._block = _OpenBlock()

    def _store_blocks(self, data: list[bytes]) -> list[int]:
        """One INSERT … RETURNING for all of a batch's blocks, ids in the order given."""
        statement = insert(RawBlockRow).returning(RawBlockRow.id, sort_by_parameter_order=True)
        rows = [{"import_id": self._import_id, "data": block} for block in data]
        return list(self._session.connection().execute(statement, rows).scalars())

    def _patient_id(self, external_id: str) -> int:
        row = self._session.scalar(select(PatientRow).where(PatientRow.external_id == external_id))
        if row is None:
            row = PatientRow(external_id=external_id)
            self._session.add(row)
            self._session.flush()
        self._patients[external_id] = row.id
        return row.id

    def _check_build(self, patient_id: int, external_id: str, build: str, locator: str) -> None:
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
                f"{locator}: genome build {build} disagrees with patient {external_id}'s "
                f"existing genomic facts on {expected}; refusing to mix builds"
            )


class Prepared(NamedTuple):
    """One fact ready to insert: the payload as JSON text and the columns lifted out of it.

    Plain strings only, so a reader process can build it and pickle it cheaply."""

    patient_key: str
    locator: str
    kind: str
    genome_build: str | None
    gene: str | None
    effective: str | None
    payload: str
    raw: str | None


def prepare(parsed: ParsedFact) -> Prepared:
    """Serialise a parsed fact once (pydantic's JSON, no dict round trip)."""
    fact = parsed.fact
    kind = fact.kind
    gene_field, date_fields = _lifted(type(fact))
    return Prepared(
        parsed.patient_key,
        parsed.locator,
        kind,
        getattr(fact, "genome_build", None) if kind in _GENOMIC else None,
        getattr(fact, gene_field) if gene_field else None,
        _effective(fact, date_fields),
        fact.model_dump_json(exclude=_NOT_STORED, exclude_none=True),
        parsed.raw,
    )


class _OpenBlock:
    """Raw records collecting into the next block, and the rows that point into it."""

    __slots__ = ("last", "members", "size", "texts")

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.members: list[Row] = []
        self.size = 0
        self.last: str | None = None


def _driver_insert(dialect: Dialect) -> str | None:
    """The INSERT for SQLite's driver (``?`` placeholders in ``_COLUMNS`` order); None for
    other databases, whose rows keep SQLAlchemy's processing (e.g. PostgreSQL's JSON casts)."""
    if dialect.name != "sqlite":
        return None
    compiled = insert(FactRow).compile(dialect=dialect, column_keys=list(_COLUMNS))
    if tuple(compiled.positiontup or ()) != _COLUMNS:
        return None
    return str(compiled)


def _compress(texts: list[str]) -> bytes:
    return zlib.compress(RAW_SEPARATOR.join(texts).encode("utf-8"), _LEVEL)


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
