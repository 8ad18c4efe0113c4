"""The two ways the command line reaches the API: in this process, or over HTTP."""

from __future__ import annotations

import getpass
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from flask import Flask

from webapp.api.auth import CLI_ENVIRON_KEY

API = "/api/v1"


@dataclass(frozen=True)
class Answer:
    """An API answer: its status and JSON body (None when it has none)."""

    status: int
    body: Any
    headers: dict[str, str]

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return 200 <= self.status < 400


class Client(Protocol):
    """Something that sends one API call and returns its answer."""

    def call(self, method: str, path: str, *, json: Any = None,
             params: dict[str, Any] | None = None) -> Answer:
        """Send method path (below /api/v1) with an optional JSON body."""


class LocalClient:
    """The API of this installation, called in-process as the local operator.

    Whoever may run this command may read the instance's keys and database, so the call
    is an admin's; it is audited as "cli".
    """

    def __init__(self, app: Flask) -> None:
        self.client = app.test_client()
        self.operator = getpass.getuser()

    def call(self, method, path, *, json=None, params=None) -> Answer:
        """One in-process request."""
        response = self.client.open(API + path, method=method, json=json,
                                    query_string=params or {},
                                    environ_overrides={CLI_ENVIRON_KEY: self.operator})
        body = response.get_json(silent=True) if response.data else None
        return Answer(response.status_code, body, dict(response.headers))


class RemoteClient:
    """A remote instance's API, with a bearer token (from the environment, never argv)."""

    def __init__(self, url: str, token: str, timeout: float = 130.0) -> None:
        self.base = url.rstrip("/") + API
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {token}",
                                     "User-Agent": "gitops-console-cli"})
        self.timeout = timeout  # a deploy may take GITOPS_DEPLOY_DEADLINE (120 s)

    def call(self, method, path, *, json=None, params=None) -> Answer:
        """One HTTP request; a connection failure becomes status 0."""
        try:
            response = self.session.request(method, self.base + path, json=json,
                                            params=params, timeout=self.timeout)
        except requests.RequestException as error:
            reason = type(error).__name__
            return Answer(0, {"error": {"code": "unreachable", "fields": {},
                                        "message": f"Could not reach {self.base} ({reason})."}},
                          {})
        try:
            body = response.json() if response.content else None
        except ValueError:
            body = {"error": {"code": "not_json", "fields": {}, "message":
                              f"{self.base} answered {response.status_code} with something "
                              "that is not the API's JSON: check --url."}}
        return Answer(response.status_code, body, dict(response.headers))
