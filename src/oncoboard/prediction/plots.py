# SPDX-License-Identifier: Apache-2.0
"""The model plots (calibration, explanation, subgroup and drift), drawn with matplotlib and
rendered as CSP-safe SVG with alt text by ``oncoboard.plotting``; callers put the data beside
each as a table."""

from __future__ import annotations

from collections.abc import Sequence

from oncoboard.plotting import figure, memo, styled, to_svg


@memo
@styled
def calibration_plot(groups: Sequence[Sequence[float]], *, horizon: float, prefix: str) -> str:
    """Predicted vs observed (Kaplan-Meier) risk at the horizon per risk group."""
    fig, ax = figure(4.2, 3.6)
    top = max([0.1] + [max(p, o) for p, o, _ in groups]) * 1.1
    ax.plot([0, top], [0, top], color="#888888", linestyle="--", linewidth=1, label="ideal")
    ax.plot(
        [g[0] for g in groups],
        [g[1] for g in groups],
        marker="o",
        color="#1f5f99",
        label="risk groups",
    )
    ax.set_xlim(0, top)
    ax.set_ylim(0, top)
    ax.set_xlabel(f"Predicted risk of death by {horizon:g} years")
    ax.set_ylabel("Observed risk (Kaplan-Meier)")
    ax.legend(loc="upper left", frameon=False)
    summary = "; ".join(f"predicted {p:.1%}, observed {o:.1%} (n={int(n)})" for p, o, n in groups)
    return to_svg(
        fig,
        prefix=prefix,
        title="Calibration plot",
        css_class="model-plot",
        description=f"Calibration at {horizon:g} years by risk group: {summary}. The same data "
        "is in the table beside the plot.",
    )


@memo
@styled
def contribution_plot(
    labels: Sequence[str],
    values: Sequence[float],
    intervals: Sequence[tuple[float, float]],
    *,
    prefix: str,
) -> str:
    """Per-feature contributions to this patient's log hazard with their 95 % intervals over the
    bootstrap refits, largest at the top."""
    order = sorted(range(len(values)), key=lambda i: abs(values[i]))
    fig, ax = figure(5.6, 0.42 * len(values) + 1.3)
    colours = ["#b3261e" if values[i] > 0 else "#1f5f99" for i in order]
    errors = [
        [values[i] - intervals[i][0] for i in order],
        [intervals[i][1] - values[i] for i in order],
    ]
    ax.barh(
        [labels[i] for i in order],
        [values[i] for i in order],
        xerr=errors,
        color=colours,
        ecolor="#333333",
        capsize=3,
    )
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel("Contribution to the log hazard\n(red raises the risk, blue lowers it)")
    words = "; ".join(
        f"{labels[i]} {values[i]:+.3f} (95% interval {intervals[i][0]:+.3f} to "
        f"{intervals[i][1]:+.3f})"
        for i in reversed(order)
    )
    return to_svg(
        fig,
        prefix=prefix,
        title="What drives this prediction",
        css_class="model-plot",
        description=f"Contributions to the log hazard versus the average training "
        f"patient, largest first: {words}. The same data is in the table beside the plot.",
    )


@memo
@styled
def window_plot(
    windows: Sequence[str],
    estimates: Sequence[tuple[float, float, float] | None],
    *,
    floor: float,
    prefix: str,
) -> str:
    """Harrell's C with its 95 % interval per labelled window against the plan's floor;
    windows with too few events are marked as such, never drawn as a number."""
    fig, ax = figure(5.2, 0.4 * len(windows) + 1.3)
    ys = list(range(len(windows)))[::-1]
    lows = [floor - 0.1]
    for y, est in zip(ys, estimates, strict=True):
        if est is None:
            ax.text(floor, y, " too few events", va="center", ha="left", color="#666666")
            continue
        value, low, high = est
        colour = "#b3261e" if value < floor else "#1f5f99"
        ax.plot([low, high], [y, y], color=colour, linewidth=1.5)
        ax.plot([value], [y], marker="o", color=colour)
        lows.append(low - 0.02)
    ax.axvline(
        floor, color="#b3261e", linestyle="--", linewidth=1, label=f"alert below {floor:.3f}"
    )
    ax.set_yticks(ys, list(windows))
    ax.set_ylim(-0.8, len(windows) - 0.2)
    ax.set_xlim(max(0.0, min(lows)), 1.0)
    ax.set_xlabel("Harrell's C in the window, with 95% interval")
    ax.legend(loc="lower right", frameon=False)
    shown = "; ".join(
        f"{w}: {'too few events' if e is None else f'{e[0]:.3f} ({e[1]:.3f}-{e[2]:.3f})'}"
        for w, e in zip(windows, estimates, strict=True)
    )
    return to_svg(
        fig,
        prefix=prefix,
        title="Performance per window",
        css_class="model-plot",
        description=f"Harrell's C per labelled window, alert below {floor:.3f}: {shown}. "
        "The same data is in the table beside the plot.",
    )


@memo
@styled
def interval_plot(
    labels: Sequence[str],
    estimates: Sequence[tuple[float, float, float] | None],
    *,
    reference: float,
    title: str,
    xlabel: str,
    prefix: str,
) -> str:
    """A forest plot: one row per group, point and 95 % interval; ``None`` rows marked n/a."""
    fig, ax = figure(5.6, 0.32 * len(labels) + 1.2)
    ys = list(range(len(labels)))[::-1]
    for y, est in zip(ys, estimates, strict=True):
        if est is None:
            ax.text(reference, y, "too few events", va="center", ha="center", color="#666666")
            continue
        value, low, high = est
        ax.plot([low, high], [y, y], color="#1f5f99", linewidth=1.5)
        ax.plot([value], [y], marker="s", color="#1f5f99")
    ax.axvline(reference, color="#888888", linestyle="--", linewidth=1)
    ax.set_yticks(ys, labels)
    ax.set_xlabel(xlabel)
    shown = "; ".join(
        f"{label}: {'too few events' if e is None else f'{e[0]:.3f} ({e[1]:.3f}-{e[2]:.3f})'}"
        for label, e in zip(labels, estimates, strict=True)
    )
    return to_svg(
        fig,
        prefix=prefix,
        title=title,
        css_class="model-plot",
        description=f"{title}; dashed line {reference:.3f}. {shown}. The same data is in the "
        "table beside the plot.",
    )


@memo
@styled
def bar_plot(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    lines: Sequence[tuple[float, str]],
    title: str,
    xlabel: str,
    prefix: str,
) -> str:
    """Horizontal bars with threshold lines (e.g. PSI per feature with warn/alert)."""
    fig, ax = figure(5.2, 0.4 * len(values) + 1.2)
    ax.barh(list(labels)[::-1], list(values)[::-1], color="#1f5f99")
    for value, label in lines:
        ax.axvline(
            value,
            color="#b3261e" if "alert" in label else "#b45f06",
            linestyle="--",
            linewidth=1,
            label=f"{label} {value:g}",
        )
    ax.set_xlabel(xlabel)
    if lines:
        ax.legend(loc="lower right", frameon=False)
    shown = "; ".join(f"{label} {value:.3f}" for label, value in zip(labels, values, strict=True))
    return to_svg(
        fig,
        prefix=prefix,
        title=title,
        css_class="model-plot",
        description=f"{title}: {shown}. The same data is in the table beside the plot.",
    )
