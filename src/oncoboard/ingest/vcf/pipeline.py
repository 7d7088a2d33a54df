# SPDX-License-Identifier: Apache-2.0
"""Read a large VCF in a child process while this one writes: two cores instead of one.

Reading (htslib, CSQ matching, pydantic, serialising the payload) and writing (rows, raw
blocks, the database) each take seconds on a 100k-record file; one after the other in one
process they use one core (``benchmarks/vcf_import.py``). Here a forked child reads and sends
:class:`Prepared` rows in batches through a pipe; the parent only writes, inside the caller's
transaction. The pipe holds a few batches at most, so memory stays flat in file size. The
records' raw lines are read by the parent too (``reader._with_lines``), not sent through here.

The child sends its problems with each batch and its notes at the end, so the caller's
:class:`ProblemLog` ends up as an in-process read leaves it. A child that dies or fails is an
error here, never a short file: the import raises and the caller rolls everything back.
"""

from __future__ import annotations

import fcntl
import gc
import multiprocessing
import os
import threading
import traceback
from collections.abc import Callable, Iterator
from multiprocessing.connection import Connection

from oncoboard.errors import InputError
from oncoboard.ingest.schemas import ImportOptions, ParsedFact, ProblemLog, SourceFile
from oncoboard.ingest.writer import Prepared, prepare

# Files this large (~5,000 records of a compressed VEP VCF, ~700 bytes each) are read in a
# child; below it, forking costs more than the second core saves.
PIPELINE_BYTES = 4 << 20
_STOP_SECONDS = 10
_BATCH = 500  # rows per message: ~1 MB of text, a few hundred pickling calls per 100k rows

Read = Callable[[SourceFile, ImportOptions, ProblemLog], Iterator[ParsedFact]]


def wanted(source: SourceFile) -> bool:
    """Pipe large files when there is a second core to read on, and only from a single-threaded
    process (the CLI): forking a threaded one (the web server) can copy a lock some other thread
    holds, so uploads through the API are read in-process."""
    size = source.size or _size(source)
    return (
        size >= PIPELINE_BYTES
        and len(os.sched_getaffinity(0)) >= 2
        and threading.active_count() == 1
    )


def piped(
    read: Read, source: SourceFile, options: ImportOptions, log: ProblemLog
) -> Iterator[Prepared]:
    """The rows ``read`` yields, prepared in a child process; problems and notes land in ``log``."""
    try:
        context = multiprocessing.get_context("fork")
    except ValueError as error:  # no fork on this platform: say so rather than read twice
        raise RuntimeError(
            f"{source.name}: cannot start the VCF reader process ({error})"
        ) from error
    receiver, sender = context.Pipe(duplex=False)
    _widen(sender)
    process = context.Process(
        target=_child, args=(read, source, options, receiver, sender), name="oncoboard-vcf-reader"
    )
    process.start()
    sender.close()  # the child holds the only writing end: its exit ends the stream
    try:
        while True:
            try:
                message = receiver.recv()
            except EOFError:
                process.join()
                raise RuntimeError(
                    f"{source.name}: the VCF reader process ended before the end of the file "
                    f"(exit code {process.exitcode}); nothing was imported"
                ) from None
            tag = message[0]
            if tag == "rows":
                log.problems.extend(message[2])
                yield from message[1]
            elif tag == "done":
                log.notes.extend(message[1])
                return
            elif tag == "input":
                raise message[1](message[2], message[3])
            else:
                raise RuntimeError(f"{source.name}: the VCF reader process failed:\n{message[1]}")
    finally:
        # Closing our end stops a child still reading (its next send fails, so it unwinds and
        # removes any sanitised copy); one that does not stop in time is killed.
        receiver.close()
        process.join(_STOP_SECONDS)
        if process.is_alive():
            process.kill()
            process.join()


def _child(
    read: Read, source: SourceFile, options: ImportOptions, receiver: Connection, sender: Connection
) -> None:
    """Read the file and send prepared rows, each batch with the problems found meanwhile."""
    receiver.close()  # else the pipe keeps a reader after the parent stops listening
    gc.freeze()  # the parent's objects: never collected here, so never scanned (copy-on-write)
    log = ProblemLog(source=source.name)
    try:
        batch: list[Prepared] = []
        sent = 0
        for parsed in read(source, options, log):
            batch.append(prepare(parsed))
            if len(batch) >= _BATCH:
                sent = _send(sender, batch, log, sent)
                batch = []
        _send(sender, batch, log, sent)
        sender.send(("done", log.notes))
    except InputError as error:  # raised as itself in the parent: same type, message, problems
        _last_word(sender, ("input", type(error), error.args[0], error.problems))
    except BaseException:  # any failure must reach the parent, not just end the child
        _last_word(sender, ("failed", traceback.format_exc()))
    finally:
        sender.close()


def _send(sender: Connection, batch: list[Prepared], log: ProblemLog, sent: int) -> int:
    problems = log.problems[sent:]
    if batch or problems:
        sender.send(("rows", batch, problems))
    return len(log.problems)


def _last_word(sender: Connection, message: tuple[object, ...]) -> None:
    try:
        sender.send(message)
    except OSError:  # the parent is gone or stopped listening: nobody to tell
        return


def _widen(connection: Connection) -> None:
    """A 1 MiB pipe instead of 64 KiB: a batch crosses in a few writes, not dozens of turns."""
    option = getattr(fcntl, "F_SETPIPE_SZ", None)  # Linux only
    if option is None:
        return
    try:
        fcntl.fcntl(connection.fileno(), option, 1 << 20)
    except OSError:  # above /proc/sys/fs/pipe-max-size: the default size works too
        return


def _size(source: SourceFile) -> int:
    try:
        return source.path.stat().st_size
    except OSError:
        return 0
