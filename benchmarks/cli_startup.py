# SPDX-License-Identifier: Apache-2.0
"""CLI start-up per command: wall and CPU time of a fresh process, as a user runs each command.

Goal (#17): under 0.5 s for ``--help`` and simple reads. Baselines in the same run: the Python
interpreter alone and ``import typer`` (the floor any Typer CLI pays). The database is SQLite with
the demo cohort. CPU time (user + system of the child) is reported next to wall time because it
varies less when other jobs share the cores; best and median of ``--repeat`` runs.

    .venv/bin/python -m benchmarks.cli_startup [--repeat 9] [--before SRC]

``--before SRC`` also runs each command with an older ``src/`` first on ``PYTHONPATH`` (e.g.
``git archive <commit> src | tar -x -C /tmp/before``): the previous release in the same run.

The commands run with Python's bytecode cache, as an installed OncoBoard does after its first run:
``PYTHONDONTWRITEBYTECODE`` is removed from their environment, so the warm-up run writes
``__pycache__`` (for both source trees). With it set and no cache, every run compiles each
OncoBoard module it imports again (+0.03-0.06 s of CPU for ``patients list``).
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

OUT = Path(__file__).parent / "out"
ONCOBOARD = [sys.executable, "-c", "from oncoboard.cli.main import run; run()"]

# Typer builds a pydantic TypeAdapter per option (typer._adapters), the ORM needs
# sqlalchemy.orm, tables print through rich, and one pydantic model is built (the settings)
STACK_FLOOR = (
    "import typer.main, typer._adapters, sqlalchemy.orm, rich.table, rich.console, pydantic; "
    "pydantic.create_model('Floor', a=(int, 1))"
)
COMMANDS: tuple[tuple[str, list[str]], ...] = (
    ("python -c pass (baseline)", [sys.executable, "-c", "pass"]),
    ("python -c 'import typer' (baseline)", [sys.executable, "-c", "import typer"]),
    # what every database read imports before any OncoBoard code: the stack's own floor
    (
        "python -c 'import typer.main, sqlalchemy.orm, …' (stack floor)",
        [sys.executable, "-c", STACK_FLOOR],
    ),
    ("oncoboard --help", ["--help"]),
    ("oncoboard version", ["version"]),
    ("oncoboard patients --help", ["patients", "--help"]),
    ("oncoboard patients list", ["patients", "list"]),
    ("oncoboard patients show demo-002", ["patients", "show", "demo-002"]),
    ("oncoboard consent show demo-001", ["consent", "show", "demo-001"]),
    ("oncoboard kb list", ["kb", "list"]),
    ("oncoboard alerts list", ["alerts", "list"]),
    ("oncoboard trials show NCT99000001", ["trials", "show", "NCT99000001"]),
    ("oncoboard dose rules", ["dose", "rules"]),
    ("oncoboard models list", ["models", "list"]),
)


def _database() -> str:
    """A SQLite database with the demo cohort (built once into benchmarks/out)."""
    from oncoboard.demo.loader import load_demo
    from oncoboard.settings import Settings
    from oncoboard.store.db import make_engine
    from oncoboard.store.migrate import upgrade

    OUT.mkdir(exist_ok=True)
    path = OUT / "cli_startup.sqlite3"
    url = f"sqlite:///{path}"
    engine = make_engine(url)
    upgrade(engine)
    for _ in load_demo(engine=engine, settings=Settings(env="test", database_url=url)):
        pass
    engine.dispose()
    return url


def _once(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise RuntimeError(f"{command}: exit {done.returncode}\n{done.stderr.decode()[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def _timed(command: list[str], env: dict[str, str], repeat: int) -> str:
    _once(command, env)  # warm the file cache
    runs = [_once(command, env) for _ in range(repeat)]
    walls, cpus = [w for w, _ in runs], [c for _, c in runs]
    return (
        f"{min(walls):.2f} | {statistics.median(walls):.2f} "
        f"| {min(cpus):.2f} | {statistics.median(cpus):.2f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=9)
    parser.add_argument("--before", type=Path, help="an older src/ folder to compare with")
    args = parser.parse_args()
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env = {**cached, "ONCOBOARD_DATABASE_URL": _database(), "ONCOBOARD_USER": "oncologist"}
    before = {**env, "PYTHONPATH": str(args.before)} if args.before else None
    print(
        f"{platform.node()}: {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at start, {args.repeat} runs each\n"
    )
    print("| command | wall best s | wall median s | CPU best s | CPU median s |")
    print("|---|---:|---:|---:|---:|")
    for label, argv in COMMANDS:
        command = argv if argv[0] == sys.executable else [*ONCOBOARD, *argv]
        runs = [(label, env)]
        if before is not None and argv[0] != sys.executable:
            runs.insert(0, (f"{label} (before)", before))
        for name, environment in runs:
            print(f"| {name} | {_timed(command, environment, args.repeat)} |", flush=True)
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
