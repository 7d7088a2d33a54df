# SPDX-License-Identifier: Apache-2.0
"""Every OncoBoard plot from one maintained library, matplotlib, rendered server-side to SVG.

The SVG is made safe to inline under a strict Content-Security-Policy: no ``<style>`` element
and no ``style`` attribute (each declaration becomes an SVG presentation attribute), ids
prefixed so several plots can share a page, a ``<title>``/``<desc>`` pair as alt text, and
byte-identical output for the same data (fixed hash salt, no date metadata). Each caller puts
the plotted data as a table beside the figure. Used by ``prediction/plots.py`` (model plots) and
``monitoring/plot.py`` (the symptom chart).
"""

from __future__ import annotations

import functools
import io
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

P = ParamSpec("P")
R = TypeVar("R")

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
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


def styled(draw: Callable[P, R]) -> Callable[P, R]:
    """Run a drawing function under OncoBoard's plot style (fonts, spines): text created while
    drawing takes its sizes from the style, without changing matplotlib's global settings."""

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with plt.rc_context(RC):
            return draw(*args, **kwargs)

    return wrapper


def figure(width: float, height: float, rows: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
    """A figure with constrained layout (labels and titles kept inside it) and an Agg canvas."""
    with plt.rc_context(RC):
        fig = Figure(figsize=(width, height), layout="constrained")
        FigureCanvasAgg(fig)
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


def overflow(fig: Figure, *, drawn: bool = False) -> tuple[float, float]:
    """How far (inches) what the figure draws (labels, titles, legends) reaches beyond its
    width and height; ``drawn``: the layout is current (just saved), measure without drawing."""
    if not drawn:
        fig.canvas.draw()
    extent = fig.get_tightbbox(fig.canvas.get_renderer())  # type: ignore[attr-defined,unused-ignore]
    width, height = fig.get_size_inches()
    wide = max(0.0, -extent.x0) + max(0.0, extent.x1 - width)
    tall = max(0.0, -extent.y0) + max(0.0, extent.y1 - height)
    return float(wide), float(tall)


# Agg measures text up to ~2 % wider than the SVG renderer lays it out (hinting): an overflow
# this small, or one that growing the figure does not reduce, is that difference, not a cut label
SLACK = 0.1  # inches


def _saved(fig: Figure) -> bytes:
    """SVG bytes of a figure grown until no label is cut off (constrained layout moves axes,
    never text): one draw when everything fits, as almost always."""
    before = None
    for _ in range(4):
        buffer = io.BytesIO()
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
        wide, tall = overflow(fig, drawn=True)
        if max(wide, tall) <= SLACK or (before is not None and max(wide, tall) > before - 0.02):
            break
        before = max(wide, tall)
        fig.set_size_inches(
            fig.get_figwidth() + (wide + 0.1 if wide > SLACK else 0.0),
            fig.get_figheight() + (tall + 0.1 if tall > SLACK else 0.0),
        )
    return buffer.getvalue()


def memo(draw: Callable[P, str]) -> Callable[P, str]:
    """Same data, same SVG (byte-identical): keep the last 128 per plot kind, keyed on the data,
    so a page shown again does not draw again."""
    cache: dict[str, str] = {}

    @functools.wraps(draw)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> str:
        key = json.dumps([args, kwargs], sort_keys=True, default=str)
        hit = cache.get(key)
        if hit is None:
            hit = draw(*args, **kwargs)
            if len(cache) >= 128:
                cache.clear()
            cache[key] = hit
        return hit

    wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
    return wrapper


def to_svg(fig: Figure, *, prefix: str, title: str, description: str, css_class: str) -> str:
    """The figure as inline SVG markup with alt text; safe under a strict CSP."""
    with plt.rc_context(RC):
        data = _saved(fig)
    root = ET.fromstring(data)
    _clean(root, prefix)
    root.set("id", prefix)
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
    # the prefix map is global and other libraries change it (WeasyPrint's PDF metadata maps the
    # empty prefix to no namespace): set ours at the moment of writing, or HTML gets <ns0:svg>
    ET.register_namespace("", SVG_NS)
    ET.register_namespace("xlink", XLINK_NS)
    return ET.tostring(root, encoding="unicode")
