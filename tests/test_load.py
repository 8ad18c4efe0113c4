"""200 concurrent mixed requests on a live gunicorn (two workers, eight threads each):
page views, fragment swaps, saves, validations and deploys against a simulator.

Nothing is timed: the test checks what load must never do, on SQLite and PostgreSQL alike:
answer 5xx, fail on a locked database, or lose an update.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from sqlalchemy import create_engine, func, select

from tests.fakes.fixtures import serve
from tests.fakes.registry import HARNESSES
from tests.live import Browser, Gunicorn
from tests.provider_inputs import form_data
from tests.test_deploys import VALUES_V1
from webapp.models import AuditEvent, Deployment, GitOpsConfig

GITHUB = HARNESSES["github"]
MIX = {"page": 70, "fragment": 40, "save": 30, "validate": 20, "deploy": 40}
PAGES = ["/settings/gitops", "/settings/gitops/gitlab", "/deployment-template", "/charts",
         "/audit", "/healthz", "/readyz"]
FRAGMENTS = ["/settings/gitops/github", "/settings/gitops/azure_devops",
             "/deployment-template?target=shop/prod", "/charts?target=shop/dev"]
# Deploys of one application take turns (its lease); of two, they may overlap.
TARGETS = ["shop/dev", "shop/prod", "cart/dev", "cart/prod"]
VERSION = re.compile(r'name="version"[^>]*value="(\d+)"')


class Client:
    """One thread's browser: the shared sign-in's cookie, its own connections."""

    def __init__(self, signed_in: Browser) -> None:
        self.url, self.token = signed_in.url, signed_in.csrf_token
        self.session = requests.Session()
        self.session.cookies.update(signed_in.session.cookies)
        # A new connection each time: gunicorn closes an idle keep-alive connection after
        # 2 s, and a request sent on it at that moment fails in the client, not the server.
        self.session.headers["Connection"] = "close"

    def get(self, path: str, **headers) -> requests.Response:
        return self.session.get(self.url + path, headers=headers, timeout=300,
                                allow_redirects=False)

    def post(self, path: str, data: dict) -> requests.Response:
        return self.session.post(self.url + path, data={**data, "csrf_token": self.token},
                                 timeout=300, allow_redirects=False)


def one_request(kind: str, number: int, client: Client, simulator) -> tuple[str, object]:
    """Do one request of the mix; what the checks need of its answer."""
    if kind == "page":
        response = client.get(PAGES[number % len(PAGES)])
    elif kind == "fragment":
        response = client.get(FRAGMENTS[number % len(FRAGMENTS)], **{"HX-Request": "true"})
    elif kind == "save":
        # Read the version the form shows, then save: as a person editing would.
        version = VERSION.search(client.get("/settings/gitops/github").text).group(1)
        response = client.post("/settings/gitops/github", form_data(
            GITHUB, simulator, save_without_validating="y", version=version,
            username=f"editor-{number}"))
    elif kind == "validate":
        response = client.post("/settings/gitops/github/validate", form_data(GITHUB, simulator))
    else:
        values = VALUES_V1.replace("replicaCount: 1", f"replicaCount: {number + 2}")
        response = client.post("/deployment-template", {
            "target": TARGETS[number % len(TARGETS)], "values": values})
    return kind, response


@pytest.mark.databases
def test_two_hundred_concurrent_mixed_requests_lose_nothing(database, tmp_path):
    engine = create_engine(database.url)
    with serve(GITHUB.simulator()) as simulator, \
            Gunicorn(tmp_path / "live", database.url, DEPLOY_WAIT=300) as server:
        admin = Browser(server.url)
        assert admin.post("/settings/gitops/github", form_data(
            GITHUB, simulator, save_without_validating="y")).status_code == 303
        for name in ("shop", "cart"):
            assert admin.post("/applications", {"name": name, "environments": "dev, prod"}
                              ).status_code == 303
        with engine.connect() as connection:
            version_before = connection.scalar(select(GitOpsConfig.version))
            saved_before = connection.scalar(select(func.count()).select_from(AuditEvent)
                                             .where(AuditEvent.action == "config_saved"))
        work = [(kind, number) for kind, count in MIX.items() for number in range(count)]
        random.Random(11).shuffle(work)  # noqa: S311  (mixed, the same way each run)
        clients = [Client(admin) for _ in range(32)]

        with ThreadPoolExecutor(max_workers=32) as pool:
            results = list(pool.map(
                lambda job: one_request(job[1][0], job[1][1], clients[job[0] % 32], simulator),
                enumerate(work)))
        server.stop()
        log = server.log()

    statuses = Counter((kind, response.status_code) for kind, response in results)
    assert sum(statuses.values()) == 200
    assert not [key for key in statuses if key[1] >= 500], statuses
    assert all(code in (200, 303, 409) for _kind, code in statuses), statuses
    for _kind, response in results:
        assert "database is locked" not in response.text
    assert "database is locked" not in log
    assert "Traceback" not in log, log[-3000:]

    # Saves: each success moved the version by exactly one; each refusal said why.
    saves = [response for kind, response in results if kind == "save"]
    succeeded = sum(response.status_code == 303 for response in saves)
    assert all("Someone else saved this configuration" in response.text
               for response in saves if response.status_code == 409)
    # Deploys: every one landed, in revision order, each recorded with its commit.
    assert statuses[("deploy", 200)] == MIX["deploy"], statuses
    assert statuses[("validate", 200)] == MIX["validate"], statuses
    commits = {commit.sha: commit for name in ("shop", "cart")
               for commit in GITHUB.git(simulator, name).history("main")}
    with engine.connect() as connection:
        assert connection.scalar(select(GitOpsConfig.version)) == version_before + succeeded
        assert connection.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "config_saved")) == saved_before + succeeded
        deployed = connection.execute(select(
            Deployment.application, Deployment.environment, Deployment.revision,
            Deployment.outcome, Deployment.commit_sha)).all()
    engine.dispose()
    for target in TARGETS:
        mine = sorted(row for row in deployed
                      if f"{row.application}/{row.environment}" == target)
        assert [row.revision for row in mine] == list(range(1, MIX["deploy"] // 4 + 1))
        assert {row.outcome for row in mine} == {"deployed"}
        for row in mine:
            assert commits[row.commit_sha].message == (
                f"deploy {row.application} to {row.environment}: revision {row.revision}")
