# SPDX-License-Identifier: Apache-2.0
"""The shipped CPIC tables and dosing guidance, loaded once (no network at run time)."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from oncoboard.pharmacogenomics.schemas import CpicTables, GuidanceTables


def _read(name: str) -> object:
    text = resources.files("oncoboard.pharmacogenomics").joinpath("data", name).read_text("utf-8")
    return json.loads(text)


@cache
def cpic() -> CpicTables:
    """CPIC allele function and phenotype tables (``data/cpic_tables.json``, CC0)."""
    return CpicTables.model_validate(_read("cpic_tables.json"))


@cache
def guidance() -> GuidanceTables:
    """Gene-drug dosing guidance rows with their citations (``data/guidance.json``)."""
    return GuidanceTables.model_validate(_read("guidance.json"))


def genes() -> tuple[str, ...]:
    """Genes with a CPIC table in this release."""
    return tuple(cpic().genes)
