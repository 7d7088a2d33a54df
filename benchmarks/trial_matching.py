# SPDX-License-Identifier: Apache-2.0
"""Trial matching speed: one patient against 10,000 registry trials, p50/p95 per patient.

Input: the 11 real CT.gov v2 records (``shared/data/ctgov``), structured once (the import-time
cost), then scaled to 10,000 trials with new NCT ids, two ways: identical clones (every
constraint shared: optimistic) and varied clones (numbers, genes, tumour types, drug classes and
stages of each clone's constraints shifted, so few constraints and criterion plans are shared).

Engine lines (pure, no database): the registry index (``ScreenIndex``) ranks all trials and the
top ``detail`` are explained criterion by criterion. Service lines: the whole
``match_patient`` call on SQLite (gate, patient record, registry index, match, explanations),
cold (first call in the process) and warm. Wall and CPU (``time.process_time``) are both shown:
the machine may be shared.

Run: ``.venv/bin/python -m benchmarks.trial_matching [--trials N] [--repeat N]``
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter
from tests.trials.support import record, write_facts

from oncoboard.record.schemas import (
    CancerCondition,
    Demographics,
    PerformanceStatus,
    SomaticVariant,
    Treatment,
)
from oncoboard.trials import compact
from oncoboard.trials.constraints import structure
from oncoboard.trials.engine import Screening, TrialCriteria, explain
from oncoboard.trials.index import ScreenIndex
from oncoboard.trials.registry import read_studies
from oncoboard.trials.schemas import Criterion

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("ONCOBOARD_SHARED", ROOT.parent / "shared"))
FILES = ("v2_studies_search_kras_PancrePal.json", "NCT02513394.json")
CRITERIA = TypeAdapter(tuple[Criterion, ...])
TODAY = date(2026, 1, 15)
FACTS = (
    Demographics(sex="female", birth_date="1961-04-02"),
    CancerCondition(oncotree_code="LUAD", display="Lung adenocarcinoma", stage="IV"),
    SomaticVariant(genome_build="GRCh38", gene="KRAS", hgvs_p="p.G12C"),
    SomaticVariant(genome_build="GRCh38", gene="TP53", hgvs_p="p.R273H"),
    PerformanceStatus(scale="ECOG", score=1),
    Treatment(category="medication", name="Carboplatin", start="2024-03-01"),
    Treatment(category="medication", name="Pembrolizumab", start="2024-03-01"),
)
_GENES = ("KRAS", "NRAS", "BRAF", "EGFR", "ERBB2", "ALK", "ROS1", "MET", "PIK3CA", "TP53")
_CODES = ("LUAD", "PAAD", "COAD", "BRCA", "NSCLC", "SKCM", "PRAD", "BLCA", "READ", "STAD")
_CHANGES = ("G12C", "G12D", "G12V", "G13D", "V600E", "L858R", "Q61K", "E545K")


def _vary(c: dict[str, Any], i: int) -> dict[str, Any]:
    """Shift one constraint's values by the clone number (still a valid constraint)."""
    c, kind = dict(c), c["type"]
    if kind == "age" and c["min_years"] is not None:
        c["min_years"] = float(12 + i % 17)
    elif kind == "lab":
        c["value"] = round(c["value"] * (1 + (i % 37) / 100), 3)
    elif kind == "ecog":
        c["allowed"] = list(range(1 + i % 4))
    elif kind == "gene_alteration":
        c["gene"] = _GENES[i % len(_GENES)]
        c["protein_changes"] = [
            _CHANGES[(i + k) % len(_CHANGES)] for k in range(len(c["protein_changes"]))
        ]
    elif kind == "cancer_type" and c["oncotree_codes"]:
        c["oncotree_codes"] = [
            _CODES[(i + k) % len(_CODES)] for k in range(len(c["oncotree_codes"]))
        ]
    elif kind == "stage":
        c["stages"] = ["0", "I", "II", "III", "IV"][i % 3 :]
    elif kind == "prior_lines":
        c["min_lines"] = c["min_lines"] and 1 + i % 3
    return c


def _trials(n: int, varied: bool) -> tuple[list[TrialCriteria], float, dict[str, dict[str, Any]]]:
    records = [
        t for name in FILES for t in read_studies((SHARED / "data/ctgov" / name).read_bytes(), name)
    ]
    started = time.perf_counter()
    structured = [
        (t, list(CRITERIA.dump_python(structure(t.eligibility), mode="json"))) for t in records
    ]
    per_trial = (time.perf_counter() - started) / len(records)
    out = []
    stored: dict[str, dict[str, Any]] = {}  # each clone's registry record (its source's text)
    for i in range(n):
        t, raw = structured[i % len(structured)]
        stored[f"NCT9{i:07d}"] = {**t.model_dump(mode="json"), "nct_id": f"NCT9{i:07d}"}
        if varied:
            raw = [{**c, "constraints": [{**s, "constraint": _vary(s["constraint"], i)} for s in c["constraints"]]}
                   for c in raw]  # fmt: skip
        out.append(
            TrialCriteria.of(
                f"NCT9{i:07d}", t.version, t.brief_title, CRITERIA.validate_python(raw)
            )
        )
    return out, per_trial, stored


def _timed(run: Callable[[], object], repeat: int) -> tuple[list[float], list[float]]:
    wall, cpu = [], []
    for _ in range(repeat):
        w, c = time.perf_counter(), time.process_time()
        run()
        wall.append((time.perf_counter() - w) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return wall, cpu


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _line(name: str, wall: list[float], cpu: list[float]) -> None:
    print(
        f"| {name} | {statistics.median(wall):,.0f} | {_pct(wall, 0.95):,.0f} | "
        f"{statistics.median(cpu):,.0f} | {_pct(cpu, 0.95):,.0f} | {len(wall)} |"
    )


def _engine(trials: list[TrialCriteria], label: str, repeat: int) -> None:
    started = time.process_time()
    index = ScreenIndex(
        [t.head() for t in trials], [compact.of_criteria(t.criteria) for t in trials]
    )
    print(
        f"| {label}: build the index (once per registry change), CPU | {(time.process_time() - started) * 1000:,.0f} | | | | 1 |"
    )
    patient = record("PT-BENCH", *FACTS)

    def full(positions: list[int]) -> list[TrialCriteria | None]:
        return [trials[p] for p in positions]

    for detail in (0, 20, 200):
        run = partial(explain, index, detail=detail, full=full)
        _line(f"{label}: rank all + explain top {detail}",
              *_timed(lambda run=run: run(Screening.of(patient, TODAY)), repeat))  # fmt: skip


def _service(
    trials: list[TrialCriteria], records: dict[str, dict[str, Any]], repeat: int, legacy: bool
) -> None:
    from sqlalchemy import update
    from tests.conftest import make_user

    from oncoboard.governance import gate
    from oncoboard.governance.users import actor_for
    from oncoboard.governance.vocabulary import Action, Purpose, Role
    from oncoboard.store.db import make_engine, unit_of_work
    from oncoboard.store.migrate import upgrade
    from oncoboard.trials import service
    from oncoboard.trials.models import TrialRow

    with tempfile.TemporaryDirectory() as folder:
        engine = make_engine(f"sqlite:///{folder}/bench.sqlite3")
        upgrade(engine)
        with unit_of_work(engine) as session:
            for t in trials:
                session.add(TrialRow(nct_id=t.nct_id, version=t.version, content_sha256=t.nct_id.ljust(64, "0"),
                                     brief_title=t.brief_title, record=records[t.nct_id], imported_by="bench",
                                     criteria=list(CRITERIA.dump_python(t.criteria, mode="json")),
                                     screen=compact.encode(t.criteria)))  # fmt: skip
            if legacy:  # rows written before the payload: rebuilt from the criteria column
                session.execute(update(TrialRow).values(screen=None))
        write_facts(engine, "PT-BENCH", *FACTS)
        make_user(engine, "dr-bench", [Role.CLINICIAN])

        def call() -> None:
            with unit_of_work(engine) as session:
                access = gate.authorize(session, actor=actor_for(session, "dr-bench"), action=Action.VIEW_RECORD,
                                        purpose=Purpose.TREATMENT, obj="bench", patient_id="PT-BENCH")  # fmt: skip
                service.match_patient(session=session, access=access, today=TODAY)

        for cache in (service._COMPACT, service._FULL, service._INDEX):
            cache.clear()
        compact.reset()
        name = "payload absent (old rows)" if legacy else "stored payload"
        _line(f"service, SQLite, {name}: cold (first call in the process)", *_timed(call, 1))
        if not legacy:
            _line("service, SQLite: warm (gate + record + index check + match + top 200 explained)",
                  *_timed(call, repeat))  # fmt: skip
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    print(f"# {platform.python_implementation()} {platform.python_version()}, {platform.machine()}, "
          f"{os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f}")  # fmt: skip
    print(
        "| step | wall p50 ms | wall p95 ms | CPU p50 ms | CPU p95 ms | runs |\n|---|--:|--:|--:|--:|--:|"
    )
    for varied in (False, True):
        trials, per_trial, records = _trials(args.trials, varied)
        label = "varied clones" if varied else "identical clones"
        _engine(trials, label, args.repeat)
        _service(trials, records, args.repeat, legacy=False)
        if varied:
            _service(trials, records, args.repeat, legacy=True)
    print(f"structuring at import: {per_trial * 1000:.1f} ms per real trial ({len(FILES)} files)")


if __name__ == "__main__":
    main()
