# SPDX-License-Identifier: Apache-2.0
"""``oncoboard federation``: the site's policy, peers and research index; the coordinator's
sites and federated queries; federated training. Thin: every command passes the gate."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from oncoboard.edge.cli_context import CliContext, cli_context
from oncoboard.edge.cli_output import console, emit_json
from oncoboard.errors import InputError
from oncoboard.federation import auth, coordinator, index, service
from oncoboard.federation.beacon import query_from_words
from oncoboard.federation.models import PeerRow
from oncoboard.federation.schemas import FederatedResult, SiteOut
from oncoboard.governance.gate import Access
from oncoboard.governance.vocabulary import Role
from oncoboard.record.genomics import parse_genome_build
from oncoboard.store.db import unit_of_work

federation_app = typer.Typer(
    help="Federated research: Beacon site node, coordinator, training.", no_args_is_help=True
)
policy_app = typer.Typer(help="This site's disclosure policy.", no_args_is_help=True)
peers_app = typer.Typer(
    help="Coordinators allowed to query this site (site side).", no_args_is_help=True
)
sites_app = typer.Typer(
    help="Sites this coordinator asks (coordinator side).", no_args_is_help=True
)
index_app = typer.Typer(help="The research index derived from the record.", no_args_is_help=True)
federation_app.add_typer(policy_app, name="policy")
federation_app.add_typer(peers_app, name="peers")
federation_app.add_typer(sites_app, name="sites")
federation_app.add_typer(index_app, name="index")
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output")]


def _admin(session: Session, context: CliContext, what: str) -> Access:
    return coordinator.authorize_admin(session, context.actor(session), what)


def _either(session: Session, context: CliContext, what: str) -> Access:
    """Administrators manage sites; researchers may look at them."""
    actor = context.actor(session)
    if Role.ADMIN in actor.roles:
        return coordinator.authorize_admin(session, actor, what)
    return coordinator.authorize_research(session, actor, what)


@policy_app.command("show")
def policy_show(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Show the disclosure policy every answer of this site follows."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        _admin(session, context, "federation policy")
        current = service.policy(session)
    if as_json:
        emit_json(current.model_dump(mode="json"))
        return
    console.print(service.describe_policy(current), markup=False)


@policy_app.command("set")
def policy_set(
    ctx: typer.Context,
    name: Annotated[
        str | None, typer.Option("--name", help="Site name shown to researchers")
    ] = None,
    beacon_id: Annotated[
        str | None, typer.Option("--beacon-id", help="Reverse-domain Beacon id")
    ] = None,
    min_count: Annotated[
        int | None, typer.Option("--min-count", help="Smallest exact count (2–100)")
    ] = None,
    dp: Annotated[
        bool | None, typer.Option("--dp/--no-dp", help="Differential privacy on every count")
    ] = None,
    epsilon: Annotated[
        float | None, typer.Option("--epsilon", help="ε spent per private answer")
    ] = None,
    budget: Annotated[
        float | None, typer.Option("--budget", help="ε each researcher may spend per window")
    ] = None,
    window_days: Annotated[int | None, typer.Option("--window-days", help="Budget window")] = None,
) -> None:
    """Change the disclosure policy (audited)."""
    context = cli_context(ctx)
    changes = {
        "site_name": name,
        "beacon_id": beacon_id,
        "min_count": min_count,
        "dp_enabled": dp,
        "epsilon_per_query": epsilon,
        "epsilon_budget": budget,
        "budget_window_days": window_days,
    }
    with unit_of_work(context.engine) as session:
        access = _admin(session, context, "federation policy change")
        updated = service.set_policy(session, access=access, changes=changes)
    console.print(service.describe_policy(updated), markup=False)


@peers_app.command("add")
def peers_add(ctx: typer.Context, name: str) -> None:
    """Let a coordinator query this site; prints its access key once (only its public half is kept)."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = _admin(session, context, f"federation peer {name}: issue key")
        key, row = auth.issue_peer_key(
            session,
            name=name,
            created_by=access.actor.username,
            secret_key=context.settings.signing_secret(),
        )
    console.print(
        f"peer {row.name}: key {row.key_id}, fingerprint {row.fingerprint[:16]}…; "
        "give the coordinator this access key (it is not shown again):",
        markup=False,
    )
    sys.stdout.write(key + "\n")


@peers_app.command("list")
def peers_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List the coordinators allowed to query this site."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        _admin(session, context, "federation peers")
        rows = [_peer(r) for r in session.query(PeerRow).order_by(PeerRow.name)]
    if as_json:
        emit_json(rows)
        return
    for row in rows:
        console.print(
            "\t".join(
                str(row[k] or "-")
                for k in ("name", "key_id", "created_at", "revoked_at", "last_used_at")
            ),
            markup=False,
        )


def _peer(row: PeerRow) -> dict[str, object]:
    return {
        "name": row.name,
        "key_id": row.key_id,
        "fingerprint": row.fingerprint,
        "created_at": row.created_at,
        "revoked_at": row.revoked_at,
        "last_used_at": row.last_used_at,
    }


@peers_app.command("revoke")
def peers_revoke(ctx: typer.Context, name: str) -> None:
    """Revoke a coordinator's key: its next request is refused."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        _admin(session, context, f"federation peer {name}: revoke")
        row = auth.revoke_peer(session, name)
    console.print(f"peer {row.name}: key {row.key_id} revoked", markup=False)


@index_app.command("refresh")
def index_refresh(
    ctx: typer.Context, rebuild: Annotated[bool, typer.Option("--rebuild")] = False
) -> None:
    """Bring the research index up to date with the record (queries also do this first)."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        _admin(session, context, "federation index refresh")
        n = index.rebuild(session) if rebuild else index.refresh(session)
        people = index.indexed_patients(session)
    console.print(f"{n} patient(s) (re)indexed; {people} in the research index", markup=False)


@federation_app.command("load-bff")
def load_bff(
    ctx: typer.Context,
    folder: Path,
    genome_build: Annotated[
        str, typer.Option("--genome-build", help="Build of the variant calls (required)")
    ],
    part: Annotated[
        str, typer.Option("--part", help="K/N: every N-th individual from the K-th")
    ] = "1/1",
) -> None:
    """Import a Beacon BFF cohort folder (individuals, biosamples, variant CSV) into the record."""
    from oncoboard.federation import bff
    from oncoboard.ingest import service as ingest_service

    k, _, n = part.partition("/")
    if not (k.isdigit() and n.isdigit() and 1 <= int(k) <= int(n)):
        raise InputError(f"--part {part!r}: expected K/N with 1 <= K <= N, e.g. 2/3")
    build = parse_genome_build(genome_build)
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = ingest_service.authorize_import(
            session, context.actor(session), f"beacon cohort {folder.name}"
        )
        report = bff.import_cohort(
            session=session,
            access=access,
            folder=folder,
            genome_build=build,
            part=int(k),
            parts=int(n),
        )
    console.print(
        f"{report.status}: {len(report.patients)} individual(s), {report.fact_counts}", markup=False
    )
    for note in report.notes:
        console.print(f"note: {note}", markup=False)


@sites_app.command("add")
def sites_add(
    ctx: typer.Context,
    name: str,
    url: str,
    timeout: Annotated[
        float, typer.Option("--timeout", help="Seconds to wait for this site, retries included")
    ] = 2.0,
    retries: Annotated[
        int, typer.Option("--retries", help="Retries after a connection failure or 5xx")
    ] = 1,
) -> None:
    """Register a site; its access key is read from standard input and stored encrypted."""
    key = (
        sys.stdin.readline().strip()
        if not sys.stdin.isatty()
        else typer.prompt("Access key", hide_input=True)
    )
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = _admin(session, context, f"federation site {name}: add")
        site = coordinator.add_site(
            session=session,
            access=access,
            name=name,
            base_url=url,
            access_key=key,
            secret_key=context.settings.signing_secret(),
            timeout_s=timeout,
            retries=retries,
        )
    console.print(
        f"site {site.name} at {site.base_url}: site key fingerprint {site.site_key_fingerprint[:16]}… "
        "(compare it with the site's administrator)",
        markup=False,
    )


@sites_app.command("list")
def sites_list(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """List registered sites with their last status and catalogue."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        _either(session, context, "federation sites")
        found = coordinator.list_sites(session)
    _print_sites(found, as_json)


@sites_app.command("check")
def sites_check(
    ctx: typer.Context,
    names: Annotated[list[str] | None, typer.Argument()] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask each site for its catalogue (both keys are proven) and record its status."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = _either(session, context, "federation sites check")
        found = coordinator.check(
            session=session,
            access=access,
            secret_key=context.settings.signing_secret(),
            sites=names or None,
        )
    _print_sites(found, as_json)


@sites_app.command("remove")
def sites_remove(ctx: typer.Context, name: str) -> None:
    """Forget a site and its key."""
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = _admin(session, context, f"federation site {name}: remove")
        coordinator.remove_site(session=session, access=access, name=name)
    console.print(f"site {name} removed", markup=False)


def _print_sites(found: list[SiteOut], as_json: bool) -> None:
    if as_json:
        emit_json([s.model_dump(mode="json") for s in found])
        return
    for site in found:
        console.print(
            f"{site.name}\t{site.base_url}\t{site.last_status or 'not checked'}\t"
            f"timeout {site.timeout_s:g} s, {site.retries} retr{'y' if site.retries == 1 else 'ies'}"
            + (f"\t{site.last_error}" if site.last_error else ""),
            markup=False,
        )
        if site.catalogue:
            c = site.catalogue
            types = ", ".join(f"{t.code} {t.label}" for t in c.tumour_types) or "none"
            console.print(
                f"  {c.site_name}: {c.individuals.label} consented individuals; tumour types: {types}; "
                f"data: {', '.join(c.data_types)}; builds: {', '.join(c.genome_builds) or '-'}; "
                f"last update {c.last_update or 'never'}",
                markup=False,
            )


@federation_app.command("query")
def federation_query(
    ctx: typer.Context,
    filters: Annotated[
        list[str] | None,
        typer.Argument(
            help="oncotree:LUAD sex:female age:40-70 stage:IV "
            "treatment:<class> gene:EGFR:L858R GRCh38:7:55191822:T:G"
        ),
    ] = None,
    variants: Annotated[
        bool, typer.Option("--variants", help="Count distinct variants (g_variants)")
    ] = False,
    boolean: Annotated[bool, typer.Option("--boolean", help="Ask only whether any match")] = False,
    site: Annotated[list[str] | None, typer.Option("--site", help="Ask only these sites")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask every registered site how many consented individuals match; total what answered."""
    cohort = query_from_words(filters or [])
    context = cli_context(ctx)
    with unit_of_work(context.engine) as session:
        access = coordinator.authorize_research(
            session, context.actor(session), f"federated query: {cohort.describe()}"
        )
        result = coordinator.query(
            session=session,
            access=access,
            cohort=cohort,
            entry_type="g_variants" if variants else "individuals",
            granularity="boolean" if boolean else "count",
            secret_key=context.settings.signing_secret(),
            sites=site or None,
        )
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    _print_result(result)


def _print_result(result: FederatedResult) -> None:
    console.print(
        f"{result.entry_type} matching {result.description}: total {result.total_label()} "
        f"from {result.answered} of {result.asked} site(s) ({result.seconds:.2f} s)",
        markup=False,
    )
    for s in result.sites:
        shown = s.answer.label() if s.answer else "-"
        why = (s.answer.reason if s.answer and s.answer.reason else s.detail) or ""
        budget = (
            f"; ε budget left {s.answer.budget.remaining:g} of {s.answer.budget.epsilon_budget:g}"
            if s.answer and s.answer.budget
            else ""
        )
        console.print(
            f"  {s.site}\t{s.status}\t{shown}\t{s.seconds:.2f} s, {s.attempts} attempt(s)\t{why}{budget}",
            markup=False,
        )


def register(app: typer.Typer) -> None:
    from oncoboard.federation import cli_training

    cli_training.register(federation_app)
    app.add_typer(federation_app, name="federation")
