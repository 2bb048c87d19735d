"""Background jobs: bulk PDFs, bulk issuing, anything too long for one request.

A job is a `Job` row plus a handler registered under its kind. `enqueue()` writes the row; the
job is handed to a runner only after the request's commit succeeds (a rolled-back request starts
nothing). With LMS_REDIS_URL the runner is an RQ queue served by `flask worker` processes;
without it, a small pool of threads in the app process runs the same handlers. Handlers take
`(session, JobContext)`, never import Flask, and report progress with `ctx.progress()`, which
commits: a handler is written in steps that are each complete (one report card, one invoice…),
so a failure leaves finished steps finished and a re-run skips them.

A handler whose outgoing call failed (the SMTP server down…) raises `RetryLater` after saving
what is left to do in its params: the job is marked failed with the time of its next try, and
the scheduler queues it again then — after 1, 5, 30 and 120 minutes, then it stays failed.
"""
from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from datetime import datetime, timedelta

from sqlalchemy import select, update

from lms.core.errors import DomainError
from lms.core.models import Job
from lms.core.timeutil import utcnow

if TYPE_CHECKING:
    from lms.core.storage import Area

log = logging.getLogger(__name__)
HANDLERS: dict[str, Callable[[Session, JobContext], None]] = {}
PERIODIC: dict[str, Callable] = {}   # name → fn(session, now) -> int, run every SCHEDULER_SECONDS
PENDING_KEY = "lms_jobs"
RETRY_DELAYS = (60, 300, 1800, 7200)  # seconds before the 2nd, 3rd, 4th and 5th try


class Status:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def handler(kind: str):
    """Register the function that does the work of jobs of this kind."""
    def decorator(fn):
        HANDLERS[kind] = fn
        return fn
    return decorator


def periodic(name: str):
    """Register work the scheduler does every SCHEDULER_SECONDS (closing overdue attempts…). It
    must be safe to run in several processes at once: every change is a guarded transition."""
    def decorator(fn):
        PERIODIC[name] = fn
        return fn
    return decorator


class RetryLater(DomainError):
    """An outgoing call failed; try the job again later (see the module's docstring)."""


@dataclass
class JobContext:
    session: Session
    job: Job
    config: Mapping
    render: Callable[..., str] | None = None  # (template, context, locale=None) → text, from the runner

    @property
    def params(self) -> dict:
        return self.job.params or {}

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        self.job.done = done
        if total is not None:
            self.job.total = total
        if message is not None:
            self.job.message = str(message)[:500]
            # Said while work remains ("Đang tạo tệp…"): not shown once the job is done. A message
            # given with the last step (done = total) is the job's summary and stays.
            self.working = bool(self.job.total) and done < self.job.total
        self.session.commit()

    def result(self, path: str, name: str) -> None:
        self.job.result_path, self.job.result_name = path, name[:200]

    def save_result(self, data: bytes, extension: str, name: str) -> None:
        """Keep the job's file (the storage's jobs area, <job id>.<extension>) and offer it as `name`."""
        (results_folder(self.config) / f"{self.job.id}.{extension}").write_bytes(data)
        self.result(f"{self.job.id}.{extension}", name)


def results_folder(config: Mapping) -> Area:
    """Where jobs keep the files they make for their users."""
    from lms.core.storage import area

    return area(config, "jobs")


def enqueue(session: Session, user_id: int | None, kind: str, params: dict, *, school_id: int | None,
            total: int = 0, locale: str = "vi") -> Job:
    """Write the job; it starts once the surrounding transaction commits."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for job kind {kind!r}")
    job = Job(user_id=user_id, school_id=school_id, kind=kind, params=params, total=total, locale=locale,
              status=Status.QUEUED)
    session.add(job)
    session.flush()
    session.info.setdefault(PENDING_KEY, []).append(job.id)
    return job


def job_of(session: Session, user_id: int, job_id: int) -> Job | None:
    """A job is shown only to the person who started it."""
    job = session.get(Job, job_id)
    return job if job is not None and job.user_id == user_id else None


def run_job(session: Session, job_id: int, config: Mapping, render: Callable[..., str] | None = None) -> None:
    """Run one queued job to its end in `session` (the runner gives each job a session of its own)."""
    from flask_babel import force_locale

    job = session.get(Job, job_id)
    if job is None or job.status != Status.QUEUED:
        return
    job.status, job.started_at = Status.RUNNING, utcnow()
    session.commit()
    with force_locale(job.locale or "vi"):
        try:
            ctx = JobContext(session, job, config, render)
            HANDLERS[job.kind](session, ctx)
        except Exception as exc:  # the job fails visibly; the page shows why
            session.rollback()
            job = session.get(Job, job_id)
            if isinstance(exc, RetryLater):
                tries = int((job.params or {}).get("_tries", 1))
                if tries <= len(RETRY_DELAYS):
                    job.params = {**(job.params or {}), "_tries": tries + 1,
                                  "_retry_at": (utcnow() + timedelta(seconds=RETRY_DELAYS[tries - 1])).isoformat()}
            if isinstance(exc, DomainError):
                job.message = str(exc.message)[:500]
            else:
                log.exception("job %s (%s) failed", job_id, job.kind)
                from lms.i18n import gettext
                job.message = gettext("Có lỗi khi chạy tác vụ; hãy thử lại hoặc báo quản trị viên.")
            job.status, job.finished_at = Status.FAILED, utcnow()
            session.commit()
            return
        job.status, job.finished_at = Status.DONE, utcnow()
        if getattr(ctx, "working", False):   # finished: never "Đã xong. Đang tạo tệp…"
            job.message = ""
        if job.total and job.done < job.total:
            job.done = job.total
        session.commit()


@periodic("retry_jobs")
def retry_jobs(session: Session, now: datetime) -> int:
    """Queue again the failed jobs whose next try is due (each claimed by a guarded update, so two
    schedulers never queue one twice)."""
    queued = 0
    for job in session.scalars(select(Job).where(Job.status == Status.FAILED,
                                                 Job.finished_at >= now - timedelta(days=1)).limit(500)):
        due = (job.params or {}).get("_retry_at")
        if not due or datetime.fromisoformat(due) > now:
            continue
        params = {k: v for k, v in job.params.items() if k != "_retry_at"}
        claimed = session.execute(update(Job).where(Job.id == job.id, Job.status == Status.FAILED)
                                  .values(status=Status.QUEUED, params=params, finished_at=None)
                                  .execution_options(synchronize_session=False)).rowcount
        if claimed:
            session.info.setdefault(PENDING_KEY, []).append(job.id)
            queued += 1
    return queued


class ThreadRunner:
    """The embedded runner: jobs run in worker threads of the app process, each in an app
    context and database session of its own."""

    def __init__(self, app, workers: int):
        self.app = app
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lms-job")
        self.futures: set[Future] = set()
        self.lock = threading.Lock()

    def submit(self, job_id: int) -> None:
        future = self.pool.submit(self._run, job_id)
        with self.lock:
            self.futures.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future) -> None:
        with self.lock:
            self.futures.discard(future)

    def _run(self, job_id: int) -> None:
        from lms.extensions import db

        with self.app.app_context():
            try:
                run_job(db.session, job_id, self.app.config, render_template_in)
            finally:
                db.session.remove()

    def wait(self, timeout: float = 60) -> None:
        """Block until every submitted job has finished (tests, CLI)."""
        with self.lock:
            pending = list(self.futures)
        wait(pending, timeout=timeout)


class RQRunner:
    """With LMS_REDIS_URL: jobs go to a Redis queue, and any number of `flask worker` processes,
    on any machine that sees the same database and file storage, run them."""

    QUEUE = "lms"

    def __init__(self, url: str):
        from redis import Redis
        from rq import Queue

        self.queue = Queue(self.QUEUE, connection=Redis.from_url(url))

    def submit(self, job_id: int) -> None:
        # The Job row is the record (status, progress, result); RQ only carries its id.
        self.queue.enqueue("lms.core.jobs.run_in_worker", job_id, job_timeout=3600, result_ttl=0,
                           failure_ttl=7 * 24 * 3600)

    def wait(self, timeout: float = 60) -> None:
        """Nothing to wait for here: the workers are other processes."""


_WORKER_APP = None


def use_app(app) -> None:
    """The app an RQ worker runs jobs in (set by `flask worker` before it forks for each job)."""
    global _WORKER_APP
    _WORKER_APP = app


def run_in_worker(job_id: int) -> None:
    """What an RQ worker runs for one job: `run_job` in an app context and session of its own."""
    global _WORKER_APP
    if _WORKER_APP is None:
        from lms import create_app

        _WORKER_APP = create_app()
    from lms.extensions import db

    with _WORKER_APP.app_context():
        db.engine.dispose(close=False)   # connections opened before the fork belong to the parent
        try:
            run_job(db.session, job_id, _WORKER_APP.config, render_template_in)
        finally:
            db.session.remove()


def render_template_in(template: str, context: dict, locale: str | None = None) -> str:
    """Render a template, in `locale` when given (official documents are always Vietnamese)."""
    from flask import render_template
    from flask_babel import force_locale

    if locale is None:
        return render_template(template, **context)
    with force_locale(locale):
        return render_template(template, **context)


def _dispatch(session) -> None:
    from flask import current_app, has_app_context

    if session.in_nested_transaction():   # a savepoint released (SQLAlchemy calls it a commit): not yet
        return
    pending = session.info.pop(PENDING_KEY, [])
    if not pending or not has_app_context():
        return
    runner = current_app.extensions["lms_jobs"]
    for job_id in pending:
        runner.submit(job_id)


def _forget(session, previous_transaction) -> None:
    if previous_transaction.nested:   # a savepoint rolled back: the jobs queued before it still stand
        return
    session.info.pop(PENDING_KEY, None)


class Scheduler(threading.Thread):
    """Runs the periodic work every `interval` seconds. Only processes that serve requests start it
    (on their first request) or a dedicated `flask scheduler`; commands like `flask seed-demo` or
    `flask db upgrade` never do. However many processes run it, each task runs once per interval:
    a process runs a task only after moving the task's `next_at` forward itself (a guarded UPDATE)."""

    def __init__(self, app, interval: int):
        super().__init__(name="lms-scheduler", daemon=True)
        self.app, self.interval = app, interval
        self.stopped = threading.Event()
        self.holder = f"{socket.gethostname()}:{os.getpid()}"[:80]

    def _run_task(self, session: Session, name: str, fn: Callable) -> int | None:
        try:
            done = fn(session, utcnow())
            session.commit()
            return done
        except Exception:  # one failing task must not stop the others or the loop
            session.rollback()
            log.exception("periodic task %s failed", name)
            return None

    def run_once(self) -> dict[str, int]:
        """Run every task now (tests and `flask scheduler --once`)."""
        from lms.extensions import db

        with self.app.app_context():
            done = {name: self._run_task(db.session, name, fn) for name, fn in PERIODIC.items()}
            db.session.remove()
        return done

    def run_due(self) -> dict[str, int]:
        """Run each task whose turn it is and that no other process has claimed."""
        from lms.extensions import db

        done = {}
        with self.app.app_context():
            for name, fn in PERIODIC.items():
                if self._claim(db.session, name):
                    done[name] = self._run_task(db.session, name, fn)
            db.session.remove()
        return done

    def _claim(self, session: Session, name: str) -> bool:
        from sqlalchemy.exc import IntegrityError

        from lms.core.models import PeriodicRun

        now = utcnow()
        following = now + timedelta(seconds=self.interval)
        try:
            claimed = session.execute(update(PeriodicRun).where(PeriodicRun.name == name, PeriodicRun.next_at <= now)
                                      .values(next_at=following, holder=self.holder)).rowcount == 1
            if not claimed and session.get(PeriodicRun, name) is None:
                session.add(PeriodicRun(name=name, next_at=following, holder=self.holder))
                session.flush()
                claimed = True
            session.commit()
            return claimed
        except IntegrityError:  # another process created the row first: its turn
            session.rollback()
            return False
        except Exception:
            session.rollback()
            log.exception("periodic task %s could not be claimed", name)
            return False

    def run(self) -> None:
        while not self.stopped.wait(self.interval):
            self.run_due()


def install_jobs(app) -> None:
    """Give the app its runner and start queued jobs after each successful commit. The scheduler
    (SCHEDULER_SECONDS; 0 turns it off) starts with the first request the process serves, so a
    command that only creates the app (`flask seed-demo`, `flask db upgrade`) runs no periodic work
    beside its own."""
    from sqlalchemy import event
    from sqlalchemy.orm import Session as OrmSession

    redis_url = app.config.get("REDIS_URL")
    app.extensions["lms_jobs"] = RQRunner(redis_url) if redis_url else ThreadRunner(app, app.config.get("JOB_THREADS", 2))
    interval = int(app.config.get("SCHEDULER_SECONDS") or 0)
    app.extensions["lms_scheduler"] = scheduler = Scheduler(app, interval or 60)
    if interval > 0:
        lock = threading.Lock()

        @app.before_request
        def _start_scheduler():
            if not scheduler.is_alive() and not scheduler.stopped.is_set():
                with lock:
                    if not scheduler.is_alive():
                        try:
                            scheduler.start()
                        except RuntimeError:  # started by another thread meanwhile
                            pass
    if not event.contains(OrmSession, "after_commit", _dispatch):
        event.listen(OrmSession, "after_commit", _dispatch)
        event.listen(OrmSession, "after_soft_rollback", _forget)
