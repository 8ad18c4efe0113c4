"""README's nginx example, run in a real nginx in front of the app under /gitops/."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import ADMIN, PASSWORD
from tests.e2e.conftest import LiveServer

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
README = Path(__file__).resolve().parents[1] / "README.md"

pytestmark = pytest.mark.skipif(
    not os.path.exists(NGINX),
    reason="nginx is not installed (`make test` installs Debian's nginx-light as root): "
           "the README's nginx example is NOT tested on this machine")


def readme_location_block() -> str:
    text = README.read_text()
    block = text.split("<!-- nginx-example-start -->", 1)[1].split(
        "<!-- nginx-example-end -->", 1)[0]
    return block.split("```nginx", 1)[1].split("```", 1)[0]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def nginx(tmp_path, migrated_database):
    from tests.conftest import app_config
    from webapp import create_app
    shutil.copy(migrated_database, tmp_path / "gitops.db")
    app = create_app(app_config(tmp_path, PROXY_HOPS=1))
    with LiveServer(app) as server:
        upstream = server.url.removeprefix("http://")
        location = readme_location_block().replace("127.0.0.1:5000", upstream)
        port = free_port()
        user = "user root;\n" if os.geteuid() == 0 else ""
        (tmp_path / "nginx.conf").write_text(f"""{user}daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/error.log;
events {{}}
http {{
    access_log off;
    client_body_temp_path {tmp_path}/body;
    proxy_temp_path {tmp_path}/proxy;
    server {{
        listen 127.0.0.1:{port};
        {location}
    }}
}}
""")
        process = subprocess.Popen([NGINX, "-c", str(tmp_path / "nginx.conf"),
                                    "-p", str(tmp_path)], stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        for _ in range(50):
            try:
                requests.get(base + "/", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        try:
            yield base
        finally:
            process.terminate()
            process.wait(10)


def test_the_readme_example_serves_the_app_under_gitops(nginx):
    session = requests.Session()

    first = session.get(nginx + "/gitops/charts", allow_redirects=False)
    assert first.status_code == 303
    assert first.headers["Location"] == "/gitops/sign-in?next=/charts"

    page = session.get(nginx + "/gitops/sign-in").text
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    signed_in = session.post(nginx + "/gitops/sign-in", allow_redirects=False,
                             data={"username": ADMIN, "password": PASSWORD,
                                   "next": "/charts", "csrf_token": token})
    assert signed_in.headers["Location"] == "/gitops/charts"

    charts = session.get(nginx + "/gitops/charts").text
    links = re.findall(r'(?:href|src|action|hx-get|hx-post)="(/[^"]*)"', charts)
    assert links and all(link.startswith("/gitops/") for link in links)
    assert session.get(nginx + "/gitops/static/css/app.css").status_code == 200
    assert session.get(nginx + "/gitops/healthz").json() == {"status": "ok"}


def test_nginx_names_each_request_and_a_client_cannot(nginx):
    response = requests.get(nginx + "/gitops/healthz", headers={"X-Request-Id": "client-1"},
                            timeout=30)

    # $request_id replaced the client's; the app, trusting its proxy, answers with it.
    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])
