"""The baseline of bench/exam_start.py: a bare Flask app doing what the exam start must do at
the least, with a psycopg pool of 8 and no ORM, templates, tenancy or rules — sign in (read the
account's hash, verify it with argon2id at the server's parameters, write a session row), start
(write an attempt and its 40 slots drawn from the exam's questions, in one transaction) and the
guarded autosave upsert of bench/bare_autosave_app.py."""
from __future__ import annotations

import os
import random
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError
from flask import Flask, abort, jsonify, redirect, request
from psycopg_pool import ConnectionPool

app = Flask(__name__)
pool = ConnectionPool(os.environ["BARE_DSN"], min_size=8, max_size=8, open=False)  # opened per worker
hasher = PasswordHasher(time_cost=int(os.environ.get("LMS_ARGON2_TIME_COST", 3)),
                        memory_cost=int(os.environ.get("LMS_ARGON2_MEMORY_KIB", 65536)),
                        parallelism=int(os.environ.get("LMS_ARGON2_PARALLELISM", 4)))
_questions: list[int] = []

UPSERT = """
INSERT INTO bare_responses (attempt_id, position, value, seq, saved_at)
SELECT %(a)s, %(p)s, %(v)s, %(s)s, now()
WHERE EXISTS (SELECT 1 FROM bare_attempts WHERE id = %(a)s AND state = 'in_progress'
              AND deadline >= now() - interval '60 seconds')
ON CONFLICT (attempt_id, position) DO UPDATE SET value = excluded.value, seq = excluded.seq,
    saved_at = excluded.saved_at WHERE bare_responses.seq < excluded.seq
RETURNING seq
"""


@app.post("/login")
def login():
    with pool.connection() as conn:
        row = conn.execute("SELECT id, password_hash FROM users WHERE username = %s",
                           (request.form["identifier"],)).fetchone()
        try:
            hasher.verify(row[1] if row else "$argon2id$v=19$m=8,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2g", request.form["password"])
        except VerificationError:
            return "refused", 401
        token = secrets.token_urlsafe(24)
        conn.execute("INSERT INTO bare_sessions (token, user_id) VALUES (%s, %s)", (token, row[0]))
    response = redirect("/", 302)
    response.set_cookie("bare", token)
    return response


@app.post("/start")
def start():
    with pool.connection() as conn:
        user = conn.execute("SELECT user_id FROM bare_sessions WHERE token = %s",
                            (request.cookies.get("bare", ""),)).fetchone()
        if user is None:
            abort(403)
        if not _questions:
            _questions.extend(r[0] for r in conn.execute("SELECT id FROM questions"))
        with conn.transaction():
            attempt = conn.execute("INSERT INTO bare_attempts (user_id, state, deadline) VALUES "
                                   "(%s, 'in_progress', now() + interval '150 minutes') RETURNING id",
                                   (user[0],)).fetchone()[0]
            drawn = random.sample(_questions, 40)
            with conn.cursor() as cursor:
                cursor.executemany("INSERT INTO bare_slots (attempt_id, position, question_id) VALUES (%s, %s, %s)",
                                   [(attempt, n, q) for n, q in enumerate(drawn, start=1)])
    return redirect(f"/attempt/{attempt}", 302)


@app.post("/save/<int:attempt_id>")
def save(attempt_id: int):
    body = request.get_json()
    with pool.connection() as conn:
        row = conn.execute(UPSERT, {"a": attempt_id, "p": body["position"], "v": body["value"], "s": body["seq"]}).fetchone()
        if row is not None:
            return jsonify({"status": "saved", "seq": row[0]})
        stored = conn.execute("SELECT seq, value FROM bare_responses WHERE attempt_id = %s AND position = %s",
                              (attempt_id, body["position"])).fetchone()
    if stored and stored[0] == body["seq"] and stored[1] == body["value"]:
        return jsonify({"status": "same", "seq": stored[0]})
    return jsonify({"status": "stale", "seq": stored[0] if stored else 0}), 409
