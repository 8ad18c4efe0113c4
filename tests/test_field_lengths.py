"""Every field against a value longer than its column: refused next to the field, or
stored whole; never a server error (PostgreSQL enforces the lengths SQLite ignores)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.conftest import csrf_token
from tests.provider_inputs import VALID
from tests.test_deploys import configure, create_app
from webapp.extensions import db
from webapp.models import Application, AuditEvent, Deployment, GitOpsConfig, SignInFailure
from webapp.providers import KINDS


def long_value(name: str, kind: str, length: int) -> str:
    """A value of the field's shape, length characters long."""
    if name in ("host", "organization_url", "repository_url", "repository"):
        return "https://git.example.com/" + "a" * (length - 24)
    if name == "username" and kind == "bitbucket_cloud":
        return "a" * (length - 12) + "@example.com"
    if name == "version":
        return "1.0.0-" + "a" * (length - 6)
    return "a" * length


SETTINGS = [(kind.id, spec.name) for kind in KINDS.values() for spec in kind.fields
            if spec.kind != "secret"] + [("github", "branch"), ("github", "repository_prefix"),
                                          ("github", "validation_repository")]


# SQLite keeps any length: only PostgreSQL can fail this one.
@pytest.mark.databases("postgresql")
@pytest.mark.parametrize(("kind", "name"), SETTINGS)
def test_a_settings_value_longer_than_its_column_is_refused_or_kept_whole(app, client, kind,
                                                                          name):
    value = long_value(name, kind, 1000)
    data = {**VALID[kind], name: value, "repositories_precreated": "y",
            "validation_repository": "state", "csrf_token": csrf_token(client)}
    if name == "validation_repository":
        data[name] = value

    response = client.post(f"/settings/gitops/{kind}", data=data)

    assert response.status_code in (303, 422), response.get_data(as_text=True)[:2000]
    with app.app_context():
        stored = db.session.scalar(select(getattr(GitOpsConfig, name)))
    if response.status_code == 303:
        assert stored == value
    else:
        assert f'id="{name}-error"' in response.get_data(as_text=True)
        assert stored is None


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True)


@pytest.mark.databases
@pytest.mark.parametrize("harness", ["github"], indirect=True)
@pytest.mark.parametrize(("name", "length"), [("repository", 501), ("chart", 101),
                                              ("version", 101)])
def test_a_chart_value_longer_than_its_column_is_refused_next_to_its_field(
        app, client, harness, simulator, name, length):
    configure(client, harness, simulator)
    create_app(client)
    data = {"target": "shop/dev", "repository": "https://charts.example.com", "chart": "redis",
            "version": "1.0.0", "values": "{}\n", name: long_value(name, "", length)}

    response = client.post("/charts", data={**data, "csrf_token": csrf_token(client)})

    assert response.status_code == 422, response.get_data(as_text=True)[:2000]
    assert f'id="{name}-error"' in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Deployment)).all() == []


@pytest.mark.databases
@pytest.mark.parametrize("harness", ["github"], indirect=True)
def test_a_repository_url_longer_than_its_column_is_refused_next_to_its_field(
        app, client, harness, simulator):
    configure(client, harness, simulator, repositories_precreated="y",
              validation_repository="state")
    url = long_value("repository_url", "", 501)

    created = client.post("/applications", data={"name": "shop", "environments": "dev",
                                                 "repository_url": url,
                                                 "csrf_token": csrf_token(client)})
    create_app(client, "cart", "dev", repository_url="https://git.example.com/cart")
    pointed = client.post("/applications/cart/repository",
                          data={"repository_url": url, "csrf_token": csrf_token(client)})

    assert (created.status_code, pointed.status_code) == (422, 422)
    assert 'id="repository_url-error"' in created.get_data(as_text=True)
    assert "at most 500 characters" in pointed.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalars(select(Application.repository_url)).all() == [
            "https://git.example.com/cart"]



@pytest.mark.databases("postgresql")
def test_a_forged_client_address_longer_than_its_column_is_cut_not_a_server_error(make_app):
    # Behind a misconfigured proxy (more GITOPS_PROXY_HOPS than proxies) the client
    # chooses X-Forwarded-For: it is recorded on failed sign-ins and in the audit log.
    app = make_app(PROXY_HOPS=1)
    client = app.test_client()
    forged = "203.0.113.7-" + "x" * 500

    response = client.post("/sign-in", headers={"X-Forwarded-For": forged}, data={
        "username": "admin", "password": "wrong password!",
        "csrf_token": csrf_token(client, "/sign-in")})

    assert response.status_code == 401
    with app.app_context():
        address = db.session.scalar(select(AuditEvent.address))
        keys = db.session.scalars(select(SignInFailure.key)).all()
    assert address == forged[:64]
    assert sorted(keys) == ["addr:" + forged[:150], "user:admin"]
