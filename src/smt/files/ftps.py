"""The FTPS server (pyftpdlib): explicit AUTH TLS, TLS required on the control and the data
channels (PROT P), passive ports from a configured range, one thread per session so that a
password hash never stalls the others.

Nothing here touches the disk: the file system the handler sees is the login's mailbox view
over the storage port. Paths are virtual (`/`, `/<folder>`, `/<folder>/<file>`), normalised
lexically first, so `..` and absolute paths can only name folders of the same view; whatever
the view does not show answers "No such file or directory", exactly like something absent.
An upload is written aside and appears only once its transfer completed; a broken transfer
leaves nothing."""

# pyftpdlib calls these methods positionally with its own signatures: unused and boolean
# positional parameters are its interface, not ours.
# ruff: noqa: ARG002, FBT001, FBT002

from __future__ import annotations

import hashlib
import os
import stat
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from OpenSSL import SSL
from pyftpdlib.authorizers import AuthenticationFailed  # type: ignore[import-untyped]
from pyftpdlib.filesystems import AbstractedFS, FilesystemError  # type: ignore[import-untyped]
from pyftpdlib.handlers import TLS_FTPHandler  # type: ignore[import-untyped]
from pyftpdlib.servers import ThreadedFTPServer  # type: ignore[import-untyped]
from sqlalchemy import Engine

from smt.clock import Clock
from smt.files.logins import FileLogins, MailboxView
from smt.files.mailbox import BadName, Location, MailboxStorage, Upload

NOT_FOUND = "No such file or directory"
REFUSED = "Operation not permitted"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class FileServices:
    """What both file servers need from the hub."""

    engine: Engine
    logins: FileLogins
    storage: MailboxStorage
    clock: Clock


class _Authorizer:
    """pyftpdlib's authorizer interface, over the hub's file logins. The session's view is
    kept on its handler; decisions about paths are made in the file system below."""

    def __init__(self, services: FileServices) -> None:
        self._services = services

    def validate_authentication(self, username: str, password: str, handler: Any) -> None:
        services = self._services
        address = str(handler.remote_ip)
        with services.engine.begin() as conn:
            view = services.logins.authenticate(
                conn,
                username,
                now=services.clock.now(),
                address=address,
                password=password,
                certificate_sha256=_peer_certificate_sha256(handler),
            )
        if view is None:
            raise AuthenticationFailed("Authentication failed.")
        handler.mailbox_view = view

    def get_home_dir(self, username: str) -> str:
        del username
        return "/"

    def has_user(self, username: str) -> bool:
        del username
        return True

    def has_perm(self, username: str, perm: str, path: str | None = None) -> bool:
        del username, path
        # Reading, listing, storing and deleting are decided per folder by the view.
        return perm in "elrdw"

    def get_perms(self, username: str) -> str:
        del username
        return "elrdw"

    def get_msg_login(self, username: str) -> str:
        del username
        return "Welcome to the Smart Meter Texas hub mailbox."

    def get_msg_quit(self, username: str) -> str:
        del username
        return "Goodbye."

    def impersonate_user(self, username: str, password: str) -> None:
        del username, password

    def terminate_impersonation(self, username: str) -> None:
        del username


def _peer_certificate_sha256(handler: Any) -> str | None:
    try:
        certificate = handler.socket.get_peer_certificate(as_cryptography=True)
    except (AttributeError, TypeError, SSL.Error):
        return None
    if certificate is None:
        return None
    from cryptography.hazmat.primitives.serialization import Encoding  # noqa: PLC0415

    return hashlib.sha256(certificate.public_bytes(Encoding.DER)).hexdigest()


class _Download:
    """A mailbox file opened for RETR, with the name pyftpdlib logs."""

    def __init__(self, stream: Any, name: str) -> None:
        self._stream = stream
        self.name = name

    def read(self, size: int = -1) -> bytes:
        data: bytes = self._stream.read(size)
        return data

    def seek(self, offset: int) -> None:
        self._stream.seek(offset)

    @property
    def closed(self) -> bool:
        return bool(self._stream.closed)

    def close(self) -> None:
        self._stream.close()


class _Receiving:
    """A STOR in progress: closing it keeps it pending; the handler commits it when the
    transfer completed and aborts it otherwise."""

    def __init__(self, upload: Upload, name: str) -> None:
        self.upload = upload
        self.name = name
        self.closed = False

    def write(self, data: bytes) -> int:
        return self.upload.write(data)

    def close(self) -> None:
        self.closed = True


class MailboxFS(AbstractedFS):  # type: ignore[misc]
    """A login's mailbox, as pyftpdlib's file system. Every "fs path" is a virtual path."""

    @property
    def view(self) -> MailboxView:
        view: MailboxView = self.cmd_channel.mailbox_view
        return view

    @property
    def storage(self) -> MailboxStorage:
        storage: MailboxStorage = self.cmd_channel.services.storage
        return storage

    def ftp2fs(self, ftppath: str) -> str:
        return str(self.ftpnorm(ftppath))

    def fs2ftp(self, fspath: str) -> str:
        return fspath

    def validpath(self, path: str) -> bool:
        del path
        return True

    def _parts(self, path: str) -> list[str]:
        parts = [p for p in path.split("/") if p]
        if len(parts) > 2 or (parts and not self.view.sees_folder(parts[0])):
            raise FilesystemError(NOT_FOUND)
        return parts

    def _location(self, path: str) -> Location:
        parts = self._parts(path)
        if len(parts) != 2 or not self.view.shows(*parts):
            raise FilesystemError(NOT_FOUND)
        try:
            return Location(self.view.box, parts[0], parts[1])
        except BadName:
            raise FilesystemError(NOT_FOUND) from None

    def open(self, filename: str, mode: str) -> Any:
        if mode == "rb":
            location = self._location(filename)
            if not self.view.may_read(location.folder):
                raise FilesystemError(NOT_FOUND)
            try:
                return _Download(self.storage.open_read(location), filename)
            except FileNotFoundError:
                raise FilesystemError(NOT_FOUND) from None
        parts = self._parts(filename)
        if mode != "wb" or len(parts) != 2 or not self.view.may_write(parts[0]):
            raise FilesystemError(REFUSED)
        try:
            location = Location(self.view.box, parts[0], parts[1])
        except BadName:
            raise FilesystemError("Not an acceptable file name") from None
        receiving = _Receiving(self.storage.upload(location), filename)
        self.cmd_channel.receiving[filename] = receiving
        return receiving

    def mkstemp(self, *args: Any, **kwargs: Any) -> Any:
        raise FilesystemError(REFUSED)

    def chdir(self, path: str) -> None:
        if len(self._parts(path)) > 1:
            raise FilesystemError("Not a directory")
        self.cwd = path or "/"

    def mkdir(self, path: str) -> None:
        raise FilesystemError(REFUSED)

    def rmdir(self, path: str) -> None:
        raise FilesystemError(REFUSED)

    def rename(self, src: str, dst: str) -> None:
        raise FilesystemError(REFUSED)

    def chmod(self, path: str, mode: int) -> None:
        raise FilesystemError(REFUSED)

    def utime(self, path: str, timeval: Any) -> None:
        raise FilesystemError(REFUSED)

    def readlink(self, path: str) -> str:
        raise FilesystemError(NOT_FOUND)

    def remove(self, path: str) -> None:
        location = self._location(path)
        if not self.view.may_delete(location.folder) or not self.storage.delete(location):
            raise FilesystemError(NOT_FOUND)

    def listdir(self, path: str) -> list[str]:
        parts = self._parts(path)
        if not parts:
            return list(self.view.folders)
        if len(parts) != 1:
            raise FilesystemError("Not a directory")
        return [
            e.name
            for e in self.storage.listing(self.view.box, parts[0])
            if self.view.shows(parts[0], e.name)
        ]

    def listdirinfo(self, path: str) -> list[str]:
        return self.listdir(path)

    def stat(self, path: str) -> os.stat_result:
        parts = self._parts(path)
        if len(parts) < 2:
            return os.stat_result((stat.S_IFDIR | 0o750, 0, 0, 2, 0, 0, 0, 0, 0, 0))
        entry = self.storage.stat(self._location(path))
        if entry is None:
            raise FilesystemError(NOT_FOUND)
        mtime = int(entry.modified_at.timestamp())
        mode = stat.S_IFREG | 0o640
        return os.stat_result((mode, 0, 0, 1, 0, 0, entry.size, mtime, mtime, mtime))

    lstat = stat

    def isfile(self, path: str) -> bool:
        try:
            return stat.S_ISREG(self.stat(path).st_mode)
        except FilesystemError:
            return False

    def isdir(self, path: str) -> bool:
        try:
            return len(self._parts(path)) < 2
        except FilesystemError:
            return False

    def islink(self, path: str) -> bool:
        del path
        return False

    def lexists(self, path: str) -> bool:
        return self.isfile(path) or self.isdir(path)

    def getsize(self, path: str) -> int:
        return int(self.stat(path).st_size)

    def getmtime(self, path: str) -> float:
        return float(self.stat(path).st_mtime)

    def realpath(self, path: str) -> str:
        return path

    def get_user_by_uid(self, uid: int) -> str:
        del uid
        return "smt"

    def get_group_by_gid(self, gid: int) -> str:
        del gid
        return "smt"

    def _entries(self, basedir: str, listing: list[str]) -> Iterator[tuple[str, os.stat_result]]:
        for name in listing:
            path = "/".join((basedir.rstrip("/"), name))
            try:
                yield name, self.stat(path)
            except FilesystemError:
                continue

    def format_list(
        self, basedir: str, listing: list[str], ignore_err: bool = True
    ) -> Iterator[bytes]:
        del ignore_err
        for name, st in self._entries(basedir, listing):
            folder = stat.S_ISDIR(st.st_mode)
            perms = "drwxr-x---" if folder else "-rw-r-----"
            when = time.gmtime(st.st_mtime)
            stamp = (
                f"{_MONTHS[when.tm_mon - 1]} {when.tm_mday:2d} {when.tm_hour:02d}:{when.tm_min:02d}"
            )
            yield f"{perms} 1 smt smt {st.st_size:>12} {stamp} {name}\r\n".encode()

    def format_mlsx(
        self,
        basedir: str,
        listing: list[str],
        perms: str,
        facts: str,
        ignore_err: bool = True,
    ) -> Iterator[bytes]:
        del perms, facts, ignore_err
        for name, st in self._entries(basedir, listing):
            modify = time.strftime("%Y%m%d%H%M%S", time.gmtime(st.st_mtime))
            if stat.S_ISDIR(st.st_mode):
                yield f"type=dir;modify={modify};perm=el; {name}\r\n".encode()
            else:
                yield f"type=file;size={st.st_size};modify={modify};perm=r; {name}\r\n".encode()


class MailboxFTPHandler(TLS_FTPHandler):  # type: ignore[misc]
    tls_control_required = True
    tls_data_required = True
    permit_foreign_addresses = False
    permit_privileged_ports = False
    services: FileServices

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.mailbox_view: MailboxView | None = None
        self.receiving: dict[str, _Receiving] = {}

    def on_file_received(self, file: str) -> None:
        receiving = self.receiving.pop(file, None)
        if receiving is not None:
            receiving.upload.commit()

    def on_incomplete_file_received(self, file: str) -> None:
        receiving = self.receiving.pop(file, None)
        if receiving is not None:
            receiving.upload.abort()

    def close(self) -> None:
        for receiving in self.receiving.values():
            receiving.upload.abort()
        self.receiving.clear()
        super().close()


def server_tls_context(cert: Path, key: Path) -> SSL.Context:
    """TLS 1.2 or later, one context for the control and the data channels (clients resume
    the control channel's session on each data channel, and OpenSSL resumes only within the
    context that made it). A client certificate is asked for but not required here: a login
    that has one bound refuses a session without it."""
    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(SSL.TLS1_2_VERSION)
    context.set_options(SSL.OP_NO_COMPRESSION)
    context.use_certificate_chain_file(str(cert))
    context.use_privatekey_file(str(key))
    context.check_privatekey()
    # Clients resume the control channel's TLS session on each data channel; a server that
    # asks for certificates must name its session context or OpenSSL refuses the resumption.
    context.set_session_id(b"smt-ftps")
    # Pinned by fingerprint per login, so any certificate passes the handshake.
    context.set_verify(SSL.VERIFY_PEER, lambda *_args: True)
    return context


class FtpsServer:
    """One FTPS listener run on a thread; `port` is the bound one (0 asks for any free)."""

    def __init__(
        self,
        services: FileServices,
        *,
        host: str,
        port: int,
        cert: Path,
        key: Path,
        passive_ports: tuple[int, int],
        masquerade_address: str | None = None,
        failed_login_delay: float = 3.0,
    ) -> None:
        handler = type(
            "HubFTPHandler",
            (MailboxFTPHandler,),
            {
                "services": services,
                "ssl_context": server_tls_context(cert, key),
                "authorizer": _Authorizer(services),
                "abstracted_fs": MailboxFS,
                "passive_ports": range(passive_ports[0], passive_ports[1] + 1),
                "masquerade_address": masquerade_address,
                "auth_failed_timeout": failed_login_delay,
                "banner": "Smart Meter Texas hub FTPS: AUTH TLS required.",
            },
        )
        self._server = ThreadedFTPServer((host, port), handler)
        self._server.max_cons = 256
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.socket.getsockname()[1])

    def start(self) -> None:
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"timeout": 0.5, "blocking": True, "handle_exit": False},
            name="ftps",
            daemon=True,
        )
        self._thread.start()

    def stop(self) -> None:
        self._server.close_all()
        if self._thread is not None:
            self._thread.join(timeout=5)
