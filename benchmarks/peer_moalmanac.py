# SPDX-License-Identifier: Apache-2.0
"""Concordance with the MOAlmanac interpreter on its own inputs and the same KB release.

Run: ``.venv/bin/python -m benchmarks.peer_moalmanac [--only SAMPLE]``. For the interpreter's
example patient and each development-cohort sample in ``../shared/data/kb/moalmanac/peer_run``
(README there), a fresh SQLite database gets the interpreter's own KB release
(``interpreter-kb-2025-02-07.json.gz``, source ``moalmanac-interpreter``) and the exact MAFs the
interpreter was given, through our importers, with the ``--tumor_type`` the peer used. Inputs we
have no importer for (MOAlmanac's two-column CNA call table, STAR-Fusion output, a germline MAF
without ``Mutation_Status``, ``--ms_status``) are built into facts by the small adapters in
``benchmarks/peer_inputs.py`` and added to the stored record before the engine runs.

The unit compared is the peer's: one tuple per actionable row and direction whose per-direction
bin is *Putatively Actionable* — (feature type, feature, alteration, direction, therapy, evidence
level). "Found by both" means our engine matched an assertion with the same gene/feature,
alteration, direction, therapy (agents as a set) and MOAlmanac level. "Only OncoBoard" lists
alteration × direction pairs we match at a specific level (protein change, genomic position,
copy number, fusion with both partners, MSI) that the peer does not score Putatively Actionable.
Every difference is printed with its classified reason.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import os
import platform
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from sqlalchemy import Engine

from benchmarks.peer_compare import Comparison, Fates, compare, render
from benchmarks.peer_inputs import (
    PEER_RUN,
    PeerSample,
    adapter_facts,
    peer_samples,
)
from oncoboard.actionability.engine import Assessment, assess
from oncoboard.actionability.facts import PatientFacts
from oncoboard.governance import gate, users
from oncoboard.governance.vocabulary import Action, Purpose
from oncoboard.ingest import service as ingest_service
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.knowledge import service as kb
from oncoboard.knowledge.schemas import Assertion, DroppedRow, KbReleaseInfo, PublishReport
from oncoboard.knowledge.sources.moalmanac import InterpreterReader
from oncoboard.record import service as record_service
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade

OUT = Path(__file__).parent / "out"
KB_FILE = PEER_RUN.parent / "interpreter-kb-2025-02-07.json.gz"
PEER_EXAMPLE_SECONDS = 3.7  # SOURCE.md "peer_run/": "Wall time was about 3.7 s" (re-run: 3.3 s)


@dataclass
class Timing:
    phases: dict[str, float] = field(default_factory=dict)

    def total(self) -> float:
        return sum(self.phases.values())


def fresh_engine(name: str) -> Engine:
    OUT.mkdir(exist_ok=True)
    for stale in OUT.glob(f"{name}*"):
        stale.unlink()
    engine = make_engine(f"sqlite:///{OUT / name}")
    upgrade(engine)
    return engine


def run_sample(
    sample: PeerSample, timing: Timing | None = None
) -> tuple[Assessment, list[DroppedRow]]:
    """Fresh SQLite database, then ``load_and_assess``: the whole path, timed."""
    phases = timing.phases if timing is not None else {}
    started = time.perf_counter()
    engine = fresh_engine(f"peer-{sample.name}.sqlite3")
    phases["fresh database"] = time.perf_counter() - started
    try:
        return load_and_assess(engine, sample, phases)
    finally:
        engine.dispose()


def load_and_assess(
    engine: Engine, sample: PeerSample, phases: dict[str, float] | None = None
) -> tuple[Assessment, list[DroppedRow]]:
    """KB release, the sample's MAFs through the import service, adapters, engine."""
    phases = phases if phases is not None else {}
    with unit_of_work(engine) as session:
        users.ensure_site_admin(session)
    started = time.perf_counter()
    report = publish_kb(engine)
    phases["KB release import"] = time.perf_counter() - started
    started = time.perf_counter()
    for path in sample.mafs:
        import_maf(engine, path, sample)
    phases["MAF import"] = time.perf_counter() - started
    started = time.perf_counter()
    facts, pairs = load_facts(engine, sample, report.release.release_id)
    phases["record + KB load, adapters"] = time.perf_counter() - started
    started = time.perf_counter()
    assessment = assess(facts, pairs)
    phases["engine"] = time.perf_counter() - started
    return assessment, list(report.dropped)


def publish_kb(engine: Engine) -> PublishReport:
    with unit_of_work(engine) as session:
        admin = users.actor_for(session, users.SITE_ADMIN)
        return kb.publish(
            session=session,
            access=kb.authorize_import(session, admin, "moalmanac-interpreter"),
            reader=InterpreterReader(),
            reader_name="moalmanac-interpreter",
            path=KB_FILE,
        )


def import_maf(engine: Engine, path: Path, sample: PeerSample) -> None:
    """One MAF as the CLI imports it, with the peer's ``--tumor_type`` as ``--tumor-type``."""
    with unit_of_work(engine) as session:
        admin = users.actor_for(session, users.SITE_ADMIN)
        source = SourceFile.from_path(path)
        ingest_service.import_as(
            session=session,
            access=ingest_service.authorize_import(session, admin, source.name),
            source=source,
            options=ImportOptions(patient=sample.name, tumor_type=sample.tumor_type),
        )


def load_facts(
    engine: Engine, sample: PeerSample, release_id: str
) -> tuple[PatientFacts, list[tuple[Assertion, KbReleaseInfo]]]:
    """The stored record plus the adapters' facts, and the release's assertions."""
    with unit_of_work(engine) as session:
        admin = users.actor_for(session, users.SITE_ADMIN)
        access = gate.authorize(
            session,
            actor=admin,
            action=Action.VIEW_RECORD,
            purpose=Purpose.TREATMENT,
            obj="peer benchmark",
            patient_id=sample.name,
        )
        record = record_service.get_patient_record(
            session=session, access=access, variant_limit=10_000_000
        )
        release = kb.release_info(session, release_id)
        pairs = [
            (Assertion.model_validate(payload), release)
            for payload in kb.load_assertions(session, release_id).values()
        ]
    facts = PatientFacts.from_record(record)
    extra = adapter_facts(sample)
    facts = replace(
        facts,
        variants=facts.variants + extra.variants,
        copy_numbers=facts.copy_numbers + extra.copy_numbers,
        fusions=facts.fusions + extra.fusions,
        biomarkers=facts.biomarkers + extra.biomarkers,
    )
    return facts, pairs


def _assertion_id(row: DroppedRow) -> str:
    return f"moalmanac:{json.loads(row.raw or '{}').get('assertion_id')}"


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", help="one sample (example, HCC1395, TCGA-AB-2805, ...)")
    args = parser.parse_args(argv)
    samples = [s for s in peer_samples() if args.only in (None, s.name)]
    comparisons: list[Comparison] = []
    example_timing = Timing()
    fates = Fates(raw=json.loads(gzip.decompress(KB_FILE.read_bytes()))["content"], dropped={})
    for sample in samples:
        timing = example_timing if sample.name == "example" else None
        assessment, dropped = run_sample(sample, timing)
        fates.dropped = {_assertion_id(row): row.reason for row in dropped}
        fates.record(sample.name, assessment)
        comparisons.append(
            compare(sample.name, sample.tumor_type, sample.actionable, assessment, fates)
        )
    out = sys.stdout
    out.write(render(comparisons))
    if example_timing.phases:
        out.write("\nEnd-to-end on the example patient (in one process, after Python start-up):\n")
        for name, seconds in example_timing.phases.items():
            out.write(f"  {name:<30} {seconds:7.3f} s\n")
        out.write(f"  {'total':<30} {example_timing.total():7.3f} s")
        out.write(f"   (MOAlmanac recorded: {PEER_EXAMPLE_SECONDS} s whole process)\n")
    out.write(
        f"\nMachine: {_cpu_model()}, {os.cpu_count()} CPUs; Python {platform.python_version()}; "
        f"{dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC\n"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
