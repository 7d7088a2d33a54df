# SPDX-License-Identifier: Apache-2.0
"""``--tumor-type``: the tumour type of patients whose only input is a VCF or MAF.

Neither format says what cancer the sample is, and the report never guesses one; the user names
its OncoTree code at import and each patient the file touches gets a CancerCondition fact whose
provenance is the option, not the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from oncoboard.ingest.schemas import ImportOptions, ParsedFact
from oncoboard.knowledge import oncotree
from oncoboard.knowledge.oncotree import OncoTreeNode
from oncoboard.record.schemas import CancerCondition

LOCATOR = "option --tumor-type"


def check(options: ImportOptions, source_name: str) -> OncoTreeNode | None:
    """The OncoTree node the option names; a located InputError with close codes otherwise."""
    if options.tumor_type is None:
        return None
    node, _release = oncotree.tumor_type(options.tumor_type, source=source_name, locator=LOCATOR)
    return node


def facts(node: OncoTreeNode, patients: Iterable[str]) -> Iterator[ParsedFact]:
    """One CancerCondition per patient, coded with the OncoTree code and name."""
    condition = CancerCondition(oncotree_code=node.code, display=node.name)
    for patient in patients:
        yield ParsedFact(
            patient_key=patient, locator=LOCATOR, fact=condition, raw=f"--tumor-type {node.code}"
        )
