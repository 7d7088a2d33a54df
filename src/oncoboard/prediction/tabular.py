# SPDX-License-Identifier: Apache-2.0
"""Evaluation and drift data from a CSV file: canonical feature columns, optionally follow-up
(``time_years``, ``event``) and a ``window`` label; every bad cell is reported with its row."""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd

from oncoboard.errors import InputError, Problem

MAX_PROBLEMS = 200


@dataclass(frozen=True)
class Table:
    name: str
    x: np.ndarray  # NaN where a feature is missing
    time: np.ndarray | None
    event: np.ndarray | None
    window: np.ndarray | None


def _column(
    frame: pd.DataFrame, name: str, source: str, problems: list[Problem], *, optional: bool
) -> np.ndarray:
    text = frame[name].astype("string").str.strip()
    values = pd.to_numeric(text, errors="coerce")
    bad = values.isna() & text.notna() & (text != "")
    if not optional:
        bad |= text.isna() | (text == "")
    for row in np.flatnonzero(bad.to_numpy())[:MAX_PROBLEMS]:
        problems.append(
            Problem(source, f"line {row + 2}", name, str(frame[name].iloc[row]), "a number")
        )
    return values.to_numpy(float)


def read_table(data: bytes, source: str, features: tuple[str, ...], *, need_outcome: bool) -> Table:
    """Parse and validate the whole file; nothing is used unless every cell is valid."""
    try:
        frame = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False)
    except (ValueError, UnicodeDecodeError) as error:
        raise InputError(f"{source}: not a readable CSV file ({error})") from error
    required = list(features) + (["time_years", "event"] if need_outcome else [])
    missing = [c for c in required if c not in frame.columns]
    if missing:
        raise InputError(
            f"{source}: missing column(s) {', '.join(missing)}; expected {', '.join(required)}"
        )
    if frame.empty:
        raise InputError(f"{source}: no data rows")
    problems: list[Problem] = []
    x = np.column_stack([_column(frame, f, source, problems, optional=True) for f in features])
    time = event = None
    if {"time_years", "event"} <= set(frame.columns):
        time = _column(frame, "time_years", source, problems, optional=False)
        event = _column(frame, "event", source, problems, optional=False)
        for row in np.flatnonzero(~np.isnan(event) & ~np.isin(event, [0, 1]))[:MAX_PROBLEMS]:
            problems.append(Problem(source, f"line {row + 2}", "event", str(event[row]), "0 or 1"))
        for row in np.flatnonzero(~np.isnan(time) & (time <= 0))[:MAX_PROBLEMS]:
            problems.append(Problem(source, f"line {row + 2}", "time_years", str(time[row]), "> 0"))
    if problems:
        raise InputError(
            f"{source}: {len(problems)} problem(s); 0 of {len(frame)} rows used", problems
        )
    window = frame["window"].to_numpy(str) if "window" in frame.columns else None
    return Table(
        source,
        x,
        time,
        None if event is None else event.astype(bool),
        window,
    )
