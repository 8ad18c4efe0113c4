"""One operation through each door (page, API, command line): the same stored state and
the same commit in the provider's repository, because all three call the same services."""

from __future__ import annotations

import shutil
import socket

import pytest
from sqlalchemy import select

from tests.api_support import Api, make_token
from tests.conftest import app_config, csrf_token, signed_in
from tests.fakes.fixtures import serve
from tests.provider_inputs import form_data
from webapp import create_app
from webapp.configs.connection import saved_settings
from webapp.deploy.chart import DEFAULT_VALUES
from webapp.extensions import db
from webapp.models import Application, Deployment, GitOpsConfig

VALUES = DEFAULT_VALUES.replace("replicaCount: 1", "replicaCount: 2")
CONFIG_COLUMNS = ("kind", "host", "organization", "group_id", "organization_url", "project",
                  "workspace", "project_key", "username", "credential_type", "verify_tls",
                  "branch", "repository_prefix", "repositories_precreated", "active",
                  "validation_outcome", "version")


def through_the_page(app, harness, simulator, tmp_path):
    client = signed_in(app)

    def post(url, data):
        response = client.post(url, data={**data, "csrf_token": csrf_token(client, "/charts")})
        assert response.status_code == 303, response.get_data(as_text=True)[:500]
    post(f"/settings/gitops/{harness.kind}", form_data(harness, simulator))
    post("/applications", {"name": "shop", "environments": "dev"})
    response = client.post("/deployment-template", data={
        "target": "shop/dev", "values": VALUES, "csrf_token": csrf_token(client, "/charts")})
    assert response.status_code == 200


def through_the_api(app, harness, simulator, tmp_path):
    api = Api(app, make_token(app, name="pipeline"))
    assert api.put(f"/gitops/configs/{harness.kind}",
                   json=form_data(harness, simulator)).status_code == 201
    assert api.post("/apps", json={"name": "shop", "environments": ["dev"]}).status_code == 201
    assert api.post("/apps/shop/environments/dev/deploy",
                    json={"values": VALUES}).status_code == 201


def through_the_command_line(app, harness, simulator, tmp_path):
    runner = app.test_cli_runner()
    values = form_data(harness, simulator)
    token = values.pop("token")
    options = [option for name, value in values.items()
               for option in (f"--{name.replace('_', '-')}", value)]
    values_file = tmp_path / "values.yaml"
    values_file.write_text(VALUES)
    for args, stdin in ((["set", harness.kind, *options, "--token-stdin"], token),
                        (["apps", "create", "shop", "--environments", "dev"], None),
                        (["deploy", "shop", "dev", "--values", str(values_file)], None)):
        result = runner.invoke(args=["gitops", *args], input=stdin)
        assert result.exit_code == 0, result.output


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


DOORS = {"page": through_the_page, "api": through_the_api, "cli": through_the_command_line}


def outcome(app, harness, simulator) -> dict:
    """What the operation left: the stored rows and the repository's tip."""
    with app.app_context():
        config = db.session.scalar(select(GitOpsConfig))
        application = db.session.scalar(select(Application))
        deployment = db.session.scalar(select(Deployment))
        state = {
            "config": {name: getattr(config, name) for name in CONFIG_COLUMNS},
            "token": saved_settings(config).token,
            "application": (application.name, [e.name for e in application.environments],
                            application.repository_name, application.config.kind),
            "deployment": (deployment.revision, deployment.outcome, deployment.source,
                           deployment.values_text, deployment.provider),
        }
        db.engine.dispose()
    tip = harness.git(simulator, "shop").tip("main")
    state["commit"] = (tip.tree, tip.message, sorted(tip.files))
    return state


@pytest.mark.parametrize("door", ["api", "cli"])
def test_each_door_leaves_the_same_state_and_commit(door, tmp_path_factory, migrated_database,
                                                    harness):
    results = {}
    port = free_port()  # one address for both runs: the Application manifest names it
    for name in ("page", door):
        folder = tmp_path_factory.mktemp(name)
        shutil.copy(migrated_database, folder / "gitops.db")
        app = create_app(app_config(folder, ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True))
        with serve(harness.simulator(), port=port) as simulator:
            DOORS[name](app, harness, simulator, folder)
            results[name] = outcome(app, harness, simulator)

    assert results[door] == results["page"]
    assert results[door]["config"]["validation_outcome"] in ("passed", "warning")
    assert results[door]["deployment"][1] == "deployed"
