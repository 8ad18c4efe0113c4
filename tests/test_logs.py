"""Log lines: JSON or text, each with its request's id, user, method and path; redacted."""

from __future__ import annotations

import io
import json
import logging
import re
from contextlib import contextmanager

import pytest

from tests.conftest import ADMIN, signed_in
from webapp.configure import ConfigError
from webapp.log_redaction import remember
from webapp.logs import JsonFormatter, TextFormatter


@contextmanager
def captured(formatter: logging.Formatter):
    """Every record the root logger sees while the block runs, formatted by formatter."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(old_level)


def json_lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_each_request_logs_one_json_line_with_every_field(app):
    client = signed_in(app)
    with captured(JsonFormatter()) as stream:
        response = client.get("/charts")

    access = [line for line in json_lines(stream) if line["logger"] == "webapp.access"]
    assert len(access) == 1
    line = access[0]
    assert set(line) == {"time", "level", "logger", "message", "request_id", "user",
                         "method", "path", "status", "duration_ms"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["time"])
    assert (line["level"], line["user"], line["method"], line["path"], line["status"]) == (
        "INFO", ADMIN, "GET", "/charts", 200)
    assert line["message"].startswith("GET /charts 200 ")
    assert line["request_id"] == response.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", line["request_id"])


def test_every_record_made_during_a_request_carries_its_id(app, client):
    @app.get("/probe-log")
    def probe_log():
        logging.getLogger("webapp.somewhere").warning("something to say")
        return "ok"

    with captured(JsonFormatter()) as stream:
        response = client.get("/probe-log")

    lines = json_lines(stream)
    said = next(line for line in lines if line["message"] == "something to say")
    assert said["request_id"] == response.headers["X-Request-Id"]
    assert (said["logger"], said["level"], said["path"]) == ("webapp.somewhere", "WARNING",
                                                             "/probe-log")


@pytest.mark.parametrize(("settings", "peer", "kept"), [
    ({"PROXY_HOPS": 1}, "127.0.0.1", True),
    ({"TRUSTED_PROXY_HEADER": "X-Forwarded-User", "TRUSTED_PROXIES": "10.0.0.0/8"},
     "10.1.2.3", True),
    ({"TRUSTED_PROXY_HEADER": "X-Forwarded-User", "TRUSTED_PROXIES": "10.0.0.0/8"},
     "192.0.2.7", False),
    ({}, "127.0.0.1", False),
])
def test_a_request_id_is_taken_only_from_a_trusted_proxy(make_app, settings, peer, kept):
    app = make_app(**settings)

    response = app.test_client().get("/healthz", headers={"X-Request-Id": "nginx-4f1c2a"},
                                     environ_base={"REMOTE_ADDR": peer})

    assert (response.headers["X-Request-Id"] == "nginx-4f1c2a") is kept
    assert re.fullmatch(r"nginx-4f1c2a|[0-9a-f]{32}", response.headers["X-Request-Id"])


@pytest.mark.parametrize("forged", ["semi;colon", "x" * 129, "quote\"d", "spa ce"])
def test_a_malformed_request_id_is_replaced_even_from_a_trusted_proxy(make_app, forged):
    app = make_app(PROXY_HOPS=1)

    response = app.test_client().get("/healthz", headers={"X-Request-Id": forged})

    assert re.fullmatch(r"[0-9a-f]{32}", response.headers["X-Request-Id"])


def test_a_passing_probe_is_logged_only_at_debug_and_a_failing_one_as_a_warning(make_app,
                                                                                 tmp_path):
    broken = make_app(DATABASE_URL=f"sqlite:///{tmp_path}/missing-folder/gitops.db")
    ready = make_app(LOG_LEVEL="DEBUG")  # the level of the webapp loggers: the last app's
    with captured(JsonFormatter()) as stream:
        ready.test_client().get("/readyz")
        ready.test_client().get("/sign-in")
        broken.test_client().get("/readyz")

    levels = [(line["path"], line["status"], line["level"]) for line in json_lines(stream)
              if line["logger"] == "webapp.access"]
    assert levels == [("/readyz", 200, "DEBUG"), ("/sign-in", 200, "INFO"),
                      ("/readyz", 503, "WARNING")]


def test_json_lines_lose_every_secret_even_one_json_would_escape(app, client):
    token = 'glpat-"quoted\\secret0001'
    remember(token)
    with captured(JsonFormatter()) as stream:
        logging.getLogger("webapp.probe").warning("sent %s", token)
        try:
            raise RuntimeError(f"provider echoed {token}")
        except RuntimeError:
            logging.getLogger("webapp.probe").exception("failed")

    text = stream.getvalue()
    assert token not in text
    assert json.dumps(token)[1:-1] not in text
    lines = json_lines(stream)
    assert lines[0]["message"] == "sent [redacted]"
    assert "provider echoed [redacted]" in lines[1]["exception"]


def test_text_lines_show_the_request_id_in_brackets(app, client):
    with captured(TextFormatter()) as stream:
        response = client.get("/charts")

    line = next(line for line in stream.getvalue().splitlines() if "webapp.access" in line)
    assert f"INFO webapp.access [{response.headers['X-Request-Id']}]: GET /charts 200 " in line


def test_an_unknown_log_format_stops_the_start_naming_the_setting(make_app):
    with pytest.raises(ConfigError, match="GITOPS_LOG_FORMAT must be text or json, not 'xml'"):
        make_app(LOG_FORMAT="xml")
