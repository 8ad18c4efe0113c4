"""The command line's review commands: preview, deploy held to it, rollback, request state,
and clean-up."""

from __future__ import annotations

import json

import pytest

from tests.provider_inputs import form_data
from webapp.deploy.chart import DEFAULT_VALUES

V2 = DEFAULT_VALUES.replace("replicaCount: 1", "replicaCount: 2")


@pytest.fixture
def app(make_app):
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, PROVIDER_READ_TIMEOUT=5.0)


@pytest.fixture
def gitops(app, harness, simulator, tmp_path):
    runner = app.test_cli_runner()

    def run(*args, stdin=None):
        return runner.invoke(args=["gitops", *args], input=stdin)
    values = form_data(harness, simulator)
    token = values.pop("token")
    options = [o for name, value in values.items()
               for o in (f"--{name.replace('_', '-')}", value)]
    assert run("set", harness.kind, *options, "--no-validate", "--token-stdin",
               stdin=token).exit_code == 0
    assert run("apps", "create", "shop", "--environments", "dev,prod").exit_code == 0
    (tmp_path / "v1.yaml").write_text(DEFAULT_VALUES)
    (tmp_path / "v2.yaml").write_text(V2)
    assert run("deploy", "shop", "dev", "--values", str(tmp_path / "v1.yaml")).exit_code == 0
    return run


def test_preview_prints_the_diff_and_a_deploy_holds_to_its_hash(gitops, tmp_path, harness,
                                                                 simulator):
    shown = gitops("preview", "shop", "dev", "--values", str(tmp_path / "v2.yaml"))
    preview_hash = shown.stdout.rsplit("preview_hash: ", 1)[1].strip()

    stale = gitops("deploy", "shop", "dev", "--values", str(tmp_path / "v1.yaml"),
                   "--preview-hash", preview_hash)
    held = gitops("deploy", "shop", "dev", "--values", str(tmp_path / "v2.yaml"),
                  "--preview-hash", preview_hash)

    assert shown.exit_code == 0
    assert "+replicaCount: 2" in shown.stdout and "-replicaCount: 1" in shown.stdout
    assert stale.exit_code == 1
    assert "not the one previewed" in stale.stderr
    assert held.exit_code == 0, held.stderr
    assert "revision 3" in held.stdout  # the refused one took revision 2


def test_rollback_previews_then_commits_an_earlier_revision(gitops, tmp_path, harness,
                                                           simulator):
    gitops("deploy", "shop", "dev", "--values", str(tmp_path / "v2.yaml"))

    shown = gitops("rollback", "shop", "dev", "1", "--preview")
    done = gitops("rollback", "shop", "dev", "1", "--json")

    assert "-replicaCount: 2" in shown.stdout
    assert done.exit_code == 0, done.stderr
    assert json.loads(done.stdout)["deployment"]["rollback_of"] == 1
    tip = harness.git(simulator, "shop").tip("main")
    assert tip.message == "roll back shop in dev to revision 1: revision 3"
    assert gitops("rollback", "shop", "dev", "9").exit_code == 2


def test_apps_delete_env_and_delete(gitops, harness, simulator):
    refused = gitops("apps", "delete", "shop", stdin="n\n")
    env = gitops("apps", "delete-env", "shop", "dev", "--yes")
    deleted = gitops("apps", "delete", "shop", "--delete-repository", "--yes")

    assert refused.exit_code == 1  # declined: nothing deleted
    assert env.exit_code == 0 and "Removed 2 files" in env.stdout
    assert deleted.exit_code == 0 and "and its repository" in deleted.stdout
    assert harness.git(simulator, "shop") is None


def test_request_reports_a_merged_pull_request(gitops, tmp_path, harness, simulator):
    values = form_data(harness, simulator)
    values.pop("token")
    assert gitops("set", harness.kind, "--pull-requests", "--no-validate").exit_code == 0
    proposed = json.loads(gitops("deploy", "shop", "dev", "--values",
                                 str(tmp_path / "v2.yaml"), "--json").stdout)["deployment"]
    harness.git(simulator, "shop").reviews.merge(int(proposed["request"]["number"]))

    result = gitops("request", str(proposed["id"]))

    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip().endswith(": merged")
