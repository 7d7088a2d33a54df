# SPDX-License-Identifier: Apache-2.0
"""The ClientApp a site's SuperNode runs: it reads only the site's own training file (exported by
OncoBoard through the consent gate; no identifiers), trains locally and returns weights."""

from __future__ import annotations

import numpy as np
from flwr.app import ArrayRecord, Context, Message, MetricRecord, RecordDict
from flwr.clientapp import ClientApp
from oncoboard_fl import model

app = ClientApp()


def _rows(context: Context, split: str) -> tuple[np.ndarray, np.ndarray]:
    data = np.load(str(context.node_config["data-path"]))
    return data[f"x_{split}"].astype(np.float64), data[f"y_{split}"].astype(np.float64)


@app.train()
def train(msg: Message, context: Context) -> Message:
    x, y = _rows(context, "train")
    config = context.run_config
    start = msg.content["arrays"].to_numpy_ndarrays()[0]
    trained = model.fit(
        start,
        x,
        y,
        epochs=int(config["local-epochs"]),
        lr=float(config["learning-rate"]),
        l2=float(config["l2"]),
    )
    clip = float(config["dp-clip"])
    if clip > 0:
        rng = np.random.default_rng()
        trained = start + model.clip_and_noise(
            trained - start, clip=clip, noise=float(config["dp-noise"]), rng=rng
        )
    loss = model.metrics(y, model.predict(trained, x))["log_loss"]
    content = RecordDict(
        {
            "arrays": ArrayRecord([trained]),
            "metrics": MetricRecord({"train-loss": loss, "num-examples": len(y)}),
        }
    )
    return Message(content=content, reply_to=msg)


@app.evaluate()
def evaluate(msg: Message, context: Context) -> Message:
    x, y = _rows(context, "test")
    weights = msg.content["arrays"].to_numpy_ndarrays()[0]
    found = model.metrics(y, model.predict(weights, x))
    scores = {
        f"eval-{k}": v
        for k, v in found.items()
        if k in ("log_loss", "brier", "accuracy") and v == v
    }
    content = RecordDict({"metrics": MetricRecord({**scores, "num-examples": len(y)})})
    return Message(content=content, reply_to=msg)
