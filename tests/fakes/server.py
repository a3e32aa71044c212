"""A small HTTP server on 127.0.0.1 for the fakes of the providers the application calls.

Each fake subclasses FakeServer and maps (method, path) to a handler that gets the
request (query, headers, body) and returns (status, headers, body). The server runs in a
thread of the test process, or on its own in a child process (`python -m tests.fakes.X`)
when a test needs it to outlive the process it kills.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body or b"{}")

    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Answer:
    status: int = 200
    body: Any = field(default_factory=dict)  # dict/list: JSON; str/bytes: as is
    headers: dict[str, str] = field(default_factory=dict)


def redirect(location: str) -> Answer:
    return Answer(302, b"", {"Location": location})


class FakeServer:
    routes: dict[tuple[str, str], str] = {}  # (method, path) -> method name

    def __init__(self) -> None:
        self.requests: list[Request] = []
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                request = Request(
                    method=self.command,
                    path=parts.path,
                    query={k: v[0] for k, v in parse_qs(parts.query).items()},
                    headers={k.lower(): v for k, v in self.headers.items()},
                    body=self.rfile.read(length) if length else b"",
                )
                with fake.lock:
                    fake.requests.append(request)
                name = fake.routes.get((request.method, request.path))
                answer = getattr(fake, name)(request) if name else Answer(404, {"error": "none"})
                body = answer.body
                content_type = "application/json"
                if isinstance(body, dict | list):
                    body = json.dumps(body, ensure_ascii=False).encode()
                elif isinstance(body, str):
                    body = body.encode()
                    content_type = "text/xml; charset=utf-8"
                self.send_response(answer.status)
                self.send_header("Content-Type", answer.headers.pop("Content-Type", content_type))
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> FakeServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def calls(self, path: str) -> list[Request]:
        with self.lock:
            return [r for r in self.requests if r.path == path]
