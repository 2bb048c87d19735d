#!/usr/bin/env python3
"""hocba-ky-token — sign a class's digital transcripts with a USB token (PKCS#11).

Run on the school's signing computer, where the token (Viettel-CA, VNPT-CA, BKAV-CA, …) is plugged
in and its vendor's PKCS#11 library is installed. This file stands alone: it needs Python 3.10+,
pyHanko and python-pkcs11 (`pip install "pyHanko[pkcs11]"`), nothing else of the school's system.

    python3 hocba-ky-token.py --server https://truong.example.vn --code <mã lượt ký> \\
        --module <thư viện PKCS#11 của token: .dll trên Windows, .so trên Linux>

The round code is on the class's transcript page once the signer has started the round. The
program fetches the round (every document's bytes to sign and their SHA-256), checks that the
token holds the certificate the round was prepared for, asks for the token's PIN, signs each
document on the token (pyHanko's PKCS#11 signer: SHA-256 with RSA, computed by the token), uploads
the signatures, and waits while the school's server finishes the signed PDF and XML files.

    python3 hocba-ky-token.py --module <…> --export-certificate > chung-thu.pem

writes the token's certificate(s) for the school's settings page (Học bạ số → Cài đặt → Chữ ký số).
"""
from __future__ import annotations

import argparse
import asyncio
import base64
import getpass
import hashlib
import json
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable

API = "/api/hocba/token-round"
Transport = Callable[..., tuple[int, dict]]   # (method, path, code, body) → (HTTP status, JSON answer)


class SigningError(Exception):
    """What went wrong, in words for the person at the signing computer."""


class HttpTransport:
    def __init__(self, server: str, timeout: float = 60):
        # Only http(s): a --server of file:… or ftp:… is refused here (so urlopen below is safe).
        if urllib.parse.urlsplit(server).scheme not in ("http", "https"):
            raise SigningError(f"Địa chỉ máy chủ phải bắt đầu bằng https:// (Server address must start "
                               f"with https://): {server}")
        self.server, self.timeout = server.rstrip("/"), timeout

    def __call__(self, method: str, path: str, code: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method, headers={
            "Authorization": f"Bearer {code}", "Accept": "application/json",
            **({"Content-Type": "application/json"} if data is not None else {})})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as answer:  # noqa: S310  # nosec B310
                return answer.status, json.loads(answer.read() or b"{}")
        except urllib.error.HTTPError as exc:
            try:
                return exc.code, json.loads(exc.read() or b"{}")
            except ValueError:
                return exc.code, {}
        except (urllib.error.URLError, OSError) as exc:
            raise SigningError(f"Không kết nối được máy chủ {self.server}: {exc}") from exc


def _answer(status: int, answer: dict, expected: int = 200) -> dict:
    if status != expected:
        raise SigningError(answer.get("error") or f"Máy chủ trả lời HTTP {status}.")
    return answer


def fetch(transport: Transport, code: str) -> dict:
    """The round: its description, signer, certificate serial and documents."""
    return _answer(*transport("GET", API, code))


def open_token(module: str, pin: str | None, *, token_label: str | None = None, slot: int | None = None):
    """A logged-in session on the token (pyHanko's helper over python-pkcs11)."""
    from pkcs11 import PKCS11Error
    from pyhanko.config.pkcs11 import TokenCriteria
    from pyhanko.sign.pkcs11 import open_pkcs11_session

    try:
        return open_pkcs11_session(module, slot_no=slot, user_pin=pin,
                                   token_criteria=TokenCriteria(label=token_label) if token_label else None)
    except PKCS11Error as exc:
        name = type(exc).__name__
        if name in ("PinIncorrect", "PinInvalid", "PinLenRange"):
            raise SigningError("Sai mã PIN của USB token. Token sẽ khoá sau vài lần sai liên tiếp.") from exc
        if name == "PinLocked":
            raise SigningError("USB token đã bị khoá PIN; liên hệ nhà cung cấp chứng thư số.") from exc
        raise SigningError(f"Không mở được USB token ({name}: {exc}).") from exc
    except OSError as exc:
        raise SigningError(f"Không nạp được thư viện PKCS#11 {module}: {exc}") from exc


def _key_of(session, key_label: str | None):
    """(label, id) of the signing key: the one named, or the token's only private key."""
    from pkcs11 import Attribute, ObjectClass

    keys = list(session.get_objects({Attribute.CLASS: ObjectClass.PRIVATE_KEY}))
    if key_label:
        keys = [k for k in keys if k.label == key_label]
    if len(keys) != 1:
        found = ", ".join(repr(k.label) for k in keys) or "không có"
        raise SigningError(f"Cần đúng một khoá ký trên token (tìm thấy: {found}); chọn bằng --key-label.")
    return keys[0].label, keys[0][Attribute.ID]


def token_signer(session, key_label: str | None = None):
    from pyhanko.sign.pkcs11 import PKCS11Signer

    label, key_id = _key_of(session, key_label)
    return PKCS11Signer(session, key_id=key_id, cert_id=key_id, other_certs_to_pull=None)


def sign_documents(round_: dict, signer) -> dict[str, str]:
    """Every document's signature (base64), made on the token; refused before signing anything
    if the token's certificate is not the round's or a document's bytes do not match its hash."""
    serial = format(signer.signing_cert.serial_number, "x")
    if serial.lower() != (round_.get("certificate_serial") or "").lower():
        raise SigningError(f"Token này giữ chứng thư số {serial}, lượt ký được chuẩn bị cho chứng thư "
                           f"{round_.get('certificate_serial')} ({round_.get('signer')}). Cắm đúng token.")
    out: dict[str, str] = {}
    for doc in round_["documents"]:
        data = base64.b64decode(doc["to_sign"])
        if hashlib.sha256(data).hexdigest() != doc["sha256"]:
            raise SigningError(f"Tài liệu {doc['doc_id']} không khớp với mã băm máy chủ gửi; không ký.")
        signature = asyncio.run(signer.async_sign_raw(data, "sha256"))
        out[doc["doc_id"]] = base64.b64encode(signature).decode()
    return out


def upload(transport: Transport, code: str, signatures: dict[str, str]) -> dict:
    return _answer(*transport("POST", API, code, {"signatures": signatures}), expected=202)


def wait_finished(transport: Transport, code: str, *, every: float = 3, limit: float = 900,
                  say: Callable[[str], None] = print) -> dict:
    deadline = time.monotonic() + limit
    while True:
        state = fetch(transport, code)
        if state["status"] != "waiting":
            return state
        if time.monotonic() > deadline:
            raise SigningError("Máy chủ chưa hoàn tất; xem tiến độ trên trang học bạ số của lớp.")
        say("… máy chủ đang hoàn tất tệp PDF và XML đã ký")
        time.sleep(every)


def sign_round(transport: Transport, code: str, *, module: str, pin: str, token_label: str | None = None,
               slot: int | None = None, key_label: str | None = None, confirm: Callable[[dict], bool] = lambda r: True,
               say: Callable[[str], None] = print, wait_every: float = 3) -> dict:
    """The whole round: fetch, sign on the token, upload, wait. Returns the round's final state."""
    round_ = fetch(transport, code)
    if round_["status"] != "waiting":
        raise SigningError(f"Lượt ký này không còn chờ ký ({round_['status']}).")
    if not confirm(round_):
        raise SigningError("Đã huỷ; chưa ký gì.")
    session = open_token(module, pin, token_label=token_label, slot=slot)
    try:
        signatures = sign_documents(round_, token_signer(session, key_label))
    finally:
        session.close()
    say(f"Đã ký {len(signatures)} tài liệu trên USB token; đang tải lên.")
    upload(transport, code, signatures)
    return wait_finished(transport, code, every=wait_every, say=say)


def export_certificate(module: str, pin: str | None, *, token_label: str | None = None, slot: int | None = None,
                       key_label: str | None = None) -> str:
    """The signing key's certificate and the token's other certificates, as PEM."""
    from asn1crypto import pem

    session = open_token(module, pin, token_label=token_label, slot=slot)
    try:
        signer = token_signer(session, key_label)
        own = signer.signing_cert.dump()
        ders = [own] + sorted({c.dump() for c in signer.cert_registry} - {own})
        return "".join(pem.armor("CERTIFICATE", der).decode() for der in ders)
    finally:
        session.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="hocba-ky-token", description="Ký học bạ số bằng USB token (PKCS#11).")
    parser.add_argument("--server", help="địa chỉ hệ thống của trường, ví dụ https://truong.example.vn")
    parser.add_argument("--code", help="mã lượt ký trên trang học bạ số của lớp")
    parser.add_argument("--module", required=True, help="thư viện PKCS#11 của token (.dll / .so)")
    parser.add_argument("--token-label", help="nhãn token, khi cắm nhiều token")
    parser.add_argument("--slot", type=int, help="số khe (slot) của token")
    parser.add_argument("--key-label", help="nhãn khoá ký, khi token có nhiều khoá")
    parser.add_argument("--export-certificate", action="store_true", help="in chứng thư số của token (PEM) rồi thoát")
    parser.add_argument("--yes", action="store_true", help="không hỏi lại trước khi ký")
    args = parser.parse_args(argv)
    pin = os.environ.get("LMS_TOKEN_PIN")
    try:
        if args.export_certificate:
            sys.stdout.write(export_certificate(args.module, pin or getpass.getpass("Mã PIN của USB token: "),
                                                token_label=args.token_label, slot=args.slot, key_label=args.key_label))
            return 0
        if not (args.server and args.code):
            parser.error("cần --server và --code (hoặc --export-certificate)")
        transport = HttpTransport(args.server)

        def confirm(round_: dict) -> bool:
            print(f"{round_['description']}\nNgười ký: {round_['signer']}\nSố tài liệu: {len(round_['documents'])}")
            return args.yes or input("Ký các tài liệu này? [c/K] ").strip().lower() in ("c", "co", "có", "y", "yes")

        if pin is None:
            first = fetch(transport, args.code)   # say what is to be signed before asking for the PIN
            if first["status"] != "waiting" or not confirm(first):
                raise SigningError("Đã huỷ; chưa ký gì." if first["status"] == "waiting"
                                   else f"Lượt ký này không còn chờ ký ({first['status']}).")
            pin = getpass.getpass("Mã PIN của USB token: ")
            final = sign_round(transport, args.code, module=args.module, pin=pin, token_label=args.token_label,
                               slot=args.slot, key_label=args.key_label)
        else:
            final = sign_round(transport, args.code, module=args.module, pin=pin, token_label=args.token_label,
                               slot=args.slot, key_label=args.key_label, confirm=confirm)
    except SigningError as exc:
        print(f"Lỗi: {exc}", file=sys.stderr)
        return 1
    if final["status"] != "signed":
        print(f"Lượt ký kết thúc: {final['status']} {final.get('message') or ''}", file=sys.stderr)
        return 1
    print("Xong: máy chủ đã lưu học bạ đã ký. Mở trang học bạ số của lớp để phát hành.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
