# SPDX-License-Identifier: Apache-2.0
"""Run the hand-written Flower app in deployment mode on loopback: one SuperLink, one SuperNode
per site (each given only its own training file), ``flwr run`` to start FedAvg. Everything runs
from the sidecar environment that ``make flower`` creates (flwr's pins clash with ours), without
Ray, with runtime dependency installation off and no template download.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from oncoboard.errors import FeatureUnavailable, OncoBoardError
from oncoboard.federation.training import Hyper

APP = Path(__file__).parent / "flower_app"
DEFAULT_SIDECAR = Path(".venv-flower")


def sidecar_bin(venv: Path | None = None) -> Path:
    """The sidecar's bin folder (``ONCOBOARD_FLOWER_VENV`` or ``.venv-flower``), checked."""
    checkout = (
        Path(__file__).resolve().parents[3] / DEFAULT_SIDECAR
    )  # an editable install's checkout
    named = venv or os.environ.get("ONCOBOARD_FLOWER_VENV")
    root = Path(named) if named else (DEFAULT_SIDECAR if DEFAULT_SIDECAR.exists() else checkout)
    found = root.resolve() / "bin"
    missing = [
        n
        for n in ("flwr", "flower-superlink", "flower-supernode", "flower-superexec")
        if not (found / n).exists()
    ]
    if missing:
        raise FeatureUnavailable(
            f"the Flower sidecar is not installed at {root} (missing {', '.join(missing)}): run `make flower`"
        )
    return found


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _processes(
    commands: list[list[str]], env: dict[str, str], logs: Path
) -> Iterator[list[subprocess.Popen[bytes]]]:
    started: list[subprocess.Popen[bytes]] = []
    try:
        for number, command in enumerate(commands):
            log = (logs / f"process-{number}.log").open("wb")
            started.append(
                subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, cwd=logs)
            )
            log.close()
        yield started
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def run(
    site_files: list[Path],
    hyper: Hyper,
    *,
    features: int,
    venv: Path | None = None,
    timeout_s: float = 300,
) -> dict[str, Any]:
    """FedAvg over ``site_files`` (one SuperNode each); returns the ServerApp's report."""
    binary = sidecar_bin(venv)
    work = Path(tempfile.mkdtemp(prefix="oncoboard-flower-"))
    try:
        home = work / "flwr-home"
        home.mkdir()
        # flwr 1.42 serves its Runtime, Control and Fleet APIs over one HTTP port
        control = fleet = runtime = _port()
        (home / "config.toml").write_text(
            f'[superlink]\ndefault = "loopback"\n\n[superlink.loopback]\naddress = "127.0.0.1:{control}"\ninsecure = true\n'
        )
        env = {
            **os.environ,
            "FLWR_HOME": str(home),
            "PATH": f"{binary}{os.pathsep}{os.environ.get('PATH', '')}",
        }
        link = [
            str(binary / "flower-superlink"),
            "--insecure",
            "--disable-runtime-dependency-installation",
            "--host",
            "127.0.0.1",
            "--port",
            str(runtime),
            "--database",
            str(work / "superlink.db"),
        ]
        nodes = [
            [
                str(binary / "flower-supernode"),
                "--insecure",
                "--superlink",
                f"127.0.0.1:{fleet}",
                "--host",
                "127.0.0.1",
                "--port",
                str(_port()),
                "--node-config",
                f"data-path='{path}'",
            ]
            for path in site_files
        ]
        out = work / "report.json"
        config = (
            f"num-server-rounds={hyper.rounds} local-epochs={hyper.local_epochs} "
            f"learning-rate={hyper.learning_rate} l2={hyper.l2} dp-clip={hyper.dp_clip} "
            f"dp-noise={hyper.dp_noise} features={features} out-path='{out}' "
            f"federated-evaluation={int(hyper.federated_evaluation)}"
        )
        with _processes([link, *nodes], env, work):
            _wait_for_port(control, 60)
            app = work / "app"
            shutil.copytree(
                APP, app, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "requirements.txt")
            )
            submit = subprocess.run(
                [
                    str(binary / "flwr"),
                    "run",
                    str(app),
                    "loopback",
                    "--run-config",
                    config,
                    "--stream",
                ],
                env=env,
                cwd=work,
                capture_output=True,
                text=True,
                timeout=timeout_s,
                check=False,
            )
            deadline = time.monotonic() + timeout_s
            while not out.exists() and time.monotonic() < deadline:
                time.sleep(0.5)
            if not out.exists():
                logs = "\n".join(
                    p.read_text(errors="replace")[-1500:]
                    for p in sorted(work.glob("process-*.log"))
                )
                raise OncoBoardError(
                    f"Flower run produced no report (flwr run exit {submit.returncode}): "
                    f"{(submit.stdout + submit.stderr)[-1500:]}\n{logs}"
                )
            report: dict[str, Any] = json.loads(out.read_text())
        return report
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _wait_for_port(port: int, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise OncoBoardError(f"the Flower SuperLink did not open port {port} within {seconds:g} s")
