"""Previewing a deploy: the exact diff of every file it would write against the branch as
it is now, with nothing committed; and the hash that ties a deploy to what was reviewed.

The hash covers every file but the repository's own clone URL (in the Argo CD Application):
a first deploy's repository does not exist yet when it is previewed, and its URL is the
provider's to give, not the reviewer's to choose.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app

from webapp.configs.connection import build_provider
from webapp.deploy.attempts import plan_of
from webapp.deploy.chart import ArgoSettings
from webapp.deploy.diff import Diff, content_hash, diff
from webapp.deploy.repositories import find_repository, settings_or_refuse, target_config
from webapp.deploy.sources import DeployRequest, DeploySource
from webapp.extensions import db
from webapp.models import Application, Environment, GitOpsConfig

NEW_REPOSITORY_URL = "<the clone URL of the repository the first deploy creates>"


@dataclass(frozen=True)
class Preview:
    """What a deploy would change; its preview_hash lets the deploy insist on exactly this."""

    target: str
    branch: str
    diff: Diff
    preview_hash: str
    new_repository: bool  # the first deploy creates the repository: every file is new
    pull_request: bool    # the deploy would open a pull/merge request, not commit


def review_hash(files: dict[str, bytes | None], clone_url: str) -> str:
    """The hash of files as a reviewer saw them: the repository's clone URL left out."""
    marker, url = NEW_REPOSITORY_URL.encode(), clone_url.encode()
    return content_hash({path: None if content is None else content.replace(url, marker)
                         for path, content in files.items()})


def preview(application: Application, environment: Environment, source: DeploySource,
            request: DeployRequest, active: GitOpsConfig, argo: ArgoSettings) -> Preview:
    """The diff of the deploy of request, against the branch now: reads only, no lease."""
    config = target_config(application, active)
    settings = settings_or_refuse(application, config)
    plan = plan_of(application, config)
    env = environment.name
    db.session.close()  # no transaction while the provider is called
    provider = build_provider(settings)
    provider.set_deadline(current_app.config["DEPLOY_DEADLINE"])
    repo = find_repository(provider, plan, create=False)
    clone_url = provider.clone_url(repo) if repo is not None else NEW_REPOSITORY_URL
    files = source.files_of(plan.application, env, request, clone_url, plan.branch, argo)
    if repo is None:
        before = {path: None for path, content in files.items() if content is not None}
    else:
        before = dict(provider.current_files(repo, plan.branch, files,
                                             known=plan.known.state).files)
    return Preview(f"{plan.application}/{env}", plan.branch, diff(before, files),
                   review_hash(files, clone_url), repo is None, plan.pull_requests)
