# SPDX-License-Identifier: Apache-2.0
"""Every OncoBoard plot from one maintained library, matplotlib, rendered server-side to SVG.

The SVG is made safe to inline under a strict Content-Security-Policy: no ``<style>`` element
and no ``style`` attribute (each declaration becomes an SVG presentation attribute), ids
prefixed so several plots can share a page, a ``<title>``/``<desc>`` pair as alt text, and
byte-identical output for the same data (fixed hash salt, no date metadata). Each caller puts
the plotted data as a table beside the figure.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.figure import Figure

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)
# CSS properties that SVG also accepts as presentation attributes
PRESENTATION = {
    "fill",
    "fill-opacity",
    "fill-rule",
    "stroke",
    "stroke-width",
    "stroke-opacity",
    "stroke-linecap",
    "stroke-linejoin",
    "stroke-dasharray",
    "stroke-dashoffset",
    "stroke-miterlimit",
    "opacity",
    "font-family",
    "font-size",
    "font-weight",
    "font-style",
    "text-anchor",
    "dominant-baseline",
    "clip-path",
    "visibility",
}
RC: dict[Any, Any] = {
    "svg.fonttype": "path",  # glyphs as paths: what was laid out is what every browser shows
    "svg.hashsalt": "oncoboard",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.spines.top": False,
    "axes.spines.right": False,
}


def figure(width: float, height: float, rows: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    with plt.rc_context(RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        axes = fig.subplots(rows, 1, squeeze=True, **kwargs)
    return fig, axes


def _declarations(style: str) -> dict[str, str]:
    found = {}
    for part in style.split(";"):
        if ":" in part:
            key, value = part.split(":", 1)
            found[key.strip()] = value.strip()
    return found


def _clean(root: ET.Element, prefix: str) -> None:
    for parent in root.iter():
        for child in list(parent):
            if child.tag in (f"{{{SVG_NS}}}style", f"{{{SVG_NS}}}metadata"):
                parent.remove(child)
    for element in root.iter():
        style = element.attrib.pop("style", None)
        for key, value in _declarations(style or "").items():
            if key in PRESENTATION:
                element.set(key, value)
        _prefix_ids(element, prefix)


def _prefix_ids(element: ET.Element, prefix: str) -> None:
    if "id" in element.attrib:
        element.set("id", f"{prefix}-{element.attrib['id']}")
    for name in ("clip-path", "mask", "filter"):
        if name in element.attrib:
            element.set(name, re.sub(r"url\(#", f"url(#{prefix}-", element.attrib[name]))
    for key in (f"{{{XLINK_NS}}}href", "href"):
        if element.attrib.get(key, "").startswith("#"):
            element.set(key, f"#{prefix}-{element.attrib[key][1:]}")


def to_svg(fig: Figure, *, prefix: str, title: str, description: str, css_class: str) -> str:
    """The figure as inline SVG markup with alt text; safe under a strict CSP."""
    with plt.rc_context(RC):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    root = ET.fromstring(buffer.getvalue())
    _clean(root, prefix)
    root.set("class", css_class)
    root.set("role", "img")
    root.set("aria-labelledby", f"{prefix}-t {prefix}-d")
    for name in ("width", "height"):
        root.attrib.pop(name, None)
    desc = ET.Element(f"{{{SVG_NS}}}desc", {"id": f"{prefix}-d"})
    desc.text = description
    head = ET.Element(f"{{{SVG_NS}}}title", {"id": f"{prefix}-t"})
    head.text = title
    root.insert(0, desc)
    root.insert(0, head)
    root.set("stroke-linejoin", "round")
    root.set("stroke-linecap", "butt")
    return ET.tostring(root, encoding="unicode")


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
        description=f"Calibration at {horizon:g} years by risk group: {summary}.",
    )


def contribution_plot(labels: Sequence[str], values: Sequence[float], *, prefix: str) -> str:
    """Per-feature contributions to this patient's log hazard, largest at the top."""
    order = sorted(range(len(values)), key=lambda i: abs(values[i]))
    fig, ax = figure(5.2, 0.45 * len(values) + 1.1)
    colours = ["#b3261e" if values[i] > 0 else "#1f5f99" for i in order]
    ax.barh([labels[i] for i in order], [values[i] for i in order], color=colours)
    ax.axvline(0, color="#333333", linewidth=0.8)
    ax.set_xlabel("Contribution to log hazard (red raises risk, blue lowers it)")
    words = "; ".join(f"{labels[i]} {values[i]:+.3f}" for i in reversed(order))
    return to_svg(
        fig,
        prefix=prefix,
        title="What drives this prediction",
        css_class="model-plot",
        description=f"Contributions to the log hazard versus the average training "
        f"patient: {words}.",
    )


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
        description=f"{title}; dashed line {reference:.3f}. {shown}.",
    )


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
        fig, prefix=prefix, title=title, css_class="model-plot", description=f"{title}: {shown}."
    )
