# SPDX-License-Identifier: Apache-2.0
"""``oncoboard import`` and ``oncoboard validate``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console, emit_json, err_console
from oncoboard.errors import InputError, OncoBoardError, Problem
from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, ImportReport, SourceFile
from oncoboard.record.genomics import parse_genome_build
from oncoboard.store.db import unit_of_work

PathsArg = Annotated[list[Path], typer.Argument(help="Files or cBioPortal study folders")]
PatientOpt = Annotated[
    str | None, typer.Option("--patient", help="Attach every fact to this patient id")
]
BuildOpt = Annotated[
    str | None, typer.Option("--genome-build", help="GRCh37 or GRCh38, for files that do not say")
]
TumorOpt = Annotated[
    str | None, typer.Option("--tumor-sample", help="Tumour sample name in multi-sample VCFs")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]
TumorTypeOpt = Annotated[
    str | None,
    typer.Option(
        "--tumor-type",
        help="OncoTree code (e.g. LUAD) recorded as each patient's cancer, for VCF/MAF input",
    ),
]


def _options(
    patient: str | None,
    genome_build: str | None,
    tumor: str | None,
    tumor_type: str | None = None,
) -> ImportOptions:
    build = parse_genome_build(genome_build) if genome_build else None
    return ImportOptions(
        patient=patient, genome_build=build, tumor_sample=tumor, tumor_type=tumor_type
    )


def import_files(
    ctx: typer.Context,
    paths: PathsArg,
    patient: PatientOpt = None,
    genome_build: BuildOpt = None,
    tumor_sample: TumorOpt = None,
    tumor_type: TumorTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Import files, each all-or-nothing; re-importing the same file changes nothing."""
    context = cli_context(ctx)
    options = _options(patient, genome_build, tumor_sample, tumor_type)
    reports: list[dict[str, object]] = []
    failed = False
    last_error: OncoBoardError | None = None
    for path in paths:
        try:
            source = SourceFile.from_path(path)
            with unit_of_work(context.engine) as session, _progress(source.name) as tick:
                access = service.authorize_import(session, context.actor(session), source.name)
                report = service.import_as(
                    session=session,
                    access=access,
                    source=source,
                    options=options,
                    batch_size=context.settings.import_batch_size,
                    progress=tick,
                    limits=context.settings.ingest_limits(),
                )
        except OncoBoardError as error:
            failed, last_error = True, error
            err_console.print(Text.assemble(("error: ", "bold red"), str(error)), soft_wrap=True)
            reports.append({"source": str(path), "status": "failed", "error": str(error)})
            continue
        reports.append(report.model_dump())
        if not as_json:
            _print_report(report)
    if as_json:
        emit_json(reports)
    if failed and last_error is not None:
        raise typer.Exit(_exit_code(last_error))


def _exit_code(error: OncoBoardError) -> int:
    from oncoboard.edge.cli_output import exit_code_for

    return exit_code_for(error)


class _NoProgress(AbstractContextManager[None]):
    def __enter__(self) -> None:
        return None

    def __exit__(self, *_: object) -> None:
        return None


def _progress(name: str) -> AbstractContextManager[Callable[[int], None] | None]:
    """A progress bar on a terminal; silent when output is piped or in CI."""
    if not sys.stderr.isatty():
        return _NoProgress()
    return _RichProgress(name)


class _RichProgress(AbstractContextManager[Callable[[int], None]]):
    def __init__(self, name: str) -> None:
        self._bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed} records"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        )
        self._name = name

    def __enter__(self) -> Callable[[int], None]:
        self._bar.start()
        task = self._bar.add_task(self._name, total=None)
        return lambda done: self._bar.update(task, completed=done)

    def __exit__(self, *_: object) -> None:
        self._bar.stop()


def _counts_text(fact_counts: object) -> str:
    """``{'variant': 2, 'specimen': 1}`` as people read it: "1 specimen, 2 variants"."""
    if not isinstance(fact_counts, dict) or not fact_counts:
        return "no facts"
    return ", ".join(
        _plural(int(n), str(k).replace("_", " ")) for k, n in sorted(fact_counts.items())
    )


_NOUNS = {"demographics": "demographic records", "performance status": "performance statuses"}


def _plural(count: int, noun: str) -> str:
    if count == 1:
        return f"{count} {noun}"
    return f"{count} {_NOUNS.get(noun, noun + 's')}"


def _print_report(report: ImportReport) -> None:
    counts = ", ".join(f"{n} {k}" for k, n in sorted(report.fact_counts.items())) or "no facts"
    if report.status == "unchanged":
        console.print(
            f"{report.source_name}: already imported (import {report.import_id}); nothing changed",
            markup=False,
        )
        return
    console.print(
        f"{report.source_name}: imported {counts} for "
        f"{len(report.patients)} patient(s) as {report.source_format} "
        f"(import {report.import_id})",
        markup=False,
    )
    for note in report.notes:
        console.print(f"  note: {note}", markup=False)


def validate_files(
    ctx: typer.Context,
    paths: PathsArg,
    patient: PatientOpt = None,
    genome_build: BuildOpt = None,
    tumor_sample: TumorOpt = None,
    tumor_type: TumorTypeOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Check files without importing; list every problem; exit non-zero when any."""
    options = _options(patient, genome_build, tumor_sample, tumor_type)
    results: list[dict[str, object]] = []
    total = 0
    for path in paths:
        try:
            report, log = service.validate_source(
                source=SourceFile.from_path(path),
                options=options,
                limits=cli_context(ctx).settings.ingest_limits(),
            )
            problems = list(log.problems)
            summary: dict[str, object] = report.model_dump()
        except InputError as error:
            problems = error.problems or []
            summary = {"source_name": path.name, "status": "invalid", "error": str(error)}
            if not problems:
                problems = [Problem(path.name, "file", "content", "", str(error))]
        total += len(problems)
        summary["problems"] = [p.as_dict() for p in problems]
        summary["problem_count"] = len(problems)
        results.append(summary)
        if not as_json:
            _print_validation(path, summary, problems)
    if as_json:
        emit_json(results)
    else:
        console.print(f"{len(paths)} file(s) checked, {total} problem(s)", markup=False)
    if total:
        raise typer.Exit(3)


def _print_validation(path: Path, summary: dict[str, object], problems: list[Problem]) -> None:
    if not problems:
        patients = summary.get("patients") or []
        who = f" for {_plural(len(patients), 'patient')}" if isinstance(patients, list) else ""
        console.print(
            f"{path.name}: OK, {summary.get('source_format')}: "
            f"{_counts_text(summary.get('fact_counts'))}{who} would be imported",
            markup=False,
        )
        for note in summary.get("notes") or []:  # type: ignore[attr-defined]
            console.print(f"  note: {note}", markup=False)
        return
    console.print(f"{path.name}: {len(problems)} problem(s)", markup=False)
    for problem in problems:
        console.print(f"  - {problem}", markup=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    app.command("import")(import_files)
    app.command("validate")(validate_files)
