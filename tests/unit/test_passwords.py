import unicodedata

import pytest

from lms.auth.passwords import Hasher, check_policy
from lms.core.errors import ValidationError


@pytest.mark.parametrize("password", ["short", "1234567"])
def test_too_short(password):
    with pytest.raises(ValidationError) as err:
        check_policy(password)
    assert "8" in str(err.value.message)


def test_too_long():
    with pytest.raises(ValidationError):
        check_policy("x" * 129)


@pytest.mark.parametrize("password", ["password", "12345678", "iloveyou", "matkhau123", "Password", "qwertyuiop"])
def test_common_passwords_refused(password):
    with pytest.raises(ValidationError):
        check_policy(password)


def test_long_vietnamese_passphrase_accepted_without_truncation():
    phrase = ("Mùa thu Hà Nội lá vàng rơi đầy phố cổ, em đạp xe qua hồ Gươm nghe tiếng chuông chùa ngân "
              "xa mãi trong chiều thu")[:100]
    assert len(phrase) == 100
    assert check_policy(phrase) == phrase
    hasher = Hasher(1, 8192, 1)
    stored = hasher.hash(phrase)
    assert hasher.verify(stored, phrase)
    assert not hasher.verify(stored, phrase[:-1])  # every character counts: no truncation


def test_no_composition_rules():
    assert check_policy("tôi thích ăn phở") == "tôi thích ăn phở"


def test_decomposed_input_matches_composed_hash():
    hasher = Hasher(1, 8192, 1)
    stored = hasher.hash("mật khẩu của tôi")
    assert hasher.verify(stored, unicodedata.normalize("NFD", "mật khẩu của tôi"))


def test_password_equal_to_username_refused():
    with pytest.raises(ValidationError):
        check_policy("nguyenvanan2010", user_inputs=("nguyenvanan2010",))


def test_production_hash_parameters_meet_asvs():
    """ASVS 5.0 Appendix C for argon2id: t=1 with m ≥ 46 MiB, t=2 with m ≥ 19 MiB, or t ≥ 3 with
    m ≥ 12 MiB. The app uses t=2, m=19 MiB, p=1; hashes of the former default (t=3, 64 MiB, p=4)
    still verify and are re-made at the next sign-in."""
    import re

    from argon2 import PasswordHasher

    from lms.config import Config

    hasher = Hasher(Config.ARGON2_TIME_COST, Config.ARGON2_MEMORY_KIB, Config.ARGON2_PARALLELISM)
    stored = hasher.hash("một câu mật khẩu dài")
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    m, t = (int(x) for x in re.match(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=\d+\$", stored).groups())
    assert (t == 1 and m >= 46 * 1024) or (t == 2 and m >= 19 * 1024) or (t >= 3 and m >= 12 * 1024)
    former = PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4).hash("một câu mật khẩu dài")
    assert hasher.verify(former, "một câu mật khẩu dài") and hasher.needs_rehash(former)
    assert not hasher.needs_rehash(stored)


def test_unknown_account_verification_is_false_not_error():
    hasher = Hasher(1, 8192, 1)
    assert hasher.verify(None, "anything at all") is False
    assert hasher.verify("not-a-hash", "anything at all") is False
