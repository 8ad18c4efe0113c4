"""The HTTP seam on its own: TLS, proxies, redirects, retries' arithmetic and redaction."""

from __future__ import annotations

import ast
import base64
import json
import select
import socket
import socketserver
import threading
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest
import requests
from werkzeug.wrappers import Request, Response

from tests.fakes.server import Served
from tests.tls import make_pki
from webapp.providers.answers import retry_after_seconds
from webapp.providers.base import (
    ProviderSettings,
    ProviderUnavailable,
    UnexpectedResponse,
)
from webapp.providers.http import USER_AGENT, HttpSeam
from webapp.providers.redact import Redactor, secret_forms

TOKEN = "tok_SeamSecret0123456789abcdef"


@Request.application
def echo(request: Request) -> Response:
    """Answers with what it received; /to/<url> redirects there; /loop redirects forever."""
    if request.path.startswith("/to/"):
        return Response(status=307 if request.method == "POST" else 302,
                        headers={"Location": request.full_path[4:].rstrip("?")})
    if request.path == "/loop":
        return Response(status=302, headers={"Location": "/loop"})
    if request.path == "/echo-token":
        said = request.headers.get("Authorization", "")
        return Response(json.dumps({"message": f"bad header {said}"}), 400,
                        content_type="application/json")
    body = {"method": request.method, "path": request.path, "host": request.host,
            "headers": {k: v for k, v in request.headers.items()}}
    return Response(json.dumps(body), content_type="application/json")


def seam(base_url: str, **settings) -> HttpSeam:
    values = {"kind": "github", "host": base_url, "username": "u", "token": TOKEN,
              "connect_timeout": 2, "read_timeout": 5, "allow_private_hosts": True,
              **settings}
    return HttpSeam(ProviderSettings(**values), base_url, label="Test",
                    auth_headers={"Authorization": f"Bearer {TOKEN}"},
                    default_params={"api-version": "7.1"},
                    default_headers={"X-Pinned-Version": "2022-11-28"}, backoff=0)


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    return make_pki(tmp_path_factory.mktemp("pki"))


@pytest.fixture
def http_server():
    with Served(echo) as server:
        yield server


def test_every_call_carries_the_user_agent_pinned_version_and_api_version(http_server):
    response = seam(http_server.url).request("GET", "/x", what="echo")

    body = response.json()
    assert body["headers"]["User-Agent"] == USER_AGENT
    assert body["headers"]["X-Pinned-Version"] == "2022-11-28"
    assert "api-version=7.1" in response.url


def test_an_unknown_certificate_authority_fails_with_a_tls_message(pki):
    with (Served(echo, ssl_context=pki.server_context()) as server,
          pytest.raises(ProviderUnavailable) as caught):
        seam(server.url).request("GET", "/x", what="read the user")

    assert "TLS verification" in str(caught.value)
    assert "CA bundle" in str(caught.value)


def test_the_configured_ca_bundle_is_trusted(pki):
    with Served(echo, ssl_context=pki.server_context()) as server:
        response = seam(server.url, ca_bundle=pki.ca_pem).request("GET", "/x", what="echo")

    assert response.json()["path"] == "/x"


def test_verification_can_be_switched_off(pki):
    with Served(echo, ssl_context=pki.server_context()) as server:
        response = seam(server.url, verify_tls=False).request("GET", "/x", what="echo")

    assert response.status_code == 200


def test_a_get_redirect_on_the_same_host_is_followed_with_credentials(http_server):
    response = seam(http_server.url).request("GET", f"/to/{http_server.url}/final",
                                             what="follow")

    assert response.json()["path"] == "/final"
    assert response.json()["headers"]["Authorization"] == f"Bearer {TOKEN}"


def test_a_redirect_to_another_host_never_carries_the_credentials(http_server):
    with Served(echo) as other:
        response = seam(http_server.url).request("GET", f"/to/{other.url}/elsewhere",
                                                 what="follow")

    assert response.json()["path"] == "/elsewhere"
    assert "Authorization" not in response.json()["headers"]


def test_a_redirected_post_is_refused_not_followed(http_server):
    with pytest.raises(UnexpectedResponse) as caught:
        seam(http_server.url).request("POST", f"/to/{http_server.url}/final", json={},
                                      what="create a repository")

    assert "redirected" in str(caught.value)
    assert "Check the host" in str(caught.value)


def test_endless_redirects_stop(http_server):
    with pytest.raises(UnexpectedResponse, match="more than 5 times"):
        seam(http_server.url).request("GET", "/loop", what="loop")


def test_an_absolute_url_on_another_host_is_never_called_with_the_token(http_server):
    with pytest.raises(UnexpectedResponse, match="only sent to the configured host"):
        seam(http_server.url).request("GET", "https://evil.example/next", what="paginate")


def test_a_provider_echoing_the_token_cannot_leak_it_into_the_error(http_server):
    with pytest.raises(UnexpectedResponse) as caught:
        seam(http_server.url).request("GET", "/echo-token", what="read")

    assert TOKEN not in str(caught.value)
    assert TOKEN not in caught.value.provider_message
    assert "[redacted]" in caught.value.provider_message


class ConnectProxy(socketserver.ThreadingTCPServer):
    """A minimal HTTPS proxy: answers CONNECT and pipes bytes; records what it tunnelled."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        self.tunnels: list[str] = []
        super().__init__(("127.0.0.1", 0), self._Handler)

    class _Handler(socketserver.BaseRequestHandler):
        def handle(self):
            head = b""
            while b"\r\n\r\n" not in head:
                chunk = self.request.recv(4096)
                if not chunk:
                    return
                head += chunk
            target = head.split(b" ", 2)[1].decode()
            self.server.tunnels.append(target)
            host, port = target.rsplit(":", 1)
            upstream = socket.create_connection((host, int(port)))
            self.request.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            try:
                self._pipe(upstream)
            except OSError:
                pass  # either side hung up
            finally:
                upstream.close()

        def _pipe(self, upstream):
            sockets = [self.request, upstream]
            while True:
                readable, _, _ = select.select(sockets, [], [], 5)
                if not readable:
                    return
                for source in readable:
                    data = source.recv(65536)
                    if not data:
                        return
                    (upstream if source is self.request else self.request).sendall(data)


@pytest.fixture
def proxy():
    server = ConnectProxy()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def test_https_proxy_is_honoured_and_no_proxy_bypasses_it(pki, proxy, monkeypatch):
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.server_address[1]}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with Served(echo, ssl_context=pki.server_context()) as server:
        port = server.url.rsplit(":", 1)[1]
        via_proxy = seam(server.url, ca_bundle=pki.ca_pem).request("GET", "/x", what="echo")
        assert proxy.tunnels == [f"127.0.0.1:{port}"]

        monkeypatch.setenv("NO_PROXY", "127.0.0.1")
        direct = seam(server.url, ca_bundle=pki.ca_pem).request("GET", "/x", what="echo")

    assert via_proxy.status_code == direct.status_code == 200
    assert proxy.tunnels == [f"127.0.0.1:{port}"]


def response_with(headers: dict[str, str], status: int = 429) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers)
    return response


def test_retry_after_is_read_as_seconds_or_as_an_http_date():
    later = datetime.now(UTC) + timedelta(seconds=120)

    assert retry_after_seconds(response_with({"Retry-After": "7"})) == 7
    assert 100 < retry_after_seconds(response_with({"Retry-After": format_datetime(later)})) <= 120
    assert retry_after_seconds(response_with({"Retry-After": "soon"})) is None


def test_an_exhausted_limit_waits_until_its_reset():
    reset = int((datetime.now(UTC) + timedelta(seconds=30)).timestamp())

    wait = retry_after_seconds(response_with({"X-RateLimit-Remaining": "0",
                                               "X-RateLimit-Reset": str(reset)}, 403))

    assert 25 < wait <= 30


@pytest.mark.parametrize("user", ["", "a", "ab", "jane@example.com", "x-bitbucket-api-token-auth"])
def test_redaction_removes_the_token_in_basic_auth_at_every_alignment(user):
    header = "Basic " + base64.b64encode(f"{user}:{TOKEN}".encode()).decode()

    cleaned = Redactor([TOKEN])(f"Authorization: {header}")

    for form in secret_forms(TOKEN):
        assert form not in cleaned
    assert "[redacted]" in cleaned


def test_redaction_removes_plain_and_url_encoded_tokens():
    token = "a+b/c=d?e&fSECRET"
    redact = Redactor([token])

    assert redact(f"x {token} y") == "x [redacted] y"
    assert "SECRET" not in redact("q=a%2Bb%2Fc%3Dd%3Fe%26fSECRET")


def test_no_module_under_webapp_providers_imports_flask():
    folder = Path(__file__).resolve().parents[1] / "webapp" / "providers"
    offenders = []
    for path in folder.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{path.name}: {name}" for name in names
                          if name.split(".")[0] in ("flask", "flask_wtf", "flask_sqlalchemy")]
    assert offenders == []


def test_a_host_on_a_private_address_is_refused_at_connect_time(http_server):
    with pytest.raises(ProviderUnavailable) as caught:
        seam(http_server.url, allow_private_hosts=False).request("GET", "/x", what="read")

    assert "resolves to a private address" in str(caught.value)
    assert "GITOPS_ALLOW_PRIVATE_HOSTS" in str(caught.value)


def test_the_connection_goes_to_the_address_that_was_checked(monkeypatch):
    from webapp.providers import hosts
    answers = iter([[(2, 1, 6, "", ("93.184.215.14", 443))],
                    [(2, 1, 6, "", ("127.0.0.1", 443))]])
    monkeypatch.setattr(hosts.socket, "getaddrinfo", lambda *a, **k: next(answers))

    assert hosts.public_address("rebinding.example", 443) == "93.184.215.14"
    with pytest.raises(hosts.PrivateAddress):
        hosts.public_address("rebinding.example", 443)
