"""Mailbox storage implementations: local disk (the default, shareable over a network file
system by several file servers) and a faithful in-memory fake for tests of the services.

On disk every access walks from the root by directory descriptors opened with O_NOFOLLOW, so a
symbolic link planted anywhere in a mailbox, as a folder or as a file, is neither listed, read,
written through nor deleted: the link is simply not a file. A file being written is a hidden
`.<name>.<random>.part` beside its final name until it is renamed into place."""

from __future__ import annotations

import io
import os
import secrets
import shutil
import stat
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from smt.files.mailbox import Entry, Location, check_box, check_folder, check_name

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC
PARTIAL_SUFFIX = ".part"


def _entry(name: str, st: os.stat_result) -> Entry:
    return Entry(name, st.st_size, datetime.fromtimestamp(st.st_mtime, UTC))


class DiskMailboxes:
    def __init__(self, root: Path) -> None:
        self.root = root

    # --- descriptors -------------------------------------------------------------------------

    @contextmanager
    def _folder_fd(self, box: str, folder: str, *, create: bool = False) -> Iterator[int]:
        check_box(box)
        check_folder(folder)
        if create:
            self.root.mkdir(parents=True, exist_ok=True)
        root = os.open(self.root, _DIR_FLAGS)
        fds = [root]
        try:
            parent = root
            for part in (box, folder):
                if create:
                    with suppress(FileExistsError):
                        os.mkdir(part, 0o750, dir_fd=parent)
                fd = os.open(part, _DIR_FLAGS, dir_fd=parent)
                fds.append(fd)
                parent = fd
            yield parent
        finally:
            for fd in reversed(fds):
                os.close(fd)

    @staticmethod
    def _regular(fd: int, name: str) -> os.stat_result | None:
        try:
            st = os.stat(name, dir_fd=fd, follow_symlinks=False)
        except FileNotFoundError:
            return None
        return st if stat.S_ISREG(st.st_mode) else None

    # --- the port ----------------------------------------------------------------------------

    def ensure_folder(self, box: str, folder: str) -> None:
        with self._folder_fd(box, folder, create=True):
            pass

    def boxes(self) -> list[str]:
        if not self.root.is_dir():
            return []
        found = []
        for entry in os.scandir(self.root):
            if entry.is_dir(follow_symlinks=False):
                try:
                    found.append(check_box(entry.name))
                except ValueError:
                    continue
        return sorted(found)

    def folders(self, box: str) -> list[str]:
        check_box(box)
        try:
            root = os.open(self.root, _DIR_FLAGS)
            try:
                box_fd = os.open(box, _DIR_FLAGS, dir_fd=root)
            finally:
                os.close(root)
        except OSError:  # absent, or a symbolic link (ELOOP)
            return []
        names = []
        try:
            with os.scandir(box_fd) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        try:
                            names.append(check_folder(entry.name))
                        except ValueError:
                            continue
        finally:
            os.close(box_fd)
        return sorted(names)

    def listing(self, box: str, folder: str) -> list[Entry]:
        try:
            with self._folder_fd(box, folder) as fd, os.scandir(fd) as entries:
                found = []
                for entry in entries:
                    if entry.name.startswith(".") or not entry.is_file(follow_symlinks=False):
                        continue
                    try:
                        check_name(entry.name)
                    except ValueError:
                        continue
                    found.append(_entry(entry.name, entry.stat(follow_symlinks=False)))
                return sorted(found, key=lambda e: e.name)
        except (FileNotFoundError, NotADirectoryError):
            return []
        except OSError:  # ELOOP: the folder is a symbolic link
            return []

    def stat(self, location: Location) -> Entry | None:
        try:
            with self._folder_fd(location.box, location.folder) as fd:
                st = self._regular(fd, location.name)
        except OSError:
            return None
        return _entry(location.name, st) if st else None

    def open_read(self, location: Location) -> BinaryIO:
        try:
            with self._folder_fd(location.box, location.folder) as fd:
                file_fd = os.open(
                    location.name, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC, dir_fd=fd
                )
        except OSError:
            raise FileNotFoundError("no such file") from None
        if not stat.S_ISREG(os.fstat(file_fd).st_mode):
            os.close(file_fd)
            raise FileNotFoundError("no such file")
        return os.fdopen(file_fd, "rb")

    def upload(self, location: Location) -> _DiskUpload:
        return _DiskUpload(self, location)

    def put(self, location: Location, source: Path) -> None:
        upload = self.upload(location)
        try:
            with source.open("rb") as data:
                shutil.copyfileobj(data, upload, 1 << 20)
            upload.commit()
        except BaseException:
            upload.abort()
            raise
        source.unlink()

    def delete(self, location: Location) -> bool:
        try:
            with self._folder_fd(location.box, location.folder) as fd:
                if self._regular(fd, location.name) is None:
                    return False
                os.unlink(location.name, dir_fd=fd)
                return True
        except OSError:
            return False

    def local_path(self, location: Location) -> Path | None:
        try:
            with self._folder_fd(location.box, location.folder) as fd:
                if self._regular(fd, location.name) is None:
                    return None
        except OSError:
            return None
        return self.root / location.box / location.folder / location.name

    @contextmanager
    def local_copy(self, location: Location) -> Iterator[Path]:
        path = self.local_path(location)
        if path is None:
            raise FileNotFoundError("no such file")
        yield path

    def purge_partial(self, box: str, folder: str, older_than: datetime) -> int:
        removed = 0
        try:
            with self._folder_fd(box, folder) as fd, os.scandir(fd) as entries:
                for entry in entries:
                    if not (entry.name.startswith(".") and entry.name.endswith(PARTIAL_SUFFIX)):
                        continue
                    st = entry.stat(follow_symlinks=False)
                    if datetime.fromtimestamp(st.st_mtime, UTC) < older_than:
                        os.unlink(entry.name, dir_fd=fd)
                        removed += 1
        except OSError:
            return removed
        return removed


class _DiskUpload(io.RawIOBase):
    """Writes `.<name>.<random>.part`; `commit` renames it over `<name>`."""

    def __init__(self, storage: DiskMailboxes, location: Location) -> None:
        super().__init__()
        self._storage = storage
        self._location = location
        self._temp = f".{location.name}.{secrets.token_hex(6)}{PARTIAL_SUFFIX}"
        with storage._folder_fd(location.box, location.folder, create=True) as fd:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
            self._fd = os.open(self._temp, flags, 0o640, dir_fd=fd)
        self._done = False

    def writable(self) -> bool:
        return True

    def fileno(self) -> int:
        # gpg writes the encrypted file straight into the partial file.
        return self._fd

    def write(self, data: bytes) -> int:  # type: ignore[override]
        view = memoryview(data)
        written = 0
        while written < len(view):
            written += os.write(self._fd, view[written:])
        return written

    def commit(self) -> None:
        if self._done:
            return
        os.fsync(self._fd)
        os.close(self._fd)
        self._done = True
        loc = self._location
        with self._storage._folder_fd(loc.box, loc.folder) as fd:
            os.rename(self._temp, loc.name, src_dir_fd=fd, dst_dir_fd=fd)

    def abort(self) -> None:
        if self._done:
            return
        os.close(self._fd)
        self._done = True
        loc = self._location
        try:
            with self._storage._folder_fd(loc.box, loc.folder) as fd:
                os.unlink(self._temp, dir_fd=fd)
        except OSError:
            pass

    def close(self) -> None:
        # Closing without commit is an abort: a half-written file never appears.
        self.abort()
        super().close()


class MemoryMailboxes:
    """The fake: the same rules (names, hidden partial writes, commit by replace) in memory."""

    def __init__(self) -> None:
        self._files: dict[tuple[str, str], dict[str, tuple[bytes, datetime]]] = {}
        self._partial: dict[tuple[str, str], dict[str, datetime]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def now() -> datetime:
        return datetime.now(UTC)

    def ensure_folder(self, box: str, folder: str) -> None:
        key = (check_box(box), check_folder(folder))
        with self._lock:
            self._files.setdefault(key, {})

    def boxes(self) -> list[str]:
        return sorted({box for box, _ in self._files})

    def folders(self, box: str) -> list[str]:
        check_box(box)
        return sorted(folder for b, folder in self._files if b == box)

    def listing(self, box: str, folder: str) -> list[Entry]:
        files = self._files.get((check_box(box), check_folder(folder)), {})
        return [Entry(name, len(data), at) for name, (data, at) in sorted(files.items())]

    def stat(self, location: Location) -> Entry | None:
        found = self._files.get((location.box, location.folder), {}).get(location.name)
        return Entry(location.name, len(found[0]), found[1]) if found else None

    def open_read(self, location: Location) -> BinaryIO:
        found = self._files.get((location.box, location.folder), {}).get(location.name)
        if found is None:
            raise FileNotFoundError("no such file")
        return io.BytesIO(found[0])

    def upload(self, location: Location) -> _MemoryUpload:
        return _MemoryUpload(self, location)

    def put(self, location: Location, source: Path) -> None:
        upload = self.upload(location)
        upload.write(source.read_bytes())
        upload.commit()
        source.unlink()

    def delete(self, location: Location) -> bool:
        with self._lock:
            files = self._files.get((location.box, location.folder), {})
            return files.pop(location.name, None) is not None

    def local_path(self, location: Location) -> Path | None:
        del location  # nothing of the fake is on disk
        return None

    @contextmanager
    def local_copy(self, location: Location) -> Iterator[Path]:
        with self.open_read(location) as data, tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / location.name
            path.write_bytes(data.read())
            yield path

    def purge_partial(self, box: str, folder: str, older_than: datetime) -> int:
        with self._lock:
            pending = self._partial.get((box, folder), {})
            old = [name for name, at in pending.items() if at < older_than]
            for name in old:
                del pending[name]
            return len(old)

    def _commit(self, location: Location, data: bytes, token: str) -> None:
        with self._lock:
            self._partial.get((location.box, location.folder), {}).pop(token, None)
            folder = self._files.setdefault((location.box, location.folder), {})
            folder[location.name] = (data, self.now())

    def _begin(self, location: Location, token: str) -> None:
        with self._lock:
            self._partial.setdefault((location.box, location.folder), {})[token] = self.now()

    def _drop(self, location: Location, token: str) -> None:
        with self._lock:
            self._partial.get((location.box, location.folder), {}).pop(token, None)


class _MemoryUpload:
    def __init__(self, storage: MemoryMailboxes, location: Location) -> None:
        self._storage = storage
        self._location = location
        self._token = secrets.token_hex(6)
        self._buffer = bytearray()
        self._done = False
        storage._begin(location, self._token)

    def write(self, data: bytes) -> int:
        self._buffer += data
        return len(data)

    def commit(self) -> None:
        if not self._done:
            self._done = True
            self._storage._commit(self._location, bytes(self._buffer), self._token)

    def abort(self) -> None:
        if not self._done:
            self._done = True
            self._storage._drop(self._location, self._token)

    def close(self) -> None:
        self.abort()
