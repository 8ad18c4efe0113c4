"""`flask --app wsgi gitops …` through click's runner: locally, and against a live instance."""

from __future__ import annotations

import json

import pytest

from tests.api_support import make_token
from tests.fakes.server import Served
from tests.provider_inputs import TOKENS, form_data
from webapp.deploy.chart import DEFAULT_VALUES


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, PROVIDER_READ_TIMEOUT=5.0)


@pytest.fixture
def gitops(app):
    runner = app.test_cli_runner()

    def run(*args, stdin: str | None = None, env: dict | None = None):
        return runner.invoke(args=["gitops", *args], input=stdin, env=env)
    return run


def set_args(harness, simulator, **changes) -> list[str]:
    """`gitops set` options that point KIND at the simulator (without the token)."""
    values = form_data(harness, simulator, **changes)
    token = values.pop("token")
    options = [harness.kind]
    for name, value in values.items():
        options += [f"--{name.replace('_', '-')}", value]
    return options, token


def test_status_exits_3_until_a_provider_is_set_then_0(gitops, harness, simulator):
    before = gitops("status")
    options, token = set_args(harness, simulator)
    saved = gitops("set", *options, "--token-stdin", stdin=token + "\n")
    after = gitops("status", "--json")

    assert before.exit_code == 3
    assert "not configured" in before.stdout
    assert saved.exit_code == 0, saved.stderr
    assert "it is the active provider" in saved.stdout
    assert after.exit_code == 0
    assert json.loads(after.stdout)["active_kind"] == harness.kind
    assert token not in saved.output + after.output


def test_set_reads_the_token_from_a_file_and_never_prints_it(gitops, tmp_path, harness,
                                                             simulator):
    options, token = set_args(harness, simulator)
    token_file = tmp_path / "token"
    token_file.write_text(token + "\n")

    saved = gitops("set", *options, "--token-file", str(token_file), "--json")
    shown = gitops("show", harness.kind, "--json")

    assert saved.exit_code == 0, saved.stderr
    body = json.loads(shown.stdout)
    assert body["has_token"] is True and "token" not in body
    assert token not in saved.output + shown.output


def test_a_new_configuration_without_a_token_is_refused_with_exit_2(gitops):
    result = gitops("set", "gitlab", "--group-id", "platform", "--username", "jane",
                    "--no-validate")

    assert result.exit_code == 2
    assert result.stdout == ""
    assert "token" in result.stderr


def test_set_changes_one_option_and_keeps_the_rest_and_the_token(gitops):
    first = gitops("set", "gitlab", "--group-id", "platform/apps", "--username", "jane.doe",
                   "--no-validate", "--token-stdin", stdin=TOKENS["gitlab"])
    second = gitops("set", "gitlab", "--branch", "deploys", "--no-validate", "--json")

    assert first.exit_code == 0, first.stderr
    assert second.exit_code == 0, second.stderr
    config = json.loads(second.stdout)
    assert (config["branch"], config["group_id"], config["version"]) == (
        "deploys", "platform/apps", 2)


def test_a_changed_namespace_needs_the_token_again(gitops):
    gitops("set", "gitlab", "--group-id", "platform/apps", "--username", "jane.doe",
           "--no-validate", "--token-stdin", stdin=TOKENS["gitlab"])

    result = gitops("set", "gitlab", "--group-id", "platform/other", "--no-validate")

    assert result.exit_code == 2
    assert "enter the token again" in result.stderr


def test_the_token_is_never_an_argument(gitops):
    result = gitops("set", "gitlab", "--token", TOKENS["gitlab"])

    assert result.exit_code == 2
    assert "No such option" in result.stderr


def test_validate_prints_the_stages_and_exits_1_when_one_fails(gitops, harness, simulator):
    options, token = set_args(harness, simulator)
    gitops("set", *options, "--no-validate", "--token-stdin", stdin=token)

    passed = gitops("validate", harness.kind)
    simulator.fault(harness.operations["identity"], status=401,
                    body=harness.error_body(401, "Bad credentials"))
    failed = gitops("validate", harness.kind)

    assert passed.exit_code == 0, passed.output
    assert "passed  Connect to the host" in passed.stdout
    assert failed.exit_code == 1
    assert "failed  Authenticate with the token" in failed.stdout


def test_activate_list_and_delete(gitops):
    for kind, extra in (("gitlab", ["--group-id", "platform/apps"]),
                        ("github", ["--organization", "acme-platform"])):
        gitops("set", kind, *extra, "--username", "octocat", "--no-validate",
               "--token-stdin", stdin=TOKENS[kind])

    activated = gitops("activate", "gitlab")
    listing = gitops("list", "--json")
    refused = gitops("delete", "gitlab")
    deleted = gitops("delete", "github")

    assert activated.exit_code == 0
    assert {c["kind"]: c["active"] for c in json.loads(listing.stdout)["items"]} == {
        "github": False, "gitlab": True}
    assert refused.exit_code == 1
    assert "active provider" in refused.stderr
    assert deleted.exit_code == 0
    assert gitops("show", "github").exit_code == 5


def test_apps_and_a_deploy_from_a_values_file(gitops, tmp_path, harness, simulator):
    options, token = set_args(harness, simulator)
    gitops("set", *options, "--no-validate", "--token-stdin", stdin=token)
    values = tmp_path / "values.yaml"
    values.write_text(DEFAULT_VALUES)

    created = gitops("apps", "create", "shop", "--environments", "dev,prod")
    added = gitops("apps", "add-env", "shop", "staging")
    listed = gitops("apps", "list")
    deployed = gitops("deploy", "shop", "dev", "--values", str(values), "--json")
    again = gitops("deploy", "shop", "dev", "--values", "-", stdin=DEFAULT_VALUES)
    history = gitops("history", "--app", "shop")

    assert created.exit_code == added.exit_code == 0
    assert "shop" in listed.stdout and "dev, prod, staging" in listed.stdout
    assert deployed.exit_code == 0, deployed.stderr
    result = json.loads(deployed.stdout)
    assert result["commit_sha"] == harness.git(simulator, "shop").tip("main").sha
    assert again.exit_code == 0
    assert "No changes" in again.stdout
    assert history.stdout.count("shop/dev") == 2


def test_deploy_errors_exit_with_their_codes(gitops, tmp_path, harness, simulator):
    values = tmp_path / "values.yaml"
    values.write_text("replicaCount: lots\n")
    gitops("apps", "create", "shop", "--environments", "dev")

    gate = gitops("deploy", "shop", "dev", "--values", str(values))
    options, token = set_args(harness, simulator)
    gitops("set", *options, "--no-validate", "--token-stdin", stdin=token)
    bad = gitops("deploy", "shop", "dev", "--values", str(values))
    missing = gitops("deploy", "cart", "dev", "--values", str(values))
    unreadable = gitops("deploy", "shop", "dev", "--values", str(tmp_path / "nope.yaml"))

    assert (gate.exit_code, bad.exit_code, missing.exit_code, unreadable.exit_code) == (
        3, 2, 5, 2)
    assert "GitOps is not configured" in gate.stderr
    assert "line 1" in bad.stderr
    assert "no application cart" in missing.stderr
    assert "cannot read" in unreadable.stderr


def test_a_chart_deploy(gitops, harness, simulator):
    options, token = set_args(harness, simulator)
    gitops("set", *options, "--no-validate", "--token-stdin", stdin=token)
    gitops("apps", "create", "shop", "--environments", "prod")

    result = gitops("chart-deploy", "shop", "prod", "--repository",
                    "oci://registry.example.com/charts", "--chart", "web", "--version", "1.2.3")

    assert result.exit_code == 0, result.stderr
    assert "Deployed shop to prod: revision 1" in result.stdout


class TestARemoteInstance:
    """The same commands over HTTP with --url and GITOPS_API_TOKEN."""

    @pytest.fixture
    def remote(self, app):
        with Served(app) as server:
            yield server.url

    def test_it_works_with_a_token_from_the_environment(self, app, gitops, remote):
        token = make_token(app, name="ci")
        created = gitops("--url", remote, "apps", "create", "shop",
                         env={"GITOPS_API_TOKEN": token})
        status = gitops("--url", remote, "--json", "status", env={"GITOPS_API_TOKEN": token})

        assert created.exit_code == 0, created.stderr
        assert status.exit_code == 3
        assert json.loads(status.stdout)["configured"] is False
        assert token not in created.output + status.output

    def test_without_a_token_it_refuses_before_sending_anything(self, gitops, remote):
        result = gitops("--url", remote, "status", env={"GITOPS_API_TOKEN": ""})

        assert result.exit_code == 2
        assert "GITOPS_API_TOKEN" in result.stderr

    def test_a_viewer_token_may_not_change_anything(self, app, gitops, remote):
        token = make_token(app, role="viewer", name="reader")

        result = gitops("--url", remote, "apps", "create", "shop",
                        env={"GITOPS_API_TOKEN": token})

        assert result.exit_code == 4
        assert "viewer" in result.stderr

    def test_a_wrong_token_exits_4_and_an_unreachable_host_1(self, gitops, remote):
        wrong = gitops("--url", remote, "status", env={"GITOPS_API_TOKEN": "gco_x"})
        gone = gitops("--url", "http://127.0.0.1:9", "status",
                      env={"GITOPS_API_TOKEN": "gco_x"})

        assert wrong.exit_code == 4
        assert gone.exit_code == 1
        assert "Could not reach" in gone.stderr
