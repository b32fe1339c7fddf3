"""`smt watch`: the TDSPs' inbound folders, polled. A file is taken once it has stopped
changing (same size and modification time on two polls) and is not a partial upload
(`.part`, hidden). After ingest it moves to the archive, or to quarantine when the file was
rejected as a whole; the result report is in the TDSP's outbound folder either way."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from pathlib import Path

from smt.domain.tdsp import TDSPS, tdsp_by_code
from smt.ingest.pipeline import Ingester, IngestOutcome, inbound_order


class InboundWatcher:
    def __init__(
        self, ingester: Ingester, *, inbound: Path, archive: Path, quarantine: Path
    ) -> None:
        self._ingester = ingester
        self._inbound = inbound
        self._archive = archive
        self._quarantine = quarantine
        self._last_seen: dict[Path, tuple[int, int]] = {}

    def poll(self) -> list[IngestOutcome]:
        """One pass: ingest every file that has settled since the previous pass."""
        ready: list[tuple[str, Path]] = []
        current: dict[Path, tuple[int, int]] = {}
        for tdsp in TDSPS:
            folder = self._inbound / tdsp.code
            if not folder.is_dir():
                continue
            for path in folder.iterdir():
                if (
                    path.is_symlink()
                    or not path.is_file()
                    or path.name.startswith(".")
                    or path.name.endswith((".part", ".tmp"))
                ):
                    continue
                stat = path.stat()
                signature = (stat.st_size, stat.st_mtime_ns)
                current[path] = signature
                if self._last_seen.get(path) == signature:
                    ready.append((tdsp.code, path))
        self._last_seen = current
        outcomes = []
        by_path = {p: code for code, p in ready}
        ordered = inbound_order(by_path)
        uploads = [(path, tdsp_by_code(by_path[path])) for path in ordered]
        for path, outcome in zip(ordered, self._ingester.ingest_many(uploads), strict=True):
            target = self._quarantine if outcome.file_code is not None else self._archive
            destination = target / by_path[path] / path.name
            destination.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, destination)
            self._last_seen.pop(path, None)
            outcomes.append(outcome)
        return outcomes

    def run(
        self,
        interval: float,
        report: Callable[[IngestOutcome], None],
        should_stop: Callable[[], bool] = lambda: False,
    ) -> None:
        while not should_stop():
            for outcome in self.poll():
                report(outcome)
            time.sleep(interval)
