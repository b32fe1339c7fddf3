"""Parsing the interval files of a run on the second core, ahead of the file being persisted.

Persisting must stay in the process that holds each file's transaction; parsing and validating
text need not. When a run holds enough interval data, one worker process parses its interval
files in the order they will be persisted and streams each file's validated batches through a
bounded queue: while the hub writes file N, the worker is already reading file N + 1. The queue
bound keeps memory flat on both sides, whatever the size of the files.
"""

from __future__ import annotations

import multiprocessing
import queue
import traceback
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from smt.domain.tdsp import tdsp_by_code
from smt.ingest.codes import Code
from smt.ingest.faults import FileFault, Rejection
from smt.ingest.inbound import read_lines
from smt.ingest.lse_records import LseReading, parse_lse

Batch = list[LseReading | Rejection]
QUEUED_BATCHES = 8


@dataclass(frozen=True, slots=True)
class ParseJob:
    index: int
    path: str
    tdsp_code: str
    now: datetime
    max_records: int
    batch_records: int
    max_line_bytes: int


class ParseAhead:
    """Started as early as possible (a new interpreter takes a moment to import), then given
    its jobs once the run knows which files need parsing."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")
        self._jobs: Any = context.Queue()
        self._queue: Any = context.Queue(maxsize=QUEUED_BATCHES)
        self._process = context.Process(
            target=_work, args=(self._jobs, self._queue), daemon=True, name="smt-parse-ahead"
        )
        self._process.start()
        self._held: tuple[str, int, Any] | None = None
        self.peak_rss_mb = 0.0

    def submit(self, jobs: Sequence[ParseJob]) -> None:
        self._jobs.put(list(jobs))

    def batches(self, index: int) -> Iterator[Batch]:
        """The batches of job `index`; jobs must be asked for in increasing order."""
        while True:
            kind, at, payload = self._next()
            if at < index:
                continue  # the rest of a file the hub stopped reading
            if at > index:
                self._held = (kind, at, payload)
                return
            if kind == "batch":
                yield payload
            elif kind == "done":
                return
            elif kind == "fault":
                code, message, line = payload
                raise FileFault(Code(code), message, line)
            else:
                raise RuntimeError(f"parsing on the second core failed:\n{payload}")

    def _next(self) -> tuple[str, int, Any]:
        if self._held is not None:
            held, self._held = self._held, None
            return held
        while True:
            try:
                message: tuple[str, int, Any] = self._queue.get(timeout=1.0)
            except queue.Empty:
                if not self._process.is_alive():
                    raise RuntimeError("the parse worker stopped unexpectedly") from None
                continue
            if message[0] == "stats":
                self.peak_rss_mb = float(message[2])
                continue
            return message

    def close(self) -> None:
        """Stop the worker at once, whatever it still had to do. If it had finished, its last
        word was its peak memory: keep that."""
        self._process.join(timeout=0.2)
        if not self._process.is_alive():
            try:
                while True:
                    message = self._queue.get_nowait()
                    if message[0] == "stats":
                        self.peak_rss_mb = float(message[2])
            except (queue.Empty, OSError, EOFError, ValueError):
                pass
        self._process.terminate()
        self._process.join(timeout=5)
        for channel in (self._queue, self._jobs):
            channel.close()
            channel.cancel_join_thread()


def _work(inbox: Any, out: Any) -> None:
    jobs: list[ParseJob] = inbox.get()
    for job in jobs:
        try:
            with Path(job.path).open("rb") as stream:
                lines = read_lines(stream, job.max_line_bytes)
                for batch in parse_lse(
                    lines,
                    tdsp=tdsp_by_code(job.tdsp_code),
                    now=job.now,
                    max_records=job.max_records,
                    batch_records=job.batch_records,
                ):
                    for item in batch:
                        if isinstance(item, LseReading):
                            item.values_text = ""  # decoded into `packed`: not worth shipping
                    out.put(("batch", job.index, batch))
            out.put(("done", job.index, None))
        except FileFault as fault:
            out.put(("fault", job.index, (fault.code.value, fault.message, fault.line)))
        except Exception:  # noqa: BLE001 - the hub raises it for this file
            out.put(("error", job.index, traceback.format_exc()))
    out.put(("stats", -1, _peak_rss_mb()))


def _peak_rss_mb() -> float:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0
