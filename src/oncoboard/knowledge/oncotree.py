# SPDX-License-Identifier: Apache-2.0
"""Disease context: the OncoTree hierarchy, how a patient's tumour type relates to an assertion's.

OncoTree (Memorial Sloan Kettering, CC BY 4.0; see ``oncotree_data/ATTRIBUTION.md``) ships
inside the package, two releases: 2021_11_02, which most knowledge bases and trial-matching
material pin and is therefore the default here, and 2025_10_03, which reorganised CNS gliomas to
WHO CNS5 and retired six glioma codes. An assertion made for a broader tumour type covers a
patient's narrower one (on-label, as AMP/ASCO/CAP 2017 and ESCAT read "this tumour type");
any other tumour type is off-label.
"""

from __future__ import annotations

import difflib
import gzip
import hashlib
import json
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache, lru_cache
from importlib import resources
from typing import Any, Literal

from oncoboard.errors import InputError, Problem

Release = Literal["2021_11_02", "2025_10_03"]
RELEASES: tuple[Release, ...] = ("2021_11_02", "2025_10_03")
# The release most KBs pin (MatchMiner CTML guides, GENIE; ../shared/data/oncotree/SOURCE.md).
DEFAULT_RELEASE: Release = "2021_11_02"
ROOT = "TISSUE"
# sha256 of the upstream bytes (SOURCE.md); checked on load so a damaged copy never loads.
_SHA256: dict[str, str] = {
    "2021_11_02": "c5aca8b2c0d991a8a5f1f6ae266a0d095c35b05d0f8dfb76ba72efc9a5c63450",
    "2025_10_03": "613c84ebecce7b47fb6800a94efecf8c7edbc25120401d898591d3b478c36231",
}
# The three node fields that name codes a node took over (SOURCE.md, "Format").
FormerField = Literal["history", "precursors", "revocations"]
_FORMER_FIELDS: tuple[FormerField, ...] = ("history", "precursors", "revocations")


@dataclass(frozen=True)
class OncoTreeNode:
    """One tumour type as one release defines it."""

    code: str
    name: str
    main_type: str | None
    tissue: str | None
    parent: str | None
    level: int
    children: tuple[str, ...]
    history: tuple[str, ...] = ()
    precursors: tuple[str, ...] = ()
    revocations: tuple[str, ...] = ()
    umls: tuple[str, ...] = ()
    nci: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.code} ({self.name})"


@dataclass(frozen=True)
class OncoTree:
    """One release: every node by code, plus an index of codes that nodes took over."""

    release: Release
    sha256: str
    nodes: Mapping[str, OncoTreeNode]
    former: Mapping[str, tuple[tuple[str, FormerField], ...]] = field(default_factory=dict)

    def __contains__(self, code: object) -> bool:
        return isinstance(code, str) and code in self.nodes

    def __len__(self) -> int:
        return len(self.nodes)

    def get(self, code: str) -> OncoTreeNode | None:
        """The node for ``code`` (case-insensitive: every code in both releases is upper case)."""
        return self.nodes.get(code.strip().upper())

    def node(self, code: str) -> OncoTreeNode:
        found = self.get(code)
        if found is None:
            raise KeyError(f"{code!r} is not an OncoTree {self.release} code")
        return found

    def parent(self, code: str) -> OncoTreeNode | None:
        parent = self.node(code).parent
        return self.nodes[parent] if parent else None

    def ancestors(self, code: str) -> list[OncoTreeNode]:
        """Nearest first, up to and including the root ``TISSUE``."""
        out: list[OncoTreeNode] = []
        current = self.parent(code)
        while current is not None:
            out.append(current)
            current = self.nodes[current.parent] if current.parent else None
        return out

    def descendants(self, code: str) -> list[OncoTreeNode]:
        """Every node below ``code``, depth first."""
        out: list[OncoTreeNode] = []
        stack = list(reversed(self.node(code).children))
        while stack:
            child = self.nodes[stack.pop()]
            out.append(child)
            stack.extend(reversed(child.children))
        return out

    def main_type(self, code: str) -> str | None:
        return self.node(code).main_type

    def tissue(self, code: str) -> str | None:
        return self.node(code).tissue

    def is_ancestor(self, ancestor: str, code: str) -> bool:
        target = self.node(ancestor).code
        return any(node.code == target for node in self.ancestors(code))

    def suggest(self, text: str, limit: int = 3) -> list[str]:
        """Close codes for a mistyped one: by code spelling, then by name."""
        wanted = text.strip()
        by_code = difflib.get_close_matches(wanted.upper(), list(self.nodes), limit, 0.6)
        names = {node.name.lower(): node.code for node in self.nodes.values()}
        by_name = difflib.get_close_matches(wanted.lower(), list(names), limit, 0.6)
        merged = dict.fromkeys([*by_code, *(names[n] for n in by_name)])
        return list(merged)[:limit]


def _node(raw: Mapping[str, Any]) -> OncoTreeNode:
    refs = raw.get("externalReferences") or {}
    return OncoTreeNode(
        code=raw["code"],
        name=raw["name"],
        main_type=raw.get("mainType"),
        tissue=raw.get("tissue"),
        parent=raw.get("parent"),
        level=int(raw["level"]),
        children=tuple(raw.get("children") or {}),
        history=tuple(raw.get("history") or ()),
        precursors=tuple(raw.get("precursors") or ()),
        revocations=tuple(raw.get("revocations") or ()),
        umls=tuple(refs.get("UMLS") or ()),
        nci=tuple(refs.get("NCI") or ()),
    )


def _walk(raw: Mapping[str, Any]) -> Iterator[OncoTreeNode]:
    # The release nests children in an object keyed by code, six levels deep at most.
    stack = [raw]
    while stack:
        current = stack.pop()
        yield _node(current)
        stack.extend((current.get("children") or {}).values())


def _former_index(
    nodes: Mapping[str, OncoTreeNode],
) -> dict[str, tuple[tuple[str, FormerField], ...]]:
    index: dict[str, list[tuple[str, FormerField]]] = {}
    for node in nodes.values():
        for name in _FORMER_FIELDS:
            for old in getattr(node, name):
                index.setdefault(old.upper(), []).append((node.code, name))
    return {old: tuple(entries) for old, entries in index.items()}


@cache
def load(release: Release = DEFAULT_RELEASE) -> OncoTree:
    """Load a shipped release once per process; refuse it when its bytes are not upstream's.

    Examples
    --------
    >>> tree = load("2021_11_02")
    >>> tree.node("LUAD").parent, tree.main_type("LUAD")
    ('NSCLC', 'Non-Small Cell Lung Cancer')
    """
    if release not in RELEASES:
        raise KeyError(f"OncoTree release {release!r} is not shipped; known: {', '.join(RELEASES)}")
    resource = (
        resources.files("oncoboard.knowledge") / "oncotree_data" / f"oncotree_{release}.json.gz"
    )
    data = gzip.decompress(resource.read_bytes())
    digest = hashlib.sha256(data).hexdigest()
    if digest != _SHA256[release]:
        raise RuntimeError(f"{resource}: sha256 {digest} is not upstream's {_SHA256[release]}")
    root = json.loads(data)[ROOT]
    nodes = {node.code: node for node in _walk(root)}
    return OncoTree(release=release, sha256=digest, nodes=nodes, former=_former_index(nodes))


def release_changes(old: Release, new: Release) -> tuple[list[str], list[str]]:
    """Codes present in ``old`` and absent in ``new`` (retired), and the reverse (added)."""
    before, after = load(old), load(new)
    retired = sorted(set(before.nodes) - set(after.nodes))
    added = sorted(set(after.nodes) - set(before.nodes))
    return retired, added


# ---------------------------------------------------------------- mapping between releases


def map_code(code: str, from_release: Release, to_release: Release) -> tuple[str | None, str]:
    """Translate a code between shipped releases; every outcome comes with a note.

    A code present in both maps to itself (the note says when its name or parent changed). A
    code absent from ``to_release`` maps to the single node there that lists it under
    ``history``, ``precursors`` or ``revocations``; with none or several, to ``None`` and a note
    saying so. A newer code is never mapped back onto an older, narrower or differently defined
    one (``DMG`` lists ``DIPG`` as precursor, but not every diffuse midline glioma is pontine).

    Examples
    --------
    >>> map_code("GBM", "2021_11_02", "2025_10_03")
    ('GB', "GBM (Glioblastoma Multiforme) was retired in OncoTree 2025_10_03; its 'revocations' field names GB (Glioblastoma, IDH-Wildtype) as the code that replaces it")
    """
    source, target = load(from_release), load(to_release)
    wanted = code.strip().upper()
    node = source.get(wanted)
    if node is None:
        return _map_former(wanted, source, target)
    if wanted in target:
        return wanted, _same_code_note(node, target.nodes[wanted], target.release)
    successors = list(target.former.get(wanted, ()))
    if len(successors) == 1:
        new, how = successors[0]
        return new, (
            f"{node.label} was retired in OncoTree {to_release}; its '{how}' field names "
            f"{target.nodes[new].label} as the code that replaces it"
        )
    return None, _no_successor_note(node, source, target, successors)


def _map_former(wanted: str, source: OncoTree, target: OncoTree) -> tuple[str | None, str]:
    """``wanted`` is not a code of ``source``: maybe one of its nodes took it over."""
    owners = source.former.get(wanted, ())
    if len(owners) != 1:
        where = f" (claimed by {', '.join(c for c, _ in owners)})" if owners else ""
        return None, f"{wanted} is not an OncoTree {source.release} code{where}"
    current, how = owners[0]
    mapped, note = map_code(current, source.release, target.release)
    return mapped, f"{wanted} is a former code of {current} ('{how}' in {source.release}); {note}"


def _same_code_note(old: OncoTreeNode, new: OncoTreeNode, release: str) -> str:
    changes = []
    if old.name != new.name:
        changes.append(f"renamed from '{old.name}' to '{new.name}'")
    if old.parent != new.parent:
        changes.append(f"moved from under {old.parent} to under {new.parent}")
    if not changes:
        return f"{new.code} is unchanged in OncoTree {release}"
    return f"{new.code} is kept in OncoTree {release} but " + " and ".join(changes)


def _no_successor_note(
    node: OncoTreeNode,
    source: OncoTree,
    target: OncoTree,
    successors: Sequence[tuple[str, str]],
) -> str:
    if len(successors) > 1:
        named = ", ".join(f"{c} ('{f}')" for c, f in successors)
        return (
            f"{node.label} is absent from OncoTree {target.release} and several codes claim it: "
            f"{named}; not mapped"
        )
    kept = next((a for a in source.ancestors(node.code) if a.code in target), None)
    broader = f"; its nearest ancestor present there is {kept.label}" if kept else ""
    took_over = [f"{old} ('precursors')" for old in node.precursors]
    took_over += [f"{old} ('revocations')" for old in node.revocations]
    if source.release > target.release:
        replaced = f"; it replaces {', '.join(took_over)}, not mapped back" if took_over else ""
        return (
            f"{node.label} is new in OncoTree {source.release} and has no counterpart in "
            f"{target.release}{replaced}{broader}"
        )
    return (
        f"{node.label} was retired in OncoTree {target.release} without successor "
        f"(no node lists it in history, precursors or revocations){broader}"
    )


# ---------------------------------------------------------------- disease match


class MatchKind(StrEnum):
    """How a patient's tumour type relates to the tumour type an assertion was made for."""

    EXACT = "exact"
    # The assertion is broader: it covers the patient's tumour type (on-label).
    PATIENT_DESCENDANT = "patient is descendant of assertion"
    # The assertion is narrower than the patient's tumour type: not established for it.
    PATIENT_ANCESTOR = "patient is ancestor of assertion"
    NONE = "none"
    # A code no shipped release knows, no code at all, or a cross-release pair that cannot be
    # decided; never on-label.
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class DiseaseMatch:
    """One relation with the reason shown next to the tier it feeds."""

    kind: MatchKind
    patient_code: str | None
    assertion_code: str | None
    release: Release
    reason: str

    @property
    def on_label(self) -> bool:
        """Exact or via a broader assertion: "this tumour type" in AMP/ASCO/CAP and ESCAT."""
        return self.kind in (MatchKind.EXACT, MatchKind.PATIENT_DESCENDANT)


@lru_cache(maxsize=1 << 14)  # shipped releases never change; a screen asks the same pairs often
def relation(
    patient_code: str | None, assertion_code: str | None, release: Release = DEFAULT_RELEASE
) -> DiseaseMatch:
    """Relate a patient's OncoTree code to an assertion's, in ``release`` when both are there.

    Otherwise in the other shipped release if both are there; otherwise one code is mapped
    forward (``map_code``). A successor absorbs the retired code, so it is at least as broad:
    a mapped assertion never becomes exact or broader than the patient's type, and a mapped
    patient code never becomes an ancestor; those undecidable pairs are ``UNKNOWN``.

    Examples
    --------
    >>> relation("LUAD", "NSCLC").reason
    'LUAD (Lung Adenocarcinoma) is a descendant of NSCLC (Non-Small Cell Lung Cancer) in OncoTree 2021_11_02'
    """
    if not patient_code or not assertion_code:
        missing = "the patient has no tumour type" if not patient_code else "the assertion has none"
        reason = f"{missing}; not guessed, treated as another tumour type"
        return DiseaseMatch(MatchKind.UNKNOWN, patient_code, assertion_code, release, reason)
    order = (release, *(r for r in RELEASES if r != release))
    patient, assertion = patient_code.strip().upper(), assertion_code.strip().upper()
    native = next((r for r in order if patient in load(r) and assertion in load(r)), None)
    if native is not None:
        kind, reason = _relate(load(native), patient, assertion)
        if native != release:
            reason = f"{reason} (not both in {release})"
        return DiseaseMatch(kind, patient_code, assertion_code, native, reason)
    for candidate in order:
        found = _relate_mapped(load(candidate), patient, assertion)
        if found is not None:
            return DiseaseMatch(found[0], patient_code, assertion_code, candidate, found[1])
    reason = _unknown_reason(patient_code, assertion_code)
    return DiseaseMatch(MatchKind.UNKNOWN, patient_code, assertion_code, release, reason)


def _forward(code: str, tree: OncoTree) -> tuple[str | None, str]:
    """``code`` from an older shipped release, mapped into ``tree`` (never backwards)."""
    older = [r for r in RELEASES if r < tree.release and code in load(r)]
    if not older:
        return None, ""
    return map_code(code, older[-1], tree.release)


def _relate_mapped(tree: OncoTree, patient: str, assertion: str) -> tuple[MatchKind, str] | None:
    """One side mapped forward into ``tree``; its successor is at least as broad as it was."""
    patient_in, assertion_in = patient in tree, assertion in tree
    if patient_in == assertion_in:
        return None
    mapped, note = _forward(assertion if patient_in else patient, tree)
    if mapped is None:
        return None
    kind, reason = _relate(tree, *((patient, mapped) if patient_in else (mapped, assertion)))
    # (kind found, mapped side) -> kind that holds for the retired code itself
    adjusted = {
        (MatchKind.EXACT, "assertion"): MatchKind.PATIENT_ANCESTOR,
        (MatchKind.PATIENT_DESCENDANT, "assertion"): MatchKind.UNKNOWN,
        (MatchKind.EXACT, "patient"): MatchKind.PATIENT_DESCENDANT,
        (MatchKind.PATIENT_ANCESTOR, "patient"): MatchKind.UNKNOWN,
    }.get((kind, "assertion" if patient_in else "patient"), kind)
    if adjusted != kind:
        reason = f"{reason}; the retired code covers at most part of its successor, so: {adjusted}"
    return adjusted, f"{note}; {reason}"


def _relate(tree: OncoTree, patient: str, assertion: str) -> tuple[MatchKind, str]:
    p, a = tree.nodes[patient], tree.nodes[assertion]
    where = f"in OncoTree {tree.release}"
    if patient == assertion:
        return MatchKind.EXACT, f"{p.label} is the assertion's tumour type {where}"
    if tree.is_ancestor(assertion, patient):
        return MatchKind.PATIENT_DESCENDANT, f"{p.label} is a descendant of {a.label} {where}"
    if tree.is_ancestor(patient, assertion):
        return (
            MatchKind.PATIENT_ANCESTOR,
            f"{p.label} is an ancestor of {a.label} {where}: the assertion is narrower",
        )
    return MatchKind.NONE, f"{p.label} is not {a.label} nor under it {where}: other tumour type"


def _unknown_reason(patient_code: str, assertion_code: str) -> str:
    known = " or ".join(RELEASES)
    parts = []
    for role, code in (("patient", patient_code), ("assertion", assertion_code)):
        if not any(code.strip().upper() in load(r) for r in RELEASES):
            parts.append(f"{role} code {code!r} is not an OncoTree {known} code")
    return "; ".join(parts) or (
        f"{patient_code} and {assertion_code} cannot be placed in one OncoTree release"
    )


def tumor_type(code: str, *, source: str, locator: str) -> tuple[OncoTreeNode, Release]:
    """Validate a user-given OncoTree code; a located error suggests close codes.

    The default release is tried first, then the newer one (so a 2025 code is accepted too).
    """
    for release in (DEFAULT_RELEASE, *(r for r in RELEASES if r != DEFAULT_RELEASE)):
        found = load(release).get(code)
        if found is not None:
            return found, release
    close = load(DEFAULT_RELEASE).suggest(code) or load(RELEASES[-1]).suggest(code)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    expected = f"an OncoTree code ({' or '.join(RELEASES)}), e.g. LUAD{hint}"
    raise InputError(
        f"{source}: {locator}: {code!r} is not an OncoTree code{hint}",
        [Problem(source, locator, "tumor_type", code, expected)],
    )


# ---------------------------------------------------------------- tumour-agnostic assertions

# Disease names KBs use for tumour-agnostic (histology-independent) approvals, e.g. pembrolizumab
# for MSI-H/dMMR or larotrectinib for NTRK fusions in any solid tumour; they carry no OncoTree code.
TUMOUR_AGNOSTIC = frozenset(
    {
        "any solid tumor",
        "any solid tumour",
        "solid tumor",
        "solid tumors",
        "all solid tumors",
        "advanced solid tumor",
        "advanced solid tumors",
    }
)
HAEMATOLOGICAL_TISSUES = frozenset({"Myeloid", "Lymphoid"})


def agnostic_relation(
    patient_code: str | None, disease_name: str, release: Release = DEFAULT_RELEASE
) -> DiseaseMatch | None:
    """For a tumour-agnostic assertion, whether it covers the patient's tumour; else None."""
    if disease_name.strip().lower() not in TUMOUR_AGNOSTIC:
        return None
    what = f"tumour-agnostic assertion ({disease_name})"
    code = (patient_code or "").strip().upper()
    tree = next((load(r) for r in (release, *RELEASES) if code and code in load(r)), None)
    if tree is None:
        reason = (
            f"{what}; the patient's tumour type {'is unknown to OncoTree' if code else 'is not recorded'}"
            "; not guessed, treated as another tumour type"
        )
        return DiseaseMatch(MatchKind.UNKNOWN, patient_code, None, release, reason)
    node = tree.nodes[code]
    if node.tissue in HAEMATOLOGICAL_TISSUES or node.tissue in (None, "Other"):
        reason = f"{what} does not cover {node.label} (tissue {node.tissue or 'not given'}) in OncoTree {tree.release}"
        return DiseaseMatch(MatchKind.NONE, patient_code, None, tree.release, reason)
    reason = f"{what} covers {node.label}, a solid tumour (tissue {node.tissue}) in OncoTree {tree.release}"
    return DiseaseMatch(MatchKind.PATIENT_DESCENDANT, patient_code, None, tree.release, reason)
