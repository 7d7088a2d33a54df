# SPDX-License-Identifier: Apache-2.0
"""Coordinator pages and downloads over a real server: pages carry no inline script or style
(the strict CSP), a nurse sees the timeline but no scan station, the exported JSON re-verifies
offline, the PDF renders, and label images read back as the registered identifiers."""

from __future__ import annotations

import base64
import json
import re

import pytest
from sqlalchemy import Engine

from oncoboard.governance.vocabulary import Role
from oncoboard.traceability import chain
from oncoboard.traceability.schemas import CustodyStep
from oncoboard.traceability.symbols import read_png
from tests.conftest import LiveServer, make_user
from tests.traceability.chain_support import open_case, setup, walk

COI = "CHA999926000001"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|\sstyle=|\son[a-z]+=", re.IGNORECASE)


@pytest.fixture
def infused(engine: Engine, live_server: LiveServer) -> LiveServer:
    setup(engine)
    open_case(engine, 0)
    walk(engine, 0, CustodyStep.INFUSION)
    return live_server


def test_pages_render_without_inline_script_or_style(infused: LiveServer, engine: Engine) -> None:
    coordinator = infused.client(make_user(engine, "coord-2", [Role.CELL_THERAPY_COORDINATOR]))
    home = coordinator.get("/celltherapy")
    case = coordinator.get(f"/celltherapy/cases/{COI}")
    assert home.status_code == 200 and COI in home.text
    assert case.status_code == 200 and "intact · 10 entries, 2 signatures verified" in case.text
    assert "No further hand-over: the product was infused" in case.text
    for page in (home, case):
        assert not INLINE.search(page.text), INLINE.search(page.text)
    nurse = infused.client(make_user(engine, "nurse-bo", [Role.NURSE]))
    seen = nurse.get(f"/celltherapy/cases/{COI}")
    assert seen.status_code == 200 and 'id="ct-scan"' not in seen.text
    refused = nurse.post(f"/api/v1/celltherapy/cases/{COI}/steps",
                         json={"step": "thaw", "scans": ["CT-PT-1"], "location": "ward"})  # fmt: skip
    assert refused.status_code == 403 and "cell_therapy_coordinator" in refused.text


def test_exported_json_reverifies_offline_and_pdf_renders(
    infused: LiveServer, engine: Engine
) -> None:
    coordinator = infused.client(make_user(engine, "coord-2", [Role.CELL_THERAPY_COORDINATOR]))
    exported = coordinator.get(f"/celltherapy/cases/{COI}/export?format=json")
    assert exported.status_code == 200
    data = exported.json()
    previous = chain.GENESIS
    for entry in data["chain"]:  # the verifier's recipe, from the export alone
        assert json.loads(entry["body"])["prev_hash"] == previous == entry["prev_hash"]
        assert chain.digest(entry["body"]) == entry["entry_hash"]
        previous = entry["entry_hash"]
    signed = [e for e in data["chain"] if e["signature"]]
    assert len(signed) == 2 and len(data["public_keys"]) == 1
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    key = Ed25519PublicKey.from_public_bytes(
        bytes.fromhex(next(iter(data["public_keys"].values()))["ed25519"])
    )
    for entry in signed:
        key.verify(base64.b64decode(entry["signature"]), bytes.fromhex(entry["entry_hash"]))
    pdf = coordinator.get(f"/celltherapy/cases/{COI}/export?format=pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert "attachment" in pdf.headers["content-disposition"]


def test_label_images_read_back(infused: LiveServer, engine: Engine) -> None:
    coordinator = infused.client(make_user(engine, "coord-2", [Role.CELL_THERAPY_COORDINATOR]))
    final = read_png(coordinator.get(f"/celltherapy/cases/{COI}/labels/final.png").content)
    assert final.identifier == "]d2" and "\x1d21SN0000" in final.data
    collection = coordinator.get(f"/celltherapy/cases/{COI}/labels/collection.png")
    assert read_png(collection.content).data == "=A99992600010000"
    assert coordinator.get(f"/celltherapy/cases/{COI}/labels/nope.png").status_code == 404
