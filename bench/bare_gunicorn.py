"""gunicorn settings for the bare baseline in bench/autosave.py: same keep-alive as the real app's
gunicorn.conf.py, and each worker opens its own connection pool after the fork."""
keepalive = 5
preload_app = False


def post_fork(server, worker):
    from bench.bare_autosave_app import pool

    pool.open(wait=True)
