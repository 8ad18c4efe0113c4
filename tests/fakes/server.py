"""Serving a WSGI app (a simulator, or the app itself) on a free loopback port."""

from __future__ import annotations

import threading

from werkzeug.serving import WSGIRequestHandler, make_server


class QuietHandler(WSGIRequestHandler):
    """A request handler that keeps test output clean; errors of dropped sockets included."""

    def log_request(self, *args, **kwargs) -> None:
        pass

    def log_error(self, *args, **kwargs) -> None:
        pass


class Served:
    """A real threaded HTTP(S) server in a background thread, for a with-block."""

    def __init__(self, app, ssl_context=None, port: int = 0) -> None:
        self.app = app
        self._server = make_server("127.0.0.1", port, app, threaded=True,
                                   request_handler=QuietHandler, ssl_context=ssl_context)
        scheme = "https" if ssl_context else "http"
        self.url = f"{scheme}://127.0.0.1:{self._server.server_port}"
        # A short poll interval: shutdown waits for it, once per test.
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.02}, daemon=True)

    def __enter__(self) -> Served:
        if hasattr(self.app, "url"):
            self.app.url = self.url
        self._thread.start()
        return self

    def __exit__(self, *_exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
