"""gunicorn.conf.py: settings from the app's own, and a real gunicorn logging JSON lines."""

from __future__ import annotations

import json
import logging.config
import os
import runpy

import pytest

from tests.fakes.fixtures import serve
from tests.fakes.registry import HARNESSES
from tests.live import ROOT, Browser, Gunicorn
from tests.provider_inputs import form_data
from tests.test_deploys import VALUES_V2
from webapp.logs import JsonFormatter
from webapp.providers.redact import secret_forms


def gunicorn_settings(monkeypatch, tmp_path, **environment) -> dict:
    """The module gunicorn.conf.py becomes under these GITOPS_* variables."""
    for name in [name for name in os.environ if name.startswith("GITOPS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("GITOPS_INSTANCE_PATH", str(tmp_path))
    for name, value in environment.items():
        monkeypatch.setenv(f"GITOPS_{name}", value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_it_binds_where_gitops_bind_says_with_workers_from_the_cpu_count(monkeypatch,
                                                                         tmp_path):
    monkeypatch.setattr(os, "cpu_count", lambda: 3)
    monkeypatch.setattr("multiprocessing.cpu_count", lambda: 3)

    settings = gunicorn_settings(monkeypatch, tmp_path, BIND="0.0.0.0:8080, [::1]:8081")

    assert settings["bind"] == ["0.0.0.0:8080", "[::1]:8081"]
    assert settings["workers"] == 7
    assert (settings["worker_class"], settings["threads"]) == ("gthread", 8)
    assert gunicorn_settings(monkeypatch, tmp_path, WORKERS="3")["workers"] == 3


def test_a_restart_waits_longer_than_any_deploy_or_validation_may_take(monkeypatch, tmp_path):
    settings = gunicorn_settings(monkeypatch, tmp_path, DEPLOY_WAIT="45",
                                 DEPLOY_DEADLINE="200", VALIDATION_DEADLINE="300")

    assert settings["graceful_timeout"] > 300 + 15  # a validation, then its clean-up
    assert settings["graceful_timeout"] > 45 + 200  # a deploy waits, then commits
    assert settings["timeout"] >= settings["graceful_timeout"]


def test_its_log_lines_use_the_apps_format_and_its_access_log_is_the_apps(monkeypatch,
                                                                          tmp_path):
    settings = gunicorn_settings(monkeypatch, tmp_path, LOG_FORMAT="json", LOG_LEVEL="DEBUG")

    assert settings["accesslog"] is None
    config = settings["logconfig_dict"]
    assert config["loggers"]["gunicorn.access"]["propagate"] is False
    formatter = logging.config.DictConfigurator(config).configure_custom(
        dict(config["formatters"]["app"]))
    assert isinstance(formatter, JsonFormatter)
    assert settings["loglevel"] == "debug"


@pytest.fixture
def github():
    with serve(HARNESSES["github"].simulator()) as simulator:
        yield simulator


def test_a_live_server_logs_json_lines_with_request_ids_and_no_token(database, tmp_path,
                                                                     github):
    harness = HARNESSES["github"]
    with Gunicorn(tmp_path / "live", database.url, LOG_FORMAT="json", PROXY_HOPS=1) as server:
        browser = Browser(server.url)
        wrong = browser.post("/settings/gitops/github/validate", form_data(
            harness, github, token=harness.tokens["wrong"]))
        saved = browser.post("/settings/gitops/github", form_data(harness, github))
        browser.post("/applications", {"name": "shop", "environments": "dev"})
        deployed = browser.post("/deployment-template", {"target": "shop/dev",
                                                         "values": VALUES_V2},
                                headers={"X-Request-Id": "edge-42"})
        server.stop()
        log = server.log()

    assert (wrong.status_code, saved.status_code, deployed.status_code) == (200, 303, 200)
    lines = [json.loads(line) for line in log.splitlines()]  # every line is JSON
    assert {"gunicorn.error", "webapp.access"} <= {line["logger"] for line in lines}
    access = [line for line in lines if line["logger"] == "webapp.access"]
    deploy = next(line for line in access if line["path"] == "/deployment-template")
    assert (deploy["request_id"], deploy["user"], deploy["status"]) == ("edge-42", "admin",
                                                                        200)
    assert deployed.headers["X-Request-Id"] == "edge-42"
    assert all(line["request_id"] for line in access)
    for token in (harness.tokens["good"], harness.tokens["wrong"]):
        for form in secret_forms(token):
            assert form not in log
