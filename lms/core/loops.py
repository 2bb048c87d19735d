"""Calling libraries that run their own asyncio event loop (pyHanko's signing and validation call
`asyncio.run`) from code that may itself be inside a running loop (a browser test's Playwright, an
async server): `outside_loop` runs the call in a short-lived thread only when a loop is running in
this one, where `asyncio.run` would refuse."""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


def outside_loop(call: Callable[..., T], *args, **kwargs) -> T:
    """`call(*args, **kwargs)`, in a fresh thread if this thread runs an event loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return call(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(call, *args, **kwargs).result()


def run_coroutine(make: Callable[..., "asyncio.Future[T]"], *args) -> T:
    """`asyncio.run(make(*args))`, whether or not this thread already runs a loop (the coroutine
    is made in the thread that runs it)."""
    return outside_loop(lambda: asyncio.run(make(*args)))
