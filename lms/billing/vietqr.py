"""NAPAS247 VietQR payloads (EMVCo merchant-presented mode): build, parse, CRC.

Lengths count characters; the CRC runs over UTF-8 bytes (domain/payments.md §2). Building
normalises text to NFC; parsing is strict and never normalises.
"""
from __future__ import annotations

import binascii
import re
import unicodedata

GUID = "A000000727"
SERVICES = ("QRIBFTTA", "QRIBFTTC")  # to an account, to a card
MAX_AMOUNT = 10 ** 13  # 13 digits at most
MAX_SUBFIELD = 25


class InvalidPayload(ValueError):
    """A payload that is not a well-formed NAPAS transfer VietQR."""


def crc16(data: str) -> str:
    """CRC-16/CCITT-FALSE over the UTF-8 bytes; 4 upper-case hex digits."""
    return f"{binascii.crc_hqx(data.encode('utf-8'), 0xFFFF):04X}"


def _tlv(tag: str, value: str) -> str:
    if not 1 <= len(value) <= 99:
        raise ValueError(f"object {tag}: value of {len(value)} characters (1–99 allowed)")
    return f"{tag}{len(value):02d}{value}"


def _text(name: str, value: str | None) -> str | None:
    if value is None:
        return None
    text = unicodedata.normalize("NFC", str(value))
    if not text or len(text) > MAX_SUBFIELD:
        raise ValueError(f"{name}: 1–{MAX_SUBFIELD} characters, got {len(text)}")
    return text


def build_payload(bank_bin: str, account: str, amount: int | None = None, bill_number: str | None = None,
                  purpose: str | None = None, service: str = "QRIBFTTA") -> str:
    """The VietQR text for a transfer to `account` at the bank `bank_bin`.

    With an amount the code is dynamic (one payment, point of initiation 12), without it static
    (11). Tag 62 carries the bill number (01) then the purpose (08) that banks copy into the
    transfer content.
    """
    if not isinstance(bank_bin, str) or not re.fullmatch(r"[0-9]{6}", bank_bin):
        raise ValueError(f"bank_bin: six digits, got {bank_bin!r}")
    if not isinstance(account, str) or not re.fullmatch(r"[0-9A-Za-z]{1,19}", account):
        raise ValueError(f"account: 1–19 ASCII letters or digits, got {account!r}")
    if service not in SERVICES:
        raise ValueError(f"service: one of {', '.join(SERVICES)}, got {service!r}")
    if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int)
                               or not 0 < amount < MAX_AMOUNT):
        raise ValueError(f"amount: a whole number of đồng from 1 to 13 digits, got {amount!r}")
    bill, text = _text("bill_number", bill_number), _text("purpose", purpose)

    beneficiary = _tlv("00", GUID) + _tlv("01", _tlv("00", bank_bin) + _tlv("01", account)) + _tlv("02", service)
    payload = _tlv("00", "01") + _tlv("01", "12" if amount is not None else "11") + _tlv("38", beneficiary)
    payload += _tlv("53", "704")
    if amount is not None:
        payload += _tlv("54", str(amount))
    payload += _tlv("58", "VN")
    if bill is not None or text is not None:
        extra = (_tlv("01", bill) if bill is not None else "") + (_tlv("08", text) if text is not None else "")
        payload += _tlv("62", extra)
    payload += "6304"
    return payload + crc16(payload)


def _objects(data: str, where: str) -> list[tuple[str, str]]:
    """Strict TLV: every object whole, nothing left over."""
    out, i = [], 0
    while i < len(data):
        header = data[i:i + 4]
        if len(header) < 4 or not header.isascii() or not header.isdigit():
            raise InvalidPayload(f"{where}: malformed object header at position {i}")
        tag, length = header[:2], int(header[2:])
        if length == 0:
            raise InvalidPayload(f"{where}: object {tag} has length 00")
        value = data[i + 4:i + 4 + length]
        if len(value) != length:
            raise InvalidPayload(f"{where}: object {tag} runs past the end")
        out.append((tag, value))
        i += 4 + length
    return out


def parse_payload(payload: str) -> dict:
    """The fields of a NAPAS transfer VietQR; InvalidPayload for anything else."""
    if not isinstance(payload, str) or len(payload) < 8 or payload[-8:-4] != "6304":
        raise InvalidPayload("the payload must end with the CRC object 6304 and four hex digits")
    crc = payload[-4:]
    if not re.fullmatch(r"[0-9A-Fa-f]{4}", crc) or crc.upper() != crc16(payload[:-4]):
        raise InvalidPayload("CRC mismatch")
    objects = _objects(payload, "root")
    tags = [t for t, _ in objects]
    if len(set(tags)) != len(tags):
        raise InvalidPayload("an object appears twice")
    if tags[0] != "00" or tags[-1] != "63":
        raise InvalidPayload("00 must come first and 63 last")
    root = dict(objects)
    if root["00"] != "01":
        raise InvalidPayload("payload format indicator must be 01")
    if root.get("01") not in ("11", "12"):
        raise InvalidPayload("point of initiation must be 11 or 12")
    for tag in ("38", "53", "58"):
        if tag not in root:
            raise InvalidPayload(f"mandatory object {tag} is missing")

    beneficiary = dict(_objects(root["38"], "38"))
    if beneficiary.get("00") != GUID:
        raise InvalidPayload("38/00 is not the NAPAS GUID A000000727")
    if "01" not in beneficiary:
        raise InvalidPayload("38/01 (bank and account) is missing")
    bank = dict(_objects(beneficiary["01"], "38/01"))
    if not re.fullmatch(r"[0-9]{6}", bank.get("00", "")) or not bank.get("01"):
        raise InvalidPayload("38/01 must hold a six-digit BIN and an account")

    amount = root.get("54")
    if amount is not None and not (amount.isascii() and amount.isdigit()):
        raise InvalidPayload("54 (amount) must be digits")
    extra = dict(_objects(root["62"], "62")) if "62" in root else {}
    return {
        "point_of_initiation": root["01"],
        "bank_bin": bank["00"],
        "account": bank["01"],
        "service": beneficiary.get("02"),
        "currency": root["53"],
        "amount": int(amount) if amount is not None else None,
        "country": root["58"],
        "bill_number": extra.get("01"),
        "purpose": extra.get("08"),
    }
