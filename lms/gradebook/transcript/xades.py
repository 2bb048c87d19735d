"""XAdES signatures on the transcript XML with signxml, in the same two steps as the PDF:

1. `prepare`: signxml builds the ds:Signature (XAdES-BES: SignedProperties with the signing time
   and the signing certificate's digest) over the record element; the SignedInfo it would sign is
   captured instead of signed, and its SHA-256 is what the signer signs;
2. `finish`: the raw RSA signature that came back becomes the SignatureValue, and, with a
   time-stamping authority, an RFC 3161 time-stamp over it is added as the unsigned property
   SignatureTimeStamp (XAdES-T: the time the signature existed, from a third party, not the
   signer's own clock).

Every signature references the record element by its Id (not the whole document), so the school's
signature, appended after the teacher's, leaves the teacher's intact. `check` verifies each
signature on its own; trust in the certificate is decided by the caller (the same validation
context as the PDF's).
"""
from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from lxml import etree
from signxml import SignatureConstructionMethod
from signxml.xades import XAdESSignatureConfiguration, XAdESSigner, XAdESVerifier

DS = "{http://www.w3.org/2000/09/xmldsig#}"
XADES = "{http://uri.etsi.org/01903/v1.3.2#}"
PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_blank_text=False)


class _CapturingKey:
    """Stands in for the private key: signxml hands it the canonical SignedInfo, we keep its hash
    and return a placeholder of the right length."""

    def __init__(self, cert: x509.Certificate):
        self._public = cert.public_key()
        self.key_size = self._public.key_size
        self.data = self.digest = b""

    def public_key(self):
        return self._public

    def sign(self, data: bytes, padding=None, algorithm=None) -> bytes:
        self.data, self.digest = data, hashlib.sha256(data).digest()
        return bytes(self.key_size // 8)


@dataclass
class Prepared:
    xml: bytes
    signature_id: str
    digest: bytes
    to_sign: bytes = b""      # the canonical SignedInfo (a token signs it, hashing on the token)


def prepare(xml: bytes, reference_id: str, cert: x509.Certificate, chain: list[x509.Certificate]) -> Prepared:
    doc = etree.fromstring(xml, PARSER)
    before = {s.get("Id") for s in doc.findall(f"{DS}Signature")}
    key = _CapturingKey(cert)
    signer = XAdESSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm="rsa-sha256",
                         digest_algorithm="sha256")
    pems = [c.public_bytes(serialization.Encoding.PEM).decode() for c in [cert, *chain]]
    signed = signer.sign(doc, key=key, cert=pems, reference_uri=[f"#{reference_id}"], always_add_key_value=False)
    new = [s for s in signed.findall(f"{DS}Signature") if s.get("Id") not in before]
    return Prepared(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"), new[0].get("Id"), key.digest,
                    key.data)


C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"   # the time-stamp's input (XAdES 1.3.2 §7.3)


def finish(prepared_xml: bytes, signature_id: str, signature: bytes, *, timestamper=None) -> bytes:
    doc = etree.fromstring(prepared_xml, PARSER)
    element = _signature(doc, signature_id)
    element.find(f"{DS}SignatureValue").text = base64.b64encode(signature).decode()
    if timestamper is not None:
        from lms.core.loops import run_coroutine

        token = run_coroutine(timestamper.async_timestamp, timestamp_digest(element), "sha256")
        _add_timestamp(element, signature_id, token.dump())
    return etree.tostring(doc, xml_declaration=True, encoding="UTF-8")


def timestamp_digest(element) -> bytes:
    """SHA-256 of the signature's ds:SignatureValue element in inclusive canonical form: what the
    SignatureTimeStamp covers."""
    return hashlib.sha256(etree.tostring(element.find(f"{DS}SignatureValue"), method="c14n")).digest()


def _add_timestamp(element, signature_id: str, token: bytes) -> None:
    qualifying = element.find(f".//{XADES}QualifyingProperties")
    unsigned = qualifying.find(f"{XADES}UnsignedProperties")
    if unsigned is None:
        unsigned = etree.SubElement(qualifying, f"{XADES}UnsignedProperties")
    props = unsigned.find(f"{XADES}UnsignedSignatureProperties")
    if props is None:
        props = etree.SubElement(unsigned, f"{XADES}UnsignedSignatureProperties")
    stamp = etree.SubElement(props, f"{XADES}SignatureTimeStamp", Id=f"{signature_id}-ts")
    etree.SubElement(stamp, f"{DS}CanonicalizationMethod", Algorithm=C14N)
    etree.SubElement(stamp, f"{XADES}EncapsulatedTimeStamp").text = base64.b64encode(token).decode()


def _signature(doc, signature_id: str):
    for s in doc.findall(f"{DS}Signature"):
        if s.get("Id") == signature_id:
            return s
    raise ValueError(f"no signature {signature_id}")


@dataclass
class XmlSignature:
    signature_id: str
    intact: bool                 # the record and the signed properties are as signed
    cert: x509.Certificate | None
    chain: list[x509.Certificate]
    signing_time: datetime | None
    problem: str = ""
    timestamp_token: bytes | None = None     # the SignatureTimeStamp's DER token (XAdES-T)
    timestamp_digest: bytes = b""            # what its imprint must be
    document: dict = field(default_factory=dict)   # the signed record's hovaten, tenlop, namhoc
    outside: bool = False        # the file has content no signature covers (see `unsigned_content`)


def _signed_record(doc, element) -> dict:
    """What a signature is over, for a reader: the name, class and year of the record element its
    reference points to (an empty dict when it points to no record)."""
    for ref in element.iter(f"{DS}Reference"):
        uri = ref.get("URI") or ""
        if not uri.startswith("#"):
            continue
        for target in doc.iter():
            if isinstance(target.tag, str) and target.get("Id") == uri[1:] and not target.tag.startswith(DS) \
                    and not target.tag.startswith(XADES):
                return {etree.QName(child).localname: (child.text or "") for child in target
                        if isinstance(child.tag, str) and etree.QName(child).localname in ("hovaten", "tenlop", "namhoc")}
    return {}


# What a signed transcript's root holds besides its signed records and their signatures: the
# export's scope (phamvi), which says which file this is and is no part of any record.
UNSIGNED_PARTS = {"phamvi"}


def _referenced(doc) -> set[str]:
    return {(ref.get("URI") or "")[1:] for ref in doc.iter(f"{DS}Reference") if (ref.get("URI") or "").startswith("#")}


def unsigned_content(doc) -> bool:
    """Whether the document carries content no signature covers: text, comments or elements in the
    root besides the signed records, their signatures and the export's scope, or anything before or
    after the root element."""
    signed = _referenced(doc)
    if (doc.text or "").strip() or doc.getprevious() is not None or doc.getnext() is not None:
        return True
    for child in doc:
        if (child.tail or "").strip():
            return True
        if not isinstance(child.tag, str):          # a comment or processing instruction
            return True
        if child.tag == f"{DS}Signature" or child.get("Id") in signed or etree.QName(child).localname in UNSIGNED_PARTS:
            continue
        return True
    return False


def parse(xml: bytes):
    """The document and whether bytes other than white space follow its root element (the parser
    refuses those; what is before them is still checked, and the signatures told they do not
    cover the whole file)."""
    try:
        return etree.fromstring(xml, PARSER), False
    except etree.XMLSyntaxError:
        end = len(xml)
        for _ in range(20):      # the root's end is one of the last '>' (appended bytes may hold a few)
            end = xml.rfind(b">", 0, end) + 1
            if end <= 0:
                break
            try:
                return etree.fromstring(xml[:end], PARSER), True
            except etree.XMLSyntaxError:
                end -= 1
        raise


def check(xml: bytes) -> list[XmlSignature]:
    """Each signature of the document checked on its own against the certificate it carries."""
    doc, trailing = parse(xml)
    outside = trailing or unsigned_content(doc)
    out = []
    for element in doc.findall(f"{DS}Signature"):
        sig_id = element.get("Id") or ""
        certs = [x509.load_der_x509_certificate(base64.b64decode(c.text))
                 for c in element.iter(f"{DS}X509Certificate")]
        alone = etree.fromstring(etree.tostring(doc), PARSER)
        for other in alone.findall(f"{DS}Signature"):
            if other.get("Id") != sig_id:
                alone.remove(other)
        when = element.find(f".//{XADES}SigningTime")
        signing_time = datetime.fromisoformat(when.text) if when is not None and when.text else None
        if not certs:
            out.append(XmlSignature(sig_id, False, None, [], signing_time, "no certificate",
                                    document=_signed_record(doc, element)))
            continue
        try:
            XAdESVerifier().verify(alone, x509_cert=certs[0],
                                   expect_config=XAdESSignatureConfiguration(expect_references=3))
        except Exception as exc:  # signxml raises several kinds; each means "not as signed"
            out.append(XmlSignature(sig_id, False, certs[0], certs[1:], signing_time, type(exc).__name__,
                                    document=_signed_record(doc, element)))
            continue
        stamp = element.find(f".//{XADES}SignatureTimeStamp/{XADES}EncapsulatedTimeStamp")
        token = base64.b64decode(stamp.text) if stamp is not None and stamp.text else None
        out.append(XmlSignature(sig_id, True, certs[0], certs[1:], signing_time, "", token,
                                timestamp_digest(element) if token else b"", _signed_record(doc, element), outside))
    return out
