# SPDX-License-Identifier: Apache-2.0
"""VEP CSQ, SnpEff ANN and legacy EFF: fields named by the header, entries matched to ALT alleles.

Field positions change with the VEP version, options and plugins (interop-notes §3.2 item 3), so
every position is looked up by name in the header's format string, once per file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from operator import itemgetter
from urllib.parse import unquote

from oncoboard.errors import InputError
from oncoboard.record.genomics import ProteinChange

# Preferred source when a file carries several (gemini's test5 has both EFF and CSQ).
ANNOTATION_KEYS = ("CSQ", "ANN", "EFF")
_LABELS = {"CSQ": "VEP CSQ", "ANN": "SnpEff ANN", "EFF": "SnpEff EFF"}

# Role -> header field names (lower case) across VEP 76-105, SnpEff ANN and SnpEff 3/4 EFF.
_ROLES: dict[str, tuple[str, ...]] = {
    "allele": ("allele",),
    "allele_num": ("allele_num",),
    "consequence": ("consequence", "annotation", "effect"),
    "gene": ("symbol", "gene_name"),
    "transcript": ("feature", "feature_id", "transcript_id", "transcript"),
    "hgvs_c": ("hgvsc", "hgvs.c"),
    "hgvs_p": ("hgvsp", "hgvs.p"),
    "aa_change": ("amino_acid_change",),
    "pick": ("pick",),
    "mane": ("mane_select",),
    "canonical": ("canonical",),
    "genotype": ("genotype_number",),
    # VEP's EXON is "19/28" (exon of the transcript); SnpEff's rank mixes exons and introns
    "exon": ("exon",),
}
COMPACT_KEYS = ("transcript", "gene", "consequence", "hgvs_c", "hgvs_p")
Blocks = list[list[str]]


def _text(value: str) -> str | None:
    """Empty means absent; VEP percent-encodes ',;=' and friends inside values (``%3D``)."""
    if not value:
        return None
    return unquote(value) if "%" in value else value


def _strip_reference(value: str | None) -> str | None:
    """``ENST00000426406.4:c.29dup`` -> ``c.29dup`` for display."""
    if value is None:
        return None
    return value.partition(":")[2] or value


@lru_cache(maxsize=4096)
def protein_short(raw: str) -> str | None:
    """Canonical short p. form, or None when the text is not a protein change (``p.=``, ``?``)."""
    try:
        return ProteinChange.parse(raw).short
    except InputError:
        return None


@dataclass(frozen=True)
class Described:
    """One annotation entry in display form."""

    gene: str | None
    transcript: str | None
    consequence: str | None
    hgvs_c: str | None
    hgvs_p_raw: str | None
    exon: int | None = None

    @property
    def hgvs_p(self) -> str | None:
        return protein_short(self.hgvs_p_raw) if self.hgvs_p_raw else None

    def compact(self) -> dict[str, str]:
        values = (self.transcript, self.gene, self.consequence, self.hgvs_c, self.hgvs_p_shown)
        return {k: v for k, v in zip(COMPACT_KEYS, values, strict=True) if v}

    @property
    def hgvs_p_shown(self) -> str | None:
        return self.hgvs_p or _strip_reference(self.hgvs_p_raw)


@dataclass(frozen=True)
class AnnotationFormat:
    """The sub-fields of one INFO annotation, as its header declares them."""

    key: str
    fields: tuple[str, ...]
    minimum: int
    index: dict[str, int]
    compact_positions: tuple[int, ...] = field(init=False, default=())
    # Sub-fields split off each entry: those up to the last one a role reads; the rest of the
    # entry stays one string (VEP 105 writes ~80 per entry, we read ~12 of the first 27).
    split_limit: int = field(init=False, default=-1)

    def __post_init__(self) -> None:
        positions = tuple(self.index.get(k, -1) for k in COMPACT_KEYS)
        object.__setattr__(self, "compact_positions", positions)
        if self.key != "EFF" and self.index:
            object.__setattr__(self, "split_limit", max(self.index.values()) + 1)

    @classmethod
    def from_description(cls, key: str, description: str) -> AnnotationFormat:
        """Split on ``Format:`` (VEP 76 and 105 word it differently) or ANN's ``:``, then ``|``."""
        text = description.strip().strip('"')
        if "Format:" in text:
            body = text.split("Format:", 1)[1]
        elif key == "ANN" and ":" in text:
            body = text.split(":", 1)[1]
        else:
            raise InputError(
                f"INFO/{key} header declares no 'Format: …|…' field list: {text[:80]!r}"
            )
        body = body.strip().strip("'\"").strip()
        optional: list[str] = []
        if key == "EFF":
            name, _, inner = body.partition("(")
            required_text, _, optional_text = inner.rstrip(" )").partition("[")
            required = [name.strip(), *_names(required_text)]
            optional = _names(optional_text.rstrip("] "))
        else:
            required = _names(body)
        fields = tuple(required + optional)
        lowered = [f.lower() for f in fields]
        found = {role: _first(lowered, names) for role, names in _ROLES.items()}
        return cls(
            key=key,
            fields=fields,
            minimum=len(required),
            index={role: i for role, i in found.items() if i is not None},
        )

    @property
    def label(self) -> str:
        return _LABELS[self.key]

    @property
    def width(self) -> int:
        return len(self.fields)

    def split(self, value: str) -> Blocks:
        """Entries are ``,``-separated; sub-fields ``|``-separated (EFF: ``EFFECT(a|b|…)``).

        CSQ/ANN entries are split up to the last sub-field read; the rest stays in one last
        string that :meth:`bad_width` still counts, so no entry escapes the width check."""
        if self.key == "EFF":
            blocks = []
            for entry in value.split(","):
                name, _, inner = entry.partition("(")
                blocks.append([name, *inner.rstrip(")").split("|")])
            return blocks
        limit = self.split_limit
        return [entry.split("|", limit) for entry in value.split(",")]

    def bad_width(self, blocks: Blocks) -> int | None:
        """The sub-field count of the first entry that disagrees with the header, if any."""
        width, minimum, rest = self.width, self.minimum, self.split_limit
        for block in blocks:
            size = len(block)
            if size > rest >= 0:  # split up to the limit: the last string holds the rest
                size += block[rest].count("|")
            if size != width and not (minimum <= size <= width):
                return size
        return None

    def describe(self, block: list[str]) -> Described:
        index = self.index
        consequence = _text(block[index["consequence"]]) if "consequence" in index else None
        hgvs_c = _text(block[index["hgvs_c"]]) if "hgvs_c" in index else None
        hgvs_p = _text(block[index["hgvs_p"]]) if "hgvs_p" in index else None
        if hgvs_p is None and "aa_change" in index and index["aa_change"] < len(block):
            hgvs_p, hgvs_c = _eff_change(block[index["aa_change"]], hgvs_c)
        return Described(
            gene=_text(block[index["gene"]]) if "gene" in index else None,
            transcript=_text(block[index["transcript"]]) if "transcript" in index else None,
            consequence=consequence.replace("&", ",") if consequence else None,
            hgvs_c=_strip_reference(hgvs_c),
            hgvs_p_raw=hgvs_p,
            exon=_exon(block[index["exon"]])
            if "exon" in index and index["exon"] < len(block)
            else None,
        )

    def compacts(self, blocks: Blocks, chosen: list[str]) -> tuple[dict[str, str], ...]:
        """Every entry but the chosen one, kept small; this runs ~8 times per record, so the
        five sub-fields come out in one ``itemgetter`` call (an absent role reads ``""``)."""
        if self.key == "EFF":
            return tuple(self.describe(b).compact() for b in blocks if b is not chosen)
        picks = [p for p in self.compact_positions if p >= 0]
        if len(picks) != len(COMPACT_KEYS):
            return tuple(self.compact(b) for b in blocks if b is not chosen)
        get = itemgetter(*picks)
        out = []
        for block in blocks:
            if block is not chosen:
                out.append(_compact_values(*get(block)))
        return tuple(out)

    def compact(self, block: list[str]) -> dict[str, str]:
        """Another entry, kept small (a format that lacks a role simply has no such key)."""
        if self.key == "EFF":
            return self.describe(block).compact()
        values = [block[p] if p >= 0 else "" for p in self.compact_positions]
        return _compact_values(*values)

    def choose(self, blocks: Blocks) -> tuple[list[str], str]:
        """Transcript policy: PICK > MANE_SELECT > CANONICAL > first listed."""
        index = self.index
        for role, wanted, rule in (
            ("pick", "1", "PICK"),
            ("mane", None, "MANE_SELECT"),
            ("canonical", "YES", "CANONICAL"),
        ):
            position = index.get(role)
            if position is None:
                continue
            for block in blocks:
                value = block[position]
                if value and (wanted is None or value == wanted):
                    return block, f"{self.label} {rule}"
        return blocks[0], f"{self.label} first listed"

    def assign(self, blocks: Blocks, ref: str, alts: list[str]) -> tuple[dict[int, Blocks], int]:
        """Group entries by the ALT they annotate; count the entries that match none."""
        allele = self.index.get("allele")
        if len(alts) == 1 and allele is not None and "allele_num" not in self.index:
            key = alts[0] if self.key != "CSQ" else vep_alleles(ref, alts)[0]
            if all(block[allele] == key for block in blocks):
                return {0: blocks}, 0  # the common case: one ALT, every entry names it
        keys = self._allele_keys(ref, alts)
        position = self.index.get("allele_num", self.index.get("genotype"))
        primary: dict[int, Blocks] = {}
        secondary: dict[int, Blocks] = {}
        unmatched = 0
        for block in blocks:
            target, derived = _target(block, position, allele, keys, len(alts))
            if target is None:
                unmatched += 1
            else:
                (secondary if derived else primary).setdefault(target, []).append(block)
        for target, extra in secondary.items():
            primary.setdefault(target, []).extend(extra)
        return primary, unmatched

    def _allele_keys(self, ref: str, alts: list[str]) -> dict[str, int]:
        schemes = [vep_alleles(ref, alts), minimal_alleles(ref, alts), alts]
        if self.key != "CSQ":
            schemes = [alts, vep_alleles(ref, alts), minimal_alleles(ref, alts)]
        keys: dict[str, int] = {}
        for scheme in schemes:
            for number, key in enumerate(scheme):
                keys.setdefault(key, number)
        return keys


def _compact_values(
    transcript: str, gene: str, consequence: str, hgvs_c: str, hgvs_p: str
) -> dict[str, str]:
    """The compact form of one entry's sub-fields: empty ones left out, display forms."""
    out: dict[str, str] = {}
    if transcript:
        out["transcript"] = transcript
    if gene:
        out["gene"] = gene
    if consequence:
        out["consequence"] = consequence.replace("&", ",")
    if hgvs_c:
        hgvs_c = unquote(hgvs_c) if "%" in hgvs_c else hgvs_c
        out["hgvs_c"] = hgvs_c.partition(":")[2] or hgvs_c
    if hgvs_p:
        hgvs_p = unquote(hgvs_p) if "%" in hgvs_p else hgvs_p
        out["hgvs_p"] = protein_short(hgvs_p) or hgvs_p.partition(":")[2] or hgvs_p
    return out


def _names(text: str) -> list[str]:
    return [name.strip() for name in text.split("|") if name.strip()]


def _first(lowered: list[str], names: tuple[str, ...]) -> int | None:
    for name in names:
        if name in lowered:
            return lowered.index(name)
    return None


def _target(
    block: list[str],
    position: int | None,
    allele: int | None,
    keys: dict[str, int],
    count: int,
) -> tuple[int | None, bool]:
    """(ALT index, derived) for one entry: ALLELE_NUM first, then the allele text, else the only ALT."""
    if position is not None and position < len(block) and block[position].isdigit():
        number = int(block[position]) - 1
        return (number if 0 <= number < count else None), False
    if allele is not None:
        text = block[allele]
        if text in keys:
            return keys[text], False
        # SnpEff -cancer writes "G-C": somatic allele G relative to germline allele C.
        head, dash, _ = text.partition("-")
        if dash and head in keys:
            return keys[head], True
        return None, False
    return (0 if count == 1 else None), False


def vep_alleles(ref: str, alts: list[str]) -> list[str]:
    """VEP's VCF rule: when any allele is an indel and all share the first base, drop it ('-' if empty)."""
    first = ref[:1]
    if any(len(alt) != len(ref) for alt in alts) and all(alt[:1] == first for alt in alts):
        return [alt[1:] or "-" for alt in alts]
    return list(alts)


def minimal_alleles(ref: str, alts: list[str]) -> list[str]:
    """Each ALT trimmed against REF from both ends (VEP ``--minimal``), '-' if nothing is left."""
    keys = []
    for alt in alts:
        start = 0
        while start < min(len(ref), len(alt)) and ref[start] == alt[start]:
            start += 1
        end = 0
        while end < min(len(ref), len(alt)) - start and ref[-1 - end] == alt[-1 - end]:
            end += 1
        keys.append(alt[start : len(alt) - end] or "-")
    return keys


def _eff_change(value: str, hgvs_c: str | None) -> tuple[str | None, str | None]:
    """EFF's Amino_Acid_Change: ``S67P`` (SnpEff 3) or ``p.Ser67Pro/c.199T>C`` (SnpEff 4)."""
    text = _text(value)
    if text is None:
        return None, hgvs_c
    protein, _, coding = text.partition("/")
    # Intergenic EFF entries carry text such as "n.null_nulldelAAGG" here: not a protein change.
    protein_change = protein if protein.startswith("p.") or protein_short(protein) else None
    return protein_change, hgvs_c or (coding if coding.startswith("c.") else None)


def _exon(text: str) -> int | None:
    """``19/28`` → 19; a range (``2-3/10``) or an empty value is not one exon."""
    head = text.split("/")[0]
    return int(head) if head.isdigit() and int(head) > 0 else None
