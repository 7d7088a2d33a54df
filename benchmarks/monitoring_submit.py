# SPDX-License-Identifier: Apache-2.0
"""In-process CPU per symptom report: gate + submit (answers, grades, alerts and their
Recommendations) + commit, the work of ``POST /api/v1/patients/{id}/pro/submissions`` without HTTP.

Run: ``.venv/bin/python -m benchmarks.monitoring_submit [--database-url URL] [--patients N]
[--weeks N] [--repeat N]``. The database is emptied first (a SQLite file in benchmarks/out/, or a
PostgreSQL database whose ``public`` schema is dropped: give it a database of its own). The
surveys are ``benchmarks.monitoring_plan``'s deterministic weekly reports (~30 % alert), sent week
by week so each report has its history. Prints one JSON line per repeat: CPU and wall time per
report, alerts and alert Recommendations stored. To compare two versions of the code on the same
surveys, run it with ``PYTHONPATH=<other checkout>/src:.`` as the baseline in the same session.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, func, select, text

import oncoboard
from benchmarks.monitoring_plan import grading_table, plan
from oncoboard.governance import gate, users
from oncoboard.governance.models import RecommendationRow
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.monitoring import service
from oncoboard.monitoring.config import default_config
from oncoboard.monitoring.models import AlertRow
from oncoboard.monitoring.schemas import SubmissionIn
from oncoboard.record.models import PatientRow
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade

OUT = Path(__file__).parent / "out"


def _fresh(url: str) -> Engine:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    engine = make_engine(url)
    if engine.dialect.name == "postgresql":
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    return engine


def run(url: str, patients: int, weeks: int) -> dict[str, object]:
    engine = _fresh(url)
    ids = [f"BENCH-{n:04d}" for n in range(patients)]
    with unit_of_work(engine) as session:
        session.add_all([PatientRow(external_id=p) for p in ids])
        users.create_user(session, username="bench-nurse", display_name="Bench Nurse",
                          roles=[Role.NURSE], granted_by="benchmark", password="not-used-here")  # fmt: skip
    config = default_config()
    surveys = plan(ids, weeks, table=grading_table())
    by_week = [s for week in range(weeks) for p in ids for s in surveys[p] if s.week == week]
    cpu, wall = time.process_time(), time.perf_counter()
    for survey in by_week:
        with unit_of_work(engine) as session:
            actor = users.actor_for(session, "bench-nurse")
            access = gate.authorize(session, actor=actor, action=Action.REPORT_SYMPTOMS,
                                    purpose=Purpose.TREATMENT, obj="PRO submission",
                                    patient_id=survey.patient)  # fmt: skip
            service.submit(session, access=access, config=config,
                           submission=SubmissionIn.model_validate(survey.body))  # fmt: skip
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    with unit_of_work(engine) as session:
        alerts = session.scalar(select(func.count()).select_from(AlertRow)) or 0
        recommendations = session.scalar(
            select(func.count()).where(RecommendationRow.kind == "alert")
        )
    engine.dispose()
    return {
        "code": str(Path(oncoboard.__file__).parents[1]),
        "database": engine.dialect.name,
        "reports": len(by_week),
        "cpu_ms_per_report": round(1000 * cpu / len(by_week), 2),
        "wall_ms_per_report": round(1000 * wall / len(by_week), 2),
        "alerts": alerts,
        "alert_recommendations": recommendations,
        "surveys_alerting": sum(bool(s.expected) for s in by_week),
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()} {platform.python_version()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=f"sqlite:///{OUT / 'submit.sqlite3'}")
    parser.add_argument("--patients", type=int, default=200)
    parser.add_argument("--weeks", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    for _ in range(args.repeat):
        print(json.dumps(run(args.database_url, args.patients, args.weeks)))


if __name__ == "__main__":
    main()
