"""The baseline of bench/callback_storm.py: a bare Flask app doing what a payment callback must do
at the least, with a psycopg pool of 8 and no ORM, tenancy, ledger or receipts.

- `GET /ipn` (VNPay's IPN): log the call, check the HMAC-SHA512 signature and the amount
  (lms.billing.channels.vnpay, the same pure functions the app uses), then the guarded claim
  (`UPDATE … WHERE status <> 'paid' RETURNING`) and the payment insert, in one transaction;
  answered with VNPay's JSON (00 paid, 02 already paid, 04 wrong amount, 97 bad signature).
- `POST /sepay` (a bank's credit webhook): log the call, check the API key, insert the credit
  once (`ON CONFLICT DO NOTHING` on the provider's id) and, for a new credit whose memo carries
  an invoice code (lms.billing.reference, as the app reads it), a payment — in one transaction."""
from __future__ import annotations

import hmac
import json
import os

from flask import Flask, jsonify, request
from psycopg_pool import ConnectionPool

from lms.billing.channels import vnpay
from lms.billing.reference import extract_references

app = Flask(__name__)
pool = ConnectionPool(os.environ["BARE_DSN"], min_size=8, max_size=8, open=False)  # opened per worker
HASH = os.environ.get("BARE_VNPAY_SECRET", "")
API_KEY = os.environ.get("BARE_SEPAY_KEY", "")


@app.get("/ipn")
def ipn():
    params = request.args.to_dict()
    with pool.connection() as conn, conn.transaction():
        conn.execute("INSERT INTO bare_callbacks (provider, body) VALUES ('vnpay', %s)",
                     (request.query_string.decode("utf-8", "replace"),))
        if not vnpay.verify(params, HASH):
            return jsonify({"RspCode": "97", "Message": "Invalid signature"})
        row = conn.execute("SELECT amount, status FROM bare_checkouts WHERE txn_ref = %s",
                           (params.get("vnp_TxnRef", ""),)).fetchone()
        if row is None:
            return jsonify({"RspCode": "01", "Message": "Order not found"})
        if int(params.get("vnp_Amount", "0") or 0) != row[0] * 100:
            return jsonify({"RspCode": "04", "Message": "Invalid amount"})
        claimed = conn.execute("UPDATE bare_checkouts SET status = 'paid' WHERE txn_ref = %s AND status <> 'paid' "
                               "RETURNING amount", (params["vnp_TxnRef"],)).fetchone()
        if claimed is None:
            return jsonify({"RspCode": "02", "Message": "Order already confirmed"})
        conn.execute("INSERT INTO bare_payments (provider, ref, provider_txn_id, amount) VALUES ('vnpay', %s, %s, %s)",
                     (params["vnp_TxnRef"], params.get("vnp_TransactionNo", ""), claimed[0]))
    return jsonify({"RspCode": "00", "Message": "Confirm Success"})


@app.post("/sepay")
def sepay():
    raw = request.get_data()
    given = (request.headers.get("Authorization") or "").removeprefix("Apikey ").strip()
    with pool.connection() as conn, conn.transaction():
        conn.execute("INSERT INTO bare_callbacks (provider, body) VALUES ('sepay', %s)", (raw.decode("utf-8", "replace"),))
        if not API_KEY or not hmac.compare_digest(API_KEY.encode(), given.encode()):
            return jsonify({"success": False}), 401
        body = json.loads(raw)
        new = conn.execute("INSERT INTO bare_bank (provider, txn_id, amount, content) VALUES ('sepay', %s, %s, %s) "
                           "ON CONFLICT DO NOTHING RETURNING txn_id",
                           (str(body["id"]), int(body["transferAmount"]), body.get("content") or "")).fetchone()
        found = extract_references(body.get("content") or "")
        if new is not None and found:
            conn.execute("INSERT INTO bare_payments (provider, ref, provider_txn_id, amount) VALUES ('sepay', %s, %s, %s)",
                         (found[0], str(body["id"]), int(body["transferAmount"])))
    return jsonify({"success": True})


@app.get("/healthz")
def healthz():
    with pool.connection() as conn:
        conn.execute("SELECT 1")
    return "ok"
