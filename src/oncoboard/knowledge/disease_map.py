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
CGI_TABLE = "cgi_oncotree.tsv"


@dataclass(frozen=True)
class DiseaseMapping:
    """One row: the source disease, the OncoTree code (None: unmapped) and why."""

    key: str
    name: str
    oncotree_code: str | None
    relation: str
    basis: str


def _rows(name: str) -> list[dict[str, str]]:
    text = (resources.files("oncoboard.knowledge") / "mapping_data" / name).read_text("utf-8")
    lines = (ln for ln in text.splitlines() if not ln.startswith("#"))
    return list(csv.DictReader(lines, delimiter="\t"))


@cache
def table() -> dict[str, DiseaseMapping]:
    """The shipped tables by source code: ``DOID:<n>`` (CIViC), ``cgi:<acronym>`` (CGI)."""
    found = {}
    for key_column, prefix, name_column, file in (
        ("doid", "DOID:", "civic_disease", TABLE),
        ("code", "cgi:", "cgi_name", CGI_TABLE),
    ):
        for row in _rows(file):
            key = f"{prefix}{row[key_column]}"
            found[key] = DiseaseMapping(
                key=key,
                name=row[name_column],
                oncotree_code=row["oncotree_code"] or None,
                relation=row["relation"],
                basis=f"{row['basis']}; {file}",
            )
    return found


@cache
def _by_name() -> dict[str, str]:
    tree = oncotree.load(oncotree.DEFAULT_RELEASE)
    return {node.name.lower(): node.code for node in tree.nodes.values()}


def oncotree_for(disease: Disease) -> list[tuple[str | None, str | None]]:
    """(OncoTree code, how it was found) per source disease code; the source's own code first.

    A CGI row may name several tumour types (``BRCA;OV``): one entry each.

    Examples
    --------
    >>> oncotree_for(Disease(name="Breast Cancer", codes=("DOID:1612",)))[0][0]
    'BREAST'
    >>> oncotree_for(Disease(name="Lung Adenocarcinoma", codes=("DOID:3910",)))[0][0]
    'LUAD'
    >>> [code for code, _ in oncotree_for(Disease(name="x", codes=("cgi:BRCA", "cgi:OV")))]
    ['BRCA', 'OVARY']
    """
    if disease.oncotree_code:
        return [(disease.oncotree_code, None)]
    found: list[tuple[str | None, str | None]] = []
    for code in disease.codes:
        row = table().get(code)
        if row is None:
            continue
        if row.oncotree_code is None:
            found.append((None, f"{row.name} ({code}) not mapped to OncoTree: {row.basis}"))
        else:
            found.append(
                (
                    row.oncotree_code,
                    f"{row.name} ({code}) → OncoTree {row.oncotree_code} "
                    f"({row.relation}: {row.basis})",
                )
            )
    if found:
        return found
    by_name = _by_name().get(disease.name.strip().lower())
    if by_name and any(c.startswith("DOID:") for c in disease.codes):
        return [
            (by_name, f"{disease.name} → OncoTree {by_name} (same name in OncoTree 2021_11_02)")
        ]
    return [(None, None)]
