# SPDX-License-Identifier: Apache-2.0
"""A case's labels as images: CoI and collection DIN as Code 128, the released product as a GS1
DataMatrix (or its DIN as Code 128 when it is ISBT 128-labelled)."""

from __future__ import annotations

from oncoboard.errors import NotFound
from oncoboard.traceability import isbt128
from oncoboard.traceability.schemas import CaseDetail
from oncoboard.traceability.symbols import Symbology, render_png

LABELS = ("coi", "collection", "final")


def label_png(detail: CaseDetail, which: str) -> bytes:
    """The PNG of one of the case's labels; a label not yet registered is not found."""
    if which == "coi":
        return render_png(isbt128.parse_coi(detail.summary.coi).barcode_data, Symbology.CODE128)
    if which == "collection" and detail.collection_dins:
        din = isbt128.parse_din(detail.collection_dins[-1])
        return render_png(din.barcode_data, Symbology.CODE128)
    final = detail.final_label
    if which == "final" and final is not None:
        if final.get("kind") == "gs1":
            return render_png(final["display"], Symbology.GS1_DATAMATRIX)
        return render_png(isbt128.parse_din(final["din"]).barcode_data, Symbology.CODE128)
    raise NotFound(f"{detail.summary.coi} has no {which} label yet (known: {', '.join(LABELS)})")
