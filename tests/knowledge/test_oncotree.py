# SPDX-License-Identifier: Apache-2.0
"""OncoTree: the shipped releases, tree navigation, disease relations and release mapping.

Expected values come from the upstream files in ../shared/data/oncotree (commands in comments).
"""

from __future__ import annotations

import gzip
import hashlib
import json
from importlib import resources

import pytest

from oncoboard.errors import InputError
from oncoboard.knowledge import oncotree
from oncoboard.knowledge.oncotree import MatchKind, load, map_code, relation, release_changes
from tests.support import shared_file

# The six glioma codes 2025_10_03 deleted (upstream news.md via SOURCE.md; and
# `jq '[..|objects|select(has("level"))|.code]'` on both files, set difference).
RETIRED_GLIOMAS = {"GBM", "AASTR", "AOAST", "AODG", "DIPG", "OAST"}
# Their successors: `jq '..|objects|select((.revocations//[])+(.precursors//[])|length>0)'`
# on oncotree_2025_10_03.json: GNOS R=[AOAST,OAST], ASTR R=[AASTR], ODG R=[AODG], GB R=[GBM],
# DMG P=[DIPG].
SUCCESSORS = {
    "GBM": ("GB", "revocations"),
    "AASTR": ("ASTR", "revocations"),
    "AOAST": ("GNOS", "revocations"),
    "AODG": ("ODG", "revocations"),
    "DIPG": ("DMG", "precursors"),
    "OAST": ("GNOS", "revocations"),
}


@pytest.mark.shared
@pytest.mark.parametrize("release", oncotree.RELEASES)
def test_shipped_release_is_upstream_bytes(release: oncotree.Release) -> None:
    upstream = shared_file("oncotree", f"oncotree_{release}.json").read_bytes()
    shipped = (
        resources.files("oncoboard.knowledge") / "oncotree_data" / f"oncotree_{release}.json.gz"
    )
    assert gzip.decompress(shipped.read_bytes()) == upstream
    assert load(release).sha256 == hashlib.sha256(upstream).hexdigest()


def test_attribution_ships_with_the_data() -> None:
    notice = (
        resources.files("oncoboard.knowledge") / "oncotree_data" / "ATTRIBUTION.md"
    ).read_text()
    assert "CC BY 4.0" in notice
    assert "Memorial Sloan Kettering Cancer Center" in notice
    assert "https://github.com/cBioPortal/oncotree" in notice


@pytest.mark.parametrize(
    ("release", "total", "per_level"),
    [
        # jq '[..|objects|select(has("code") and has("level"))]|length' and group_by(.level)
        ("2021_11_02", 885, {0: 1, 1: 32, 2: 232, 3: 337, 4: 139, 5: 123, 6: 21}),
        ("2025_10_03", 898, {0: 1, 1: 32, 2: 233, 3: 333, 4: 147, 5: 131, 6: 21}),
    ],
)
def test_node_counts(release: oncotree.Release, total: int, per_level: dict[int, int]) -> None:
    tree = load(release)
    assert len(tree) == total
    levels: dict[int, int] = {}
    for node in tree.nodes.values():
        levels[node.level] = levels.get(node.level, 0) + 1
    assert levels == per_level
    assert len(tree.node("TISSUE").children) == 32


def test_navigation_luad_under_nsclc_under_lung() -> None:
    tree = load()
    assert tree.release == oncotree.DEFAULT_RELEASE == "2021_11_02"
    luad = tree.node("luad")  # case-insensitive
    assert (luad.code, luad.name) == ("LUAD", "Lung Adenocarcinoma")
    parent = tree.parent("LUAD")
    assert parent is not None and parent.code == "NSCLC"
    assert [n.code for n in tree.ancestors("LUAD")] == ["NSCLC", "LUNG", "TISSUE"]
    assert tree.main_type("LUAD") == "Non-Small Cell Lung Cancer"
    assert tree.tissue("LUAD") == "Lung"
    # jq '[..|objects|select(.code?=="NSCLC")|..|objects|select(has("level"))]|length - 1'
    assert len(tree.descendants("NSCLC")) == 17
    # jq '..|objects|select(.code?=="LUNG")|.children|keys'
    assert {n.code for n in tree.descendants("LUNG") if n.parent == "LUNG"} == {
        "CSCLC", "IMTL", "LAIS", "LAM", "LNET", "NSCLC", "PPB", "SARCL",
    }  # fmt: skip
    assert tree.parent("TISSUE") is None
    with pytest.raises(KeyError, match="NOPE"):
        tree.node("NOPE")


def test_relation_kinds_with_reasons() -> None:
    exact = relation("LUAD", "LUAD")
    assert exact.kind == MatchKind.EXACT and exact.on_label
    under = relation("LUAD", "NSCLC")
    assert under.kind == MatchKind.PATIENT_DESCENDANT and under.on_label
    assert under.reason == (
        "LUAD (Lung Adenocarcinoma) is a descendant of NSCLC (Non-Small Cell Lung Cancer) "
        "in OncoTree 2021_11_02"
    )
    assert relation("LUAD", "LUNG").kind == MatchKind.PATIENT_DESCENDANT
    narrower = relation("NSCLC", "LUAD")
    assert narrower.kind == MatchKind.PATIENT_ANCESTOR and not narrower.on_label
    assert "the assertion is narrower" in narrower.reason
    other = relation("LUAD", "BRCA")
    assert other.kind == MatchKind.NONE and not other.on_label
    assert "other tumour type" in other.reason
    unknown = relation("LUAD", "XYZ")
    assert unknown.kind == MatchKind.UNKNOWN and not unknown.on_label
    assert "'XYZ' is not an OncoTree" in unknown.reason
    missing = relation(None, "LUAD")
    assert missing.kind == MatchKind.UNKNOWN and "no tumour type" in missing.reason


def test_release_changes_are_the_six_glioma_codes() -> None:
    retired, added = release_changes("2021_11_02", "2025_10_03")
    assert set(retired) == RETIRED_GLIOMAS
    # jq set difference the other way round: 19 codes new in 2025_10_03
    assert len(added) == 19
    assert {"ADIFG", "ASTR2", "ASTR3", "ASTR4", "DMG", "PDIFHG", "PDIFLG", "NRCC"} <= set(added)


@pytest.mark.parametrize("code", sorted(RETIRED_GLIOMAS))
def test_retired_glioma_maps_to_its_named_successor(code: str) -> None:
    successor, how = SUCCESSORS[code]
    mapped, note = map_code(code, "2021_11_02", "2025_10_03")
    assert mapped == successor
    assert f"{code} (" in note and "retired in OncoTree 2025_10_03" in note
    assert f"'{how}' field names {successor} (" in note


def test_kept_codes_map_to_themselves_and_say_what_changed() -> None:
    assert map_code("LUAD", "2021_11_02", "2025_10_03") == (
        "LUAD",
        "LUAD is unchanged in OncoTree 2025_10_03",
    )
    # GB: 'Glioblastoma' under DIFG (2021) -> 'Glioblastoma, IDH-Wildtype' under ADIFG (2025)
    mapped, note = map_code("GB", "2021_11_02", "2025_10_03")
    assert mapped == "GB"
    assert "renamed from 'Glioblastoma' to 'Glioblastoma, IDH-Wildtype'" in note
    assert "moved from under DIFG to under ADIFG" in note


def test_new_codes_never_map_back_silently() -> None:
    mapped, note = map_code("DMG", "2025_10_03", "2021_11_02")
    assert mapped is None
    assert "no counterpart in 2021_11_02" in note and "DIPG ('precursors')" in note
    assert "nearest ancestor present there is DIFG" in note
    mapped, note = map_code("ASTR2", "2025_10_03", "2021_11_02")
    assert mapped is None and "no counterpart" in note


def test_former_and_ambiguous_codes() -> None:
    # FT history ["MFT"] in both releases
    mapped, note = map_code("MFT", "2021_11_02", "2025_10_03")
    assert mapped == "FT" and "former code of FT" in note
    # ALL is revoked by both BLL and TLL: never picked at random
    mapped, note = map_code("ALL", "2021_11_02", "2025_10_03")
    assert mapped is None and "BLL" in note and "TLL" in note
    assert map_code("NOPE", "2021_11_02", "2025_10_03") == (
        None,
        "NOPE is not an OncoTree 2021_11_02 code",
    )


def test_every_2021_code_maps_with_a_note() -> None:
    for code in load("2021_11_02").nodes:
        mapped, note = map_code(code, "2021_11_02", "2025_10_03")
        assert note, code
        assert mapped is not None, note  # every retired 2021 code has a named successor


def test_relations_across_releases() -> None:
    # Only 2025 has ASTR2; DIFG is in both: compared in 2025, and said so.
    newer = relation("ASTR2", "DIFG")
    assert newer.kind == MatchKind.PATIENT_DESCENDANT and newer.release == "2025_10_03"
    assert "not both in 2021_11_02" in newer.reason
    # A patient coded DIPG (2021) against a DMG assertion (2025): DIPG -> DMG, on-label.
    assert relation("DIPG", "DMG").kind == MatchKind.PATIENT_DESCENDANT
    # A DMG patient against a DIPG assertion: the retired code covers only part of DMG.
    narrower = relation("DMG", "DIPG")
    assert narrower.kind == MatchKind.PATIENT_ANCESTOR and not narrower.on_label
    assert "precursors" in narrower.reason
    # Grade 2 astrocytoma vs the retired anaplastic astrocytoma: cannot be decided.
    assert relation("ASTR2", "AASTR").kind == MatchKind.UNKNOWN


def test_tumor_type_error_names_the_code_and_suggests() -> None:
    with pytest.raises(InputError, match=r"'LUDA' is not an OncoTree code; did you mean .*LUAD"):
        oncotree.tumor_type("LUDA", source="a.maf", locator="option --tumor-type")
    node, release = oncotree.tumor_type("astr2", source="a.maf", locator="x")
    assert (node.code, release) == ("ASTR2", "2025_10_03")


@pytest.mark.shared
def test_tissues_match_the_source_file() -> None:
    raw = json.loads(shared_file("oncotree", "oncotree_2025_10_03.json").read_text())
    assert set(raw["TISSUE"]["children"]) == set(load("2025_10_03").node("TISSUE").children)
