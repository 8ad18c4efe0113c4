"""Helpers for the JSON API tests: tokens made directly, and a client that sends them."""

from __future__ import annotations

from datetime import datetime

from webapp.tokens import service


def make_token(app, role: str = "admin", name: str | None = None,
               expires_at: datetime | None = None) -> str:
    """A new API token's secret (made through the service, as the page does)."""
    with app.app_context():
        return service.create(name or f"{role}-token", role, expires_at, "admin").secret


class Api:
    """A test client that sends a bearer token with every call to /api/v1."""

    def __init__(self, app, token: str) -> None:
        self.client = app.test_client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(self, method: str, path: str, **kwargs):
        """One call; path is below /api/v1."""
        headers = {**self.headers, **kwargs.pop("headers", {})}
        return self.client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def get(self, path: str, **kwargs):
        return self.call("GET", path, **kwargs)

    def post(self, path: str, **kwargs):
        return self.call("POST", path, **kwargs)

    def put(self, path: str, **kwargs):
        return self.call("PUT", path, **kwargs)

    def delete(self, path: str, **kwargs):
        return self.call("DELETE", path, **kwargs)


def error_of(response) -> dict:
    """The error object of an API answer, checked to have the one shape."""
    body = response.get_json()
    assert body is not None, response.get_data(as_text=True)[:200]
    error = body["error"]
    assert set(error) >= {"code", "message", "fields"}, error
    assert isinstance(error["message"], str) and error["message"]
    return error
