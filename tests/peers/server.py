"""A WSGI app served on 127.0.0.1 from a daemon thread: the base of every local peer."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, Self, TypeVar

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server

E = TypeVar("E")


@dataclass
class _Failure(Generic[E]):
    """A queued error, the endpoint it waits for (None: any), and requests to let by first."""

    error: E
    endpoint: str | None
    after: int = 0


class FailureQueue(Generic[E]):
    """Errors a peer is told to answer with, next, in order, per endpoint."""

    def __init__(self) -> None:
        self._failures: deque[_Failure[E]] = deque()
        self._lock = threading.Lock()

    def add(self, error: E, times: int = 1, endpoint: str | None = None, after: int = 0) -> None:
        """Queue an error for the next `times` requests, after `after` matching ones pass."""
        with self._lock:
            self._failures.extend(_Failure(error, endpoint, after) for _ in range(times))

    def take(self, endpoint: str) -> E | None:
        """Pop the first queued error meant for this endpoint, if its turn has come."""
        with self._lock:
            for failure in self._failures:
                if failure.endpoint in (None, endpoint):
                    if failure.after:
                        failure.after -= 1
                        return None
                    self._failures.remove(failure)
                    return failure.error
        return None


class _QuietHandler(WSGIRequestHandler):
    """Serve one request per connection, without writing a log line for it."""

    # HTTP/1.0 closes each connection after its response: a stopped peer cannot go on
    # answering on a kept-alive socket, and no client is left holding one open.
    protocol_version = "HTTP/1.0"

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        pass


class LocalServer:
    """Serve `_app` on a free port of 127.0.0.1; use as a context manager."""

    name = "local-peer"

    def __init__(self) -> None:
        self.wanted_port = 0  # 0: any free port (tests); a fixed one for `tests.peers.dev`
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        """The WSGI app; each peer defines its own."""
        raise NotImplementedError

    @property
    def port(self) -> int:
        """The port the peer listens on."""
        assert self._server is not None, "the peer is not running"
        return int(self._server.server_port)

    def start(self) -> Self:
        """Listen on 127.0.0.1 (a free port unless one is wanted) and serve from a thread."""
        self._server = make_server(
            "127.0.0.1",
            self.wanted_port,
            self._app,
            threaded=True,
            request_handler=_QuietHandler,
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=self.name,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop listening; afterwards connections to the port are refused."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._server = self._thread = None

    def __enter__(self) -> Self:
        """Start the peer for a `with` block."""
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Stop the peer at the end of a `with` block."""
        self.stop()
