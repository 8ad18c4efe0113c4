"""The pages of reviewable deploys: preview, pull-request mode, rollback, clean-up, and the
warning before a token expires."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests.conftest import VIEWER, csrf_token, signed_in
from tests.fakes import github as github_fake
from tests.fakes import gitlab as gitlab_fake
from tests.fakes.fixtures import serve
from tests.fakes.registry import HARNESSES
from tests.provider_inputs import form_data
from webapp.deploy.chart import DEFAULT_VALUES
from webapp.extensions import db
from webapp.models import GitOpsConfig

V2 = DEFAULT_VALUES.replace("replicaCount: 1", "replicaCount: 2")
HASH = re.compile(r'name="preview_hash" value="([0-9a-f]{64})"')


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, PROVIDER_READ_TIMEOUT=5.0)


@pytest.fixture
def harness():
    return HARNESSES["gitlab"]


def post(client, url, data, **headers):
    return client.post(url, data={**data, "csrf_token": csrf_token(client, "/charts")},
                       headers=headers)


@pytest.fixture
def ready(client, harness, simulator):
    assert post(client, f"/settings/gitops/{harness.kind}",
                form_data(harness, simulator, save_without_validating="y")).status_code == 303
    assert post(client, "/applications", {"name": "shop", "environments": "dev, prod"}
                ).status_code == 303
    assert post(client, "/deployment-template", {"target": "shop/dev",
                                                 "values": DEFAULT_VALUES}).status_code == 200
    return client


def test_preview_shows_the_diff_and_deploy_exactly_this_change_lands_it(ready, harness,
                                                                        simulator):
    simulator.clear_log()
    page = post(ready, "/deployment-template/preview", {"target": "shop/dev", "values": V2})

    text = html.unescape(page.get_data(as_text=True))
    assert page.status_code == 200
    assert '<span class="add">+replicaCount: 2</span>' in text
    assert '<span class="remove">-replicaCount: 1</span>' in text
    assert {exchange.method for exchange in simulator.calls()} == {"GET"}
    preview_hash = HASH.search(text).group(1)

    landed = post(ready, "/deployment-template", {"target": "shop/dev", "values": V2,
                                                  "preview_hash": preview_hash})
    assert "Deployed shop to dev: revision 2." in landed.get_data(as_text=True)


def test_an_htmx_preview_swaps_only_the_deploy_panel(ready):
    page = post(ready, "/deployment-template/preview", {"target": "shop/dev", "values": V2},
                **{"HX-Request": "true"})

    text = page.get_data(as_text=True)
    assert text.lstrip().startswith('<section id="deploy-panel"')
    assert 'id="preview"' in text and "exactly this change" in text


def test_pull_request_mode_shows_the_request_and_its_state_refreshes(app, ready, harness,
                                                                      simulator):
    with app.app_context():
        config = db.session.scalar(select(GitOpsConfig))
        config.pull_requests = True
        db.session.commit()

    page = post(ready, "/deployment-template", {"target": "shop/dev", "values": V2})

    text = page.get_data(as_text=True)
    assert "Proposed shop for dev: revision 2." in text
    [review] = harness.git(simulator, "shop").reviews.find()
    assert f'merge request {review.number}</a>' in text
    assert 'hx-trigger="load"' in text  # an open request asks its state when shown
    harness.git(simulator, "shop").reviews.merge(review.number)
    deployment_id = re.search(r"/deployments/(\d+)/refresh", text).group(1)
    badge = post(ready, f"/deployments/{deployment_id}/refresh", {}, **{"HX-Request": "true"})
    assert '<span class="state merged">merged</span>' in badge.get_data(as_text=True)
    assert 'hx-trigger="load"' not in badge.get_data(as_text=True)


def test_a_viewer_may_refresh_a_requests_state_but_not_deploy(app, ready, harness, simulator):
    with app.app_context():
        db.session.scalar(select(GitOpsConfig)).pull_requests = True
        db.session.commit()
    post(ready, "/deployment-template", {"target": "shop/dev", "values": V2})
    viewer = signed_in(app, VIEWER)

    refreshed = post(viewer, "/deployments/2/refresh", {}, **{"HX-Request": "true"})

    assert refreshed.status_code == 200
    assert post(viewer, "/rollback", {"target": "shop/dev", "revision": "1"}
                ).status_code == 403


def test_rollback_from_the_history_previews_then_restores(ready, harness, simulator):
    post(ready, "/deployment-template", {"target": "shop/dev", "values": V2})
    history = ready.get("/deployment-template").get_data(as_text=True)
    assert "Roll back<span class=\"visually-hidden\"> shop in dev</span> to revision 1" \
        in history

    shown = post(ready, "/rollback/preview", {"target": "shop/dev", "revision": "1"})
    text = html.unescape(shown.get_data(as_text=True))
    assert "roll back to revision 1" in text and "-replicaCount: 2" in text
    done = post(ready, "/rollback", {"target": "shop/dev", "revision": "1",
                                     "preview_hash": HASH.search(text).group(1)})

    assert "Rolled back shop in dev to revision 1: revision 3." in done.get_data(as_text=True)
    assert harness.git(simulator, "shop").tip("main").message == \
        "roll back shop in dev to revision 1: revision 3"


def test_deleting_an_environment_and_an_application_asks_first(ready, harness, simulator):
    ask = ready.get("/applications/shop/environments/dev/delete")
    gone = post(ready, "/applications/shop/environments/dev/delete", {})
    ask_app = ready.get("/applications/shop/delete")
    deleted = post(ready, "/applications/shop/delete", {"delete_repository": "y"})

    assert ask.status_code == 200 and "envs/dev/" in ask.get_data(as_text=True)
    assert gone.status_code == 303
    assert "also delete the repository" in ask_app.get_data(as_text=True).lower()
    assert deleted.status_code == 303
    assert harness.git(simulator, "shop") is None
    assert "No applications yet" in ready.get("/deployment-template").get_data(as_text=True)


class TestTokenExpiry:
    def test_github_says_when_its_token_expires_and_the_tab_shows_it(self, client):
        with serve(HARNESSES["github"].simulator()) as simulator:
            data = form_data(HARNESSES["github"], simulator, token=github_fake.EXPIRING_TOKEN)
            assert post(client, "/settings/gitops/github", data).status_code == 303

        page = client.get("/settings/gitops/github").get_data(as_text=True)
        assert "The saved token expires on 2026-12-31 (GitHub said so" in page

    def test_a_gitlab_token_without_expiry_is_said_to_have_none(self, client):
        with serve(HARNESSES["gitlab"].simulator()) as simulator:
            data = form_data(HARNESSES["gitlab"], simulator,
                             token=gitlab_fake.NEVER_EXPIRES_TOKEN)
            assert post(client, "/settings/gitops/gitlab", data).status_code == 303

        page = client.get("/settings/gitops/gitlab").get_data(as_text=True)
        assert "GitLab reported no expiry date for the saved token." in page

    def test_an_entered_expiry_within_14_days_warns_admins_on_every_page(self, app, client):
        with serve(HARNESSES["azure_devops"].simulator()) as simulator:
            soon = (datetime.now(UTC) + timedelta(days=5)).date()
            data = form_data(HARNESSES["azure_devops"], simulator, save_without_validating="y",
                             token_expires_on=soon.isoformat())
            assert post(client, "/settings/gitops/azure_devops", data).status_code == 303

        for url in ("/settings/gitops", "/deployment-template", "/charts", "/audit"):
            page = client.get(url).get_data(as_text=True)
            assert f"The Azure DevOps token\n      expires on {soon}" in page, url
        assert "token\n      expires" not in signed_in(app, VIEWER).get("/charts").get_data(
            as_text=True)

    def test_an_expired_token_says_deploys_fail(self, app, client):
        with serve(HARNESSES["bitbucket_cloud"].simulator()) as simulator:
            data = form_data(HARNESSES["bitbucket_cloud"], simulator,
                             save_without_validating="y", token_expires_on="2026-01-01")
            assert post(client, "/settings/gitops/bitbucket_cloud", data).status_code == 303

        page = client.get("/charts").get_data(as_text=True)
        assert "expired on 2026-01-01: deploys fail until a new one is entered" in page
