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
    assert '<fieldset class="plain" disabled>' in before
    refused = client.post(url, data={"csrf_token": csrf_token(client, url)})
    assert refused.status_code == 409
    assert GATE in refused.get_data(as_text=True)

    save(client, "bitbucket_cloud")
    client.post("/applications", data={"name": "shop", "environments": "dev",
                                       "csrf_token": csrf_token(client)})

    after = client.get(url).get_data(as_text=True)
    assert GATE not in after
    assert "Deploying through <strong>Bitbucket Cloud</strong>" in after
    assert '<fieldset class="plain" disabled>' not in after


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


def forget_rendered_pages(app) -> None:
    """Drop the pages and users rendered so far (webapp/pagecache.py): the next GET renders."""
    for store in ("pages", "users"):
        app.extensions[store].entries.clear()


# Every page first loads the signed-in user (one query); /healthz is public. A page seen
# again at the same database version sends none (tests/test_page_cache.py).
QUERY_BUDGET = {"/settings/gitops": 2, "/settings/gitops/gitlab": 2, "/healthz": 1,
                # + active provider, applications, their environments, history, last values
                "/deployment-template": 6, "/charts": 6}


@pytest.mark.parametrize("url", list(QUERY_BUDGET))
def test_a_get_makes_few_queries_no_writes_and_no_session_rewrite(app, client, url):
    for kind in KINDS:
        save(client, kind)
    client.get(url)  # the session already exists, as for any returning visitor
    forget_rendered_pages(app)
    log = StatementLog(app)

    response = client.get(url)
    fragment = client.get(url, headers={"HX-Request": "true"})

    assert response.status_code == fragment.status_code == 200
    assert log.writes == []
    assert len(log.statements) <= 2 * QUERY_BUDGET[url]
    assert "Set-Cookie" not in response.headers
    assert "Set-Cookie" not in fragment.headers


def add_applications(client, count: int, start: int = 0) -> None:
    token = csrf_token(client)
    for number in range(start, start + count):
        client.post("/applications", data={"name": f"app-{number}", "environments": "dev, prod",
                                           "csrf_token": token})


@pytest.mark.parametrize("url", ["/deployment-template", "/charts"])
def test_the_deploy_pages_make_the_same_queries_for_one_or_twenty_applications(app, client,
                                                                             url):
    save(client, "github")
    counts = []
    for count, start in ((1, 0), (19, 1)):
        add_applications(client, count, start)
        client.get(url)
        forget_rendered_pages(app)
        log = StatementLog(app)
        page = client.get(url).get_data(as_text=True)
        counts.append(len(log.statements))
        assert f"app-{start + count - 1} · prod" in page
    assert counts[0] == counts[1]
