"""The client's address behind a proxy comes from ProxyFix with the configured number of hops, so
a forged `X-Forwarded-For` cannot move a guesser to a fresh per-address counter
(domain/security.md #45).
"""
import dataclasses

from lms import create_app
from lms.auth.throttle import Ceiling
from tests.conftest import CSRF_RE

WRONG = "không phải mật khẩu này"


def _proxied_app(app):
    """The same app, database and settings, behind one proxy (LMS_PROXY_HOPS=1)."""
    behind = create_app({**app.config, "PROXY_HOPS": 1})
    behind.extensions["lms_auth"] = dataclasses.replace(app.extensions["lms_auth"],
                                                        ip_ceiling=Ceiling(failures=5, window_minutes=15))
    return behind


def _guess(app, identifier: str, forwarded: str):
    http = app.test_client()
    headers = {"X-Forwarded-For": forwarded}
    token = CSRF_RE.search(http.get("/login", headers=headers).get_data(as_text=True)).group(1)
    return http.post("/login", data={"identifier": identifier, "password": WRONG, "csrf_token": token},
                     headers=headers)


def test_a_forged_forwarded_for_does_not_change_the_address_counted(app, world):
    behind = _proxied_app(app)
    # The proxy appends the real address (203.0.113.7); the guesser forges a new first entry each time.
    answers = [_guess(behind, f"nobody{i}", f"198.51.100.{i}, 203.0.113.7").status_code for i in range(7)]
    assert answers[:5] == [200] * 5 and set(answers[5:]) == {429}, answers
    # Another client behind the same proxy is not held back by the guesser's failures.
    assert _guess(behind, "nobody-else", "198.51.100.1, 203.0.113.8").status_code == 200
