# SPDX-License-Identifier: Apache-2.0
"""The shared SVG rendering: inline-safe markup whatever else in the process touched the XML
namespace map (WeasyPrint's PDF writer registers its own prefixes when it is imported)."""

from __future__ import annotations

import re

from oncoboard.plotting import SLACK, figure, overflow, styled, to_svg


def _svg() -> str:
    fig, ax = figure(3, 2)
    ax.plot([0, 1], [1, 0], label="a line")
    ax.set_title("A title")
    return to_svg(fig, prefix="t1", title="Test plot", description="One falling line.",
                  css_class="model-plot")  # fmt: skip


def test_svg_is_inline_html_safe_even_after_weasyprint_is_loaded() -> None:
    import weasyprint.pdf.metadata  # noqa: F401  (registers '' -> '' in ElementTree's map)

    svg = _svg()
    assert svg.startswith('<svg xmlns="http://www.w3.org/2000/svg"')
    assert "ns0:" not in svg and 'xlink:href="#t1-' in svg  # glyph paths used by reference
    assert " style=" not in svg and "<style" not in svg and "<script" not in svg
    assert '<title id="t1-t">Test plot</title><desc id="t1-d">One falling line.</desc>' in svg
    ids = re.findall(r' id="([^"]+)"', svg)
    assert len(ids) == len(set(ids)) and all(i == "t1" or i.startswith("t1-") for i in ids)
    assert _svg() == svg  # byte-identical for the same data


def test_no_label_is_cut_off() -> None:
    fig, ax = figure(2.5, 2)
    ax.plot([0, 1], [1, 0])
    ax.set_xlabel("A label far longer than this small figure is wide, as the review found")
    wide, _ = overflow(fig)
    assert wide > 0.5  # constrained layout alone leaves it cut off
    to_svg(fig, prefix="t2", title="Long label", description="A long axis label.",
           css_class="model-plot")  # fmt: skip
    # measured on the layout the SVG was written with, under the same style
    wide, tall = styled(overflow)(fig, drawn=True)
    assert wide <= SLACK and tall <= SLACK
