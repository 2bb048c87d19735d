"""Work every app of the test process would repeat, done once per process.

Each test creates its own app (its own database and instance folder), and an app compiles two
things that never differ between tests: each URL rule's builder (Werkzeug turns every rule into a
small Python function, ~800 of them per app) and each Jinja template. Profiled on a file of
integration tests they were about a sixth of its time. Here the builders are kept by what they
are made of, and templates' compiled code is shared through Jinja's own bytecode cache (which
checks each template's source, so an edited template is compiled again). Nothing of the app is
changed: production compiles both once per process anyway.

And the garbage collector is kept to the objects of the test at hand (`collect_after_test`). A test
process holds half a million objects that live until it ends (modules, mapped classes, caches), and
each test makes about a hundred thousand that die with its app, in reference cycles that only a
full collection finds. CPython ran one whenever the survivors had grown by a quarter: every test
or two, each walking the whole heap (0.3–1.8 s on the development machine). Those pauses were
charged to whatever allocated at the time, mostly `create_app`'s parsing of URL rules, which is why
that looked slow (41.6 ms per app in tests/integration/test_homework.py and test_courses.py, 14 ms
with the collector off). Now, after each test, its garbage is collected and what survives is
frozen (`gc.freeze()`, as gunicorn.conf.py does before each fork): later collections skip it. Every
50th test the frozen objects are collected with the rest, so the cycles of objects that outlived
a test (a module's served demo) are reclaimed too."""
from __future__ import annotations

import gc

import flask
from jinja2 import BytecodeCache
from werkzeug.routing.rules import Rule


class _MemoryBytecodeCache(BytecodeCache):
    def __init__(self) -> None:
        self.store: dict[str, bytes] = {}

    def load_bytecode(self, bucket) -> None:
        data = self.store.get(bucket.key)
        if data is not None:
            bucket.bytecode_from_string(data)

    def dump_bytecode(self, bucket) -> None:
        self.store[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = _MemoryBytecodeCache()
_builders: dict[tuple, object] = {}
_compile_builder = Rule._compile_builder
_create_jinja_environment = flask.Flask.create_jinja_environment


def _cached_builder(self: Rule, append_unknown: bool = True):
    # The builder's code depends only on the rule's parsed parts, its defaults and append_unknown;
    # it reads the rule's converters through its `self` argument when called.
    key = (self.rule, tuple(self._trace), tuple(sorted((k, repr(v)) for k, v in (self.defaults or {}).items())),
           append_unknown)
    builder = _builders.get(key)
    if builder is None:
        builder = _builders[key] = _compile_builder(self, append_unknown)
    return builder


def _jinja_environment(app: flask.Flask):
    environment = _create_jinja_environment(app)
    environment.bytecode_cache = TEMPLATES
    return environment


FULL_COLLECTION_EVERY = 50
_tests_done = 0


def collect_after_test() -> None:
    """The finished test's garbage collected, what survives frozen out of later collections."""
    global _tests_done
    _tests_done += 1
    if _tests_done % FULL_COLLECTION_EVERY == 0:
        gc.unfreeze()
    gc.collect()
    gc.freeze()


def install() -> None:
    Rule._compile_builder = _cached_builder
    flask.Flask.create_jinja_environment = _jinja_environment
    # A young generation of 50,000 objects instead of 700: a request allocates tens of thousands,
    # most dead by its end, and collecting every 700 walked the same survivors again and again.
    gc.set_threshold(50_000, 10, 10)
