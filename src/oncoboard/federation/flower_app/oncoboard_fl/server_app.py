# SPDX-License-Identifier: Apache-2.0
"""The ServerApp: FedAvg (Flower's own strategy) over the sites, then the final weights and the
per-round metrics written where the run configuration says."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from flwr.app import ArrayRecord, ConfigRecord, Context
from flwr.serverapp import Grid, ServerApp
from flwr.serverapp.strategy import FedAvg

app = ServerApp()


@app.main()
def main(grid: Grid, context: Context) -> None:
    config = context.run_config
    sites = len(list(grid.get_node_ids()))
    evaluate = float(bool(int(config["federated-evaluation"])))
    strategy = FedAvg(
        fraction_train=1.0,
        fraction_evaluate=evaluate,
        min_train_nodes=sites,
        min_evaluate_nodes=sites if evaluate else 0,
        min_available_nodes=sites,
    )
    start = ArrayRecord([np.zeros(int(config["features"]) + 1)])
    result = strategy.start(
        grid=grid,
        initial_arrays=start,
        num_rounds=int(config["num-server-rounds"]),
        train_config=ConfigRecord({}),
        timeout=600,
    )
    weights = result.arrays.to_numpy_ndarrays()[0]
    report = {
        "weights": [float(v) for v in weights],
        "rounds": int(config["num-server-rounds"]),
        "sites": sites,
        "train": {str(k): dict(v) for k, v in result.train_metrics_clientapp.items()},
        "evaluate": {str(k): dict(v) for k, v in result.evaluate_metrics_clientapp.items()},
    }
    out = str(config["out-path"])
    if out:
        Path(out).write_text(json.dumps(report, indent=2))
