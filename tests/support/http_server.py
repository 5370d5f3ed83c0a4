"""A real HTTP/1.1 server on 127.0.0.1 for tests that care about wire behaviour.

It runs in its own thread (one more thread per connection), so it answers while the test's event loop is
blocked or busy, keeps connections alive like a real issuer would, and can be slow, drip bytes, redirect
or stream chunked bodies on demand::

    with LocalServer() as server:
        server.route("/badge", {"type": "Assertion"})
        server.redirect("/old", "/badge")
        ...
        assert server.requests == ["/old", "/badge"]
"""

from __future__ import annotations

import json
import socket
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import urlsplit

Body = bytes | str | dict[str, Any] | list[Any]


@dataclass(frozen=True, slots=True)
class Request:
    """One request as the server saw it."""

    method: str
    path: str  # with the query string
    headers: dict[str, str]  # names lower-cased


@dataclass(frozen=True, slots=True)
class Response:
    """What to answer. `delay` waits before the status line; `drip_interval` sends the body one byte at a
    time with that pause between bytes; `chunked` uses chunked framing instead of Content-Length."""

    body: Body = b""
    status: int = 200
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drip_interval: float | None = None
    chunked: bool = False

    def encoded_body(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode()
        return json.dumps(self.body).encode()


Handler = Callable[[Request], Response]

_CHUNK = 64 * 1024
_CLIENT_GONE = (BrokenPipeError, ConnectionResetError, ConnectionAbortedError)


class _Server(ThreadingHTTPServer):
    # Joined on close so no handler thread outlives the test that started it.
    daemon_threads = False
    block_on_close = True

    def __init__(self, owner: LocalServer) -> None:
        self.owner = owner
        super().__init__(("127.0.0.1", 0), _RequestHandler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client hanging up mid-response is routine here (size caps, deadlines); anything else is a bug
        # in a test's handler and deserves the default traceback.
        if not isinstance(sys.exc_info()[1], _CLIENT_GONE):
            super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes; with Nagle on, each response waits for a delayed ACK.
    disable_nagle_algorithm = True
    server: _Server

    def setup(self) -> None:
        super().setup()
        self.server.owner._track(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.owner._untrack(self.connection)

    def log_message(self, format: str, *args: Any) -> None:
        pass  # pytest output stays readable; `requests` is the log tests assert on

    def do_GET(self) -> None:
        owner = self.server.owner
        request = Request("GET", self.path, {k.lower(): v for k, v in self.headers.items()})
        with owner._in_flight():
            response = owner._lookup(request)
            if owner._stopping.wait(owner.latency + response.delay):
                self.close_connection = True
                return
            try:
                self._send(response)
            except _CLIENT_GONE:
                self.close_connection = True

    def _send(self, response: Response) -> None:
        body = response.encoded_body()
        self.send_response(response.status)
        headers = {"Content-Type": response.content_type} if response.content_type else {}
        if response.chunked:
            headers["Transfer-Encoding"] = "chunked"
        else:
            headers["Content-Length"] = str(len(body))
        headers.update(response.headers)
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        for piece in self._pieces(body, response.drip_interval):
            if response.chunked:
                piece = b"%x\r\n%s\r\n" % (len(piece), piece)
            self.wfile.write(piece)
        if response.chunked:
            self.wfile.write(b"0\r\n\r\n")

    def _pieces(self, body: bytes, drip_interval: float | None) -> Iterator[bytes]:
        if drip_interval is None:
            for start in range(0, len(body), _CHUNK):
                yield body[start : start + _CHUNK]
            return
        for index in range(len(body)):
            yield body[index : index + 1]
            if self.server.owner._stopping.wait(drip_interval):
                raise BrokenPipeError("server stopping")


class LocalServer:
    """A threaded HTTP/1.1 server on 127.0.0.1 with an ephemeral port; see the module docstring."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.latency = 0.0
        self.max_concurrent = 0
        self._routes: dict[str, Handler] = {}
        self._lock = threading.Lock()
        self._concurrent = 0
        self._connections: set[socket.socket] = set()
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("LocalServer is not started")
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def port(self) -> int:
        return urlsplit(self.base_url).port or 80

    def url(self, path: str) -> str:
        return self.base_url + path

    def route(
        self,
        path: str,
        body: Body = b"",
        *,
        status: int = 200,
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
        delay: float = 0.0,
        drip_interval: float | None = None,
        chunked: bool = False,
    ) -> None:
        """Serve a fixed response at `path` (which may include a query string)."""
        response = Response(body, status, content_type, dict(headers or {}), delay, drip_interval, chunked)
        self._routes[path] = lambda _request: response

    def redirect(self, path: str, location: str, *, status: int = 302) -> None:
        self.route(path, status=status, content_type="", headers={"Location": location})

    def handler(self, path: str, fn: Handler) -> None:
        """Answer `path` with whatever `fn` returns for each request."""
        self._routes[path] = fn

    def start(self) -> LocalServer:
        self._stopping.clear()
        self._server = _Server(self)
        # A short poll interval keeps stop() (which waits for the next poll) fast; many tests start a server.
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.01,), name="LocalServer", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._stopping.set()
        self._server.shutdown()
        with self._lock:
            connections = list(self._connections)
        for connection in connections:
            # Wakes handler threads parked on an idle keep-alive connection so server_close can join them.
            with suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        self._server.server_close()
        self._thread.join()
        self._server = None
        self._thread = None

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def _lookup(self, request: Request) -> Response:
        with self._lock:
            self.requests.append(request.path)
        fn = self._routes.get(request.path) or self._routes.get(urlsplit(request.path).path)
        if fn is None:
            return Response(b"not found", status=404, content_type="text/plain")
        return fn(request)

    @contextmanager
    def _in_flight(self) -> Iterator[None]:
        with self._lock:
            self._concurrent += 1
            self.max_concurrent = max(self.max_concurrent, self._concurrent)
        try:
            yield
        finally:
            with self._lock:
                self._concurrent -= 1

    def _track(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.add(connection)

    def _untrack(self, connection: socket.socket) -> None:
        with self._lock:
            self._connections.discard(connection)
