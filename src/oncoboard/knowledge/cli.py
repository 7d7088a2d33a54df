# SPDX-License-Identifier: Apache-2.0
"""``oncoboard kb import|list|show|diff``: knowledge-base releases, through the gate."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from oncoboard.edge.cli_context import cli_context
from oncoboard.edge.cli_output import console, emit_json
from oncoboard.knowledge import service
from oncoboard.knowledge.schemas import DroppedRow, KbDiff, KbReleaseInfo
from oncoboard.knowledge.sources import READERS, reader_for
from oncoboard.store.db import unit_of_work

kb_app = typer.Typer(
    help="Knowledge-base releases: import, list, show, diff.", no_args_is_help=True
)
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


@kb_app.command("import")
def import_release(
    ctx: typer.Context,
    path: Annotated[Path, typer.Argument(help="Release file (or folder) from your own copy")],
    source: Annotated[str, typer.Option("--source", help=" | ".join(READERS))],
    as_json: JsonOpt = False,
) -> None:
    """Import one immutable release; QC failures refuse it whole, the same file twice is a no-op."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = service.authorize_import(session, context.actor(session), f"{source} {path.name}")
        report = service.publish(
            session=session,
            access=access,
            reader=reader_for(source),
            path=path,
            reader_name=source,
        )
    if as_json:
        emit_json(report.model_dump(mode="json"))
        return
    release = report.release
    console.print(
        f"{report.status} {release.release_id}: {release.assertion_count:,} assertions, "
        f"{release.dropped_count:,} dropped ({report.seconds:.2f} s; sha256 {release.sha256})",
        markup=False,
    )
    _print_notice(release)
    _print_dropped(report.dropped)


@kb_app.command("list")
def list_releases(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List stored releases with their hashes, licences and counts."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = service.authorize_read(session, context.actor(session), "list releases")
        releases = service.list_releases(session=session, access=access)
    if as_json:
        emit_json([r.model_dump(mode="json") for r in releases])
        return
    if not releases:
        console.print("no knowledge-base releases (import one with 'oncoboard kb import')")
    for release in releases:
        console.print(
            f"{release.release_id}\t{release.assertion_count:,} assertions\t"
            f"{release.dropped_count:,} dropped\t{release.licence}\tsha256 {release.sha256[:12]}",
            markup=False,
        )
        _print_notice(release)


@kb_app.command("show")
def show_release(
    ctx: typer.Context,
    release_id: Annotated[str, typer.Argument(help="e.g. moalmanac@2025-12-26")],
    dropped: Annotated[bool, typer.Option("--dropped", help="List every dropped row")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Show one release: provenance, counts, notice, and (with --dropped) every dropped row."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = service.authorize_read(session, context.actor(session), f"show {release_id}")
        detail = service.get_release(session=session, access=access, release_id=release_id)
    if as_json:
        data = detail.model_dump(mode="json")
        if not dropped:
            data.pop("dropped")
        emit_json(data)
        return
    release, origin = detail.release, detail.provenance
    console.print(
        f"{release.release_id} (source {release.source}, release {release.release})\n"
        f"  file {origin.file_name}, reader {origin.reader}, sha256 {release.sha256}\n"
        f"  imported {release.imported_at:%Y-%m-%d %H:%M} by {origin.imported_by}\n"
        f"  licence {release.licence}; genome build {release.genome_build or 'not stated'}\n"
        f"  {release.assertion_count:,} assertions, {release.dropped_count:,} dropped",
        markup=False,
    )
    for key, count in release.counts.items():
        console.print(f"  {key}: {count:,}", markup=False)
    _print_notice(release)
    if dropped:
        _print_dropped(detail.dropped)


@kb_app.command("diff")
def diff_releases(
    ctx: typer.Context,
    a: Annotated[str, typer.Argument(help="Older release id")],
    b: Annotated[str, typer.Argument(help="Newer release id")],
    as_json: JsonOpt = False,
) -> None:
    """List assertions added, removed and changed from release A to release B."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = service.authorize_read(session, context.actor(session), f"diff {a} {b}")
        result = service.diff(session=session, access=access, a=a, b=b)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    _print_diff(result)


def _print_diff(result: KbDiff) -> None:
    console.print(
        f"{result.a.release_id} -> {result.b.release_id}: {len(result.added)} added, "
        f"{len(result.removed)} removed, {len(result.changed)} changed, "
        f"{result.unchanged} unchanged",
        markup=False,
    )
    for mark, items in (("+", result.added), ("-", result.removed)):
        for item in items:
            console.print(
                f"{mark} {item.assertion_id}\t{item.gene or '-'} {item.rule_kind}\t"
                f"{item.therapy or '-'}\t{item.source_level}\t{item.disease}",
                markup=False,
            )
    for change in result.changed:
        console.print(f"~ {change.assertion_id}\t{', '.join(change.fields)}", markup=False)
    impact = result.patients_affected
    console.print(f"patients affected: {impact.note}", markup=False)
    for moved in impact.changes:
        console.print(
            f"  {moved.patient_id}\t{moved.change}\t{moved.therapy or '-'}\t"
            f"{moved.alteration}\t{moved.before or '-'} -> {moved.after or '-'}\t"
            f"{moved.assertion_id}",
            markup=False,
        )
    for release in {r.release_id: r for r in (result.a, result.b)}.values():
        _print_notice(release)


def _print_notice(release: KbReleaseInfo) -> None:
    if release.notice:
        console.print(f"  notice ({release.release_id}): {release.notice}", markup=False)


def _print_dropped(dropped: list[DroppedRow]) -> None:
    for row in dropped:
        console.print(f"  dropped {row.locator}: {row.reason}", markup=False)


def register(app: typer.Typer) -> None:
    app.add_typer(kb_app, name="kb")
