# SPDX-License-Identifier: Apache-2.0
"""VCF import speed and memory: ``oncoboard import`` against bare cyvcf2 on a scaled real file.

The input is the real HCC1395 VEP 105 VCF (1,470 records) scaled to N records: the two plugin
CSQ fields with whole protein sequences (WildtypeProtein, FrameshiftSequence) are dropped, and
each copy is shifted along its chromosome so records stay distinct and sorted.

Run: ``.venv/bin/python -m benchmarks.vcf_import [--records N] [--rss-1m]``
"""

from __future__ import annotations

import argparse
import gzip
import heapq
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import cyvcf2

from oncoboard.ingest.schemas import ImportOptions, ProblemLog, SourceFile
from oncoboard.ingest.vcf.reader import VcfReader

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
SHARED = Path(os.environ.get("ONCOBOARD_SHARED", ROOT.parent / "shared"))
SOURCE = SHARED / "data/interop/vcf/vep/HCC1395.pvacseq_example.vep105.annotated.expression.vcf.gz"
DROPPED = ("WildtypeProtein", "FrameshiftSequence")
MAX_POS = 2**31 - 1  # cyvcf2 exposes POS as a 32-bit integer


def _csq_keep(header_line: str) -> tuple[str, list[int]]:
    head, _, rest = header_line.partition("Format: ")
    names_text, quote, tail = rest.partition('"')
    names = names_text.split("|")
    keep = [i for i, name in enumerate(names) if name not in DROPPED]
    kept = "|".join(names[i] for i in keep)
    return f"{head}Format: {kept}{quote}{tail}", keep


def _trim_record(line: str, keep: list[int]) -> list[str]:
    columns = line.rstrip("\n").split("\t")
    info = columns[7].split(";")
    for index, item in enumerate(info):
        if item.startswith("CSQ="):
            entries = item[4:].split(",")
            trimmed = ("|".join(e.split("|")[i] for i in keep) for e in entries)
            info[index] = "CSQ=" + ",".join(trimmed)
    columns[7] = ";".join(info)
    return columns


def _load() -> tuple[list[str], list[list[str]]]:
    header: list[str] = []
    records: list[list[str]] = []
    keep: list[int] = []
    with gzip.open(SOURCE, "rt", encoding="utf-8") as handle:
        for line in handle:
            if line.startswith("##INFO=<ID=CSQ,"):
                line, keep = _csq_keep(line)
            if line.startswith("#"):
                header.append(line)
            else:
                records.append(_trim_record(line, keep))
    return header, records


def _copy(rows: list[list[str]], offset: int) -> Iterator[tuple[int, int]]:
    """(shifted POS, row index) of one copy; a function, so each copy keeps its own offset
    (a generator expression in a loop would see only the last one)."""
    return ((int(row[1]) + offset, j) for j, row in enumerate(rows))


def _shifted(records: list[list[str]], copies: int) -> Iterator[str]:
    """Every chromosome's records, ``copies`` times, each copy shifted and merged in order."""
    by_chrom: dict[str, list[list[str]]] = {}
    for columns in records:
        by_chrom.setdefault(columns[0], []).append(columns)
    for rows in by_chrom.values():
        top = max(int(r[1]) for r in rows)
        step = (MAX_POS - top) // copies
        streams = [_copy(rows, k * step) for k in range(copies)]
        for pos, j in heapq.merge(*streams):
            row = rows[j]
            yield "\t".join((row[0], str(pos), *row[2:])) + "\n"


def generate(records: int) -> Path:
    """benchmarks/out/hcc1395-distinct-<N>.vcf.gz, made once and reused."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"hcc1395-distinct-{records}.vcf.gz"
    if path.exists():
        return path
    header, rows = _load()
    copies = math.ceil(records / len(rows))
    partial = path.with_suffix(".partial")
    with gzip.open(partial, "wt", encoding="utf-8", compresslevel=1) as out:
        out.writelines(header)
        for written, line in enumerate(_shifted(rows, copies)):
            if written == records:
                break
            out.write(line)
    partial.rename(path)
    return path


Timing = tuple[float, float]  # (wall seconds, CPU seconds)


def bare(path: Path) -> tuple[Timing, int]:
    """The floor: cyvcf2 iteration, every CSQ entry split into its fields."""
    start, cpu = time.perf_counter(), time.process_time()
    count = 0
    for variant in cyvcf2.VCF(str(path)):
        count += 1
        csq = variant.INFO.get("CSQ")
        if csq:
            for entry in csq.split(","):
                entry.split("|")
    return (time.perf_counter() - start, time.process_time() - cpu), count


def reader_only(path: Path) -> tuple[Timing, int]:
    """Our reader in this process, no database: where the time goes when it is not storage."""
    source = SourceFile(path=path, name=path.name, sha256="", size=0)
    start, cpu = time.perf_counter(), time.process_time()
    log = ProblemLog(source=path.name)
    count = sum(1 for _ in VcfReader().read(source, ImportOptions(), log))
    if log.problems:
        raise SystemExit(f"unexpected problems: {log.problems[:3]}")
    return (time.perf_counter() - start, time.process_time() - cpu), count


def _oncoboard() -> list[str]:
    script = Path(sys.executable).with_name("oncoboard")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from oncoboard.cli.main import run; run()"]


def import_run(path: Path) -> tuple[Timing, float]:
    """``oncoboard import FILE`` as a user runs it: (wall, CPU) seconds and peak RSS in MiB.

    CPU counts the VCF reader process too; the RSS is that of the larger of the two processes
    (``wait4`` reports the largest, not their sum: together they hold about twice as much).
    """
    database = OUT / f"{path.stem}.sqlite3"
    for leftover in OUT.glob(f"{database.name}*"):
        leftover.unlink()
    url = f"sqlite:///{database}"
    subprocess.run(
        [*_oncoboard(), "--database-url", url, "db", "upgrade"],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    start = time.perf_counter()
    process = subprocess.Popen(
        [*_oncoboard(), "--database-url", url, "import", str(path)],
        stdout=subprocess.DEVNULL,
    )
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        raise SystemExit(f"oncoboard import failed with exit code {process.returncode}")
    for leftover in OUT.glob(f"{database.name}*"):
        leftover.unlink()
    cpu = usage.ru_utime + usage.ru_stime
    return (elapsed, cpu), usage.ru_maxrss / 1024  # Linux reports KiB


def _cpu() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def measure(records: int) -> str:
    """One markdown row: wall (CPU) seconds of each way, the ratio, and peak RSS."""
    path = generate(records)
    (bare_wall, bare_cpu), count = bare(path)
    (reader_wall, reader_cpu), _ = reader_only(path)
    (import_wall, import_cpu), rss = import_run(path)
    return (
        f"| {count:,} | {bare_wall:.1f} ({bare_cpu:.1f}) | {reader_wall:.1f} ({reader_cpu:.1f}) "
        f"| {import_wall:.1f} ({import_cpu:.1f}) | {import_wall / bare_wall:.2f}× "
        f"({import_cpu / bare_cpu:.2f}×) | {reader_cpu / bare_cpu:.2f}× | {rss:.0f} |"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--rss-1m", action="store_true", help="also import 1,000,000 records")
    args = parser.parse_args(argv)
    if not SOURCE.exists():
        raise SystemExit(f"{SOURCE} not found: ../shared/data must sit beside the checkout")
    sizes = [args.records] + ([1_000_000] if args.rss_1m and args.records != 1_000_000 else [])
    print(f"{date.today()} · {_cpu()} · {os.cpu_count()} CPUs · Python {platform.python_version()}")
    print("Seconds as wall (CPU); SQLite database; import = `oncoboard import` as a subprocess.\n")
    print(
        "| records | bare cyvcf2 + CSQ split | reader, no DB | `oncoboard import` "
        "| import / bare | reader / bare (CPU) | import peak RSS (MiB) |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for size in sizes:
        print(measure(size), flush=True)


if __name__ == "__main__":
    main()
