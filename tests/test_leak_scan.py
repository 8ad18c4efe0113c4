"""No token anywhere: a whole session, then the database file, the logs (JSON lines
included) and every response."""

from __future__ import annotations

import json
import logging
from contextlib import ExitStack

from tests.conftest import csrf_token, signed_in
from tests.fakes.fixtures import serve
from tests.fakes.registry import HARNESSES
from tests.provider_inputs import form_data
from tests.test_logs import captured
from webapp.deploy.chart import DEFAULT_VALUES
from webapp.extensions import db
from webapp.log_redaction import redact, remember
from webapp.logs import JsonFormatter
from webapp.providers.redact import secret_forms


class Recorder:
    """A test client that keeps every response's headers and body."""

    def __init__(self, client):
        self.client, self.seen = client, []

    def request(self, method, url, **kwargs):
        response = self.client.open(url, method=method, **kwargs)
        self.seen.append(str(response.headers) + response.get_data(as_text=True))
        return response

    def post(self, url, data, **kwargs):
        token = csrf_token(self.client)
        return self.request("POST", url, data={**data, "csrf_token": token}, **kwargs)


def test_a_full_session_leaks_no_token_anywhere(make_app, db_path, caplog):
    app = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, LOG_LEVEL="DEBUG")
    browser = Recorder(signed_in(app))
    tokens = []
    caplog.set_level(logging.DEBUG)
    with ExitStack() as stack:
        json_log = stack.enter_context(captured(JsonFormatter()))
        for kind, harness in sorted(HARNESSES.items()):
            simulator = stack.enter_context(serve(harness.simulator()))
            tokens += [harness.tokens["good"], harness.tokens["wrong"]]
            url = f"/settings/gitops/{kind}"
            # A wrong token first: validation fails, its messages are shown and logged.
            browser.post(url, form_data(harness, simulator, token=harness.tokens["wrong"]))
            browser.post(f"{url}/validate", form_data(harness, simulator),
                         headers={"HX-Request": "true"})
            assert browser.post(url, form_data(harness, simulator)).status_code == 303
            browser.post(f"{url}/revalidate", {})
            browser.post("/applications", {"name": f"app-{kind.replace('_', '-')}",
                                           "environments": "dev"})
            deployed = browser.post("/deployment-template", {
                "target": f"app-{kind.replace('_', '-')}/dev", "values": DEFAULT_VALUES})
            assert deployed.status_code == 200, deployed.get_data(as_text=True)[:300]
            for page in (url, "/settings/gitops", "/deployment-template", "/charts",
                         "/audit"):
                browser.request("GET", page)
                browser.request("GET", page, headers={"HX-Request": "true"})
            logging.getLogger("webapp.test").info("provider failed: %s", harness.tokens["good"])
        with app.app_context():
            db.session.remove()
            db.engine.dispose()  # checkpoint the WAL into the database file

    stored = b"".join(path.read_bytes() for path in db_path.parent.glob("gitops.db*"))
    logs = "\n".join(record.getMessage() + (record.exc_text or "")
                     for record in caplog.records)
    json_lines = [json.loads(line) for line in json_log.getvalue().splitlines()]
    assert len(browser.seen) > 50  # 16 responses per provider
    assert len([line for line in json_lines if "request_id" in line]) >= len(browser.seen)
    for token in tokens:
        for form in secret_forms(token):
            assert form.encode() not in stored, token
            assert form not in logs, token
            assert form not in json_log.getvalue(), token
            assert not [body for body in browser.seen if form in body], token
    assert "[redacted]" in logs  # the deliberate log line above was caught
    assert [line for line in json_lines if line["message"] == "provider failed: [redacted]"]


def test_a_log_record_loses_the_token_in_every_form(caplog):
    token = "glpat-LogRedactionProbe000001"
    remember(token)
    import base64
    basic = base64.b64encode(f"jane@example.com:{token}".encode()).decode()

    with caplog.at_level(logging.INFO):
        logging.getLogger("webapp.probe").info("sent %s and Basic %s and %s", token, basic,
                                              "q=" + token.replace("-", "%2D"))
        try:
            raise RuntimeError(f"provider echoed {token}")
        except RuntimeError:
            logging.getLogger("webapp.probe").exception("failed")

    text = caplog.text
    for form in secret_forms(token):
        assert form not in text
    assert "provider echoed [redacted]" in text
    assert redact(f"x{token}x") == "x[redacted]x"


def test_a_full_api_session_leaks_no_token_anywhere(make_app, db_path, caplog):
    from tests.api_support import make_token
    app = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, LOG_LEVEL="DEBUG")
    api_token = make_token(app, name="pipeline")
    client = Recorder(app.test_client())
    bearer = {"Authorization": f"Bearer {api_token}"}
    tokens = [api_token]
    caplog.set_level(logging.DEBUG)

    def call(method, path, **kwargs):
        return client.request(method, "/api/v1" + path, headers=bearer, **kwargs)

    with ExitStack() as stack:
        for kind, harness in sorted(HARNESSES.items()):
            simulator = stack.enter_context(serve(harness.simulator()))
            tokens += [harness.tokens["good"], harness.tokens["wrong"]]
            body = form_data(harness, simulator)
            call("PUT", f"/gitops/configs/{kind}", json={**body,
                                                         "token": harness.tokens["wrong"]})
            call("POST", f"/gitops/configs/{kind}/validate", json=body)
            assert call("PUT", f"/gitops/configs/{kind}", json=body).status_code == 201
            call("POST", f"/gitops/configs/{kind}/validate")
            name = f"app-{kind.replace('_', '-')}"
            call("POST", "/apps", json={"name": name, "environments": ["dev"]})
            deployed = call("POST", f"/apps/{name}/environments/dev/deploy",
                            json={"values": DEFAULT_VALUES})
            assert deployed.status_code == 201, deployed.get_json()
            for path in ("/gitops/configs", f"/gitops/configs/{kind}", "/gitops/status",
                         "/apps", "/deployments", "/audit", "/openapi.json"):
                call("GET", path)
        client.request("GET", "/api/v1/apps",
                       headers={"Authorization": f"Bearer {api_token[:-3]}xyz"})
        with app.app_context():
            db.session.remove()
            db.engine.dispose()

    stored = b"".join(path.read_bytes() for path in db_path.parent.glob("gitops.db*"))
    logs = "\n".join(record.getMessage() + (record.exc_text or "")
                     for record in caplog.records)
    assert len(client.seen) > 40
    for token in tokens:
        for form in secret_forms(token):
            assert form.encode() not in stored, token
            assert form not in logs, token
            assert not [body for body in client.seen if form in body], token
