"""gunicorn settings for the bare baselines of bench/autosave.py and bench/exam_start.py (BARE_MODULE): same keep-alive as the real app's
gunicorn.conf.py, each worker opens its own connection pool after the fork, and its start-up
objects are frozen out of garbage collection as the real app's are (gunicorn.conf.py)."""
keepalive = 5
preload_app = False


def post_fork(server, worker):
    import importlib
    import os

    importlib.import_module(os.environ.get("BARE_MODULE", "bench.bare_autosave_app")).pool.open(wait=True)
    import gc

    gc.collect()
    gc.freeze()
