"""Hostile input in every field of the deploy pages and the applications forms: never a
server error; a refusal names the field and what to fix, stores nothing, sends nothing."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import func, select

from tests.conftest import csrf_token, signed_in
from tests.hostile import examples, hosts, text_values, yaml_bombs
from tests.test_deploys import configure, create_app
from webapp.extensions import db
from webapp.models import Application, AuditEvent, Deployment, Environment

ERROR = re.compile(r'<p class="error" id="([a-z0-9_-]+)-error">([^<]+)</p>')
CHART = {"target": "shop/dev", "repository": "https://charts.example.com", "chart": "redis",
         "version": "1.2.3", "values": "{}\n"}


@pytest.fixture
def shop(make_app, harness, simulator):
    """The provider active on its simulator, an application shop (dev, prod); its client."""
    app = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True)
    client = signed_in(app)
    configure(client, harness, simulator)
    create_app(client)
    return app, client


def rows(app) -> dict[str, int]:
    with app.app_context():
        return {model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Application, Environment, Deployment, AuditEvent)}


def refused(response, fields: set[str]) -> dict[str, str]:
    """The field errors of a 422 page, each a sentence, only on the fields allowed."""
    page = response.get_data(as_text=True)
    assert response.status_code == 422, (response.status_code, page[:3000])
    errors = dict(ERROR.findall(page))
    assert errors, page[:3000]
    assert set(errors) <= fields, errors
    # A sentence, or a values problem located by its line.
    assert all(message.strip().endswith(".") or message.startswith("line ")
               for message in errors.values()), errors
    return errors


def post(client, url: str, data: dict):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/charts")})


# Provider-independent: the forms are checked before any provider is chosen.
pytestmark = pytest.mark.parametrize("harness", ["github"], indirect=True)


@examples(30)
@given(values=yaml_bombs(), chart=st.booleans())
@example(values="[" * 100_000, chart=False)
@example(values="replicaCount: " + "9" * 5000, chart=True)
@example(values="? [a, b]\n: c\n", chart=False)
def test_any_values_are_refused_with_line_and_reason_or_deployed(shop, simulator, values,
                                                                 chart):
    app, client = shop
    before = rows(app)
    simulator.clear_log()
    url, data = ("/charts", CHART) if chart else ("/deployment-template", {"target": "shop/dev"})

    response = post(client, url, {**data, "values": values})

    if response.status_code == 200:  # valid after all: one deploy, recorded
        assert rows(app)["deployment"] == before["deployment"] + 1
        return
    refused(response, {"values"})
    assert rows(app) == before
    assert simulator.calls() == []


@pytest.mark.databases
@examples(30)
@given(field=st.sampled_from(["target", "repository", "chart", "version"]),
       value=st.one_of(text_values(), hosts()))
@example(field="repository", value="oci://registry.example.com/\x00charts")
def test_any_chart_field_is_refused_with_a_reason_or_deployed(shop, simulator, field, value):
    app, client = shop
    before = rows(app)
    simulator.clear_log()

    response = post(client, "/charts", {**CHART, field: value})

    if response.status_code == 200:
        assert rows(app)["deployment"] == before["deployment"] + 1
        return
    refused(response, {field})
    assert rows(app) == before
    assert simulator.calls() == []


@pytest.mark.databases
@examples(30)
@given(field=st.sampled_from(["name", "environments", "repository_url"]),
       value=st.one_of(text_values(), hosts()))
def test_any_new_application_field_is_refused_with_a_reason_or_created(shop, simulator,
                                                                       field, value):
    app, client = shop
    before = rows(app)
    data = {"name": "cart", "environments": "dev", "repository_url": "", field: value}

    response = post(client, "/applications", data)

    if response.status_code == 303:
        with app.app_context():  # created: take it away again for the next example
            db.session.execute(Application.__table__.delete().where(
                Application.name != "shop"))
            db.session.commit()
        return
    refused(response, {field})
    assert rows(app) == before
    assert simulator.calls() == []


@pytest.mark.databases
@examples(20)
@given(application=st.one_of(st.just("shop"), text_values()), name=text_values(),
       repository=st.one_of(text_values(), hosts()))
def test_any_environment_or_repository_url_is_refused_or_added(shop, simulator, application,
                                                                 name, repository):
    app, client = shop
    before = rows(app)
    path = application.replace("%", "%25").replace("/", "%2F").replace("?", "%3F") \
        .replace("#", "%23")

    added = post(client, f"/applications/{path}/environments", {"name": name})
    pointed = post(client, f"/applications/{path}/repository", {"repository_url": repository})

    for response in (added, pointed):
        assert response.status_code in (303, 404, 413, 422), \
            response.get_data(as_text=True)[:3000]
        assert (response.status_code == 404) is (application != "shop")
    if added.status_code == 422:
        refused(added, {"env-shop"})
    if pointed.status_code == 422:
        refused(pointed, {"repo-shop"})
    if added.status_code != 303 and pointed.status_code != 303:
        assert rows(app) == before
    with app.app_context():  # take back what was added, for the next example
        db.session.execute(Environment.__table__.delete().where(
            Environment.name.not_in(["dev", "prod"])))
        db.session.execute(Application.__table__.update().values(repository_url=None))
        db.session.commit()
    assert simulator.calls() == []
