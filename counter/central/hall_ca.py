"""The hall's own CA and the central's HTTPS certificate, made on first start.

Counters send device tokens, ID numbers and password hashes to the central over the
hall's LAN, so the central serves HTTPS by default. No public CA will sign a
certificate for ``10.0.0.5`` or ``central.hall``, and a self-signed server certificate
would have to be replaced, and trusted anew at every counter, each time it expires or a
name is added. So the central makes a CA of its own (ten years) and signs its server
certificate with it (two years, re-issued from the same CA when it nears its end or the
machine gains a name). Counters pin the CA, not the server certificate: a re-issued
certificate needs no counter to enrol again.

A counter learns which CA to trust from the enrol code, which carries the CA's
fingerprint (counter.sync.pinning), and fetches the CA itself from ``GET /v1/ca.pem``.

Files in the TLS folder (keys 0600, the folder 0700):

* ``ca.pem`` / ``ca.key``: the hall's CA; the key signs server certificates only.
* ``server.pem`` / ``server.key``: the central's certificate and key.
* ``central-ca.pem``: the CA the central last served HTTPS under (the hall's CA, or a
  hall's own CA given with ``--tls-ca``); ``enrol-code`` prints its fingerprint. A
  central started with ``--insecure-http`` removes it: there is nothing to pin.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import os
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from counter.central.serving import POSTGRES_URLS
from counter.model.errors import CounterError
from counter.sync import pinning

if TYPE_CHECKING:
    from fastapi import FastAPI

CA_CERT, CA_KEY = "ca.pem", "ca.key"
SERVER_CERT, SERVER_KEY = "server.pem", "server.key"
SERVED_CA = "central-ca.pem"

CA_DAYS = 3652
SERVER_DAYS = 730
#: A server certificate this close to its end is re-issued at the next start.
RENEW_DAYS = 30
#: Certificates start a day back: a counter whose clock is behind still accepts them.
BACKDATE = dt.timedelta(days=1)


@dataclass(frozen=True)
class HallTls:
    """Where the central's certificate, its key and the CA counters pin are."""

    cert: Path
    key: Path
    ca_pem: bytes


def default_tls_dir(db_url: str) -> Path:
    """Beside a SQLite central's file (backed up with it); for PostgreSQL, which has no
    folder of its own here, in this user's data folder."""
    if db_url.startswith("sqlite:///"):
        return Path(db_url.removeprefix("sqlite:///")).absolute().parent / "tls"
    if db_url.startswith(POSTGRES_URLS):
        import platformdirs

        return platformdirs.user_data_path("counter-central") / "tls"
    raise SystemExit(f"--db 不认识：{db_url}（应为 sqlite:///路径 或 postgresql://…）")


def machine_names(host: str = "", extra: Iterable[str] = ()) -> list[str]:
    """The names a counter may reach this machine by: loopback, its hostname and FQDN,
    the addresses those resolve to, the address ``serve`` listens on, and any given.
    Looked up once, at start: a name missing here is added with ``--tls-name``."""
    names = ["localhost", "127.0.0.1", "::1"]
    with contextlib.suppress(OSError):
        hostname = socket.gethostname()
        names += [hostname, socket.getfqdn()]
        names += [str(info[4][0]) for info in socket.getaddrinfo(hostname, None)]
    if host and host not in ("0.0.0.0", "::"):
        names.append(host)
    names += list(extra)
    return _unique(names)


def _unique(names: Iterable[str]) -> list[str]:
    """In order, once each, as the certificate spells them (an address in its short
    form), so a start compares like with like and does not re-issue for nothing."""
    seen: dict[str, None] = {}
    for name in names:
        name = name.strip().strip("[]").lower()
        if not name or "%" in name:  # a scoped link-local address names no host
            continue
        with contextlib.suppress(ValueError):
            name = str(ipaddress.ip_address(name))
        seen.setdefault(name, None)
    return list(seen)


def _general_name(name: str) -> x509.GeneralName | None:
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        pass
    try:
        return x509.DNSName(name.encode("idna").decode("ascii"))
    except UnicodeError:
        return None


def _write(path: Path, data: bytes, mode: int) -> None:
    """Whole or not at all, and never readable by others even for a moment."""
    tmp = path.with_name(f".{path.name}.tmp")
    with contextlib.suppress(FileNotFoundError):
        tmp.unlink()
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.chmod(tmp, mode)  # whatever the umask
    os.replace(tmp, path)


def _key_bytes(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _open_dir(directory: Path) -> Path:
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def _load_ca(directory: Path) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey] | None:
    cert_path, key_path = directory / CA_CERT, directory / CA_KEY
    if not cert_path.exists() and not key_path.exists():
        return None
    if not (cert_path.exists() and key_path.exists()):
        # Making a new CA here would silently cut off every enrolled counter.
        raise CounterError(
            f"TLS 目录 {directory} 中 {CA_CERT} 与 {CA_KEY} 不全：请从备份恢复；"
            "若确要换一个 CA，删掉两者后重启，并让各窗口用新登记码重新登记"
        )
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise CounterError(f"{key_path} 不是本程序生成的 CA 私钥")
    return cert, key


def _new_ca(
    directory: Path, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """A root for this hall alone: it may sign server certificates (path length 0)
    and nothing else; its name carries the machine and the day, to tell halls apart."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Counter"),
            x509.NameAttribute(
                NameOID.COMMON_NAME, f"Counter hall CA {socket.gethostname()} {now:%Y-%m-%d}"
            ),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + dt.timedelta(days=CA_DAYS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), False)
        .sign(key, hashes.SHA256())
    )
    _write(directory / CA_KEY, _key_bytes(key), 0o600)
    _write(directory / CA_CERT, cert.public_bytes(serialization.Encoding.PEM), 0o644)
    return cert, key


def _issue(
    directory: Path,
    ca: tuple[x509.Certificate, ec.EllipticCurvePrivateKey],
    names: list[str],
    now: dt.datetime,
) -> None:
    ca_cert, ca_key = ca
    general = [g for g in (_general_name(n) for n in names) if g is not None]
    if not general:
        raise CounterError("服务器证书至少要有一个名称或地址")
    dns = [n for n in names if isinstance(_general_name(n), x509.DNSName)]
    key = ec.generate_private_key(ec.SECP256R1())
    end = min(now + dt.timedelta(days=SERVER_DAYS), ca_cert.not_valid_after_utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, (dns or names)[0][:64])]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(end)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(general), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
        .sign(ca_key, hashes.SHA256())
    )
    _write(directory / SERVER_KEY, _key_bytes(key), 0o600)
    _write(directory / SERVER_CERT, cert.public_bytes(serialization.Encoding.PEM), 0o644)


def _server_names(cert: x509.Certificate) -> list[str]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return []
    return [str(n.value) for n in san if isinstance(n, x509.DNSName | x509.IPAddress)]


def _reissue_needed(
    directory: Path, ca_cert: x509.Certificate, names: list[str], now: dt.datetime
) -> list[str] | None:
    """The names to issue under, or None when the present certificate will do: it
    exists with its key, the hall's CA signed it, it is not near its end, and it has
    every name asked for (names it had are kept: one added with ``tls --name`` stays)."""
    cert_path, key_path = directory / SERVER_CERT, directory / SERVER_KEY
    if not (cert_path.exists() and key_path.exists()):
        return names
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    had = _unique(_server_names(cert))
    wanted = _unique([*had, *names])
    if (
        cert.issuer != ca_cert.subject
        or cert.not_valid_after_utc - now < dt.timedelta(days=RENEW_DAYS)
        or len(wanted) != len(had)
    ):
        return wanted
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return wanted
    return None


def ensure_hall_ca(
    directory: Path, names: Iterable[str], now: dt.datetime | None = None
) -> HallTls:
    """The hall's CA (made if there is none) and a server certificate it signed for
    ``names`` (issued again when missing, near its end, or short of a name)."""
    now = now or dt.datetime.now(dt.UTC)
    _open_dir(directory)
    ca = _load_ca(directory) or _new_ca(directory, now)
    wanted = _reissue_needed(directory, ca[0], _unique(names), now)
    if wanted is not None:
        _issue(directory, ca, wanted, now)
    return _paths(directory)


def reissue(directory: Path, names: Iterable[str], now: dt.datetime | None = None) -> HallTls:
    """A new server certificate for exactly ``names`` from the same CA, so enrolled
    counters, which pin the CA, keep trusting the central (``counter-central tls``)."""
    now = now or dt.datetime.now(dt.UTC)
    _open_dir(directory)
    ca = _load_ca(directory) or _new_ca(directory, now)
    _issue(directory, ca, _unique(names), now)
    return _paths(directory)


def _paths(directory: Path) -> HallTls:
    return HallTls(
        directory / SERVER_CERT, directory / SERVER_KEY, (directory / CA_CERT).read_bytes()
    )


def certificate_names(cert_file: Path) -> tuple[list[str], dt.datetime]:
    """The names a certificate is valid for and its end, for the ``tls`` command to show."""
    cert = x509.load_pem_x509_certificate(cert_file.read_bytes())
    return _server_names(cert), cert.not_valid_after_utc


def own_certificate(cert: Path, key: Path, ca: Path | None) -> HallTls:
    """A hall's own certificate: counters pin the CA that signed it (``--tls-ca``), or
    without one the last certificate of the chain file (itself, if self-signed)."""
    anchor = x509.load_pem_x509_certificates((ca or cert).read_bytes())[0 if ca else -1]
    return HallTls(cert, key, anchor.public_bytes(serialization.Encoding.PEM))


def serving_tls(
    directory: Path,
    names: Iterable[str],
    cert: Path | None = None,
    key: Path | None = None,
    ca: Path | None = None,
) -> HallTls:
    """What ``serve`` serves HTTPS with: a hall's own certificate when given, else the
    hall CA's (made or renewed as needed); noted for ``enrol-code`` either way."""
    if cert is not None and key is not None:
        tls = own_certificate(cert, key, ca)
    else:
        tls = ensure_hall_ca(directory, names)
    record_served_ca(directory, tls.ca_pem)
    return tls


def fingerprint(ca_pem: bytes) -> str:
    """The CA's fingerprint as the enrol code carries it (counter.sync.pinning)."""
    return pinning.fingerprint(ca_pem)


def record_served_ca(directory: Path, ca_pem: bytes | None) -> None:
    """Note which CA the central serves under, for ``enrol-code``; None (plain HTTP)
    removes the note, so no code names a CA the central does not present."""
    if ca_pem is None:
        with contextlib.suppress(FileNotFoundError):
            (directory / SERVED_CA).unlink()
        return
    _write(_open_dir(directory) / SERVED_CA, ca_pem, 0o644)


def served_ca(directory: Path) -> bytes | None:
    try:
        return (directory / SERVED_CA).read_bytes()
    except FileNotFoundError:
        return None


def add_ca_route(app: FastAPI, ca_pem: bytes) -> None:
    """``GET /v1/ca.pem``: the CA counters pin, public and without a token. It proves
    nothing by itself (anyone on the path could answer it): the counter checks it against
    the fingerprint in the enrol code before trusting it."""
    from fastapi.responses import Response

    @app.get(
        "/v1/ca.pem",
        summary="中心证书的 CA / the CA certificate counters pin",
        response_class=Response,
        responses={200: {"content": {"application/x-pem-file": {}}}},
    )
    async def ca() -> Response:
        return Response(ca_pem, media_type="application/x-pem-file")
