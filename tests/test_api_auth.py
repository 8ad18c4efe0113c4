"""Who may call the API: tokens missing, wrong, expired, revoked; viewer and admin; CSRF."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.api_support import Api, error_of, make_token
from tests.conftest import VIEWER, csrf_token, signed_in
from webapp.extensions import db
from webapp.models import ApiToken, AuditEvent, utcnow


def audit(app, action: str) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)
                                       .order_by(AuditEvent.id)))


def test_an_admin_token_reads_and_changes(app):
    api = Api(app, make_token(app))

    assert api.get("/gitops/status").get_json() == {
        "configured": False, "active_kind": None, "validated": False, "validated_at": None}
    created = api.post("/apps", json={"name": "shop", "environments": ["dev"]})
    assert created.status_code == 201
    assert created.headers["Location"].endswith("/api/v1/apps/shop")


def test_a_call_without_a_token_is_refused_with_401_and_a_bearer_challenge(app):
    response = app.test_client().get("/api/v1/gitops/status")

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(("header", "reason"), [
    ("Bearer gco_000000000000_" + "x" * 43, "unknown"),
    ("Bearer not-a-token", "malformed"),
    ("Basic dXNlcjpwYXNz", "malformed"),
    ("Bearer ", "malformed"),
])
def test_a_wrong_token_is_refused_and_the_refusal_audited_without_the_secret(
        app, header, reason):
    response = app.test_client().get("/api/v1/apps", headers={"Authorization": header})

    assert response.status_code == 401
    assert error_of(response)["code"] == "unauthenticated"
    [refusal] = audit(app, "api_token_refused")
    assert refusal.details["reason"] == reason
    assert refusal.details["path"] == "/api/v1/apps"
    secret = header.partition(" ")[2]
    assert not secret or secret not in str(refusal.details)


def test_a_token_with_the_right_id_but_a_wrong_secret_is_refused_and_named(app):
    real = make_token(app, name="ci")
    forged = real[:-4] + ("aaaa" if not real.endswith("aaaa") else "bbbb")

    response = app.test_client().get("/api/v1/apps",
                                     headers={"Authorization": f"Bearer {forged}"})

    assert response.status_code == 401
    [refusal] = audit(app, "api_token_refused")
    assert (refusal.target, refusal.details["reason"]) == ("ci", "wrong secret")


def test_an_expired_token_is_refused(app):
    token = make_token(app, name="old", expires_at=utcnow() + timedelta(seconds=2))
    with app.app_context():
        row = db.session.scalar(select(ApiToken).where(ApiToken.name == "old"))
        row.expires_at = utcnow() - timedelta(minutes=1)  # as if it were made long ago
        db.session.commit()

    response = Api(app, token).get("/apps")

    assert response.status_code == 401
    assert "expired" in error_of(response)["message"]
    assert audit(app, "api_token_refused")[0].details["reason"] == "expired"


def test_a_revoked_token_is_refused_at_once(app, client):
    token = make_token(app, name="ci")
    api = Api(app, token)
    assert api.get("/apps").status_code == 200
    with app.app_context():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.name == "ci"))

    revoked = client.post(f"/settings/api-tokens/{token_id}/revoke",
                          data={"csrf_token": csrf_token(client, "/settings/api-tokens")})

    assert revoked.status_code == 303
    response = api.get("/apps")
    assert response.status_code == 401
    assert "revoked" in error_of(response)["message"]


def test_a_viewer_token_may_read_but_not_change(app):
    api = Api(app, make_token(app, role="viewer"))

    assert api.get("/apps").status_code == 200
    refused = api.post("/apps", json={"name": "shop"})
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "forbidden"
    assert api.get("/audit").status_code == 403  # the audit log is for admins


def test_a_bearer_call_needs_no_csrf_token(app):
    response = Api(app, make_token(app)).post("/apps", json={"name": "shop"})

    assert response.status_code == 201


def test_a_cookie_call_needs_the_csrf_token_in_its_header(app, client):
    refused = client.post("/api/v1/apps", json={"name": "shop"})
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "csrf_failed"

    accepted = client.post("/api/v1/apps", json={"name": "shop"},
                           headers={"X-CSRFToken": csrf_token(client)})
    assert accepted.status_code == 201


def test_a_viewers_cookie_call_may_read_only(app):
    viewer = signed_in(app, VIEWER)
    assert viewer.get("/api/v1/apps").status_code == 200
    refused = viewer.post("/api/v1/apps", json={"name": "shop"},
                          headers={"X-CSRFToken": csrf_token(viewer)})
    assert refused.status_code == 403


def test_every_use_is_audited_and_the_last_use_recorded(app):
    api = Api(app, make_token(app, name="ci"))

    api.get("/apps")
    api.post("/apps", json={"name": "bad name"})

    uses = audit(app, "api_token_used")
    assert [(u.target, u.actor, u.details["method"], u.details["status"]) for u in uses] == [
        ("ci", "ci (API token)", "GET", 200), ("ci", "ci (API token)", "POST", 422)]
    with app.app_context():
        assert db.session.scalar(select(ApiToken.last_used_at)) is not None


def test_what_a_token_does_is_attributed_to_it(app):
    Api(app, make_token(app, name="ci")).post("/apps", json={"name": "shop"})

    [created] = audit(app, "application_created")
    assert created.actor == "ci (API token)"


def test_the_token_page_shows_the_secret_once_and_stores_only_its_hash(app, client, db_path):
    page = client.post("/settings/api-tokens", data={
        "name": "ci-deploy", "role": "admin",
        "csrf_token": csrf_token(client, "/settings/api-tokens")})

    assert page.status_code == 201
    assert page.headers["Cache-Control"] == "no-store"
    text = page.get_data(as_text=True)
    secret = text.split('<pre class="manifest"><code>')[1].split("</code>")[0]
    assert secret.startswith("gco_")
    assert Api(app, secret).get("/apps").status_code == 200
    assert secret not in client.get("/settings/api-tokens").get_data(as_text=True)
    with app.app_context():
        db.engine.dispose()
    stored = db_path.read_bytes()
    assert secret.encode() not in stored
    assert secret.rsplit("_", 1)[1].encode() not in stored


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "", "role": "admin"}, "name", "Name the token"),
    ({"name": "ci", "role": "root"}, "role", "Not a valid choice"),
    ({"name": "ci", "role": "viewer", "expires_on": "2001-01-01"}, "expires_on",
     "Choose a day after today"),
    ({"name": "ci", "role": "viewer", "expires_on": "tomorrow"}, "expires_on",
     "Not a valid date"),
])
def test_the_token_page_says_what_to_fix(app, client, data, field, message):
    page = client.post("/settings/api-tokens", data={
        **data, "csrf_token": csrf_token(client, "/settings/api-tokens")})

    assert page.status_code == 422
    assert message in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(ApiToken)) is None


def test_a_second_token_of_the_same_name_is_refused(app, client):
    make_token(app, name="ci")
    page = client.post("/settings/api-tokens", data={
        "name": "ci", "role": "viewer",
        "csrf_token": csrf_token(client, "/settings/api-tokens")})

    assert page.status_code == 422
    assert "A token named ci already exists" in page.get_data(as_text=True)


def test_a_viewer_cannot_make_tokens(app):
    viewer = signed_in(app, VIEWER)
    assert viewer.get("/settings/api-tokens").status_code == 403
    assert viewer.post("/settings/api-tokens", data={
        "name": "x", "role": "admin",
        "csrf_token": csrf_token(viewer, "/charts")}).status_code == 403
