"""Git providers: what kinds exist (kinds.py) and the client of each one."""

from webapp.providers.azure_devops import AzureDevOpsProvider
from webapp.providers.bitbucket_cloud import BitbucketCloudProvider
from webapp.providers.github import GitHubProvider
from webapp.providers.gitlab import GitLabProvider
from webapp.providers.kinds import KINDS, FieldSpec, ProviderKind

REGISTRY = {
    "github": GitHubProvider,
    "gitlab": GitLabProvider,
    "azure_devops": AzureDevOpsProvider,
    "bitbucket_cloud": BitbucketCloudProvider,
}

__all__ = ["KINDS", "REGISTRY", "FieldSpec", "ProviderKind"]
