"""Every failure of the API in its one JSON shape, with an honest status; never HTML."""

from __future__ import annotations

import pytest

from tests.api_support import Api, error_of, make_token


@pytest.fixture
def api(app):
    return Api(app, make_token(app))


def test_an_unknown_path_under_the_api_is_a_json_404(api):
    response = api.get("/nothing/here")

    assert response.status_code == 404
    assert response.mimetype == "application/json"
    assert error_of(response)["code"] == "not_found"


def test_a_page_404_stays_a_page(client):
    response = client.get("/nothing/here")

    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_a_method_the_route_does_not_take_is_a_json_405_naming_the_allowed_ones(api):
    response = api.call("PATCH", "/apps")

    assert response.status_code == 405
    assert error_of(response)["code"] == "method_not_allowed"
    assert set(response.headers["Allow"].split(", ")) >= {"GET", "POST"}


def test_a_body_larger_than_a_megabyte_is_a_413(api):
    response = api.post("/apps", data=b"{" + b" " * (1024 * 1024 + 10) + b"}",
                        headers={"Content-Type": "application/json"})

    assert response.status_code == 413
    assert error_of(response)["code"] == "too_large"


def test_a_bug_is_a_json_500_that_says_nothing_of_its_cause(app, api, monkeypatch, caplog):
    from webapp.api import deploys

    def broken():
        raise RuntimeError("secret internal detail glpat-LeakProbe0000000001")
    monkeypatch.setattr(deploys.pages, "applications", broken)

    response = api.get("/apps")

    assert response.status_code == 500
    assert error_of(response)["code"] == "internal_error"
    assert "internal detail" not in response.get_data(as_text=True)
    assert "unexpected error in GET /api/v1/apps" in caplog.text


def test_the_description_is_public_and_the_rest_is_not(app):
    client = app.test_client()

    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/apps").status_code == 401
