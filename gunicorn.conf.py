"""gunicorn settings for production: `gunicorn -c gunicorn.conf.py wsgi:app`.

Threads suit this app: most time is spent waiting on PostgreSQL, and argon2 releases the GIL.
Each value can be overridden with the usual GUNICORN_* / command-line options.
"""
import multiprocessing
import os

bind = os.environ.get("LMS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("LMS_WORKERS", max(2, multiprocessing.cpu_count() + 1)))
worker_class = "gthread"
threads = int(os.environ.get("LMS_THREADS", 4))
timeout = 60
graceful_timeout = 30
keepalive = 5
# Bounded request lines and headers; bodies are bounded by LMS_MAX_UPLOAD_MB in the app.
limit_request_line = 8190
limit_request_fields = 100
# The app writes one JSON access line per request itself (lms/core/logs.py: request id, path
# without query, status, time; no address). gunicorn's own access log only when asked for.
accesslog = os.environ.get("LMS_GUNICORN_ACCESSLOG") or None
errorlog = "-"
# Query strings can carry tokens (password-reset links): log the path only.
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(b)s %(L)ss'
preload_app = True


def pre_fork(server, worker):
    """The app is loaded once, here in the master (preload_app): some 225,000 objects (modules,
    models, templates, translations) that live as long as the process. Freezing them before each
    fork keeps the workers' garbage collector from walking them in every older-generation
    collection — under the autosave load that was two thirds of the collector's time and pauses
    long enough to start queues (docs/benchmarks.md) — and keeps their memory pages shared with
    the master instead of copied into each worker."""
    import gc

    gc.collect()
    gc.freeze()
