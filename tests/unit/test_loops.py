"""pyHanko calls asyncio.run; a browser test's Playwright leaves a loop running in the same
thread, where asyncio.run refuses (the transcript signatures failed in CI after a browser test)."""
import asyncio
from concurrent.futures import ThreadPoolExecutor

from lms.core.loops import outside_loop, run_coroutine


async def _double(x):
    await asyncio.sleep(0)
    return 2 * x


def _sync_wrapper(x):
    return asyncio.run(_double(x))


def test_without_a_running_loop():
    assert run_coroutine(_double, 3) == 6
    assert outside_loop(_sync_wrapper, 4) == 8


def test_inside_a_running_loop():
    async def main():
        return run_coroutine(_double, 5), outside_loop(_sync_wrapper, 6)

    # The test's own loop runs in a fresh thread: in a worker that ran a browser test first,
    # this thread already has Playwright's loop running, where asyncio.run would refuse.
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert pool.submit(asyncio.run, main()).result() == (10, 12)
