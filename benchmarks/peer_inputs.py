# SPDX-License-Identifier: Apache-2.0
"""The MOAlmanac peer run's samples and the adapters for inputs we have no importer for yet.

Layout and commands: ``../shared/data/kb/moalmanac/peer_run/README.md`` and ``../SOURCE.md``.
MAFs go through our MAF importer (``benchmarks/peer_moalmanac.py``). What follows is the smallest
honest mapping of the other example inputs onto our facts, each as the interpreter reads them
(vanallenlab/moalmanac ``features.py`` and ``config.ini`` at the commit the peer ran):

- ``*.called.cna.txt`` (``gene``/``call``; CRLF): ``Amplification`` → amplification,
  ``Deletion`` → deep deletion; other calls (``Wild type``) are no copy-number change.
- ``*.star.fusions.txt``: the 5' and 3' genes are the ``LeftGene``/``RightGene`` symbols (the part
  before ``^``). The interpreter splits ``#FusionName`` instead and keeps rows with
  ``SpanningFragCount`` ≥ 5 (``[fusion] spanningfrags_min``); we keep the same rows, and a row
  whose name disagrees with its gene columns is skipped and listed (one does: ``EML4--ALK`` over
  ``CD2AP``/``C11orf80``).
- ``*.germline.maf`` has no ``Mutation_Status`` column, so our MAF importer would call its rows
  somatic; they are read with our MAF reader and marked germline, as ``--germline_handle`` says.
- ``--ms_status msih`` → an MSI biomarker "MSI-High".
- TMB: coding somatic mutations (the eight MAF classes the interpreter keeps) per covered base
  (``*.coverage.txt``) × 10⁶, as the interpreter computes it.
- Not mapped: WGD (``--wgd``) and signature contributions (the KB rules for them are not
  evaluated by our engine, which says so), the RNA validation MAF and the segment file (the
  interpreter uses them only for validation columns and, without called CNAs, for calling).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from oncoboard.ingest.maf import read_maf_rows
from oncoboard.ingest.schemas import ImportOptions, ProblemLog, SourceFile
from oncoboard.record.schemas import (
    AnyFact,
    Biomarker,
    CopyNumberChange,
    Fusion,
    Provenance,
    RecordedFact,
    SomaticVariant,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ONCOBOARD_SHARED", ROOT.parent / "shared")) / "data"
PEER_RUN = SHARED_DATA / "kb" / "moalmanac" / "peer_run"
INPUTS = PEER_RUN / "inputs"
ADAPTER = "benchmarks.peer_inputs"
SPANNING_FRAGMENTS_MIN = 5  # moalmanac config.ini [fusion] spanningfrags_min = 5.0
# features.py Features.annotation_map: the MAF classes the interpreter treats as coding
CODING_CLASSES = frozenset({
    "Missense_Mutation", "Nonsense_Mutation", "Nonstop_Mutation", "Splice_Site",
    "Frame_Shift_Ins", "Frame_Shift_Del", "In_Frame_Ins", "In_Frame_Del",
})  # fmt: skip
_CNA_CALLS = {"Amplification": "amplification", "Deletion": "deep_deletion"}


@dataclass(frozen=True)
class PeerSample:
    """One interpreter run: its inputs, tumour type and its ``actionable.txt``."""

    name: str
    tumor_type: str
    genome_build: str
    mafs: tuple[Path, ...]
    actionable: Path
    called_cna: Path | None = None
    fusions: Path | None = None
    germline: Path | None = None
    coverage: Path | None = None
    ms_status: str | None = None


@dataclass
class AdapterFacts:
    variants: tuple[RecordedFact, ...] = ()
    copy_numbers: tuple[RecordedFact, ...] = ()
    fusions: tuple[RecordedFact, ...] = ()
    biomarkers: tuple[RecordedFact, ...] = ()
    skipped: list[str] = field(default_factory=list)


def example() -> PeerSample:
    """The interpreter's example patient (command in ``../SOURCE.md``: SKCM, msih, WGD)."""
    return PeerSample(
        name="example",
        tumor_type="SKCM",
        genome_build="GRCh37",
        mafs=(
            INPUTS / "example_patient.capture.somatic.snvs.maf",
            INPUTS / "example_patient.capture.somatic.indels.maf",
        ),
        actionable=PEER_RUN / "example.actionable.txt",
        called_cna=INPUTS / "example_patient.capture.somatic.called.cna.txt",
        fusions=INPUTS / "example_patient.rna.star.fusions.txt",
        germline=INPUTS / "example_patient.capture.germline.maf",
        coverage=INPUTS / "example_patient.capture.somatic.coverage.txt",
        ms_status="MSI-High",
    )


def cohort() -> list[PeerSample]:
    """The development set; each ``meta.json`` names the files and ``--tumor_type`` used."""
    samples = []
    for folder in sorted(p for p in (PEER_RUN / "cohort").iterdir() if p.is_dir()):
        meta = json.loads((folder / "meta.json").read_text())
        samples.append(
            PeerSample(
                name=meta["sample"],
                tumor_type=meta["tumor_type"],
                genome_build=meta.get("genome", "GRCh37"),
                mafs=tuple(folder / name for name in meta["files"].values()),
                actionable=folder / f"{meta['sample']}.actionable.txt",
            )
        )
    return samples


def peer_samples() -> list[PeerSample]:
    return [example(), *cohort()]


class _Recorder:
    """Wraps adapter facts as recorded facts whose provenance names the adapter and the file."""

    def __init__(self) -> None:
        self.next_id = -1
        self.now = datetime.now(UTC)

    def record(self, fact: AnyFact, path: Path, locator: str) -> RecordedFact:
        self.next_id -= 1
        source = SourceFile.from_path(path)
        provenance = Provenance(
            source_name=source.name,
            source_sha256=source.sha256,
            locator=locator,
            importer=ADAPTER,
            importer_version="1",
            import_id="peer-adapter",
            imported_at=self.now,
        )
        return RecordedFact(fact_id=self.next_id, fact=fact, provenance=provenance)


def adapter_facts(sample: PeerSample) -> AdapterFacts:
    """Facts from the inputs our importers do not read yet (empty for the MAF-only cohort)."""
    found = AdapterFacts()
    recorder = _Recorder()
    if sample.called_cna is not None:
        found.copy_numbers = tuple(
            recorder.record(fact, sample.called_cna, where)
            for fact, where in called_cna(sample.called_cna, sample.genome_build)
        )
    if sample.fusions is not None:
        fusions = list(star_fusions(sample.fusions, sample.genome_build, found.skipped))
        found.fusions = tuple(recorder.record(f, sample.fusions, w) for f, w in fusions)
    if sample.germline is not None:
        found.variants = tuple(
            recorder.record(fact, sample.germline, where)
            for fact, where in germline(sample.germline)
        )
    markers = []
    if sample.ms_status is not None:
        msi = Biomarker(name="MSI", value_text=sample.ms_status)
        markers.append(recorder.record(msi, sample.actionable, "option --ms_status msih"))
    if sample.coverage is not None:
        tmb = Biomarker(name="TMB", value_number=burden(sample), unit="mutations/Mb")
        markers.append(recorder.record(tmb, sample.coverage, "bases covered"))
    found.biomarkers = tuple(markers)
    return found


def _tsv(path: Path, comment: str | None = None) -> Iterator[tuple[int, dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        lines = (line for line in handle if comment is None or not line.startswith(comment * 2))
        reader = csv.DictReader(lines, delimiter="\t")
        for number, row in enumerate(reader, start=2):
            yield number, {k.strip(): (v or "").strip() for k, v in row.items() if k}


def called_cna(path: Path, build: str) -> Iterator[tuple[CopyNumberChange, str]]:
    for number, row in _tsv(path):
        change = _CNA_CALLS.get(row["call"])
        if change is not None:
            yield (
                CopyNumberChange(genome_build=build, gene=row["gene"], change=change),
                f"line {number}",
            )


def star_fusions(path: Path, build: str, skipped: list[str]) -> Iterator[tuple[Fusion, str]]:
    seen: set[tuple[str, str]] = set()
    for number, row in _tsv(path):
        name = row["#FusionName"]
        left, right = row["LeftGene"].split("^")[0], row["RightGene"].split("^")[0]
        if int(row["SpanningFragCount"]) < SPANNING_FRAGMENTS_MIN or (left, right) in seen:
            continue
        if name != f"{left}--{right}":
            skipped.append(f"{path.name} line {number}: {name} names {left}--{right}; skipped")
            continue
        seen.add((left, right))
        yield (
            Fusion(genome_build=build, gene_5p=left, gene_3p=right, description=name),
            f"line {number}",
        )


def germline(path: Path) -> Iterator[tuple[SomaticVariant, str]]:
    log = ProblemLog(source=path.name)
    for parsed in read_maf_rows(path, path.name, ImportOptions(), log, sample_to_patient=None):
        assert isinstance(parsed.fact, SomaticVariant)
        yield parsed.fact.model_copy(update={"origin": "germline"}), parsed.locator
    if log:
        raise ValueError(f"{path.name}: {log.problems}")


def burden(sample: PeerSample) -> float:
    assert sample.coverage is not None
    bases = float(sample.coverage.read_text().split()[0])
    mutations = sum(
        1
        for maf in sample.mafs
        for _, row in _tsv(maf)
        if row.get("Variant_Classification") in CODING_CLASSES
    )
    return round(mutations / bases * 1e6, 3)
