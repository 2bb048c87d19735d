"""Whom verification trusts and where signatures get their time: the configured trust roots (the
government CA's roots in production, LMS_TRUST_ROOTS; the sandbox CA's root while the signing
sandbox is on), the RFC 3161 time-stamping authority (LMS_TSA_URL, or the sandbox's own) and the
validation context pyHanko checks certificates with (OCSP/CRL fetched where the certificates
publish them, and a check that cannot be made is a failure; a certificate that publishes none is
not held against the signer)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509

from lms.gradebook.transcript.pki import SandboxCA, to_asn1


@dataclass
class Trust:
    roots: list[x509.Certificate] = field(default_factory=list)
    tsa_url: str | None = None
    sandbox: SandboxCA | None = None
    fetch: bool = True          # fetch OCSP/CRL named in the certificates

    @property
    def all_roots(self) -> list[x509.Certificate]:
        return [*self.roots, *([self.sandbox.root] if self.sandbox else [])]

    def timestamper(self):
        if self.tsa_url:
            from pyhanko.sign.timestamps import HTTPTimeStamper

            return HTTPTimeStamper(self.tsa_url)
        if self.sandbox:
            return self.sandbox.timestamper()
        return None

    def context(self, *, at: datetime | None = None, extra_certs: list[x509.Certificate] | None = None,
                strict: bool = True):
        """A pyHanko validation context over our trust roots. `strict` (verification): revocation
        data the certificates name must be obtained and good; otherwise (collecting validation
        data while signing) what cannot be fetched is left out."""
        from pyhanko_certvalidator import ValidationContext

        kwargs = {}
        if at is not None:
            kwargs["moment"] = at
        return ValidationContext(trust_roots=[to_asn1(c) for c in self.all_roots],
                                 other_certs=[to_asn1(c) for c in extra_certs or []],
                                 allow_fetching=self.fetch, revocation_mode="hard-fail" if strict else "soft-fail",
                                 **kwargs)
