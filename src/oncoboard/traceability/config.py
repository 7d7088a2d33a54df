# SPDX-License-Identifier: Apache-2.0
"""A site's cell-therapy configuration: default transit/thaw limits and its ICCBBA product table.

One JSON file named by ``ONCOBOARD_CELLTHERAPY_CONFIG``::

    {"limits": {"source": "…manufacturer's specification, version…",
                "to_manufacturing": {"max_hours": …, "min_temp_c": …, "max_temp_c": …},
                "to_site": {…}, "thaw_to_infusion_minutes": …},
     "product_table": "iccbba-products.csv"}

OncoBoard ships no limits: they come from each product's specification. Without them receipts
are flagged "not assessed".
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import BaseModel, ConfigDict, ValidationError

from oncoboard.errors import InputError, Problem
from oncoboard.traceability.isbt128 import ProductCodeTable, load_product_table
from oncoboard.traceability.schemas import CaseLimits


class _ConfigFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limits: CaseLimits | None = None
    product_table: str | None = None


@dataclass(frozen=True)
class SiteConfig:
    limits: CaseLimits | None = None
    products: ProductCodeTable = field(default_factory=ProductCodeTable)
    source: str = "none (ONCOBOARD_CELLTHERAPY_CONFIG not set)"


def load_config(path: Path | None) -> SiteConfig:
    """The site's configuration; a missing or malformed file is a located error."""
    if path is None:
        return SiteConfig()
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        parsed = _ConfigFile.model_validate(raw)
    except (OSError, ValueError) as error:
        problems = []
        if isinstance(error, ValidationError):
            problems = [
                Problem(path.name, ".".join(str(p) for p in e["loc"]), "value",
                        str(e.get("input", ""))[:80], str(e["msg"]))
                for e in error.errors()
            ]  # fmt: skip
        raise InputError(f"cell-therapy configuration {path}: {error}", problems=problems) from None
    products = ProductCodeTable()
    if parsed.product_table:
        table = Path(parsed.product_table)
        products = load_product_table(table if table.is_absolute() else path.parent / table)
    return SiteConfig(limits=parsed.limits, products=products, source=str(path))
