"""Which provider and repository an application's operations go to: its first provider's
while that configuration exists, else the active one; the repository as the last deploy
left it, or looked up, or made on the first deploy."""

from __future__ import annotations

from urllib.parse import urlsplit

from webapp.configs.connection import saved_settings
from webapp.crypto import UndecryptableSecret
from webapp.models import Application, GitOpsConfig
from webapp.providers import KINDS
from webapp.providers.base import NotFound, ProviderError, ProviderSettings, Repository


class DeployRefused(Exception):
    """The operation cannot start (missing repository URL, no readable token…); nothing
    was sent."""


def target_config(application: Application, active: GitOpsConfig) -> GitOpsConfig:
    """The configuration application deploys through: its first one while it exists."""
    return application.config if application.config is not None else active


def settings_or_refuse(application: Application, config: GitOpsConfig) -> ProviderSettings:
    """The provider settings to use; DeployRefused when nothing could be sent."""
    if application.config_id is None and config.repositories_precreated \
            and not application.repository_url:
        raise DeployRefused(
            f"{application.name} has no repository URL. Repositories are created by an "
            f"administrator for {KINDS[config.kind].label}: enter the URL of the "
            f"repository made for {application.name} first (in the applications list).")
    try:
        return saved_settings(config)
    except UndecryptableSecret:
        raise DeployRefused(f"The saved token of {KINDS[config.kind].label} cannot be "
                            "decrypted with the configured keys: enter it again on the "
                            "settings page. Nothing was sent.") from None


def repository_name_of(url: str) -> str:
    """The repository name at the end of a clone or web URL (…/shop.git → shop)."""
    path = urlsplit(url).path.rstrip("/")
    return path.rsplit("/", 1)[-1].removesuffix(".git")


def find_repository(provider, plan, *, create: bool) -> Repository | None:
    """The application's repository: as the last deploy left it (no read), the pinned or
    pre-created one, else `<prefix><application>` (made when create, else None if missing)."""
    if plan.known.repository is not None:
        return plan.known.repository  # no read: the commit itself says if it is gone
    if plan.repository_name:
        return provider.get_repository(plan.repository_name)
    if plan.precreated:
        return provider.get_repository(repository_name_of(plan.repository_url or ""))
    name = f"{plan.prefix}{plan.application}"
    if create:
        return provider.ensure_repository(name)
    try:
        return provider.get_repository(name)
    except NotFound:
        return None


def repository_gone(provider, repo: Repository, error: NotFound) -> NotFound:
    """The error to show for a NotFound while committing to a repository known from the
    last deploy: one read tells whether the repository itself is gone."""
    try:
        provider.get_repository(repo.name)
    except NotFound:
        return NotFound(f"The repository {repo.name} is no longer on {provider.label}: it "
                        "was deleted or renamed, or the token may no longer see it.",
                        status=404, hint="Restore the repository, or give the token access "
                                         "to it again.")
    except ProviderError:  # no clearer answer to be had: the commit's own error stands
        return error
    return error
