"""A private Mosquitto with the shipped TLS configuration (deploy/mosquitto/pronto.conf and
deploy/mosquitto/acl), and a test PKI made on the spot: a CA, the broker's certificate for
127.0.0.1, and client certificates whose common name is the MQTT user name.

The shipped file is used as it is, except for what must differ on a test machine: the port
(a free one on loopback), the certificate and ACL paths (this test's directory), persistence
and logging (the test's directory and stderr) and, as root, the user to run as.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import pwd
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from . import MosquittoBroker
from .celery_worker import ROOT

SHIPPED_CONF = ROOT / "deploy" / "mosquitto" / "pronto.conf"
SHIPPED_ACL = ROOT / "deploy" / "mosquitto" / "acl"


@dataclass(frozen=True)
class Pem:
    cert: Path
    key: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _write(directory: Path, stem: str, certificate: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> Pem:
    pem = Pem(directory / f"{stem}.crt", directory / f"{stem}.key")
    pem.cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    pem.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    pem.key.chmod(0o600)
    return pem


class CertificateAuthority:
    """A certificate authority for one test: ``issue(common_name)`` signs a client or server
    certificate (EC P-256, valid for a day)."""

    def __init__(self, directory: Path, name: str = "Pronto test CA") -> None:
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        self.key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        self.certificate = (
            x509.CertificateBuilder()
            .subject_name(_name(name))
            .issuer_name(_name(name))
            .public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True, content_commitment=False, key_encipherment=False,
                    data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                    encipher_only=False, decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self.key.public_key()), critical=False)
            .sign(self.key, hashes.SHA256())
        )  # fmt: skip
        self.pem = _write(directory, "ca", self.certificate, self.key)

    def issue(self, common_name: str, *, server: bool = False) -> Pem:
        key = ec.generate_private_key(ec.SECP256R1())
        now = datetime.datetime.now(datetime.UTC)
        builder = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(self.certificate.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(self.key.public_key()), critical=False
            )
            .add_extension(
                x509.ExtendedKeyUsage(
                    [ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH]
                ),
                critical=False,
            )
        )
        if server:
            builder = builder.add_extension(
                x509.SubjectAlternativeName(
                    [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
                ),
                critical=False,
            )
        stem = "".join(char if char.isalnum() or char in "-_" else "_" for char in common_name)
        return _write(self.directory, stem, builder.sign(self.key, hashes.SHA256()), key)


class TlsMosquittoBroker(MosquittoBroker):
    """``MosquittoBroker`` running deploy/mosquitto/pronto.conf with the shipped ACL."""

    ca: CertificateAuthority
    server: Pem

    def write_conf(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        acl = self.workdir / "acl"
        acl.write_text(SHIPPED_ACL.read_text())
        overrides = {
            "listener": f"{self.port} {self.host}",
            "cafile": str(self.ca.pem.cert),
            "certfile": str(self.server.cert),
            "keyfile": str(self.server.key),
            "acl_file": str(acl),
            "persistence_location": f"{self.workdir}/",
            "log_dest": "stderr",
        }
        lines = []
        for line in SHIPPED_CONF.read_text().splitlines():
            key = line.split(" ", 1)[0] if line and not line.startswith("#") else ""
            lines.append(f"{key} {overrides[key]}" if key in overrides else line)
        missing = set(overrides) - {line.split(" ", 1)[0] for line in lines}
        if missing:
            raise RuntimeError(f"deploy/mosquitto/pronto.conf lacks {sorted(missing)}")
        if os.getuid() == 0:
            lines.append(f"user {pwd.getpwuid(os.getuid()).pw_name}")
        self.conf_path.write_text("\n".join(lines + self.extra_conf) + "\n")
