"""TLS for a board on the workshop's network: the instructor's own certificate, or one made at start (`--tls self-signed`).

Keys travel in addresses and cookies; over plain HTTP on a shared Wi-Fi
anyone near can read them. A self-signed certificate is made with
`cryptography` for the names the board is reached by, kept in a private
temporary folder for the board's lifetime, and its SHA-256 fingerprint is
printed so that participants can compare what their browser shows.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from runner.core.errors import UsageError


@dataclass(frozen=True)
class TLSFiles:
    cert: str
    key: str
    fingerprint: str  # SHA-256 of the certificate, AA:BB:… as browsers show it
    made_in: str | None = None  # the temporary folder of a self-signed pair, removed with `discard`

    def discard(self) -> None:
        if self.made_in:
            shutil.rmtree(self.made_in, ignore_errors=True)


def _fingerprint(pem: bytes) -> str:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    digest = x509.load_pem_x509_certificate(pem).fingerprint(hashes.SHA256())
    return ":".join(f"{b:02X}" for b in digest)


def from_files(cert: str, key: str) -> TLSFiles:
    """The instructor's own certificate and key (e.g. from their institution's CA), checked to be readable PEM."""
    for what, path in (("--tls-cert", cert), ("--tls-key", key)):
        if not Path(path).is_file():
            raise UsageError(f"{what} {path}: no such file")
    try:
        fingerprint = _fingerprint(Path(cert).read_bytes())
    except ValueError:
        raise UsageError(f"--tls-cert {cert}: not a PEM certificate") from None
    from cryptography.hazmat.primitives import serialization

    try:
        serialization.load_pem_private_key(Path(key).read_bytes(), password=None)
    except (ValueError, TypeError):
        raise UsageError(f"--tls-key {key}: not a PEM private key without a passphrase") from None
    return TLSFiles(cert, key, fingerprint)


def self_signed(names: list[str], days: int = 7) -> TLSFiles:
    """A certificate for `names` (host names and addresses), valid from now for `days`, with a fresh P-256 key."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    alt: list[x509.GeneralName] = []
    for name in dict.fromkeys(n for n in names if n):
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            alt.append(x509.DNSName(name))
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, (names[0] if names else "tutorial board")[:64])])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    folder = tempfile.mkdtemp(prefix="tutorial-board-tls-")  # mode 0700
    cert_pem = cert.public_bytes(serialization.Encoding.PEM)
    cert_path, key_path = os.path.join(folder, "cert.pem"), os.path.join(folder, "key.pem")
    Path(cert_path).write_bytes(cert_pem)
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return TLSFiles(cert_path, key_path, _fingerprint(cert_pem), made_in=folder)
