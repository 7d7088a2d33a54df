# SPDX-License-Identifier: Apache-2.0
"""The parts of the monitoring load benchmark that the reliability test shares: a real server
in its own process group, seeding, client workers that re-send unanswered requests with the
same idempotency key, and the check of the database against what the clients were told."""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine, make_url, select, text

from benchmarks.monitoring_plan import QUESTIONNAIRE, Survey
from oncoboard.governance import gate, users
from oncoboard.governance.vocabulary import Action, Purpose, Role
from oncoboard.monitoring.models import ProEnrolmentRow
from oncoboard.record.models import PatientRow
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade
from oncoboard.tables import metadata

ROOT = Path(__file__).resolve().parents[1]
BENCH_DB = "oncoboard_bench_mon"
FACTORY = "benchmarks.monitoring_harness:server_app"


def server_app() -> FastAPI:
    """uvicorn ``--factory`` entry: the production app from ``ONCOBOARD_*`` settings."""
    from oncoboard.api.app import create_app
    from oncoboard.settings import Settings

    return create_app(Settings())


def bench_url() -> str | None:
    """The benchmark database, never the tests' own one (its schema is dropped)."""
    url = os.environ.get("ONCOBOARD_BENCH_POSTGRES_URL")
    if url:
        return url
    test_url = os.environ.get("ONCOBOARD_TEST_POSTGRES_URL")
    if not test_url:
        return None
    return make_url(test_url).set(database=BENCH_DB).render_as_string(hide_password=False)


def fresh_schema(url: str) -> Engine:
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("DROP SCHEMA public CASCADE"))
        connection.execute(text("CREATE SCHEMA public"))
    upgrade(engine)
    return engine


def seed(engine: Engine, patients: list[str]) -> tuple[dict[str, str], str]:
    """Patients enrolled weekly, each with a patient-role user and token; one nurse."""
    tokens: dict[str, str] = {}
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=42)
    with unit_of_work(engine) as session:
        rows = [PatientRow(external_id=p) for p in patients]
        session.add_all(rows)
        session.flush()
        session.add_all(
            ProEnrolmentRow(
                patient_id=row.id,
                questionnaire_id=QUESTIONNAIRE,
                schedule_days=7,
                starts_at=start,
                enrolled_by="benchmark",
            )
            for row in rows
        )
        for patient in patients:
            name = f"pt-{patient.lower()}"
            users.create_user(
                session,
                username=name,
                display_name=patient,
                roles=[Role.PATIENT],
                granted_by="benchmark",
                patient_id=patient,
            )
            tokens[patient] = users.create_token(session, username=name, name="load")[0]
        users.create_user(
            session, username="nurse", display_name="Nurse", roles=[Role.NURSE], granted_by="bench"
        )
        nurse = users.create_token(session, username="nurse", name="load")[0]
        # the first audited access creates the audit chain's head row; two first requests at
        # once on a fresh database would race to insert it, so seeding makes it here
        gate.authorize(
            session,
            actor=users.actor_for(session, "nurse"),
            action=Action.TRIAGE_ALERTS,
            purpose=Purpose.TREATMENT,
            obj="load benchmark seeding",
        )
    return tokens, nurse


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Server:
    """``uvicorn --factory`` in its own process group, so SIGKILL takes every worker at once."""

    def __init__(self, url: str, port: int, workers: int, factory: str = FACTORY) -> None:
        self.url, self.port, self.workers, self.factory = url, port, workers, factory
        self.process: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> None:
        env = {**os.environ, "ONCOBOARD_DATABASE_URL": self.url, "ONCOBOARD_ENV": "test"}
        self.process = subprocess.Popen(
            self.command(), cwd=ROOT, env=env, stdout=subprocess.DEVNULL, start_new_session=True
        )  # stdout: uvicorn's access log; errors stay on stderr
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.base}/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}")
            time.sleep(0.1)
        raise RuntimeError(f"server not up within {timeout} s")

    def command(self) -> list[str]:
        """``oncoboard serve`` for one worker (as a site runs it), else uvicorn's workers."""
        if self.workers == 1:
            cli = str(Path(sys.executable).with_name("oncoboard"))
            return [cli, "serve", "--host", "127.0.0.1", "--port", str(self.port)]
        command = [sys.executable, "-m", "uvicorn", "--factory", self.factory]
        command += ["--host", "127.0.0.1", "--port", str(self.port)]
        command += ["--workers", str(self.workers), "--log-level", "warning", "--no-access-log"]
        return command

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill(self) -> None:
        """SIGKILL the whole group: no graceful shutdown, open transactions are cut off."""
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Outcome:
    """What the client saw for one survey (first send, every answer, retries)."""

    survey: Survey
    sent_at: float = 0.0  # wall clock (time.time) of the first send
    latencies: list[float] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)
    submission_ids: set[str] = field(default_factory=set)
    unanswered: int = 0  # sends that got no answer (connection refused, reset, timeout)


@dataclass
class Load:
    """Shared state of one load run: the work queue, outcomes and the kill switch."""

    base: str
    tokens: dict[str, str]
    surveys: dict[str, list[Survey]]
    duplicate_every: int = 20
    give_up_s: float = 120.0
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)
    order: list[str] = field(default_factory=list)
    done: int = 0

    def next_patient(self) -> str | None:
        with self.lock:
            return self.order.pop() if self.order else None


class Connection:
    """One HTTP/1.1 keep-alive connection (the standard library's ``http.client``), as a phone
    app holds one. The simulated phones share the two cores with the server and PostgreSQL,
    and httpx cost them ~3 ms of CPU per request: this client costs a fraction of that."""

    def __init__(self, base: str, timeout: float = 30) -> None:
        address = urlsplit(base)
        self.host, self.port, self.timeout = address.hostname or "127.0.0.1", address.port, timeout
        self.connection: http.client.HTTPConnection | None = None

    def post_json(self, path: str, body: object, headers: dict[str, str]) -> tuple[int, bytes]:
        """Status and body; ``ConnectionError`` when no answer came (refused, reset, timeout)."""
        data = json.dumps(body).encode()
        try:
            if self.connection is None:
                self.connection = http.client.HTTPConnection(self.host, self.port, self.timeout)
            self.connection.request(
                "POST", path, data, {**headers, "Content-Type": "application/json"}
            )
            response = self.connection.getresponse()
            return response.status, response.read()
        except (OSError, http.client.HTTPException) as error:
            self.close()
            raise ConnectionError(f"no answer from {self.host}:{self.port}: {error}") from error

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def send(client: Connection, load: Load, outcome: Outcome) -> None:
    """Send until answered (bounded); a lost answer is re-sent with the same key."""
    survey = outcome.survey
    url = f"/api/v1/patients/{survey.patient}/pro/submissions"
    headers = {"Authorization": f"Bearer {load.tokens[survey.patient]}"}
    deadline = time.monotonic() + load.give_up_s
    while True:
        began = time.perf_counter()
        try:
            status, body = client.post_json(url, survey.body, headers)
        except ConnectionError:
            outcome.unanswered += 1
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
            continue
        outcome.latencies.append(time.perf_counter() - began)
        outcome.statuses.append(status)
        if status in (200, 201):
            outcome.submission_ids.add(json.loads(body)["submission_id"])
        return


def worker(load: Load) -> None:
    """One simulated patient at a time: their weekly surveys in order, each from a new app
    session (a new connection: a week apart, a phone keeps none open; new connections also
    spread over the server's worker processes as real traffic does)."""
    while (patient := load.next_patient()) is not None:
        for survey in load.surveys[patient]:
            client = Connection(load.base)
            try:
                _report(client, load, survey)
            finally:
                client.close()
            with load.lock:
                load.done += 1


def _report(client: Connection, load: Load, survey: Survey) -> None:
    outcome = Outcome(survey, sent_at=time.time())
    load.outcomes[survey.key] = outcome
    send(client, load, outcome)
    number = zlib.crc32(survey.key.encode()) % load.duplicate_every
    if number == 0:  # the app retries although it got the answer
        send(client, load, outcome)
    elif number == 1:  # two sends of the same key at once
        twin = threading.Thread(target=_twin, args=(load, outcome))
        twin.start()
        send(client, load, outcome)
        twin.join()


def _twin(load: Load, outcome: Outcome) -> None:
    client = Connection(load.base)
    try:
        send(client, load, outcome)
    finally:
        client.close()


@contextmanager
def running(server: Server) -> Iterator[Server]:
    server.start()
    try:
        yield server
    finally:
        server.stop()


def run_load(load: Load, concurrency: int, kill: Server | None, kill_at: int) -> float:
    """All patients through ``concurrency`` client threads; with ``kill``, SIGKILL the server
    once ``kill_at`` surveys are done and start it again. Returns the wall time."""
    load.order = sorted(load.surveys, reverse=True)
    threads = [threading.Thread(target=worker, args=(load,)) for _ in range(concurrency)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    if kill is not None:
        while load.done < kill_at and any(t.is_alive() for t in threads):
            time.sleep(0.005)
        kill.kill()
        kill.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


@dataclass
class Check:
    """What the database holds against what the clients were told."""

    accepted: int = 0
    stored: int = 0
    lost: list[str] = field(default_factory=list)
    duplicated: int = 0
    unexpected: int = 0
    id_mismatch: int = 0
    alerts: int = 0
    alerts_expected: int = 0
    reasons: int = 0  # (report, symptom, rule) listed by the stored alerts
    reasons_expected: int = 0
    alerts_missing: int = 0
    alerts_extra: int = 0
    alerts_repeated: int = 0
    recommendations: int = 0
    queue_total: int = -1

    @property
    def ok(self) -> bool:
        return (
            not (
                self.lost
                or self.duplicated
                or self.unexpected
                or self.id_mismatch
                or self.alerts_missing
                or self.alerts_extra
                or self.alerts_repeated
            )
            and self.alerts == self.recommendations == self.queue_total == self.alerts_expected
        )


def verify(engine: Engine, outcomes: dict[str, Outcome]) -> Check:
    """Zero lost, zero duplicated; exactly the expected alerts (one per report and symptom),
    once each, each listing exactly the expected rules ("missing"/"extra" count those)."""
    check = Check()
    accepted = {k: o for k, o in outcomes.items() if {200, 201} & set(o.statuses)}
    check.accepted = len(accepted)
    with engine.connect() as connection:
        stored: dict[str, list[str]] = {}
        for key, sid in connection.execute(
            text("SELECT idempotency_key, id FROM pro_submissions")
        ).all():
            stored.setdefault(key, []).append(sid)
        table = metadata.tables["pro_alerts"]
        submissions = metadata.tables["pro_submissions"]
        rows = connection.execute(
            select(submissions.c.idempotency_key, table.c.symptom, table.c.reasons).join(
                submissions, submissions.c.id == table.c.submission_id
            )
        ).all()
        alerts = Counter((key, symptom) for key, symptom, _ in rows)
        reasons = {
            (key, symptom, r["rule_id"]) for key, symptom, found in rows for r in found or []
        }
        check.recommendations = int(
            connection.scalar(text("SELECT count(*) FROM recommendations WHERE kind = 'alert'"))
            or 0
        )
    check.stored = sum(len(v) for v in stored.values())
    check.lost = sorted(set(accepted) - set(stored))
    check.duplicated = sum(len(v) - 1 for v in stored.values())
    check.unexpected = len(set(stored) - set(outcomes))
    check.id_mismatch = sum(
        1 for k, o in accepted.items() if k in stored and o.submission_ids != set(stored[k])
    )
    expected = {
        (k, symptom, rule)
        for k, o in outcomes.items()
        for symptom, rules in o.survey.expected.items()
        for rule in rules
    }
    check.alerts = sum(alerts.values())
    check.alerts_expected = len({(k, symptom) for k, symptom, _ in expected})
    check.reasons = len(reasons)
    check.reasons_expected = len(expected)
    check.alerts_missing = len(expected - reasons)
    check.alerts_extra = len(reasons - expected)
    check.alerts_repeated = sum(n - 1 for n in alerts.values())
    return check


def queue_total(base: str, token: str) -> int:
    """What the nurse's queue API reports as open staff alerts."""
    response = httpx.get(
        f"{base}/api/v1/alerts",
        params={"limit": 1},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    response.raise_for_status()
    return int(response.json()["total"])
