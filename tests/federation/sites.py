# SPDX-License-Identifier: Apache-2.0
"""Real OncoBoard site processes on loopback, each over its own SQLite database, holding one
part of the Beacon cohort and of TCGA-LAML; and a 'hung' site that accepts and never answers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from oncoboard.federation import auth, index
from oncoboard.governance.vocabulary import Purpose
from oncoboard.ingest.schemas import ImportOptions, SourceFile
from oncoboard.ingest.service import import_as
from oncoboard.store.db import make_engine, unit_of_work
from oncoboard.store.migrate import upgrade
from tests.federation.laml import write_study
from tests.federation.support import admin_actor, load_cohort, set_consent

ROOT = Path(__file__).resolve().parents[2]
ONCOBOARD = Path(sys.executable).parent / "oncoboard"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Site:
    name: str
    folder: Path
    part: int
    parts: int
    secret: str = field(default_factory=lambda: os.urandom(16).hex())
    port: int = field(default_factory=free_port)
    access_key: str = ""
    consented: set[str] = field(default_factory=set)
    laml: list[str] = field(default_factory=list)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"sqlite:///{self.folder / 'site.sqlite3'}"

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/beacon"

    def prepare(self, *, consent_every: int = 5, peer: str = "coordinator") -> None:
        """Load this site's parts, grant consent to most individuals, issue the peer key."""
        self.folder.mkdir(parents=True, exist_ok=True)
        engine = make_engine(self.url)
        upgrade(engine)
        admin = admin_actor(engine)
        report = load_cohort(engine, self.part, self.parts, admin)
        self.laml = write_study(self.folder / "laml", self.part, self.parts)
        with unit_of_work(engine) as session:
            from oncoboard.ingest import service as ingest_service

            access = ingest_service.authorize_import(session, admin, "laml")
            import_as(session=session, access=access, source=SourceFile.from_path(self.folder / "laml"),
                      options=ImportOptions())  # fmt: skip
        people = sorted(report.patients) + self.laml
        # every consent_every-th individual has not consented to federated analysis
        self.consented = {p for n, p in enumerate(people) if n % consent_every != 0}
        set_consent(engine, sorted(self.consented))
        set_consent(engine, sorted(self.laml), purpose=Purpose.MODEL_TRAINING)
        with unit_of_work(engine) as session:
            self.access_key, _ = auth.issue_peer_key(
                session, name=peer, created_by="tests", secret_key=self.secret
            )
            index.refresh(session)  # as `oncoboard federation index refresh` after imports
        engine.dispose()

    def start(self) -> None:
        env = {**os.environ, "ONCOBOARD_SECRET_KEY": self.secret, "ONCOBOARD_ENV": "test",
               "ONCOBOARD_MAX_ACTIVE_REQUESTS": "0"}  # fmt: skip
        self.process = subprocess.Popen(
            [str(ONCOBOARD), "--database-url", self.url, "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env, cwd=self.folder, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if (
                    httpx.get(f"http://127.0.0.1:{self.port}/api/v1/health", timeout=1).status_code
                    == 200
                ):
                    return
            except httpx.TransportError:
                time.sleep(0.1)
        raise RuntimeError(f"site {self.name} did not start")

    def pause(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGSTOP)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait(timeout=10)


class HungSite:
    """A listening socket that accepts connections and never answers: a dead host's stand-in."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = int(self.sock.getsockname()[1])

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/beacon"

    def close(self) -> None:
        self.sock.close()
