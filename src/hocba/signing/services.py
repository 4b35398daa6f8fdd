"""The demo PKI's online services over HTTP, as a real CA runs them (DESIGN.md: "timestamps,
OCSP, CRL — served locally by the demo PKI"; issue 5 §3).

    POST /tsa                   RFC 3161 (application/timestamp-query → timestamp-reply)
    POST /ocsp, GET /ocsp/<b64> RFC 6960 (application/ocsp-request → ocsp-response)
    GET  /crl                   the issuing CA's CRL (DER)
    GET  /issuing-ca.crt        the issuing CA's certificate (DER), the caIssuers address
    GET  /root-ca.crt           the demo root (DER)

Django-free. One thread per connection, HTTP/1.1 keep-alive, loopback by default. The
certificates embed these addresses, so the socket is bound before the PKI is made::

    services = PkiServices.for_directory(tmp / "pki")     # binds 127.0.0.1:<free port>
    with services:                                       # serves until the block ends
        services.pki.issue_personal(...)                 # URLs point at services.base_url
"""

from __future__ import annotations

import base64
import binascii
import logging
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType

from cryptography.hazmat.primitives import serialization

from hocba.signing.loopback import BackgroundService
from hocba.signing.pki import DEFAULT_BASE_URL, DemoPki, ensure_demo_pki
from hocba.signing.responders import OcspResponder, TimeStampAuthority

log = logging.getLogger(__name__)

DEFAULT_PORT = int(urllib.parse.urlsplit(DEFAULT_BASE_URL).port or 8765)
MAX_REQUEST = 64 * 1024  # an OCSP or RFC 3161 request is a few hundred bytes


class PkiServices(BackgroundService):
    """TSA, OCSP responder, CRL and CA certificates of one demo PKI on one HTTP port.

    The socket is bound on construction, so ``base_url`` is known before ``start``.
    """

    _server: _Server

    def __init__(self, pki: DemoPki | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        self._bind(_Server((host, port), _Handler))
        self._pki = pki

    @classmethod
    def for_directory(cls, directory: Path, host: str = "127.0.0.1",
                      port: int = 0) -> PkiServices:
        """Bind, then make (or reuse) the demo PKI in ``directory`` with this server's URLs."""
        services = cls(None, host, port)
        try:
            services._pki = ensure_demo_pki(directory, base_url=services.base_url)
        except BaseException:
            services._server.server_close()
            raise
        return services

    @property
    def pki(self) -> DemoPki:
        if self._pki is None:
            raise RuntimeError("PkiServices has no PKI yet: pass one to start().")
        return self._pki

    def start(self, pki: DemoPki | None = None) -> str:
        """Load the TSA and OCSP keys once and serve in a background thread."""
        if pki is not None:
            self._pki = pki
        if self.serving:
            return self.base_url
        served = self.pki
        if served.urls.ocsp != f"{self.base_url}/ocsp":
            log.warning("PKI %s names %s, but the services listen on %s", served.directory,
                        served.urls.ocsp, self.base_url)
        self._server.routes = _Routes(served)
        self._serve_in_background("pki-services")
        return self.base_url

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted (``hocba pki serve``)."""
        self._server.routes = _Routes(self.pki)
        try:
            self._server.serve_forever(poll_interval=0.5)
        finally:
            self._server.server_close()

    def __enter__(self) -> PkiServices:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.stop()


class _Routes:
    def __init__(self, pki: DemoPki) -> None:
        self.pki = pki
        self.tsa = TimeStampAuthority(pki.tsa(), pki.issuing)
        self.ocsp = OcspResponder(pki, pki.ocsp_responder())
        der = serialization.Encoding.DER
        self.certificates = {"/issuing-ca.crt": pki.issuing.public_bytes(der),
                             "/root-ca.crt": pki.root.public_bytes(der)}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    routes: _Routes


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: the signer's TSA and OCSP calls share one socket
    # Headers and body go out in two writes; with Nagle on, the body waits for the client's
    # delayed ACK (40 ms a request, measured). Loopback and small replies: send at once.
    disable_nagle_algorithm = True
    server: _Server

    def do_POST(self) -> None:
        path = self.path.split("?", 1)[0]
        length = _content_length(self.headers.get("Content-Length"))
        if not 0 <= length <= MAX_REQUEST:
            self._send(413, "text/plain; charset=utf-8",
                       "Yêu cầu quá lớn hoặc thiếu Content-Length.".encode())
            self.close_connection = True
            return
        body = self.rfile.read(length)
        routes = self.server.routes
        if path == "/tsa":
            self._send(200, "application/timestamp-reply", routes.tsa.reply(body))
        elif path == "/ocsp":
            self._send(200, "application/ocsp-response", routes.ocsp.reply(body))
        else:
            self._not_found()

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        routes = self.server.routes
        if path.startswith("/ocsp/"):  # RFC 6960 Appendix A.1: base64, then URL-encoded
            try:
                query = base64.b64decode(urllib.parse.unquote(path[len("/ocsp/"):]),
                                         validate=True)
            except (binascii.Error, ValueError):
                query = b""
            self._send(200, "application/ocsp-response", routes.ocsp.reply(query))
        elif path == "/crl":
            self._send(200, "application/pkix-crl", routes.pki.crl_path.read_bytes())
        elif path in routes.certificates:
            self._send(200, "application/pkix-cert", routes.certificates[path])
        else:
            self._not_found()

    def _not_found(self) -> None:
        self._send(404, "text/plain; charset=utf-8",
                   f"Không có dịch vụ nào ở «{self.path}».".encode())

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("%s %s", self.address_string(), format % args)


def _content_length(header: str | None) -> int:
    try:
        return int(header or 0)
    except ValueError:
        return -1
