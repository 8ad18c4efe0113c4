"""Hostile route parameters and query strings, and the sign-in and password forms: every
answer is a page or a refusal, never a server error, and a refusal changes nothing."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import ADMIN, PASSWORD, csrf_token, signed_in
from tests.hostile import examples, text_values
from tests.provider_inputs import VALID
from webapp.extensions import db
from webapp.models import Application, Deployment, GitOpsConfig, User

# Raw path segments, some of them not even valid percent-encoding.
SEGMENTS = st.one_of(
    text_values().map(lambda value: quote(value[:2000], safe="")),
    st.sampled_from(["%", "%zz", "%0", "%00", "%C0%AF", "%FF%FE", "..", "%2e%2e", "%2F",
                     "github%00", "GITHUB", "github ", "%E2%80%AE", "a" * 5000]))
GETS = ["/settings/gitops/{}", "/settings/gitops/{}/delete", "/settings/gitops?saved={}",
        "/settings/gitops/github?saved={}", "/deployment-template?target={}",
        "/charts?target={}", "/audit?before={}", "/audit?before=1&before={}",
        "/deployment-template?target=shop%2F{}"]
POSTS = ["/settings/gitops/{}", "/settings/gitops/{}/validate", "/settings/gitops/{}/revalidate",
         "/settings/gitops/{}/delete", "/applications/{}/environments",
         "/applications/{}/repository"]
WRITES = (GitOpsConfig, Application, Deployment, User)
ERROR = re.compile(r'<p class="error" id="([a-z_]+)-error">([^<]+)</p>')


@pytest.fixture
def saved(make_app):
    """A saved GitHub configuration and an application shop; the admin's client."""
    app = make_app()
    client = signed_in(app)
    token = csrf_token(client)
    assert client.post("/settings/gitops/github",
                       data={**VALID["github"], "csrf_token": token}).status_code == 303
    assert client.post("/applications", data={"name": "shop", "environments": "dev",
                                               "csrf_token": token}).status_code == 303
    return app, client


def counts(app) -> dict[str, int]:
    with app.app_context():
        return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in WRITES}


@pytest.mark.databases
@examples(40)
@given(route=st.sampled_from(GETS + POSTS), segment=SEGMENTS)
@example(route="/applications/{}/environments", segment="%00")
@example(route="/deployment-template?target={}", segment="shop%2F%00")
def test_any_route_parameter_gets_a_page_or_a_refusal_never_a_server_error(saved, route,
                                                                           segment):
    app, client = saved
    before = counts(app)
    url = route.format(segment)

    if route in GETS:
        response = client.get(url)
    else:
        response = client.post(url, data={"name": "x-y", "repository_url": "https://a.example",
                                          "csrf_token": csrf_token(client)})

    assert response.status_code < 500, (url, response.get_data(as_text=True)[:2000])
    if response.status_code >= 400:
        assert counts(app) == before


# Sign-in and password checks hash with scrypt, slow on purpose: fewer examples.
@pytest.mark.databases
@examples(12)
@given(field=st.sampled_from(["username", "password", "next"]), value=text_values())
@example(field="username", value="admin\x00")
def test_any_sign_in_input_is_refused_politely_and_signs_nobody_in(make_app, field, value):
    app = make_app()
    client = app.test_client()
    token = csrf_token(client, "/sign-in")
    data = {"username": "someone", "password": "wrong password!", "next": "/charts",
            field: value, "csrf_token": token}

    response = client.post("/sign-in", data=data)

    page = response.get_data(as_text=True)
    assert response.status_code in (401, 422, 429), page[:2000]
    assert "user_id" not in (client.get_cookie("session").value
                             if client.get_cookie("session") else "")
    if response.status_code == 422:
        errors = dict(ERROR.findall(page))
        assert errors and set(errors) <= {field}, errors


@examples(12)
@given(next_page=text_values())
def test_any_next_page_after_sign_in_stays_on_this_site(make_app, next_page):
    app = make_app(SIGN_IN_FAILURE_LIMIT=1000)
    client = app.test_client()
    assert client.get("/sign-in?next=" + quote(next_page[:3000], safe="")).status_code == 200
    token = csrf_token(client, "/sign-in")

    response = client.post("/sign-in", data={"username": ADMIN, "password": PASSWORD,
                                             "next": next_page, "csrf_token": token})

    assert response.status_code == 303
    location = response.headers["Location"]
    assert location.startswith("/") and not location.startswith("//"), location
    assert not any(character < " " or character == "\\" for character in location)


@examples(10)
@given(field=st.sampled_from(["current", "new", "confirm"]), value=text_values())
def test_any_password_change_input_is_refused_with_a_reason(make_app, field, value):
    app = make_app()
    client = signed_in(app)
    data = {"current": "not the password", "new": "a new long password", "confirm":
            "a new long password", field: value, "csrf_token": csrf_token(client)}
    with app.app_context():
        before = db.session.scalar(select(User.password_hash).where(User.username == ADMIN))

    response = client.post("/account/password", data=data)

    assert response.status_code == 422, response.get_data(as_text=True)[:2000]
    with app.app_context():
        assert db.session.scalar(select(User.password_hash)
                                 .where(User.username == ADMIN)) == before
