# SPDX-License-Identifier: Apache-2.0
"""CLI start-up without timing it: what a simple read loads, and what the process skips at exit.

The times are in docs/benchmarks.md (``benchmarks/cli_startup.py``); these tests keep the causes
from coming back: a read that imports numpy, pandas, matplotlib, FHIR models or argon2 again fails
here, and so does an exit that walks every object with the cyclic collector again.
"""

from __future__ import annotations

import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from oncoboard.demo.loader import load_demo
from oncoboard.settings import Settings
from oncoboard.store.db import make_engine
from oncoboard.store.migrate import upgrade

# Registered before ``run``, so it runs after every handler the CLI registers (last in, first out)
PROBE = """
import atexit, gc, json, os, sys

def _report():
    with open(os.environ["STARTUP_PROBE_OUT"], "w", encoding="utf-8") as out:
        json.dump({"modules": sorted(sys.modules), "frozen": gc.get_freeze_count()}, out)

atexit.register(_report)
from oncoboard.cli.main import run
run()
"""

# Libraries a simple read never needs (each was loaded by at least one read before #17's fix,
# or is the web stack, which no CLI read may pull in).
HEAVY = frozenset(
    {
        "argon2",
        "fastapi",
        "fhir",
        "fhir_core",
        "httpx",
        "jinja2",
        "matplotlib",
        "numpy",
        "pandas",
        "pyarrow",
        "scipy",
        "starlette",
        "yaml",
    }
)

READS: dict[str, tuple[list[str], str]] = {
    "patients list": (["patients", "list"], "demo-002"),
    "patients show": (["patients", "show", "demo-002"], "demo-002"),
    "consent show": (["consent", "show", "demo-001"], "treatment"),
    "kb list": (["kb", "list"], "civic"),
    "alerts list": (["alerts", "list", "--json"], '"items"'),
    "dose rules": (["dose", "rules"], "capecitabine"),
    "models list": (["models", "list", "--json"], "["),
}


@pytest.fixture(scope="module")
def demo_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('startup') / 'demo.sqlite3'}"
    engine = make_engine(url)
    upgrade(engine)
    for _ in load_demo(engine=engine, settings=Settings(env="test", database_url=url)):
        pass
    engine.dispose()
    return url


def _probe(
    args: list[str], url: str, tmp_path: Path
) -> tuple[subprocess.CompletedProcess[str], dict]:
    out = tmp_path / "probe.json"
    env = {
        **os.environ,
        "ONCOBOARD_DATABASE_URL": url,
        "ONCOBOARD_USER": "oncologist",
        "STARTUP_PROBE_OUT": str(out),
    }
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    return done, json.loads(out.read_text(encoding="utf-8"))


@pytest.mark.parametrize("name", list(READS))
def test_a_simple_read_loads_no_heavy_library(name: str, demo_url: str, tmp_path: Path) -> None:
    args, expected = READS[name]
    done, probe = _probe(args, demo_url, tmp_path)
    assert done.returncode == 0, done.stderr
    assert expected in done.stdout.lower()
    loaded = {module.split(".")[0] for module in probe["modules"]}
    assert loaded & HEAVY == set(), f"{name} loaded {sorted(loaded & HEAVY)}"


def test_the_process_leaves_its_objects_to_the_os_at_exit(demo_url: str, tmp_path: Path) -> None:
    """Everything is frozen before the interpreter's last collection, after the command's own
    exit handlers; the output is complete and the exit code unchanged."""
    done, probe = _probe(["patients", "list", "--json"], demo_url, tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["total"] == 3
    assert probe["frozen"] > 10_000  # modules, classes, functions: left to the OS

    failed, probe = _probe(["patients", "show", "no-such-patient"], demo_url, tmp_path)
    assert failed.returncode == 4, failed.stderr
    assert "no-such-patient" in failed.stderr
    assert probe["frozen"] > 10_000


def test_running_in_process_freezes_nothing_before_the_exit() -> None:
    """Tests call ``run`` in-process many times: the freeze waits for the interpreter's exit, so
    such a process keeps collecting its garbage meanwhile."""
    script = (
        "import gc, sys\n"
        "from oncoboard.cli.main import run\n"
        "for _ in range(3):\n"
        "    sys.argv = ['oncoboard', 'version']\n"
        "    try:\n"
        "        run()\n"
        "    except SystemExit:\n"
        "        pass\n"
        "print('frozen', gc.get_freeze_count(), 'collecting', gc.isenabled())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines()[-1] == "frozen 0 collecting True"


def test_the_collector_is_paused_while_starting_and_on_for_the_command(
    demo_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Loading the command's modules runs with the collector paused; the command's own work
    (here the record service's query) runs with it on, and it stays on after ``run``."""
    from oncoboard.cli import main
    from oncoboard.record import service

    seen: dict[str, bool] = {}
    load, list_patients = main._sub_app_commands, service.list_patients

    def loading(module: str) -> dict[str, Any]:
        seen["loading"] = gc.isenabled()
        return load(module)

    def listing(**kwargs: Any) -> Any:
        seen["command"] = gc.isenabled()
        return list_patients(**kwargs)

    monkeypatch.setattr(main, "_sub_app_commands", loading)
    monkeypatch.setattr(service, "list_patients", listing)
    monkeypatch.setattr(
        sys,
        "argv",
        ["oncoboard", "--database-url", demo_url, "--user", "oncologist", "patients", "list"],
    )
    with pytest.raises(SystemExit) as done:
        main.run()
    assert done.value.code == 0
    assert "demo-002" in capsys.readouterr().out
    assert seen == {"loading": False, "command": True}
    assert gc.isenabled()


def test_the_collector_is_on_again_after_a_usage_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from oncoboard.cli.main import run

    monkeypatch.setattr(sys, "argv", ["oncoboard", "patients", "list", "--limit", "0"])
    with pytest.raises(SystemExit) as done:
        run()
    assert done.value.code == 3
    assert "--limit" in capsys.readouterr().err
    assert gc.isenabled()
