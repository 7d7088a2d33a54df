# SPDX-License-Identifier: Apache-2.0
"""Label symbols: Code 128 for ISBT 128 data structures, square GS1 DataMatrix for GS1 strings.

Written and read with zxing-cpp (a maintained barcode library whose wheel carries everything it
needs, no system libraries), so a test can print a label and read it back as a scanner would:
with the AIM symbology identifier (]C0, ]C1, ]d2) and the FNC1/GS separators kept.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from oncoboard.errors import InputError, Problem

if TYPE_CHECKING:
    import numpy


class Symbology(StrEnum):
    CODE128 = "code128"
    GS1_128 = "gs1-128"
    GS1_DATAMATRIX = "gs1-datamatrix"


@dataclass(frozen=True)
class ReadSymbol:
    """What a scanner reports: symbology, its AIM identifier and the data as transmitted."""

    symbology: str
    identifier: str  # AIM symbology identifier, e.g. ]C0, ]C1, ]d2
    data: str  # FNC1 in a GS1 string is GS (0x1D); ISBT 128 data identifiers included
    gs1: bool
    width_px: int
    height_px: int

    @property
    def as_transmitted(self) -> str:
        """A scanner configured to send the AIM identifier types this into the scan field."""
        return self.identifier + self.data


def render_png(data: str, symbology: Symbology, *, scale: int = 4) -> bytes:
    """The symbol as a PNG (quiet zones included). GS1 data is given in '(AI)value' form."""
    import zxingcpp
    from PIL import Image

    try:
        if symbology == Symbology.GS1_DATAMATRIX:
            symbol = zxingcpp.create_barcode(
                data, zxingcpp.BarcodeFormat.DataMatrix, gs1=True, force_square=True
            )
        else:
            gs1 = symbology == Symbology.GS1_128
            symbol = zxingcpp.create_barcode(data, zxingcpp.BarcodeFormat.Code128, gs1=gs1)
    except (ValueError, RuntimeError) as error:
        raise InputError(
            f"cannot encode {data!r} as {symbology.value}: {error}",
            problems=[Problem("label", symbology.value, "data", data, "encodable data")],
        ) from None
    image = Image.fromarray(_array(symbol.to_image(scale=scale)))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def read_png(png: bytes) -> ReadSymbol:
    """Read the one symbol in a PNG as a scanner would; no symbol is a located error."""
    import zxingcpp
    from PIL import Image, UnidentifiedImageError

    try:
        pixels = Image.open(io.BytesIO(png)).convert("L")
    except (UnidentifiedImageError, OSError) as error:
        raise InputError(f"not a readable image: {error}") from None
    found = zxingcpp.read_barcode(pixels, text_mode=zxingcpp.TextMode.Plain)
    if found is None or not found.valid:
        raise InputError(
            "no barcode found in the image",
            problems=[Problem("label image", "image", "symbol", "", "a readable barcode")],
        )
    box = found.position
    width = max(abs(box.top_right.x - box.top_left.x), 1)
    height = max(abs(box.bottom_left.y - box.top_left.y), 1)
    return ReadSymbol(
        symbology=str(found.format),
        identifier=found.symbology_identifier,
        data=found.bytes.decode("latin-1"),
        gs1=found.content_type == zxingcpp.ContentType.GS1,
        width_px=width,
        height_px=height,
    )


def _array(image: object) -> numpy.ndarray:
    import numpy

    return numpy.asarray(image)
