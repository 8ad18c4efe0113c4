"""The provider picker's page and fragment, the deploy gate, and the hot-path promises."""

import pytest
from sqlalchemy import event

from tests.conftest import csrf_token
from tests.provider_inputs import VALID
from webapp.extensions import db
from webapp.providers import KINDS

GATE = "GitOps is not configured: deployments cannot run until a git provider is saved and active."


def save(client, kind):
    return client.post(f"/settings/gitops/{kind}",
                       data={**VALID[kind], "csrf_token": csrf_token(client)})


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_fragment_and_the_full_page_render_the_same_provider_panel(client, kind):
    page = client.get(f"/settings/gitops/{kind}")
    fragment = client.get(f"/settings/gitops/{kind}", headers={"HX-Request": "true"})

    assert page.status_code == fragment.status_code == 200
    assert "HX-Request" in page.headers["Vary"]
    assert "HX-Request" in fragment.headers["Vary"]
    full = page.get_data(as_text=True)
    part = fragment.get_data(as_text=True)
    assert full.startswith("<!doctype html>")
    assert part.lstrip().startswith('<section id="gitops-panel"')
    assert "<html" not in part
    for spec in KINDS[kind].fields:
        assert f">{spec.label}<" in part
        assert f'for="{spec.name}"' in full


def test_a_history_restore_gets_the_full_page(client):
    response = client.get("/settings/gitops/gitlab", headers={
        "HX-Request": "true", "HX-History-Restore-Request": "true"})

    assert response.get_data(as_text=True).startswith("<!doctype html>")


def test_each_provider_is_a_plain_link_that_works_without_javascript(client):
    page = client.get("/settings/gitops").get_data(as_text=True)

    for kind in KINDS:
        assert f'href="/settings/gitops/{kind}" hx-get="/settings/gitops/{kind}"' in page


def test_the_default_hosts_are_prefilled(client):
    for kind in KINDS.values():
        page = client.get(f"/settings/gitops/{kind.id}").get_data(as_text=True)
        if kind.default_host:
            assert f'value="{kind.default_host}"' in page


def test_an_unknown_provider_is_404(client):
    assert client.get("/settings/gitops/sourceforge").status_code == 404


def test_the_settings_page_opens_on_the_active_provider(client):
    save(client, "azure_devops")

    page = client.get("/settings/gitops").get_data(as_text=True)

    assert '<h2 id="provider-heading">Azure DevOps' in page


@pytest.mark.parametrize(("url", "form"), [("/deployment-template", "deploy-form"),
                                           ("/charts", "deploy-form")])
def test_the_deploy_pages_are_gated_until_a_provider_is_active(client, url, form):
    before = client.get(url).get_data(as_text=True)
    assert GATE in before
    assert '<fieldset disabled>' in before
    refused = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert refused.status_code == 409
    assert GATE in refused.get_data(as_text=True)

    save(client, "bitbucket_cloud")

    after = client.get(url).get_data(as_text=True)
    assert GATE not in after
    assert "Deploying through <strong>Bitbucket Cloud</strong>" in after
    assert '<fieldset disabled>' not in after


class StatementLog:
    """Counts the SQL statements an app sends while active."""

    def __init__(self, app):
        self.statements: list[str] = []
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._record)

    def _record(self, _conn, _cursor, statement, *_args):
        self.statements.append(statement)

    @property
    def writes(self) -> list[str]:
        return [s for s in self.statements
                if s.split(None, 1)[0].upper() in {"INSERT", "UPDATE", "DELETE"}]


@pytest.mark.parametrize("url", ["/settings/gitops", "/settings/gitops/gitlab",
                                 "/deployment-template", "/charts", "/healthz"])
def test_a_get_makes_few_queries_no_writes_and_no_session_rewrite(app, client, url):
    for kind in KINDS:
        save(client, kind)
    client.get(url)  # the session already exists, as for any returning visitor
    log = StatementLog(app)

    response = client.get(url)
    fragment = client.get(url, headers={"HX-Request": "true"})

    assert response.status_code == fragment.status_code == 200
    assert log.writes == []
    assert len(log.statements) <= 2
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in fragment.headers
