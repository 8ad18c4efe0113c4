"""Security headers, running under a path prefix, private hosts, the audit log, deleting."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DatabaseError

from tests.conftest import csrf_token, signed_in
from tests.provider_inputs import TOKENS, VALID, form_for
from webapp.extensions import db
from webapp.models import AuditEvent, GitOpsConfig


def post(client, url, data, **kwargs):
    return client.post(url, data={**data, "csrf_token": csrf_token(client)}, **kwargs)


def audit(app) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_every_page_carries_the_security_headers(client):
    response = client.get("/settings/gitops")

    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'self'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http


def test_frame_ancestors_is_configurable_for_embedding(make_app):
    app = make_app(FRAME_ANCESTORS="'self' https://portal.example.com")

    policy = signed_in(app).get("/charts").headers["Content-Security-Policy"]

    assert "frame-ancestors 'self' https://portal.example.com" in policy


def test_no_template_has_an_inline_script_or_style():
    from pathlib import Path
    templates = Path(__file__).resolve().parents[1] / "webapp" / "templates"
    for path in templates.rglob("*.html"):
        source = path.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", source), path
        assert "<style" not in source, path
        assert not re.search(r"\sstyle=", source), path
        assert not re.search(r"\shx-on[:-]", source), path


def test_under_a_prefix_every_link_redirect_and_asset_carries_it(make_app):
    app = make_app(PROXY_HOPS=1)
    client = signed_in(app)
    headers = {"X-Forwarded-Prefix": "/gitops", "X-Forwarded-Host": "tools.example.com",
               "X-Forwarded-Proto": "https", "Referer": "https://tools.example.com/gitops/"}

    page = client.get("/settings/gitops", headers=headers).get_data(as_text=True)
    links = re.findall(r'(?:href|src|action|hx-get|hx-post)="(/[^"]*)"', page)
    assert links
    assert all(link.startswith("/gitops/") for link in links), links

    token = csrf_token(client)
    saved = client.post("/settings/gitops/gitlab", headers=headers,
                        data={**VALID["gitlab"], "csrf_token": token})
    assert saved.headers["Location"] == "/gitops/settings/gitops/gitlab?saved=1"
    stranger = make_app(PROXY_HOPS=1).test_client().get("/charts", headers=headers)
    assert stranger.headers["Location"] == "/gitops/sign-in?next=/charts"


def test_a_host_on_a_private_network_is_refused_unless_allowed(make_app):
    strict = signed_in(make_app())
    response = post(strict, "/settings/gitops/gitlab",
                    form_for("gitlab", host="https://10.20.30.40"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "resolves to the private address 10.20.30.40" in page
    assert "GITOPS_ALLOW_PRIVATE_HOSTS" in page
    assert "self-managed GitLab" in page

    lenient = signed_in(make_app(ALLOW_PRIVATE_HOSTS=True))
    assert post(lenient, "/settings/gitops/gitlab",
                form_for("gitlab", host="https://10.20.30.40")).status_code == 303


@pytest.mark.databases
def test_saving_records_the_names_of_what_changed_and_never_a_value(app, client):
    post(client, "/settings/gitops/gitlab", VALID["gitlab"])
    version = 1
    post(client, "/settings/gitops/gitlab", form_for("gitlab", username="renamed",
                                                     token="glpat-NEWtoken0000", version=version))

    events = audit(app)
    saved = [e for e in events if e.action == "config_saved"]
    assert saved[1].details["changed"] == ["username", "token changed"]
    assert [e.action for e in events].count("config_activated") == 1
    assert all(e.actor == "admin" for e in saved)
    everything = str([(e.action, e.target, e.details) for e in events])
    assert TOKENS["gitlab"] not in everything
    assert "glpat-NEWtoken0000" not in everything
    assert "renamed" not in everything
    page = client.get("/audit").get_data(as_text=True)
    assert "token changed" in page


@pytest.mark.databases
def test_the_audit_log_is_append_only_in_the_database(app, client):
    post(client, "/settings/gitops/gitlab", VALID["gitlab"])
    with app.app_context():
        for statement in ("UPDATE audit_event SET actor = 'someone else'",
                          "DELETE FROM audit_event"):
            with pytest.raises(DatabaseError, match="append-only"):
                db.session.execute(text(statement))
            db.session.rollback()
    assert audit(app)


def test_the_active_configuration_is_deleted_only_when_leaving_gitops_unconfigured(app, client):
    post(client, "/settings/gitops/gitlab", VALID["gitlab"])
    post(client, "/settings/gitops/github", VALID["github"])

    assert "Delete the GitHub configuration?" in client.get(
        "/settings/gitops/github/delete").get_data(as_text=True)
    refused = post(client, "/settings/gitops/github/delete", {})
    assert refused.status_code == 409
    assert "activate another one first" in refused.get_data(as_text=True)

    assert post(client, "/settings/gitops/gitlab/delete", {}).status_code == 303
    assert post(client, "/settings/gitops/github/delete",
                {"leave_unconfigured": "y"}).status_code == 303

    with app.app_context():
        assert db.session.scalars(select(GitOpsConfig)).all() == []
    assert "GitOps is not configured" in client.get("/charts").get_data(as_text=True)
    deleted = [e for e in audit(app) if e.action == "config_deleted"]
    assert [(e.target, e.details["was_active"]) for e in deleted] == [("gitlab", False),
                                                                       ("github", True)]
