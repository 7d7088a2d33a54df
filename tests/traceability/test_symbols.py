# SPDX-License-Identifier: Apache-2.0
"""Labels printed as images and read back as a scanner would (zxing-cpp): symbology, square
DataMatrix, FNC1/GS preserved, and the read data identified as the same identifier."""

from __future__ import annotations

import io
from datetime import date

import pytest
from PIL import Image

from oncoboard.errors import InputError
from oncoboard.traceability import gs1, isbt128
from oncoboard.traceability.scan import ScanKind, read_scan
from oncoboard.traceability.symbols import Symbology, read_png, render_png


def test_isbt128_din_and_product_code_as_code_128() -> None:
    din = isbt128.make_din("A9999", 2014, 123456)
    symbol = read_png(render_png(din.barcode_data, Symbology.CODE128))
    assert (symbol.symbology, symbol.identifier, symbol.gs1) == ("Code 128", "]C0", False)
    assert symbol.data == "=A99991412345600"
    assert read_scan(symbol.as_transmitted).din == din
    product = read_png(render_png("=<S1234A00", Symbology.CODE128))
    assert read_scan(product.as_transmitted).value == "S1234A00"


def test_gs1_datamatrix_is_square_and_keeps_fnc1() -> None:
    label = gs1.build_gs1(gtin="09506000134352", expiry=date(2026, 12, 31), lot="L1", serial="7")
    png = render_png(label.hri, Symbology.GS1_DATAMATRIX)
    image = Image.open(io.BytesIO(png))
    assert image.width == image.height  # square symbol, not the rectangular variant
    symbol = read_png(png)
    assert (symbol.symbology, symbol.identifier, symbol.gs1) == ("Data Matrix", "]d2", True)
    assert symbol.width_px == symbol.height_px
    assert symbol.data == "01095060001343521726123110L1\x1d217"  # GS after the variable lot
    scanned = read_scan(symbol.as_transmitted)
    assert scanned.kind == ScanKind.GS1 and scanned.gs1 == label


def test_sscc_as_gs1_128() -> None:
    sscc = "10614141123456789" + gs1.check_digit("10614141123456789")
    symbol = read_png(render_png(f"(00){sscc}", Symbology.GS1_128))
    assert symbol.identifier == "]C1" and read_scan(symbol.as_transmitted).gs1.sscc == sscc


def test_a_qr_code_is_refused_as_the_wrong_symbology() -> None:
    import numpy
    import zxingcpp

    qr = zxingcpp.create_barcode("=A99991412345600", zxingcpp.BarcodeFormat.QRCode)
    out = io.BytesIO()
    Image.fromarray(numpy.asarray(qr.to_image(scale=4))).save(out, format="PNG")
    symbol = read_png(out.getvalue())
    assert symbol.identifier.startswith("]Q")
    with pytest.raises(InputError, match=r"wrong symbology: QR Code \(\]Q1\)"):
        read_scan(symbol.as_transmitted)


def test_an_image_without_a_symbol_is_a_clear_error() -> None:
    out = io.BytesIO()
    Image.new("L", (60, 60), 255).save(out, format="PNG")
    with pytest.raises(InputError, match="no barcode found"):
        read_png(out.getvalue())
    with pytest.raises(InputError, match="not a readable image"):
        read_png(b"not a png")
