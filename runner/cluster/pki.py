"""Certificates and kubeconfigs for a single-node cluster (Kubernetes-the-hard-way style).

One CA signs everything. Identities follow what the built-in RBAC expects:

* apiserver serving cert: SANs for 127.0.0.1, the node IP, the first service IP
  (10.96.0.1) and kubernetes.default.svc... so in-cluster clients verify it too;
* admin: ``O=system:masters`` (cluster-admin without any binding);
* kubelet: ``CN=system:node:<node>, O=system:nodes`` (Node authorizer), also used as the
  kubelet's serving cert (SANs node IP/hostname) so ``kubectl logs/exec`` verify;
* apiserver -> kubelet client: ``CN=kube-apiserver-kubelet-client``, bound to
  ``system:kubelet-api-admin`` after start (without it logs/exec are forbidden);
* controller-manager / scheduler: their ``system:kube-*`` users;
* a service-account RSA key pair for token signing.

Generated once into the state dir; the apiserver cert is re-issued if the node IP changes.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import socket
from collections.abc import Sequence
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from runner.cluster import paths

SERVICE_IP = "10.96.0.1"
CLUSTER_NAME = "tutorial-local"


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def _write_key(key, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
        )
    )
    path.chmod(0o600)


def _load_key(path: Path):
    return serialization.load_pem_private_key(path.read_bytes(), None)


def _name(cn: str, org: str | None = None) -> x509.Name:
    attrs = [x509.NameAttribute(NameOID.COMMON_NAME, cn)]
    if org:
        attrs.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, org))
    return x509.Name(attrs)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=5)


def ensure_ca(d: Path):
    crt, key = d / "ca.crt", d / "ca.key"
    if crt.exists() and key.exists():
        return x509.load_pem_x509_certificate(crt.read_bytes()), _load_key(key)
    k = _key()
    name = _name("tutorial-runner-local-ca")
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(k.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now())
        .not_valid_after(_now() + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(k, hashes.SHA256())
    )
    _write_key(k, key)
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert, k


def _issue(
    d: Path,
    name: str,
    ca,
    ca_key,
    cn: str,
    org: str | None = None,
    server: bool = False,
    client: bool = False,
    dns: Sequence[str] = (),
    ips: Sequence[str] = (),
) -> None:
    k = _key()
    usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if server else []) + ([ExtendedKeyUsageOID.CLIENT_AUTH] if client else [])
    b = (
        x509.CertificateBuilder()
        .subject_name(_name(cn, org))
        .issuer_name(ca.subject)
        .public_key(k.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(_now())
        .not_valid_after(_now() + dt.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_encipherment=True,
                key_cert_sign=False,
                crl_sign=False,
                content_commitment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    )
    if dns or ips:
        sans = [x509.DNSName(n) for n in dns] + [x509.IPAddress(ipaddress.ip_address(i)) for i in ips]
        b = b.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = b.sign(ca_key, hashes.SHA256())
    _write_key(k, d / f"{name}.key")
    (d / f"{name}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def _cert_has_ip(path: Path, ip: str) -> bool:
    if not path.exists():
        return False
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    return ipaddress.ip_address(ip) in san.get_values_for_type(x509.IPAddress)


def ensure_pki(node_name: str, node_ip: str) -> Path:
    d = paths.pki_dir()
    d.mkdir(parents=True, exist_ok=True)
    d.chmod(0o700)
    ca, ca_key = ensure_ca(d)
    host = socket.gethostname()
    if not _cert_has_ip(d / "apiserver.crt", node_ip):
        _issue(
            d,
            "apiserver",
            ca,
            ca_key,
            "kube-apiserver",
            server=True,
            dns=[
                "kubernetes",
                "kubernetes.default",
                "kubernetes.default.svc",
                "kubernetes.default.svc.cluster.local",
                "localhost",
                host,
                node_name,
            ],
            ips=sorted({"127.0.0.1", node_ip, SERVICE_IP}),
        )
    if not _cert_has_ip(d / "kubelet.crt", node_ip):
        _issue(
            d,
            "kubelet",
            ca,
            ca_key,
            f"system:node:{node_name}",
            "system:nodes",
            server=True,
            client=True,
            dns=sorted({host, node_name, "localhost"}),
            ips=sorted({"127.0.0.1", node_ip}),
        )
    simple = {
        "admin": ("admin", "system:masters"),
        "apiserver-kubelet-client": ("kube-apiserver-kubelet-client", None),
        "controller-manager": ("system:kube-controller-manager", None),
        "scheduler": ("system:kube-scheduler", None),
        "kube-proxy": ("system:kube-proxy", None),  # bound to system:node-proxier by default RBAC
    }
    for name, (cn, org) in simple.items():
        if not (d / f"{name}.crt").exists():
            _issue(d, name, ca, ca_key, cn, org, client=True)
    if not (d / "sa.key").exists():
        k = _key()
        _write_key(k, d / "sa.key")
        (d / "sa.pub").write_bytes(
            k.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        )
    return d


def kubeconfig(user: str, server: str, embed: bool = True) -> str:
    """Kubeconfig for identity ``user`` (a cert pair name in the PKI dir)."""
    d = paths.pki_dir()

    def b64(p: Path) -> str:
        return base64.b64encode(p.read_bytes()).decode()

    if embed:
        cluster = f"certificate-authority-data: {b64(d / 'ca.crt')}"
        creds = f"client-certificate-data: {b64(d / f'{user}.crt')}\n    client-key-data: {b64(d / f'{user}.key')}"
    else:
        cluster = f"certificate-authority: {d / 'ca.crt'}"
        creds = f"client-certificate: {d / f'{user}.crt'}\n    client-key: {d / f'{user}.key'}"
    return f"""apiVersion: v1
kind: Config
clusters:
- name: {CLUSTER_NAME}
  cluster:
    server: {server}
    {cluster}
users:
- name: {user}
  user:
    {creds}
contexts:
- name: {CLUSTER_NAME}
  context:
    cluster: {CLUSTER_NAME}
    user: {user}
    namespace: default
current-context: {CLUSTER_NAME}
"""
