"""A WSGI app served on 127.0.0.1 from a daemon thread: the base of every local peer."""

from __future__ import annotations

import threading
from types import TracebackType
from typing import Any, Self

from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server


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
        """Listen on a free port of 127.0.0.1 and serve from a daemon thread."""
        self._server = make_server(
            "127.0.0.1", 0, self._app, threaded=True, request_handler=_QuietHandler
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
