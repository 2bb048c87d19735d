"""An outside-style attack on a running lms, over HTTP, across schools and roles (issue #22's
"second run"). Nothing here knows the code: it signs in as the demo's people, crawls what each
reaches, and then tries what a curious or hostile user would.

    .venv/bin/python bench/attack.py --base http://127.0.0.1:5000 [--pages 120]

Against the demo (`flask seed-demo`, every account's password `hoc-tap-vui-ve-2026`):

1. Crossing schools and families: every page with a number in its path that a person of one
   school (or family) reached is asked for by the same role of another school (or family). Anything but a refusal (403/404, or a redirect to
   sign-in) is a finding.
2. Ids no column holds (2^31, 2^63, 25 digits) in place of each number: never a 5xx.
3. Every form's action posted without its CSRF token: 400. The same action with a JSON body that
   is not an object and with a form of nonsense values: never a 5xx.
4. Sign-in: an unknown account and a wrong password get the same status and page; `next=` to
   another host leads home.
5. Every page answered carries CSP, nosniff and no-store; none shows a stack trace.
6. Who has an account: school B's admin adds, by hand (staff form, a guardian on a pupil) and by
   import (staff list, student list), e-mails and phones of school A's people and new ones; the
   answers, with the identifiers blanked, must be the same. The password-reset page answers an
   account and no account alike. (Every invitation made is withdrawn again.)
7. Account actions across schools: B's admin asks for a one-time link, a lock or an end of
   sessions of every account on A's staff and parents lists, and for the link or withdrawal of
   A's waiting invitations: each must be refused.

Prints each finding and a summary; exits 1 if anything was found.
"""
from __future__ import annotations

import argparse
import re
import sys
from collections import deque
from urllib.parse import urljoin, urlsplit

import requests

PASSWORD = "hoc-tap-vui-ve-2026"
# (role, school A's login, school B's login)
PAIRS = [("admin", "admin.thcs", "admin.thpt"), ("accountant", "ketoan.thcs", "ketoan.thpt"),
         ("teacher", "gv1.thcs", "gv1.thpt"), ("primary teacher", "gv1.th", "gv1.thpt"),
         ("pupil", "8910000023.thcs-nd", "8920000005.thpt-lx"), ("parent", "0311759056", "0756692354")]
# Pairs are in different departments: the district's two schools (THCS, primary) share the library
# items they mark "shared with the department" by design, which a crossing between them would show.
LINK = re.compile(r'href="([^"#]+)"')
FORM = re.compile(r'<form[^>]*method="post"[^>]*action="([^"]+)"|<form[^>]*action="([^"]+)"[^>]*method="post"',
                  re.IGNORECASE)
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
INPUT = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')
NUMBER = re.compile(r"/(\d+)(?=/|$|\.)")
# Pages that change state on GET or end the session are not crawled.
SKIP = re.compile(r"/logout|/switch|/language|/static/|/healthz|/readyz|\.(?:pdf|xlsx|zip|docx|csv|ics|png|jpe?g)$")
# Posting with a valid token to these would sign the attacker out or lock the accounts used next.
NO_POST = re.compile(r"/logout|/switch|/language|/users/\d+/|/account/|/password|/context")
HUGE = ["2147483648", "9223372036854775808", "9999999999999999999999999"]
NONSENSE = ["99999999999999999999999", "-2147483649", "x" * 300, "", "1e999", "NaN", "\x00"]
TRACE = re.compile(r"Traceback \(most recent call last\)|sqlalchemy\.exc|psycopg|File \"/")


class Attack:
    def __init__(self, base: str, pages: int):
        self.base = base.rstrip("/")
        self.pages = pages
        self.findings: list[str] = []
        self.requests = 0

    def find(self, what: str) -> None:
        self.findings.append(what)
        print("FINDING", what, flush=True)

    def session(self, login: str) -> requests.Session:
        s = requests.Session()
        page = s.get(self.base + "/login")
        token = CSRF.search(page.text).group(1)
        r = s.post(self.base + "/login", data={"identifier": login, "password": PASSWORD, "csrf_token": token},
                   allow_redirects=False)
        if r.status_code != 302:
            raise SystemExit(f"cannot sign in as {login}: {r.status_code}")
        return s

    def get(self, s: requests.Session, path: str) -> requests.Response:
        self.requests += 1
        r = s.get(self.base + path, allow_redirects=False, timeout=60)
        self.check_response(path, r)
        return r

    def check_response(self, path: str, r: requests.Response) -> None:
        if r.status_code >= 500:
            self.find(f"{r.status_code} on {r.request.method} {path}")
        if TRACE.search(r.text[:200_000] if "text" in r.headers.get("Content-Type", "") else ""):
            self.find(f"stack trace or SQL shown on {path}")
        csp = r.headers.get("Content-Security-Policy", "")
        if "default-src" not in csp or r.headers.get("X-Content-Type-Options") != "nosniff":
            self.find(f"missing CSP or nosniff on {path}")
        if r.status_code == 200 and "no-store" not in r.headers.get("Cache-Control", "") \
                and not path.startswith("/static/"):
            self.find(f"cacheable signed-in page {path}")

    def crawl(self, s: requests.Session) -> tuple[set[str], set[str]]:
        """Pages reached (paths with a query) and form actions, breadth first."""
        seen, forms, queue = set(), set(), deque(["/"])
        while queue and len(seen) < self.pages:
            path = queue.popleft()
            if path in seen:
                continue
            seen.add(path)
            r = self.get(s, path)
            if r.status_code in (301, 302, 303):
                target = urlsplit(urljoin(self.base + path, r.headers.get("Location", "")))
                if target.netloc == urlsplit(self.base).netloc:
                    queue.append(target.path + (f"?{target.query}" if target.query else ""))
                continue
            if "text/html" not in r.headers.get("Content-Type", ""):
                continue
            for href in LINK.findall(r.text):
                url = urlsplit(urljoin(self.base + path, href.replace("&amp;", "&")))
                if url.netloc != urlsplit(self.base).netloc or SKIP.search(url.path):
                    continue
                queue.append(url.path + (f"?{url.query}" if url.query else ""))
            for a, b in FORM.findall(r.text):
                action = urlsplit(urljoin(self.base + path, (a or b).replace("&amp;", "&"))).path
                if not SKIP.search(action) and not NO_POST.search(action):
                    forms.add(action)
        return seen, forms

    def refused(self, r: requests.Response) -> bool:
        if r.status_code in (401, 403, 404, 410):
            return True
        return r.status_code in (302, 303) and "/login" in r.headers.get("Location", "")

    def cross(self, role: str, pages_a: set[str], s_b: requests.Session) -> int:
        tried = 0
        for path in sorted(pages_a):
            if not NUMBER.search(path.split("?")[0]):
                continue
            r = self.get(s_b, path)
            tried += 1
            if not self.refused(r) and r.status_code == 200:
                self.find(f"{role} of another school reads {path} ({r.status_code})")
        return tried

    def huge_ids(self, s: requests.Session, pages: set[str]) -> int:
        tried, shapes = 0, set()
        for path in sorted(pages):
            bare = path.split("?")[0]
            shape = NUMBER.sub("/N", bare)
            if shape in shapes or not NUMBER.search(bare):
                continue
            shapes.add(shape)
            for huge in HUGE:
                for match in NUMBER.finditer(bare):
                    self.get(s, bare[:match.start(1)] + huge + bare[match.end(1):])
                    tried += 1
        return tried

    def posts(self, s: requests.Session, forms: set[str], pages: set[str]) -> int:
        tried = 0
        token_page = self.get(s, "/")
        token = (CSRF.search(token_page.text) or CSRF.search(s.get(self.base + "/account/password").text)).group(1)
        for action in sorted(forms):
            self.requests += 3
            r = s.post(self.base + action, data={"x": "1"}, allow_redirects=False, timeout=60)
            self.check_response(action, r)
            if r.status_code != 400:
                self.find(f"POST {action} without a CSRF token answered {r.status_code}")
            for body in ("[1, 2]", "12", "null", '{"a": [}'):
                r = s.post(self.base + action, data=body, headers={"Content-Type": "application/json",
                                                                   "X-CSRFToken": token}, allow_redirects=False)
                if r.status_code >= 500:
                    self.find(f"{r.status_code} on POST {action} with JSON {body}")
            page = next((p for p in pages if p.split("?")[0] == action), None)
            names = set(INPUT.findall(self.get(s, page).text)) - {"csrf_token"} if page else set()
            for value in NONSENSE:
                r = s.post(self.base + action, data={**{n: value for n in names}, "csrf_token": token},
                           allow_redirects=False, timeout=60)
                if r.status_code >= 500:
                    self.find(f"{r.status_code} on POST {action} with fields set to {value[:20]!r}")
            tried += 1
        return tried

    def sign_in(self) -> None:
        def attempt(identifier: str, password: str, next_: str = "") -> requests.Response:
            s = requests.Session()
            token = CSRF.search(s.get(self.base + "/login" + (f"?next={next_}" if next_ else "")).text).group(1)
            return s.post(self.base + "/login", data={"identifier": identifier, "password": password,
                                                      "csrf_token": token, "next": next_}, allow_redirects=False)

        unknown, wrong = attempt("khong.co.ai.9", "sai-mat-khau-1"), attempt("gv2.thcs", "sai-mat-khau-1")
        strip = re.compile(r'value="[^"]*"|khong\.co\.ai\.9|gv2\.thcs')
        if unknown.status_code != wrong.status_code or strip.sub("", unknown.text) != strip.sub("", wrong.text):
            self.find("an unknown account and a wrong password are answered differently")
        for target in ("//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"):
            r = attempt("gv3.thcs", PASSWORD, target)
            location = r.headers.get("Location", "")
            if "evil" in location or location.startswith("javascript"):
                self.find(f"next={target} followed to {location}")

    def token(self, s: requests.Session, path: str = "/") -> str:
        found = CSRF.search(s.get(self.base + path).text)
        return found.group(1) if found else ""      # e.g. the reset page without e-mail set up

    @staticmethod
    def blank(text: str, *values: str) -> str:
        for value in values:
            text = text.replace(value, "<ID>")
        text = re.sub(r'(name="(?:csrf_token|token)"[^>]*value=")[^"]*', r"\1<T>", text)
        text = re.sub(r'nonce="[^"]*"', "", text)
        return re.sub(r"/(?:school/)?invitations/\d+/", "/invitations/N/", text)

    def withdraw_all(self, s: requests.Session) -> None:
        for page in ("/school/staff", "/school/parents"):
            for invitation in set(re.findall(r"/school/invitations/(\d+)/cancel", s.get(self.base + page).text)):
                s.post(f"{self.base}/school/invitations/{invitation}/cancel", data={"csrf_token": self.token(s)})

    def identifiers(self) -> int:
        """Section 6: the same answer for an identifier with an account and one without."""
        s_a, s_b = self.session(PAIRS[0][1]), self.session(PAIRS[0][2])
        staff_a = s_a.get(self.base + "/school/staff").text
        parents_a = s_a.get(self.base + "/school/parents").text
        emails = sorted(set(re.findall(r"[\w.+-]+@[\w-]+\.[\w.]+", staff_a)))[:2]
        phones = sorted(set(re.findall(r"\b0\d{9}\b", parents_a)))[:2]
        pupil = re.search(r'href="/school/students/(\d+)"', s_b.get(self.base + "/school/students").text).group(1)
        tried = 0
        self.withdraw_all(s_b)
        for kind, existing, new in (("staff-email", emails, "khach.moi.9@example.vn"),
                                    ("guardian-phone", phones, "0977000987")):
            for old in existing:
                answers = []
                for value in (old, new):
                    if kind == "staff-email":
                        r = s_b.post(self.base + "/school/staff", data={
                            "full_name": "Người Khách", "email": value, "roles": "teacher",
                            "csrf_token": self.token(s_b, "/school/staff")})
                    else:
                        r = s_b.post(f"{self.base}/school/students/{pupil}/guardians", data={
                            "full_name": "Người Khách", "relation": "Bà", "phone": value,
                            "csrf_token": self.token(s_b, f"/school/students/{pupil}")})
                    self.requests += 2
                    self.check_response(kind, r)
                    answers.append(self.blank(r.text, value))
                    self.withdraw_all(s_b)
                    tried += 1
                if answers[0] != answers[1]:
                    self.find(f"{kind}: adding {old} is answered differently from a new identifier")
        for kind, rows in (("staff", lambda v: f"Họ và tên*,Tên đăng nhập,Email,Số điện thoại,Vai trò*\r\n"
                                             f"Người Khách,,{v},,Giáo viên\r\n"),):
            for old in emails[:1]:
                previews = []
                for value in (old, "khach.moi.8@example.vn"):
                    r = s_b.post(self.base + f"/school/import/{kind}", data={"csrf_token": self.token(s_b, f"/school/import/{kind}")},
                                 files={"file": ("ds.csv", ("\ufeff" + rows(value)).encode())})
                    self.requests += 2
                    previews.append(self.blank(r.text, value))
                    tried += 1
                if previews[0] != previews[1]:
                    self.find(f"{kind} import: a preview tells an existing identifier from a new one")
        forgot = []
        for identifier in (PAIRS[0][1], "khong.co.ai.8"):
            s = requests.Session()
            r = s.post(self.base + "/forgot", data={"identifier": identifier, "csrf_token": self.token(s, "/forgot")},
                       allow_redirects=False)
            forgot.append((r.status_code, r.headers.get("Location")))
            tried += 1
        if forgot[0] != forgot[1]:
            self.find("the password-reset page answers an account and no account differently")
        return tried

    def account_actions(self) -> int:
        """Section 7: account actions and invitations of another school are refused."""
        s_a, s_b = self.session(PAIRS[0][1]), self.session(PAIRS[0][2])
        ids = set()
        for page in ("/school/staff", "/school/parents", "/school/parents?page=2"):
            ids.update(re.findall(r"/school/users/(\d+)/", s_a.get(self.base + page).text))
        s_a.post(self.base + "/school/staff", data={"full_name": "Người Khách", "email": "khach.moi.7@example.vn",
                                                     "roles": "teacher", "csrf_token": self.token(s_a, "/school/staff")})
        invitations = set(re.findall(r"/school/invitations/(\d+)/", s_a.get(self.base + "/school/staff").text))
        tried = 0
        for user_id in sorted(ids, key=int)[:40]:
            for action in ("reset", "sessions", "active", "two-factor"):
                r = s_b.post(f"{self.base}/school/users/{user_id}/{action}", data={"csrf_token": self.token(s_b)},
                             allow_redirects=False)
                self.requests += 2
                tried += 1
                if r.status_code not in (403, 404):
                    self.find(f"another school's admin: {action} of account {user_id} answered {r.status_code}")
        for invitation in invitations:
            for action in ("link", "cancel"):
                r = s_b.post(f"{self.base}/school/invitations/{invitation}/{action}",
                             data={"csrf_token": self.token(s_b)}, allow_redirects=False)
                self.requests += 2
                tried += 1
                if r.status_code not in (403, 404):
                    self.find(f"another school's admin: {action} of invitation {invitation} answered {r.status_code}")
        self.withdraw_all(s_a)
        return tried

    def run(self) -> int:
        self.sign_in()
        print(f"who has an account: {self.identifiers()} additions compared", flush=True)
        print(f"account actions across schools: {self.account_actions()} refused or found", flush=True)
        for role, login_a, login_b in PAIRS:
            s_a, s_b = self.session(login_a), self.session(login_b)
            pages, forms = self.crawl(s_a)
            crossed = self.cross(role, pages, s_b)
            huge = self.huge_ids(s_a, pages)
            posted = self.posts(s_a, forms, pages)
            print(f"{role}: {len(pages)} pages of {login_a}; {crossed} asked for by {login_b}; "
                  f"{huge} out-of-range ids; {posted} forms posted without token, with bad JSON and nonsense",
                  flush=True)
        print(f"{self.requests} requests, {len(self.findings)} findings")
        return 1 if self.findings else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:5000")
    parser.add_argument("--pages", type=int, default=120)
    args = parser.parse_args()
    return Attack(args.base, args.pages).run()


if __name__ == "__main__":
    sys.exit(main())
