# SPDX-License-Identifier: Apache-2.0
"""Source disease → OncoTree code, for assertions that carry none (CIViC's Disease Ontology ids).

The table ``mapping_data/civic_doid_oncotree.tsv`` (authored, CC0) states its method and, per
row, the relation and why; a CIViC disease whose name equals an OncoTree 2021_11_02 node name
maps by that name. A mapping never makes an assertion broader than its source disease: only
"same" or "narrower" OncoTree nodes are used, and whatever stays unmapped keeps the reason.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from importlib import resources

from oncoboard.knowledge import oncotree
from oncoboard.knowledge.schemas import Disease

TABLE = "civic_doid_oncotree.tsv"


@dataclass(frozen=True)
class DiseaseMapping:
    """One row: the source disease, the OncoTree code (None: unmapped) and why."""

    doid: str
    name: str
    oncotree_code: str | None
    relation: str
    basis: str


@cache
def table() -> dict[str, DiseaseMapping]:
    """The shipped table by ``DOID:<n>``."""
    text = (resources.files("oncoboard.knowledge") / "mapping_data" / TABLE).read_text("utf-8")
    rows = csv.DictReader(
        (ln for ln in text.splitlines() if not ln.startswith("#")), delimiter="\t"
    )
    found = {}
    for row in rows:
        key = f"DOID:{row['doid']}"
        found[key] = DiseaseMapping(
            doid=key,
            name=row["civic_disease"],
            oncotree_code=row["oncotree_code"] or None,
            relation=row["relation"],
            basis=row["basis"],
        )
    return found


@cache
def _by_name() -> dict[str, str]:
    tree = oncotree.load(oncotree.DEFAULT_RELEASE)
    return {node.name.lower(): node.code for node in tree.nodes.values()}


def oncotree_for(disease: Disease) -> tuple[str | None, str | None]:
    """(OncoTree code, how it was found) for an assertion's disease; the source's own code first.

    Examples
    --------
    >>> oncotree_for(Disease(name="Breast Cancer", codes=("DOID:1612",)))[0]
    'BREAST'
    >>> oncotree_for(Disease(name="Lung Adenocarcinoma", codes=("DOID:3910",)))[0]
    'LUAD'
    """
    if disease.oncotree_code:
        return disease.oncotree_code, None
    for code in disease.codes:
        row = table().get(code)
        if row is None:
            continue
        if row.oncotree_code is None:
            return None, f"{disease.name} ({code}) not mapped to OncoTree: {row.basis}"
        return row.oncotree_code, (
            f"{disease.name} ({code}) → OncoTree {row.oncotree_code} ({row.relation}: "
            f"{row.basis}; {TABLE})"
        )
    by_name = _by_name().get(disease.name.strip().lower())
    if by_name and any(c.startswith("DOID:") for c in disease.codes):
        return by_name, f"{disease.name} → OncoTree {by_name} (same name in OncoTree 2021_11_02)"
    return None, None
