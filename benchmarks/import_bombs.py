# SPDX-License-Identifier: Apache-2.0
"""Import bombs: peak memory (RSS) and time of validating each bomb, before and after #16.

Each case runs ``service.validate_source`` in a fresh process that prints its own peak RSS
(``VmHWM`` of ``/proc/self/status``). "Before" runs the same call on the code of the commit given with ``--before``
(its ``src/`` unpacked to a temporary folder with ``git archive``), under a 3 GiB address-space
limit so a bomb cannot take the shared machine down: "MemoryError at 3 GiB" means it wanted
more. Cases: the issue's one-line bomb (1.5 MB gzip → 1.5 GB, one line), a VCF record repeated
2.4 million times (≈5 MB gzip), and a FHIR JSON document inflating to 1 GiB.

    .venv/bin/python -m benchmarks.import_bombs [--before 868566d]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

OUT = Path(__file__).parent / "out"
VCF_HEAD = (
    "##fileformat=VCFv4.2\n##reference=GRCh38\n##contig=<ID=chr7>\n"
    '##INFO=<ID=CSQ,Number=.,Type=String,Description="Consequence annotations from Ensembl '
    'VEP. Format: Allele|Consequence|SYMBOL">\n'
    "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
)
RECORD = "chr7\t140753336\t.\tA\tT\t50\tPASS\tCSQ=T|missense_variant|BRAF\n"
LIMIT = 3 << 30

CHILD = """
import json, sys, time
from pathlib import Path
from oncoboard.ingest import service
from oncoboard.ingest.schemas import ImportOptions, SourceFile
started = time.perf_counter()
try:
    report, log = service.validate_source(
        source=SourceFile.from_path(Path(sys.argv[1])),
        options=ImportOptions(patient="PT-1", genome_build="GRCh38"))
    facts = sum(report.fact_counts.values())
    if log.problems:
        first = log.problems[0]
        outcome = (f"refused: {len(log.problems)} problems, first {first.locator}: "
                   f"{first.expected[:40]}")
    else:
        outcome = f"accepted: {facts:,} facts"
except MemoryError:
    outcome = "MemoryError at 3 GiB"
except Exception as error:
    outcome = type(error).__name__ + ": " + str(error).splitlines()[0][:90]
# VmHWM: this process's own peak RSS (ru_maxrss also counts the parent it was forked from)
peak_kib = int(open("/proc/self/status").read().split("VmHWM:")[1].split()[0])
print(json.dumps({"outcome": outcome, "seconds": time.perf_counter() - started,
                  "peak_mib": peak_kib / 1024}))
"""


def one_line(path: Path, mib: int = 1500) -> Path:
    block = gzip.compress(b"A" * (1 << 20), compresslevel=9)
    with path.open("wb") as out:
        out.write(gzip.compress((VCF_HEAD + "chr7\t1\t.\tA\tT\t.\tPASS\t").encode()))
        for _ in range(mib):
            out.write(block)
    return path


def repeated(path: Path, copies: int = 2_400_000) -> Path:
    stream = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with path.open("wb") as out:
        out.write(stream.compress(VCF_HEAD.encode()))
        for _ in range(copies // 10_000):
            out.write(stream.compress((RECORD * 10_000).encode()))
        out.write(stream.flush())
    return path


def json_document(path: Path, mib: int = 1024) -> Path:
    """A FHIR Bundle whose one Basic resource carries a 1 GiB string (one JSON document)."""
    head = b'{"resourceType":"Bundle","type":"collection","entry":[{"resource":' \
           b'{"resourceType":"Basic","id":"b","code":{"text":"'  # fmt: skip
    stream = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    with path.open("wb") as out:
        out.write(stream.compress(head))
        block = b"x" * (1 << 20)
        for _ in range(mib):
            out.write(stream.compress(block))
        out.write(stream.compress(b'"}}}]}'))
        out.write(stream.flush())
    return path


def measure(path: Path, src: Path | None) -> dict[str, object]:
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src)

    def limit() -> None:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))

    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", CHILD, str(path)],
        capture_output=True, text=True, env=env, preexec_fn=limit, check=False,
    )  # fmt: skip
    if result.returncode != 0 or not result.stdout.strip():
        tail = (result.stderr.strip().splitlines() or ["?"])[-1][:90]
        return {"outcome": f"crashed: {tail}", "seconds": time.perf_counter() - started,
                "peak_mib": float("nan")}  # fmt: skip
    data: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return data


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", help="commit to measure as the baseline (e.g. 868566d)")
    parser.add_argument("--only", help="run the cases whose name contains this text")
    args = parser.parse_args()
    OUT.mkdir(exist_ok=True)
    cases = {
        "one line, 1.5 GB inflated (1.5 MB gzip)": one_line(OUT / "bomb-one-line.vcf.gz"),
        "one VCF record × 2.4 million (gzip)": repeated(OUT / "bomb-repeated.vcf.gz"),
        "FHIR JSON document, 1 GiB inflated": json_document(OUT / "bomb-document.json.gz"),
    }
    with tempfile.TemporaryDirectory() as folder:
        base = None
        if args.before:
            root = Path(__file__).resolve().parents[1]
            archive = subprocess.run(
                ["git", "-C", str(root), "archive", args.before, "src"],
                capture_output=True,
                check=True,
            ).stdout
            subprocess.run(["tar", "-x", "-C", folder], input=archive, check=True)
            base = Path(folder) / "src"
        print("| case | file | code | outcome | seconds | peak RSS (MiB) |")
        print("|---|---:|---|---|---:|---:|")
        for name, path in cases.items():
            if args.only and args.only not in name:
                continue
            size = f"{path.stat().st_size / 1e6:.1f} MB"
            for label, src in (("before", base), ("after", None)):
                if label == "before" and base is None:
                    continue
                found = measure(path, src)
                print(
                    f"| {name} | {size} | {label} | {found['outcome']} | "
                    f"{float(found['seconds']):.1f} | {float(found['peak_mib']):.0f} |",  # type: ignore[arg-type]
                    flush=True,
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
