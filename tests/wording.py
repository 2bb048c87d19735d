"""The product's words, checked on page text: the glossary (docs/glossary.md), doubled words,
abbreviations without their full form, English status codes in Vietnamese pages and our own
Vietnamese sentences left untranslated in English pages. Used by tests/unit/test_glossary.py (the
catalogue) and tests/integration/test_wording.py (every page of the demo)."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from html.parser import HTMLParser
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GLOSSARY = ROOT / "docs" / "glossary.md"
CATALOGUE = ROOT / "lms" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
VIETNAMESE = re.compile(r"[ăâđêôơưáàảãạấầẩẫậắằẳẵặéèẻẽẹếềểễệíìỉĩịóòỏõọốồổỗộớờởỡợúùủũụứừửữựýỳỷỹỵ]", re.I)
WORD = r"[\wÀ-ỹ]"
# Vietnamese words that are rightly said twice in a row.
REDUPLICATED = {"từ", "ai", "đâu", "nhà", "người", "ngày", "lần", "chầm", "dần"}
# Words whose last syllable is a word of its own, which may start the next word: "trực tiếp tiếp
# theo", "nhà cung cấp cấp cho". A doubled syllable right after such a word's first is no mistake.
COMPOUNDS = {"trực tiếp", "liên tiếp", "kế tiếp", "cung cấp", "nâng cấp", "khẩn cấp", "cao cấp", "học sinh",
             "phát sinh", "đăng ký", "chữ ký", "thanh toán", "hoàn thành", "trường học", "năm học", "lớp học"}


@dataclass(frozen=True)
class Glossary:
    avoid: list[tuple[str, str]]            # (wrong form, the term to use)
    abbreviations: dict[str, str]           # abbreviation -> full form


@cache
def glossary() -> Glossary:
    avoid, abbreviations = [], {}
    kind = None
    for line in GLOSSARY.read_text(encoding="utf-8").splitlines():
        if not line.startswith("|"):
            kind = None if not line.strip() else kind
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0] == "Dùng":
            kind = "terms"
        elif cells[0] == "Viết tắt":
            kind = "abbr"
        elif set(cells[0]) <= {"-"}:
            continue
        elif kind == "terms":
            avoid += [(wrong.strip(), cells[0]) for wrong in cells[1].split(";") if wrong.strip()]
        elif kind == "abbr":
            abbreviations[cells[0]] = cells[1]
    return Glossary(avoid, abbreviations)


def _whole(words: str) -> re.Pattern:
    return re.compile(rf"(?<!{WORD}){re.escape(words)}(?!{WORD})", re.I)


@cache
def _patterns():
    g = glossary()
    return ([(wrong, right, _whole(wrong)) for wrong, right in g.avoid],
            [(abbr, full, re.compile(rf"(?<!{WORD}){re.escape(abbr)}\d*(?!{WORD})")) for abbr, full in g.abbreviations.items()])


def avoided_terms(text: str) -> list[str]:
    """The glossary's wrong forms in the text, each with the right term."""
    nfc = unicodedata.normalize("NFC", text)
    return [f"“{wrong}” (dùng “{right}”)" for wrong, right, pattern in _patterns()[0] if pattern.search(nfc)]


DOUBLED = re.compile(rf"(?<!{WORD})({WORD}{{2,}})\s+\1(?!{WORD})", re.I)


def doubled_words(text: str) -> list[str]:
    # A capitalised pair is a name ("Hoàng Minh Minh", or a name before a label: "… Trung Trung thực").
    nfc = unicodedata.normalize("NFC", text)
    return [m.group(0) for m in DOUBLED.finditer(nfc)
            if m.group(1).lower() not in REDUPLICATED and not m.group(1).isdigit() and not m.group(1)[0].isupper()
            and not _ends_compound(nfc[:m.start()], m.group(1))]


def _ends_compound(before: str, syllable: str) -> bool:
    previous = re.findall(rf"{WORD}+", before[-20:])
    return bool(previous) and f"{previous[-1].lower()} {syllable.lower()}" in COMPOUNDS


class _Text(HTMLParser):
    """The text a reader meets, node by node, and whether each node stands in an <abbr title>."""

    SKIP = {"script", "style", "template", "noscript"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.nodes: list[tuple[str, bool]] = []
        self.stack: list[str] = []
        self.abbr = 0
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in self.SKIP:
            self.skip += 1
        if tag == "abbr" and attrs.get("title"):
            self.abbr += 1
        if tag not in {"br", "img", "input", "meta", "link", "hr", "source", "wbr", "col"}:
            self.stack.append(tag)
        for name in ("title", "aria-label", "placeholder", "alt"):
            if attrs.get(name) and not self.skip:
                self.nodes.append((attrs[name], self.abbr > 0))
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.nodes.append((attrs["value"], False))

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skip = max(0, self.skip - 1)
        if tag == "abbr" and self.abbr:
            self.abbr -= 1
        if tag in self.stack:
            while self.stack and self.stack.pop() != tag:
                pass

    def handle_data(self, data):
        if not self.skip and data.strip():
            self.nodes.append((" ".join(data.split()), self.abbr > 0))


def text_nodes(html: str) -> list[tuple[str, bool]]:
    parser = _Text()
    parser.feed(html)
    return parser.nodes


@cache
def status_codes() -> frozenset[str]:
    """The values of every StrEnum of the models: codes the pages must show as words."""
    import importlib
    import pkgutil

    import lms

    codes = set()
    for module in pkgutil.walk_packages(lms.__path__, "lms."):
        if module.name.rsplit(".", 1)[-1] in {"models", "states", "statuses"} or module.name.endswith(".models"):
            loaded = importlib.import_module(module.name)
            for value in vars(loaded).values():
                if isinstance(value, type) and issubclass(value, StrEnum) and value is not StrEnum:
                    codes |= {m.value for m in value if re.fullmatch(r"[a-z]+(_[a-z]+)+|[a-z]{4,}", m.value)}
    return frozenset(codes - WORDS_ALSO_IN_VIETNAMESE)


# Enum values that are also words a Vietnamese page uses as they are (product and channel names).
WORDS_ALSO_IN_VIETNAMESE = {"online", "email", "zalo", "momo", "vnpay", "payos", "video", "audio", "admin", "cash",
                            "website"}


@cache
def catalogue_sentences() -> list[str]:
    """Our own Vietnamese sentences (three words or more, placeholders cut out) whose English
    differs: any of them in an English page is a string that escaped translation."""
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    pieces = set()
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or not message.string or message.string == message.id:
            continue
        for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}", message.id):
            piece = piece.strip(" .,:;·—-()“”\"'")
            if len(piece) >= 18 and len(piece.split()) >= 3 and VIETNAMESE.search(piece):
                pieces.add(piece)
    return sorted(pieces, key=len, reverse=True)


# A number written the Vietnamese way: thousands between dots ("1.250.000") or a decimal comma
# with one or two decimals ("6,5", "15,0 %", "2,4 MB"). "1,250" (English thousands) and "0.125"
# are not: three digits after one separator read either way; nor is an address's prefix
# ("192.168.").
VIETNAMESE_NUMBER = re.compile(r"(?<![\w.,/:-])(?:\d{1,3}(?:\.\d{3})+|\d+,\d{1,2})(?![\w.,/:-]*\d)(?!\.\S)")
WORD_RE = re.compile(r"[^\W\d_]+")


def vietnamese_numbers(text: str) -> list[str]:
    """The numbers written the Vietnamese way in a text of an English page's own words. A text
    most of whose words are Vietnamese (a name's letters aside, a pupil's or a teacher's own words:
    a remark, a lesson's title, a bank transfer's content) is the writer's, not the page's."""
    words = WORD_RE.findall(text)
    vietnamese = [w for w in words if VIETNAMESE.search(w) and w.lower() != "đ"]
    if words and len(vietnamese) * 2 > len(words):
        return []
    # A help text showing both ways a number may be typed ("8.5 or 8,5") writes it in English too.
    return [n for n in VIETNAMESE_NUMBER.findall(text)
            if "," not in n or n.replace(",", ".") not in text]


@dataclass
class PageWording:
    problems: list[str] = field(default_factory=list)

    def check_vietnamese(self, url: str, html: str) -> None:
        nodes = text_nodes(html)
        whole = "\n".join(text for text, _ in nodes)
        for found in avoided_terms(whole):
            self.problems.append(f"{url}: {found}")
        for text, _ in nodes:
            for doubled in doubled_words(text):
                self.problems.append(f"{url}: doubled word “{doubled}” in “{text[:80]}”")
        codes = status_codes()
        for text, _ in nodes:
            # A query string's name (an address's ?school=) is not a word shown.
            for token in re.findall(r"(?<![\w/.?&=-])[a-z]+(?:_[a-z]+)*(?![\w/.=-])", text):
                if token in codes:
                    self.problems.append(f"{url}: English code “{token}” shown in Vietnamese: “{text[:80]}”")
        lowered = whole.lower()
        for abbr, full, pattern in _patterns()[1]:
            if full.lower() in lowered:
                continue
            for text, in_abbr in nodes:
                if not in_abbr and pattern.search(text):
                    self.problems.append(f"{url}: “{abbr}” without its full form “{full}” (<abbr title>)")
                    break

    def check_english(self, url: str, html: str) -> None:
        """A text of the page that is one of our Vietnamese messages, or begins with a long one.
        (An English sentence may name a Vietnamese file column in passing: that is not flagged.)"""
        pieces = set(catalogue_sentences())
        for text, _ in text_nodes(html):
            for number in vietnamese_numbers(text):
                self.problems.append(f"{url}: number written the Vietnamese way in the English page: “{number}” "
                                     f"in “{text[:80]}”")
            bare = text.strip(" .,:;·—-()“”\"'")
            if bare in pieces:
                self.problems.append(f"{url}: Vietnamese left in the English page: “{bare}”")
                continue
            for sentence in catalogue_sentences():
                if len(sentence) >= 40 and bare.startswith(sentence):
                    self.problems.append(f"{url}: Vietnamese left in the English page: “{sentence}”")
                    break


# One account of each kind whose pages differ: a secondary and a primary school's admin and
# teacher, an accountant, a pupil and a parent of each level, the department. The words are the
# templates', not the rows'. (The page crawl of tests/integration/test_demo_pages.py visits each of
# them: it reads their pages in Vietnamese; tests/integration/test_wording.py in English.)
DEMO_ACCOUNTS = {"admin": ["admin.thcs", "admin.th"], "teacher": ["gv1.thcs", "gv1.th"],
                 "accountant": ["ketoan.thcs"], "student": [0, 2], "parent": [0, 2], "department": [0]}


def demo_accounts(demo, role: str) -> list:
    """The demo's logins of `role` whose pages are read (DEMO_ACCOUNTS)."""
    logins = demo.by_role()[role]
    return [login for login in logins if login.username in DEMO_ACCOUNTS[role]] + \
        [logins[i] for i in DEMO_ACCOUNTS[role] if isinstance(i, int) and i < len(logins)]


# Not yet (README): texts composed whole before a template shows them, with a subject's or a
# lesson's name inside — a notification, a notice's preview, a report card's list of what is missing.
COMPOSED_WHOLE = ("/notifications", "/notices/settings", "/report-cards", "/transcripts")


class DemoReading:
    """What a crawl of the demo in one language found wrong on the pages it read: wording problems
    (PageWording), references to ids a page lacks or repeats (tests/markup.py) and links that answer
    403 (never show a link its reader cannot open). `on_page(username)` is the crawl's callback for
    that account; `saw(username, seen)` takes the crawl's statuses; `check()` fails with the list."""

    def __init__(self, language: str, names: frozenset[str] | None = None):
        from tests.markup import broken_references

        self.language, self._broken = language, broken_references
        # Given (people's and schools' names), an English page's Vietnamese text outside lang="vi"
        # is a problem too (WCAG 3.1.2, unmarked_vietnamese), but on the pages in COMPOSED_WHOLE.
        self.names = names
        self.wording = PageWording()
        self.references: list[str] = []
        self.forbidden: list[str] = []

    def on_page(self, username: str):
        check = self.wording.check_vietnamese if self.language == "vi" else self.wording.check_english

        def read(key, url: str, html: str) -> None:
            page = f"{username} [{key}] {self.language} {url}"
            check(page, html)
            self.references.extend(f"{page}: {problem}" for problem in self._broken(html))
            if self.names is not None and self.language == "en" and not any(p in url for p in COMPOSED_WHOLE):
                self.wording.problems.extend(f"{page}: Vietnamese not marked lang=\"vi\": {text}"
                                             for text in unmarked_vietnamese(html, self.names))

        return read

    def saw(self, username: str, seen: dict[str, int]) -> None:
        self.forbidden += [f"{username} {page}" for page, status in seen.items() if status == 403]

    def check(self) -> None:
        problems = sorted(set(self.wording.problems))
        assert not problems, f"{len(problems)} wording problems:\n" + "\n".join(problems)
        assert not self.references, (f"{len(self.references)} references to ids the page lacks or repeats:\n"
                                     + "\n".join(self.references))
        assert not self.forbidden, ("links that answer 403 (never show a link its reader cannot open):\n"
                                    + "\n".join(self.forbidden))


def unmarked_vietnamese(html: str, names: frozenset[str] = frozenset()) -> list[str]:
    """Texts of the page's <main> written in Vietnamese (by its letters) whose element is not marked
    `lang="vi"` (itself or an ancestor: the nearest `lang` decides), once the given proper names are
    cut out — a person's or a school's name is read as a name in any language (WCAG 3.1.2 exempts
    proper names). On an English page such a text is content people wrote (a question, a remark, a
    subject) that a screen reader would read with English voice."""
    import lxml.html

    root = lxml.html.fromstring(html)
    found = []
    ordered = sorted(names, key=len, reverse=True)
    for main in root.iter("main"):
        for element in main.iter():
            if not isinstance(element.tag, str) or element.tag in {"script", "style", "template"}:
                continue
            for text, owner in ((element.text, element), (element.tail, element.getparent())):
                if not text or not text.strip() or owner is None:
                    continue
                bare = " ".join(text.split())
                for name in ordered:
                    bare = bare.replace(name, " ")
                if not VIETNAMESE.search(_without_our_words(bare)):
                    continue
                marked = next((node.get("lang") for node in owner.iterancestors() if node.get("lang")),
                              None) if owner.get("lang") is None else owner.get("lang")
                if marked != "vi":
                    found.append(f"<{owner.tag}> “{' '.join(text.split())[:80]}”")
    return found



@cache
def english_templates() -> list[re.Pattern]:
    """Our English messages that keep Vietnamese words (the marks Đ and CĐ, a file's column
    "Tuần", an example "Toán 6A1"), as patterns whose placeholders capture what was put in."""
    from babel.messages.pofile import read_po

    with CATALOGUE.open("rb") as handle:
        catalog = read_po(handle)
    patterns = set()
    for message in catalog:
        for string in (message.string if isinstance(message.string, tuple) else (message.string,)):
            if not string or not VIETNAMESE.search(string):
                continue
            pieces = re.split(r"%\(\w+\)[sd]|%[sd]|\{[^}]*\}", " ".join(string.split()))
            literal = [p for p in pieces if VIETNAMESE.search(p)]
            if literal:
                patterns.add("(.*?)".join(re.escape(p) for p in pieces))
    return [re.compile(p) for p in sorted(patterns, key=len, reverse=True)]


def _without_our_words(text: str) -> str:
    """The text with our own English messages' words taken out, what was put into them kept."""
    for pattern in english_templates():
        text = pattern.sub(lambda m: " ".join(g or "" for g in m.groups()) or " ", text)
    for abbreviation in (*glossary().abbreviations, "Đ", "CĐ"):
        text = re.sub(rf"(?<!{WORD}){re.escape(abbreviation)}(?!{WORD})", " ", text)
    return text
