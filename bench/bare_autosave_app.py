"""The baseline: a bare Flask endpoint doing the same guarded upsert as the exam autosave, with a
psycopg pool of 8 and no authentication, ORM or templates (domain/security.md, "bare stack").
Served by gunicorn next to the real app in bench/autosave.py."""
from __future__ import annotations

import os

from flask import Flask, jsonify, request
from psycopg_pool import ConnectionPool

app = Flask(__name__)
pool = ConnectionPool(os.environ["BARE_DSN"], min_size=8, max_size=8, open=False)  # opened per worker: bench/bare_gunicorn.py

UPSERT = """
INSERT INTO bare_responses (attempt_id, position, value, seq, saved_at)
SELECT %(a)s, %(p)s, %(v)s, %(s)s, now()
WHERE EXISTS (SELECT 1 FROM bare_attempts WHERE id = %(a)s AND state = 'in_progress'
              AND deadline >= now() - interval '60 seconds')
ON CONFLICT (attempt_id, position) DO UPDATE SET value = excluded.value, seq = excluded.seq,
    saved_at = excluded.saved_at WHERE bare_responses.seq < excluded.seq
RETURNING seq
"""


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

