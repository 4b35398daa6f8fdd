"""An HTTP service of the demo run in a background thread of this process: the demo PKI's
TSA/OCSP/CRL (``services``) and the remote-signing provider (``remote_provider``)."""

from __future__ import annotations

import os
import threading
from http.server import ThreadingHTTPServer


class BackgroundService:
    """Owns a bound ``ThreadingHTTPServer`` and the thread that serves it."""

    _server: ThreadingHTTPServer

    def _bind(self, server: ThreadingHTTPServer) -> None:
        self._server = server
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def serving(self) -> bool:
        return self._thread is not None

    def _serve_in_background(self, name: str) -> None:
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.1}, daemon=True,
                                        name=f"{name}-{self.base_url}")
        self._pid = os.getpid()
        self._thread.start()

    def stop(self) -> None:
        # In a process forked after start() (gunicorn's workers under ``hocba demo``) the
        # serving thread does not exist and shutdown() would wait for it forever: only close.
        if self._thread is not None and self._thread.is_alive() and self._pid == os.getpid():
            self._server.shutdown()
            self._thread.join()
        self._thread = None
        self._server.server_close()
