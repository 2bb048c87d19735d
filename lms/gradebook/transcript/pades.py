"""PAdES signatures on the transcript PDF with pyHanko, in two steps so that the key can be
elsewhere (a remote-signing provider confirming on the signer's phone, or a PKCS#12 file here):

1. `prepare`: add the signature field as an incremental update, reserve the /Contents space,
   hash the /ByteRange and build the CMS signed attributes (PAdES: signing certificate v2,
   message digest); what the signer must sign is SHA-256 of those attributes.
2. `finish`: put the raw RSA signature that came back into the CMS, add the RFC 3161 signature
   time-stamp (PAdES B-T) and write it into the reserved space. `add_validation_data` then
   appends a DSS with the certificates and the OCSP/CRL answers (B-LT) where the CA publishes them.

Each signature is its own incremental update, so the teacher's signature stays intact when the
school signs after it.
"""
from __future__ import annotations

import base64
import hashlib
import io
from dataclasses import dataclass

from asn1crypto import cms
from cryptography import x509
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields
from pyhanko.sign.signers.pdf_byterange import PreparedByteRangeDigest
from pyhanko.sign.signers.pdf_cms import ExternalSigner
from pyhanko.sign.signers.pdf_signer import PdfSignatureMetadata, PdfSigner, PdfTBSDocument
from pyhanko_certvalidator.registry import SimpleCertificateStore

from lms.core.loops import outside_loop, run_coroutine
from lms.gradebook.transcript.pki import to_asn1

MD = "sha256"


@dataclass
class Prepared:
    pdf: bytes          # the document with the reserved, empty signature space
    state: dict         # what `finish` needs besides the signature (JSON-safe)
    digest: bytes       # SHA-256 of the signed attributes: what the signer signs


def _signer(cert: x509.Certificate, chain: list[x509.Certificate], value: bytes | int) -> ExternalSigner:
    return ExternalSigner(signing_cert=to_asn1(cert),
                          cert_registry=SimpleCertificateStore.from_certs([to_asn1(c) for c in chain]),
                          signature_value=value)


def prepare(pdf: bytes, cert: x509.Certificate, chain: list[x509.Certificate], *, field_name: str, reason: str,
            location: str, timestamper) -> Prepared:
    async def run() -> Prepared:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        signer = _signer(cert, chain, cert.public_key().key_size // 8)
        meta = PdfSignatureMetadata(field_name=field_name, md_algorithm=MD, subfilter=fields.SigSeedSubFilter.PADES,
                                    reason=reason, location=location)
        pdf_signer = PdfSigner(meta, signer=signer, timestamper=timestamper)
        prepared_digest, _tbs, output = await pdf_signer.async_digest_doc_for_signing(writer)
        attrs = await signer.signed_attrs(prepared_digest.document_digest, MD, use_pades=True)
        state = {"document_digest": prepared_digest.document_digest.hex(),
                 "start": prepared_digest.reserved_region_start, "end": prepared_digest.reserved_region_end,
                 "signed_attrs": base64.b64encode(attrs.dump()).decode()}
        return Prepared(output.getvalue(), state, hashlib.sha256(attrs.dump()).digest())

    return run_coroutine(run)


def finish(prepared_pdf: bytes, state: dict, signature: bytes, cert: x509.Certificate,
           chain: list[x509.Certificate], *, timestamper) -> bytes:
    """The signed PDF: `signature` is the raw RSA signature over the prepared digest."""
    async def run() -> bytes:
        attrs = cms.CMSAttributes.load(base64.b64decode(state["signed_attrs"]))
        signer = _signer(cert, chain, signature)
        signed_cms = await signer.async_sign_prescribed_attributes(MD, signed_attrs=attrs, timestamper=timestamper)
        digest = PreparedByteRangeDigest(document_digest=bytes.fromhex(state["document_digest"]),
                                         reserved_region_start=state["start"], reserved_region_end=state["end"])
        output = io.BytesIO(prepared_pdf)
        await PdfTBSDocument.async_finish_signing(output, digest, signed_cms)
        return output.getvalue()

    return run_coroutine(run)


def add_validation_data(pdf: bytes, validation_context) -> bytes:
    """Append a DSS with what a verifier needs later (certificates, OCSP/CRL answers) for the
    document's last signature: PAdES B-LT where the CA publishes revocation data."""
    from pyhanko.sign.validation import add_validation_info

    reader = PdfFileReader(io.BytesIO(pdf), strict=False)
    output = outside_loop(add_validation_info, reader.embedded_signatures[-1], validation_context, in_place=False)
    return output.getvalue()
