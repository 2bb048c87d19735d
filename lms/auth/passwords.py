"""Password policy and argon2id hashing (domain/security.md §32–33)."""
from __future__ import annotations

import functools
import unicodedata

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from lms.core.errors import ValidationError
from lms.i18n import lazy_gettext as _l
from lms.i18n import ngettext

MIN_LENGTH = 8
MAX_LENGTH = 128
COMMON_LIST_SIZE = 10000

# Passwords Vietnamese users choose often that an English-language list misses.
_VIETNAMESE_COMMON = """
matkhau matkhau1 matkhau123 matkhau@123 anhyeuem anhyeuem1 anhyeuem123 emyeuanh emyeuanh123
yeuem123 iloveyou123 123456789a 12345678a a123456789 hanoi123 saigon123 vietnam123 vietnam1
hocsinh123 giaovien123 giaovien 123456aa abc123456 qwerty123 1234567890 0123456789 11111111
88888888 66666666 99999999 12341234 123123123 abcd1234 password1 password123 truonghoc
truonghoc123 phuhuynh phuhuynh123 conyeume concuame nguyen123 nguyenvan tranvan123 lethi123
"""


@functools.lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    words = FREQUENCY_LISTS["passwords"][:COMMON_LIST_SIZE]
    return frozenset(w.lower() for w in words) | frozenset(_VIETNAMESE_COMMON.split())


def check_policy(password: str, *, user_inputs: tuple[str, ...] = ()) -> str:
    """Return the NFC password or raise ValidationError saying what is wrong.

    Length counts characters, not bytes, so a Vietnamese passphrase is measured as it reads.
    No composition rules: length and a deny-list are what stop guessing.
    """
    value = unicodedata.normalize("NFC", password or "")
    if len(value) < MIN_LENGTH:
        raise ValidationError(ngettext("Mật khẩu cần ít nhất %(n)s ký tự.", "Mật khẩu cần ít nhất %(n)s ký tự.", MIN_LENGTH, n=MIN_LENGTH), field="password")
    if len(value) > MAX_LENGTH:
        raise ValidationError(ngettext("Mật khẩu dài tối đa %(n)s ký tự.", "Mật khẩu dài tối đa %(n)s ký tự.", MAX_LENGTH, n=MAX_LENGTH), field="password")
    lowered = value.lower()
    if lowered in common_passwords() or lowered.strip() in common_passwords():
        raise ValidationError(_l("Mật khẩu này quá phổ biến, dễ bị đoán. Hãy chọn một cụm từ riêng của bạn."),
                              field="password")
    for item in user_inputs:
        if item and len(item) >= 4 and lowered == item.lower():
            raise ValidationError(_l("Mật khẩu không được trùng tên đăng nhập, e-mail hay số điện thoại."),
                                  field="password")
    return value


class Hasher:
    """argon2id with parameters from configuration; outdated hashes are upgraded at sign-in."""

    def __init__(self, time_cost: int, memory_kib: int, parallelism: int):
        self._ph = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib, parallelism=parallelism)
        # A fixed hash to verify against when the account does not exist, so both paths take
        # the same time and the answer reveals nothing.
        self._dummy = self._ph.hash("dummy password for timing equality")

    def hash(self, password: str) -> str:
        return self._ph.hash(unicodedata.normalize("NFC", password))

    def verify(self, stored: str | None, password: str) -> bool:
        try:
            return self._ph.verify(stored or self._dummy, unicodedata.normalize("NFC", password)) \
                and stored is not None
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, stored: str) -> bool:
        try:
            return self._ph.check_needs_rehash(stored)
        except InvalidHashError:
            return True
