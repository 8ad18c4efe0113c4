"""Pages rendered once per database version: never stale, never another user's, own tokens.

webapp/pagecache.py serves a GET page again while SQLite's data_version is unchanged; any
commit, by this app or any other connection to the file, renders it anew.
"""

import sqlite3

import pytest
from sqlalchemy import event

from tests.conftest import CSRF_INPUT, VIEWER, csrf_token, signed_in
from tests.provider_inputs import VALID
from webapp.extensions import db

PAGES = ["/settings/gitops", "/settings/gitops/gitlab", "/deployment-template", "/charts"]


def save(client, kind="gitlab", **changes):
    response = client.post(f"/settings/gitops/{kind}",
                           data={**VALID[kind], **changes, "csrf_token": csrf_token(client)})
    assert response.status_code == 303, response.get_data(as_text=True)


def statements(app, action) -> list[str]:
    """The SQL statements the app's engine sends during action."""
    sent = []

    def record(_conn, _cursor, statement, *_args):
        sent.append(statement)

    with app.app_context():
        event.listen(db.engine, "before_cursor_execute", record)
    try:
        action()
    finally:
        with app.app_context():
            event.remove(db.engine, "before_cursor_execute", record)
    return sent


@pytest.mark.parametrize("url", PAGES)
def test_a_page_seen_again_sends_no_query_and_the_same_html(app, client, url):
    save(client)
    first = client.get(url).get_data(as_text=True)

    sent = statements(app, lambda: client.get(url))
    again = client.get(url).get_data(as_text=True)

    assert sent == []
    assert again == first


def test_a_save_shows_at_once_on_the_page_and_the_fragment(client):
    save(client, branch="main")
    for headers in ({}, {"HX-Request": "true"}):
        assert 'value="main"' in client.get("/settings/gitops/gitlab",
                                            headers=headers).get_data(as_text=True)

    save(client, branch="release", version="1")

    for headers in ({}, {"HX-Request": "true"}):
        page = client.get("/settings/gitops/gitlab", headers=headers).get_data(as_text=True)
        assert 'id="branch" name="branch" type="text" value="release"' in page


def test_a_commit_by_another_connection_shows_at_once(app, client, db_path):
    save(client)
    assert "Not deployed yet" not in client.get("/deployment-template").get_data(as_text=True)

    # Another worker process, or the command line: the app's connections are not involved.
    other = sqlite3.connect(db_path)
    other.execute("INSERT INTO application (name, created_at) VALUES ('shop', '2026-12-02')")
    other.commit()
    other.close()

    page = client.get("/deployment-template").get_data(as_text=True)
    assert "<strong>shop</strong>" in page
    assert "Not deployed yet" in page


def test_each_session_gets_its_own_csrf_token_from_a_cached_page(app):
    first, second = signed_in(app), signed_in(app)
    tokens = [CSRF_INPUT.search(client.get("/charts").get_data(as_text=True)).group(1)
              for client in (first, second, first, second)]

    assert tokens[0] != tokens[1]
    assert first.post("/applications", data={"name": "a", "environments": "dev",
                                             "csrf_token": tokens[2]}).status_code == 303
    assert second.post("/applications", data={"name": "b", "environments": "dev",
                                              "csrf_token": tokens[3]}).status_code == 303
    stolen = second.post("/applications", data={"name": "c", "environments": "dev",
                                                 "csrf_token": tokens[0]})
    assert stolen.status_code == 400


def test_an_admin_and_a_viewer_each_see_their_own_page(app, client):
    viewer = signed_in(app, VIEWER)
    for _ in range(2):
        admin_page = client.get("/settings/gitops").get_data(as_text=True)
        viewer_page = viewer.get("/settings/gitops").get_data(as_text=True)
        assert "signed in as a viewer" not in admin_page
        assert "signed in as a viewer" in viewer_page
        assert ">admin</a>" in admin_page and ">viewer</a>" in viewer_page


def test_a_role_changed_elsewhere_applies_to_the_next_request(app, client, db_path):
    assert "signed in as a viewer" not in client.get("/charts").get_data(as_text=True)

    other = sqlite3.connect(db_path)
    other.execute("UPDATE user_account SET role = 'viewer' WHERE username = 'admin'")
    other.commit()
    other.close()

    assert "signed in as a viewer" in client.get("/charts").get_data(as_text=True)
    refused = client.post("/applications", data={"name": "shop", "environments": "dev",
                                                 "csrf_token": csrf_token(client, "/charts")})
    assert refused.status_code == 403
