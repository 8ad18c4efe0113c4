"""The settings forms: required and optional fields, shapes, and 422 with nothing stored."""

import pytest
from sqlalchemy import func, select

from tests.conftest import csrf_token, signed_in
from tests.provider_inputs import VALID, form_for
from webapp.extensions import db
from webapp.models import GitOpsConfig
from webapp.providers import KINDS

REQUIRED = [(kind.id, spec.name, spec.label) for kind in KINDS.values()
            for spec in kind.fields if spec.required]
OPTIONAL = [("github", "host"), ("gitlab", "host"), ("bitbucket_cloud", "host"),
            ("bitbucket_cloud", "project_key")]


def post(client, kind, data, **headers):
    """POST data to kind's save route with a valid CSRF token."""
    return client.post(f"/settings/gitops/{kind}",
                       data={**data, "csrf_token": csrf_token(client)}, headers=headers)


def stored_rows(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(GitOpsConfig))


def test_required_fields_are_exactly_those_marked_in_the_product_documentation():
    required = {(kind, name) for kind, name, _label in REQUIRED}
    assert required == {
        ("github", "organization"), ("github", "username"), ("github", "token"),
        ("gitlab", "group_id"), ("gitlab", "username"), ("gitlab", "token"),
        ("azure_devops", "organization_url"), ("azure_devops", "project"),
        ("azure_devops", "username"), ("azure_devops", "token"),
        ("bitbucket_cloud", "workspace"), ("bitbucket_cloud", "username"),
        ("bitbucket_cloud", "token"),
    }


@pytest.mark.parametrize(("kind", "name", "label"), REQUIRED)
def test_it_rejects_a_missing_required_field_with_422_and_stores_nothing(
        app, client, kind, name, label):
    response = post(client, kind, form_for(kind, **{name: ""}))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f"Enter the {label}." in page
    assert stored_rows(app) == 0


@pytest.mark.parametrize(("kind", "name"), OPTIONAL)
def test_it_accepts_an_optional_field_left_blank(app, client, kind, name):
    response = post(client, kind, form_for(kind, **{name: ""}))

    assert response.status_code == 303
    with app.app_context():
        config = db.session.scalar(select(GitOpsConfig))
        if name == "host":
            assert config.host == KINDS[kind].default_host
        else:
            assert getattr(config, name) is None


@pytest.mark.parametrize(("kind", "name", "value", "message"), [
    ("github", "host", "http://github.example.com", "Use an https:// URL."),
    ("github", "host", "https://user:pw@github.example.com", "Remove the user name or password"),
    ("gitlab", "host", "https://gitlab.example.com/?x=1", "Remove the ?query or #fragment"),
    ("gitlab", "host", "gitlab.example.com", "Use an https:// URL."),
    ("bitbucket_cloud", "host", "https://", "with a host name"),
    ("azure_devops", "organization_url", "ftp://dev.azure.com/acme", "Use an https:// URL."),
    ("github", "organization", "acme platform", "single hyphens"),
    ("github", "username", "-octocat", "single hyphens"),
    ("gitlab", "group_id", "platform apps", "a group path"),
    ("gitlab", "username", "jane doe", "no spaces"),
    ("azure_devops", "project", "Fabrikam/Fiber", "none of"),
    ("azure_devops", "project", "_hidden", "not starting with"),
    ("azure_devops", "username", "jane doe", "no spaces"),
    ("bitbucket_cloud", "workspace", "Acme Corp", "lowercase letters"),
    ("bitbucket_cloud", "project_key", "1ABC", "a letter, then"),
    ("bitbucket_cloud", "username", "jane doe", "the email address of your Atlassian account"),
    ("github", "token", "ghp_abc def", "no spaces or line breaks"),
])
def test_it_rejects_a_badly_shaped_value_next_to_its_field(
        app, client, kind, name, value, message):
    response = post(client, kind, form_for(kind, **{name: value}))

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'id="{name}-error"' in page
    error = page.split(f'id="{name}-error">', 1)[1].split("</p>", 1)[0]
    assert message in error
    assert stored_rows(app) == 0


def test_a_bitbucket_app_password_takes_a_username_not_an_email(app, client):
    data = form_for("bitbucket_cloud", credential_type="app_password",
                    username="jane@example.com")

    response = post(client, "bitbucket_cloud", data)

    assert response.status_code == 422
    assert "your Bitbucket username (not your email)" in response.get_data(as_text=True)
    response = post(client, "bitbucket_cloud", {**data, "username": "jane_doe"})
    assert response.status_code == 303
    with app.app_context():
        config = db.session.scalar(select(GitOpsConfig))
        assert (config.credential_type, config.username) == ("app_password", "jane_doe")


def test_bitbucket_defaults_to_an_api_token_and_asks_for_it_by_name(app, client):
    response = post(client, "bitbucket_cloud", form_for("bitbucket_cloud", token=""))

    assert response.status_code == 422
    assert "Enter the Bitbucket API token." in response.get_data(as_text=True)
    post(client, "bitbucket_cloud", VALID["bitbucket_cloud"])
    with app.app_context():
        assert db.session.scalar(select(GitOpsConfig.credential_type)) == "api_token"


def test_an_unknown_credential_type_is_refused(app, client):
    response = post(client, "bitbucket_cloud",
                    form_for("bitbucket_cloud", credential_type="oauth"))

    assert response.status_code == 422
    assert stored_rows(app) == 0


def test_azure_project_names_may_contain_spaces(app, client):
    assert post(client, "azure_devops", VALID["azure_devops"]).status_code == 303


def test_plain_http_hosts_are_accepted_only_when_the_setting_allows_them(make_app):
    app = make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True)
    client = signed_in(app)

    response = post(client, "gitlab", form_for("gitlab", host="http://127.0.0.1:8080/"))

    assert response.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(GitOpsConfig.host)) == "http://127.0.0.1:8080"


def test_hosts_are_stored_normalised(app, client):
    post(client, "github", form_for("github", host=" HTTPS://GHE.Example.com/ "))

    with app.app_context():
        assert db.session.scalar(select(GitOpsConfig.host)) == "https://ghe.example.com"


def test_an_invalid_htmx_post_returns_only_the_panel_with_422(client):
    response = post(client, "github", form_for("github", organization=""), **{"HX-Request": "true"})

    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.lstrip().startswith('<section id="gitops-panel"')
    assert "<html" not in page


def test_an_ipv6_host_keeps_its_brackets_and_a_private_one_is_refused(app, client):
    public = post(client, "github", form_for("github", host="https://[2606:4700::1111]:8443"))
    private = post(client, "gitlab", form_for("gitlab", host="https://[::ffff:127.0.0.1]/"))

    assert public.status_code == 303
    with app.app_context():
        assert db.session.scalar(select(GitOpsConfig.host)) == "https://[2606:4700::1111]:8443"
    assert private.status_code == 422
    assert "resolves to the private address ::ffff:" in private.get_data(as_text=True)


@pytest.mark.databases
@pytest.mark.parametrize(("kind", "name", "value", "message"), [
    ("github", "host", "https://git\x00hub.example.com", "Remove the spaces and control"),
    ("github", "branch", "main\x00", "Use a valid git branch name"),
    ("azure_devops", "project", "Fabrikam\x00Fiber", "nor control characters"),
    ("azure_devops", "username", "jane\x07doe", "no spaces or control characters"),
    ("bitbucket_cloud", "username", "jane\x00@example.com", "the email address"),
])
def test_a_control_character_is_refused_next_to_its_field_on_every_database(
        app, client, kind, name, value, message):
    # PostgreSQL stores no NUL at all: refused here, it never reaches the database.
    data = form_for(kind, **{name: value})

    response = post(client, kind, data)

    assert response.status_code == 422
    error = response.get_data(as_text=True).split(f'id="{name}-error">', 1)[1]
    assert message in error.split("</p>", 1)[0]
    assert stored_rows(app) == 0
