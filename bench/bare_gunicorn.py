"""gunicorn settings for the bare baseline in bench/autosave.py: same keep-alive as the real app's
gunicorn.conf.py, each worker opens its own connection pool after the fork, and its start-up
objects are frozen out of garbage collection as the real app's are (gunicorn.conf.py)."""
keepalive = 5
preload_app = False


def post_fork(server, worker):
    from bench.bare_autosave_app import pool

    pool.open(wait=True)
    import gc

    gc.collect()
    gc.freeze()
