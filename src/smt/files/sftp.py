"""The SFTP server (asyncssh): password or public-key logins, each confined to its company's
mailbox view over the storage port; no shell, no exec, no SCP, no symbolic links.

asyncssh's own chroot only rewrites paths (a link inside the home pointing out is served), so
it is not used: every path is normalised lexically under a virtual root and resolved by the
view, and the storage never follows a link. An upload is written aside and committed when the
client closes its handle; a session that ends with the handle still open (a broken upload)
leaves nothing."""

# asyncssh calls these methods with its own signatures: unused parameters are its interface.
# ruff: noqa: ARG002

from __future__ import annotations

import asyncio
import posixpath
import stat
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncssh

from smt.files.ftps import FileServices
from smt.files.logins import MailboxView
from smt.files.mailbox import BadName, Location, Upload

FXF_WRITE = 0x02
FXF_APPEND = 0x04


def key_text(key: asyncssh.SSHKey) -> str:
    """`<algorithm> <base64>`, without the comment: how keys are compared."""
    return " ".join(key.export_public_key("openssh").decode().split()[:2])


class _Session(asyncssh.SSHServer):
    """One SSH connection: authentication through the hub's file logins."""

    def __init__(self, services: FileServices) -> None:
        self._services = services
        self._address = ""
        self.view: MailboxView | None = None

    def connection_made(self, conn: asyncssh.SSHServerConnection) -> None:
        peer = conn.get_extra_info("peername")
        self._address = str(peer[0]) if peer else ""

    def begin_auth(self, username: str) -> bool:
        del username
        return True

    def password_auth_supported(self) -> bool:
        return True

    def public_key_auth_supported(self) -> bool:
        return True

    async def validate_password(self, username: str, password: str) -> bool:
        return await self._check(username, password=password)

    async def validate_public_key(self, username: str, key: asyncssh.SSHKey) -> bool:
        return await self._check(username, ssh_key=key_text(key))

    async def _check(self, username: str, **secret: str) -> bool:
        services = self._services

        def check() -> MailboxView | None:
            with services.engine.begin() as conn:
                return services.logins.authenticate(
                    conn, username, now=services.clock.now(), address=self._address, **secret
                )

        # Database and argon2 off the event loop: one slow hash never stalls the others.
        self.view = await asyncio.get_running_loop().run_in_executor(None, check)
        return self.view is not None


@dataclass
class _Reading:
    stream: Any


@dataclass
class _Writing:
    upload: Upload
    offset: int = 0


def _missing() -> asyncssh.SFTPError:
    return asyncssh.SFTPNoSuchFile("No such file or directory")


def _refused() -> asyncssh.SFTPError:
    return asyncssh.SFTPPermissionDenied("Operation not permitted")


class MailboxSFTP(asyncssh.SFTPServer):
    def __init__(self, chan: asyncssh.SSHServerChannel[bytes]) -> None:
        super().__init__(chan)
        owner = chan.get_connection().get_owner()
        assert isinstance(owner, _Session) and owner.view is not None  # noqa: S101
        self._view = owner.view
        self._storage = owner._services.storage
        self._chan = chan

    # --- paths -------------------------------------------------------------------------------

    @staticmethod
    def _text(path: bytes) -> str:
        try:
            return posixpath.normpath("/" + path.decode("utf-8"))
        except UnicodeDecodeError:
            raise _missing() from None

    def _parts(self, path: bytes) -> list[str]:
        parts = [p for p in self._text(path).split("/") if p]
        if len(parts) > 2 or (parts and not self._view.sees_folder(parts[0])):
            raise _missing()
        return parts

    def _location(self, path: bytes) -> Location:
        parts = self._parts(path)
        if len(parts) != 2 or not self._view.shows(*parts):
            raise _missing()
        try:
            return Location(self._view.box, parts[0], parts[1])
        except BadName:
            raise _missing() from None

    def realpath(self, path: bytes) -> bytes:
        return self._text(path).encode()

    def format_user(self, uid: int | None) -> str:
        del uid
        return "smt"

    def format_group(self, gid: int | None) -> str:
        del gid
        return "smt"

    # --- reading -----------------------------------------------------------------------------

    def _attrs(self, path: bytes) -> asyncssh.SFTPAttrs:
        parts = self._parts(path)
        if len(parts) < 2:
            return asyncssh.SFTPAttrs(permissions=stat.S_IFDIR | 0o750, uid=0, gid=0, nlink=2)
        entry = self._storage.stat(self._location(path))
        if entry is None:
            raise _missing()
        mtime = int(entry.modified_at.timestamp())
        return asyncssh.SFTPAttrs(
            size=entry.size,
            permissions=stat.S_IFREG | 0o640,
            uid=0,
            gid=0,
            nlink=1,
            atime=mtime,
            mtime=mtime,
        )

    def stat(self, path: bytes) -> asyncssh.SFTPAttrs:
        return self._attrs(path)

    def lstat(self, path: bytes) -> asyncssh.SFTPAttrs:
        return self._attrs(path)

    async def scandir(self, path: bytes) -> AsyncIterator[asyncssh.SFTPName]:
        parts = self._parts(path)
        if len(parts) > 1:
            raise asyncssh.SFTPNoSuchFile("Not a directory")
        if not parts:
            names = list(self._view.folders)
        else:
            names = [
                e.name
                for e in self._storage.listing(self._view.box, parts[0])
                if self._view.shows(parts[0], e.name)
            ]
        base = "/" + "/".join(parts)
        for name in names:
            attrs = self._attrs(posixpath.join(base, name).encode())
            yield asyncssh.SFTPName(name.encode(), attrs=attrs)

    def open(self, path: bytes, pflags: int, attrs: asyncssh.SFTPAttrs) -> object:
        del attrs
        if not pflags & FXF_WRITE:
            location = self._location(path)
            if not self._view.may_read(location.folder):
                raise _missing()
            try:
                return _Reading(self._storage.open_read(location))
            except FileNotFoundError:
                raise _missing() from None
        parts = self._parts(path)
        if pflags & FXF_APPEND or len(parts) != 2 or not self._view.may_write(parts[0]):
            raise _refused()
        try:
            location = Location(self._view.box, parts[0], parts[1])
        except BadName:
            raise asyncssh.SFTPFailure("Not an acceptable file name") from None
        return _Writing(self._storage.upload(location))

    def read(self, file_obj: object, offset: int, size: int) -> bytes:
        if not isinstance(file_obj, _Reading):
            raise _refused()
        file_obj.stream.seek(offset)
        data: bytes = file_obj.stream.read(size)
        return data

    def write(self, file_obj: object, offset: int, data: bytes) -> int:
        # An upload is one stream, start to end: OpenSSH sftp and curl write in order.
        if not isinstance(file_obj, _Writing) or offset != file_obj.offset:
            raise asyncssh.SFTPFailure("uploads are written from start to end")
        file_obj.upload.write(data)
        file_obj.offset += len(data)
        return len(data)

    def fstat(self, file_obj: object) -> asyncssh.SFTPAttrs:
        if isinstance(file_obj, _Writing):
            return asyncssh.SFTPAttrs(size=file_obj.offset, permissions=stat.S_IFREG | 0o640)
        return asyncssh.SFTPAttrs(permissions=stat.S_IFREG | 0o640)

    def close(self, file_obj: object) -> None:
        if isinstance(file_obj, _Reading):
            file_obj.stream.close()
        elif isinstance(file_obj, _Writing):
            # Handles still open when the session ends are closed by asyncssh's cleanup,
            # with the channel already closing: that upload broke off and is dropped.
            if self._chan.is_closing():
                file_obj.upload.abort()
            else:
                file_obj.upload.commit()

    def remove(self, path: bytes) -> None:
        location = self._location(path)
        if not self._view.may_delete(location.folder) or not self._storage.delete(location):
            raise _missing()

    def setstat(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        del attrs
        self._attrs(path)  # times and modes are the hub's: accepted and ignored

    def fsetstat(self, file_obj: object, attrs: asyncssh.SFTPAttrs) -> None:
        del file_obj, attrs

    def mkdir(self, path: bytes, attrs: asyncssh.SFTPAttrs) -> None:
        raise _refused()

    def rmdir(self, path: bytes) -> None:
        raise _refused()

    def rename(self, oldpath: bytes, newpath: bytes) -> None:
        raise _refused()

    def posix_rename(self, oldpath: bytes, newpath: bytes) -> None:
        raise _refused()

    def readlink(self, path: bytes) -> bytes:
        raise _missing()

    def symlink(self, oldpath: bytes, newpath: bytes) -> None:
        raise _refused()

    def link(self, oldpath: bytes, newpath: bytes) -> None:
        raise _refused()


class SftpServer:
    """One SFTP listener on its own thread and event loop; `port` is the bound one."""

    def __init__(self, services: FileServices, *, host: str, port: int, host_key: Path) -> None:
        self._services = services
        self._host = host
        self._port = port
        self._host_key = host_key
        self._loop = asyncio.new_event_loop()
        self._acceptor: Any = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.port = port

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sftp", daemon=True)
        self._thread.start()
        if not self._ready.wait(timeout=30):
            raise RuntimeError("the SFTP server did not start")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._acceptor = self._loop.run_until_complete(
            asyncssh.listen(
                self._host,
                self._port,
                server_factory=lambda: _Session(self._services),
                server_host_keys=[str(self._host_key)],
                sftp_factory=MailboxSFTP,
                allow_scp=False,
                # No agent, port or X11 forwarding: a mailbox session moves files, nothing else.
                agent_forwarding=False,
                allow_pty=False,
                x11_forwarding=False,
                login_timeout=60,
            )
        )
        self.port = int(self._acceptor.sockets[0].getsockname()[1])
        self._ready.set()
        self._loop.run_forever()

    def stop(self) -> None:
        if self._acceptor is None:
            return

        async def close() -> None:
            self._acceptor.close()
            await self._acceptor.wait_closed()

        asyncio.run_coroutine_threadsafe(close(), self._loop).result(timeout=10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        if self._thread is not None:
            self._thread.join(timeout=10)
