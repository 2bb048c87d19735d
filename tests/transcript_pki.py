"""A test PKI for the transcript's signatures, made fresh for each test session with certomancer:
a root CA, an issuing sub-CA with its OCSP responder and CRL, a time-stamping authority, signers
that are valid, revoked and expired, and a second, unrelated root (the "wrong trust root"). Its
OCSP, CRL and time-stamping services answer on 127.0.0.1 (certomancer's Animator served by
werkzeug in a thread), so nothing leaves the machine."""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from lms.gradebook.transcript.pki import KeyPair

KEYS = ("root", "interm", "interm-ocsp", "tsa", "teacher", "school", "revoked", "expired", "other-root")


def _when(delta_days: int) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=delta_days)).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _ku(*uses):
    return {"id": "key_usage", "critical": True, "smart-value": {"schema": "key-usage", "params": list(uses)}}


def _signer(issued_from: int, issued_to: int, **extra) -> dict:
    return {"issuer": "interm", "validity": {"valid-from": _when(issued_from), "valid-to": _when(issued_to)},
            "extensions": [_ku("digital_signature", "non_repudiation"),
                           {"id": "crl_distribution_points", "smart-value": {"schema": "crl-dist-url",
                                                                               "params": {"crl-repo-names": ["interm"]}}},
                           {"id": "authority_information_access",
                            "smart-value": {"schema": "aia-urls", "params": {"ocsp-responder-names": ["interm"]}}}],
            **extra}


def config(base_url: str) -> dict:
    ca = {"valid-from": _when(-3650), "valid-to": _when(3650)}
    return {
        "external-url-prefix": base_url,
        "keysets": {"test": {"keys": {k: {"path": f"{k}.key.pem"} for k in KEYS}}},
        "pki-architectures": {"test": {
            "keyset": "test",
            "entity-defaults": {"country-name": "VN", "organization-name": "Bộ Thử Nghiệm"},
            "entities": {"root": {"common-name": "Test Gov Root CA"}, "interm": {"common-name": "Test Gov Sub CA"},
                         "interm-ocsp": {"common-name": "Test OCSP responder"},
                         "tsa": {"common-name": "Test Time-Stamping Authority"},
                         "teacher": {"common-name": "Phạm Thu Hà"}, "school": {"common-name": "Trường THCS Thử A"},
                         "revoked": {"common-name": "Người Bị Thu Hồi"}, "expired": {"common-name": "Người Hết Hạn"},
                         "other-root": {"common-name": "Unrelated Root CA"}},
            "certs": {
                "root": {"subject": "root", "subject-key": "root", "issuer": "root", "authority-key": "root",
                         "validity": ca, "extensions": [{"id": "basic_constraints", "critical": True,
                                                         "value": {"ca": True}},
                                                        _ku("digital_signature", "key_cert_sign", "crl_sign")]},
                "other-root": {"subject": "other-root", "subject-key": "other-root", "issuer": "other-root",
                               "authority-key": "other-root", "validity": ca,
                               "extensions": [{"id": "basic_constraints", "critical": True, "value": {"ca": True}},
                                              _ku("digital_signature", "key_cert_sign", "crl_sign")]},
                "interm": {"issuer": "root", "validity": ca,
                           "extensions": [{"id": "basic_constraints", "critical": True,
                                           "value": {"ca": True, "path-len-constraint": 0}},
                                          _ku("digital_signature", "key_cert_sign", "crl_sign")]},
                "interm-ocsp": {"issuer": "interm", "validity": ca,
                                "extensions": [_ku("digital_signature"),
                                               {"id": "extended_key_usage", "critical": True, "value": ["ocsp_signing"]},
                                               {"id": "ocsp_no_check"}]},
                "tsa": {"issuer": "root", "validity": ca,
                        "extensions": [_ku("digital_signature"),
                                       {"id": "extended_key_usage", "critical": True, "value": ["time_stamping"]}]},
                "teacher": _signer(-30, 365),
                "school": _signer(-30, 365),
                "revoked": _signer(-30, 365, revocation={"revoked-since": _when(-1), "reason": "key_compromise"}),
                "expired": _signer(-400, -10),
            },
            "services": {
                "ocsp": {"interm": {"for-issuer": "interm", "responder-cert": "interm-ocsp",
                                    "signing-key": "interm-ocsp"}},
                "crl-repo": {"interm": {"for-issuer": "interm", "signing-key": "interm",
                                        "simulated-update-schedule": "P30D"}},
                "time-stamping": {"tsa": {"signing-key": "tsa", "signing-cert": "tsa"}},
            }}},
    }


@dataclass
class TestPKI:
    folder: Path
    base_url: str
    keys: dict[str, rsa.RSAPrivateKey]
    certs: dict[str, x509.Certificate]
    server: object

    @property
    def tsa_url(self) -> str:
        return f"{self.base_url}/test/tsa/tsa"

    def pair(self, label: str) -> KeyPair:
        return KeyPair(self.keys[label], self.certs[label], [self.certs["interm"], self.certs["root"]])

    def pem(self, label: str) -> Path:
        path = self.folder / f"{label}.crt.pem"
        path.write_bytes(self.certs[label].public_bytes(serialization.Encoding.PEM))
        return path

    def p12(self, label: str, password: str) -> bytes:
        from cryptography.hazmat.primitives.serialization import pkcs12

        return pkcs12.serialize_key_and_certificates(
            label.encode(), self.keys[label], self.certs[label], [self.certs["interm"], self.certs["root"]],
            serialization.BestAvailableEncryption(password.encode()))

    def stop(self) -> None:
        self.server.shutdown()


def start(folder: Path) -> TestPKI:
    from certomancer.integrations.animator import Animator, AnimatorArchStore
    from certomancer.registry import ArchLabel, CertLabel, CertomancerConfig
    from werkzeug.serving import make_server

    folder.mkdir(parents=True, exist_ok=True)
    keys = {}
    for label in KEYS:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        (folder / f"{label}.key.pem").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
        keys[label] = key
    # Bind first so that the certificates can name the port their services answer on.
    holder: dict = {}

    def app(environ, start_response):
        return holder["animator"](environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    cfg = CertomancerConfig(config(base_url), key_search_dir=str(folder))
    arch = cfg.get_pki_arch(ArchLabel("test"))
    holder["animator"] = Animator(AnimatorArchStore({ArchLabel("test"): arch}), with_web_ui=False)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    certs = {label: x509.load_der_x509_certificate(arch.get_cert(CertLabel(label)).dump())
             for label in ("root", "other-root", "interm", "tsa", "teacher", "school", "revoked", "expired")}
    return TestPKI(folder, base_url, keys, certs, server)
