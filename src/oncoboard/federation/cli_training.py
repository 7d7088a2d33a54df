# SPDX-License-Identifier: Apache-2.0
"""``oncoboard federation train``: Flower FedAvg across sites, compared with the pooled model."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated

import typer

from oncoboard.edge.cli_context import CliContext, cli_context
from oncoboard.edge.cli_output import console
from oncoboard.errors import InputError
from oncoboard.store.db import unit_of_work


def register(federation_app: typer.Typer) -> None:
    federation_app.command("train")(federation_train)


def federation_train(
    ctx: typer.Context,
    genes: Annotated[
        str, typer.Option("--genes", help="Gene panel, comma-separated: one feature per gene")
    ],
    site_db: Annotated[
        list[str] | None,
        typer.Option("--site-db", help="A site's database URL (repeat; default: this one)"),
    ] = None,
    rounds: Annotated[int, typer.Option("--rounds", min=1, max=100)] = 5,
    local_epochs: Annotated[int, typer.Option("--local-epochs", min=1, max=100)] = 5,
    learning_rate: Annotated[float, typer.Option("--lr", min=0.0001, max=10)] = 0.5,
    l2: Annotated[float, typer.Option("--l2", min=0, max=10)] = 0.01,
    dp_clip: Annotated[
        float,
        typer.Option("--dp-clip", min=0, help="Clip each site's update to this L2 norm (0: off)"),
    ] = 0.0,
    dp_noise: Annotated[
        float, typer.Option("--dp-noise", min=0, help="Gaussian noise, × the clip norm")
    ] = 0.0,
    out: Annotated[Path | None, typer.Option("--out", help="Write the comparison as JSON")] = None,
) -> None:
    """Train a logistic model with Flower FedAvg across sites (loopback deployment) and compare it with the pooled model."""
    import tempfile

    from oncoboard.federation import flower, training

    context = cli_context(ctx)
    panel = training.gene_panel(genes.split(","))
    urls = [_site_database(url) for url in site_db or []]
    flower.sidecar_bin()  # before any export: without the sidecar nothing is trained
    hyper = training.Hyper(
        rounds=rounds,
        local_epochs=local_epochs,
        learning_rate=learning_rate,
        l2=l2,
        dp_clip=dp_clip,
        dp_noise=dp_noise,
    )
    with tempfile.TemporaryDirectory(prefix="oncoboard-train-") as folder:
        files = [
            _export_site(context, url, number, panel, Path(folder))
            for number, url in enumerate(urls or [None])
        ]
        report = flower.run(files, hyper, features=len(panel) + 1)
        result = training.comparison(report, files, hyper)
    for name in ("federated", "pooled"):
        m = result[name]
        console.print(
            f"{name}\tAUC {m['auc']:.3f}\taccuracy {m['accuracy']:.3f}\tBrier {m['brier']:.3f}\t"
            f"log loss {m['log_loss']:.3f}\t(n={int(m['n'])} held out)",
            markup=False,
        )
    if out is not None:
        out.write_text(json.dumps(result, indent=2, default=str))


def _site_database(url: str) -> str:
    """A site database URL, checked before anything is exported."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        make_url(url)
    except ArgumentError as error:
        raise InputError(f"--site-db {url!r}: not a database URL ({error})") from error
    return url


def _export_site(
    context: CliContext, url: str | None, number: int, panel: list[str], folder: Path
) -> Path:
    """One site's consented training rows (through the gate, audited at that site)."""
    from oncoboard.federation import training
    from oncoboard.store.db import make_engine

    engine = make_engine(url) if url else context.engine
    try:
        with unit_of_work(engine) as session:
            access = training.authorize_export(
                session, context.actor(session), f"federated training rows ({','.join(panel)})"
            )
            export = training.export_rows(
                session=session,
                access=access,
                genes=panel,
                out=folder / f"site-{number + 1}.npz",
                salt=os.urandom(8).hex(),
            )
    finally:
        if url:
            engine.dispose()
    console.print(
        f"site {number + 1}: {export.train_rows} training and {export.test_rows} held-out rows "
        f"({export.skipped_without_label} consented without a vital status)",
        markup=False,
    )
    return export.path
