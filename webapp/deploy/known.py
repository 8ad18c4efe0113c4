"""What a deploy knows of its application's repository from the app's own last commit there.

After each deploy the app keeps, per application, the repository it committed to and the
BranchState its commit left (webapp/providers/state.py), with the configuration, the
fingerprint of that configuration's host and namespace, and the branch they belong to.
The next deploy then needs no read of the repository, and while the branch's tip is still
that commit, a few requests to commit. Anything that does not match is simply not known,
and the deploy reads as it did before; a state that is stale (someone else committed)
only costs the provider's careful path, never a wrong commit.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from webapp.extensions import db
from webapp.models import Application, GitOpsConfig, KnownBranch
from webapp.providers import KINDS
from webapp.providers.base import Repository
from webapp.providers.state import BranchState


@dataclass(frozen=True)
class Known:
    """The repository to commit to without reading it, and the branch's state, if known."""

    repository: Repository | None = None
    state: BranchState | None = None


NOTHING = Known()


def binding(config: GitOpsConfig) -> str:
    """A fingerprint of where config's repositories live: its kind, host and namespace.

    Saving a configuration with another host or organization keeps its id; the stored
    repository belongs to the old place and must be read anew there.
    """
    values = [config.kind, *(getattr(config, name) for name in KINDS[config.kind].binding_fields)]
    return hashlib.sha256(json.dumps(values).encode()).hexdigest()


def recall(application: Application, config: GitOpsConfig) -> Known:
    """What the last deploy of application through config left (NOTHING if it does not fit)."""
    if application.config_id != config.id:
        return NOTHING
    row = db.session.get(KnownBranch, application.id)
    stored = (application.repository_name, application.repository_id,
              application.repository_clone_url, application.repository_web_url)
    if row is None or not all(stored) or row.config_id != config.id \
            or row.binding != binding(config) or row.repository_id != application.repository_id:
        return NOTHING
    repository = Repository(*stored[:2], clone_url=stored[2], web_url=stored[3],
                            default_branch=application.repository_default_branch)
    state = BranchState.from_json(row.state) if row.branch == config.branch else None
    return Known(repository, state)


def remember(application_id: int, config_id: int, where: str, branch: str, repo: Repository,
             state: BranchState | None) -> None:
    """Record repo and the state of its branch for the next deploy, in the caller's
    transaction; where and branch are the configuration's binding and branch as the deploy
    planned them (a save meanwhile must not relabel this state)."""
    row = db.session.get(KnownBranch, application_id)
    if row is None:
        row = KnownBranch(application_id=application_id)
        db.session.add(row)
    row.config_id, row.binding, row.branch = config_id, where, branch
    row.repository_id = repo.id
    row.state = state.to_json() if state is not None else None


def forget(application_id: int, *, repository: bool) -> None:
    """Forget the branch's state (and, with repository, the repository too), in the
    caller's transaction: after a failure the branch is not known as the app left it."""
    row = db.session.get(KnownBranch, application_id)
    if row is None:
        return
    if repository:
        db.session.delete(row)
    else:
        row.state = None
