"""Git providers: the registry of clients, from which every kind's data is derived.

Each client class names its kind (providers.kinds: label, fields, scopes); this tuple is
the one list of what the app supports, so adding a provider is one line here.
"""

from webapp.providers.azure_devops import AzureDevOpsProvider
from webapp.providers.base import Provider, ProviderSettings
from webapp.providers.bitbucket_cloud import BitbucketCloudProvider
from webapp.providers.github import GitHubProvider
from webapp.providers.gitlab import GitLabProvider
from webapp.providers.kinds import FieldSpec, ProviderKind

CLIENTS = (GitHubProvider, GitLabProvider, AzureDevOpsProvider, BitbucketCloudProvider)
REGISTRY: dict[str, type[Provider]] = {client.kind.id: client for client in CLIENTS}
KINDS: dict[str, ProviderKind] = {client.kind.id: client.kind for client in CLIENTS}
# Every column any kind stores its namespace in (organization, group_id, project…).
NAMESPACE_FIELDS: tuple[str, ...] = tuple(dict.fromkeys(
    name for kind in KINDS.values() for name in kind.namespace_fields))


def client_for(settings: ProviderSettings) -> Provider:
    """The client of settings.kind."""
    return REGISTRY[settings.kind](settings)


__all__ = ["CLIENTS", "KINDS", "NAMESPACE_FIELDS", "REGISTRY", "FieldSpec", "ProviderKind",
           "client_for"]
