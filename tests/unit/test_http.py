"""The one server-to-server JSON call (lms/core/http.py) against a real local HTTP server."""
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from lms.core.http import UNREACHED, call_json


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path == "/slow":
            time.sleep(1)
        status = 200 if self.path == "/ok" else 400
        payload = json.dumps({"echo": body, "auth": self.headers.get("X-Key"),
                              "type": self.headers.get("Content-Type")}).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the timed-out client is gone when the slow answer is written


@pytest.fixture(scope="module")
def server():
    httpd = Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def test_answer_and_headers(server):
    reply = call_json("POST", server + "/ok", body={"a": 1}, headers={"X-Key": "k"})
    assert (reply.status, reply.reached) == (200, True)
    assert reply.data == {"echo": {"a": 1}, "auth": "k", "type": "application/json"}


def test_an_http_error_keeps_its_status_and_body(server):
    reply = call_json("POST", server + "/bad", body=b'{"b": 2}')
    assert reply.status == 400 and reply.data["echo"] == {"b": 2}


def test_unreachable_is_599_and_never_arrived():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    reply = call_json("POST", f"http://127.0.0.1:{port}/x", body={})
    assert (reply.status, reply.data, reply.reached) == (UNREACHED, {}, False)


def test_a_timeout_may_have_arrived(server):
    reply = call_json("POST", server + "/slow", body={}, timeout=0.2)
    assert (reply.status, reply.reached) == (UNREACHED, True)
