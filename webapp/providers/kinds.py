"""The provider kinds: labels, default hosts, the scopes a token needs and the fields each
one's settings form shows.

This is data, not code: the settings form, the model, the templates and the clients are
all driven by it, so a field's label and shape and a scope are written down exactly once.
"""

import re
from dataclasses import dataclass, field

from webapp.providers.base import ScopeRule

# GitHub: alphanumerics and single inner hyphens, at most 39 characters.
GITHUB_NAME = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}")
# GitLab: a numeric id, or a full path such as "platform/team-a" (subgroups included).
GITLAB_GROUP = re.compile(r"\d+|[A-Za-z0-9_][A-Za-z0-9_.-]*(?:/[A-Za-z0-9_][A-Za-z0-9_.-]*)*")
GITLAB_USERNAME = re.compile(r"[A-Za-z0-9_.][A-Za-z0-9_.-]*")
# Azure DevOps project names may contain spaces, but not these characters nor control
# characters, and may not start with "_" or "." nor end with "." (Microsoft's naming
# restrictions).
AZURE_PROJECT = re.compile(r'(?![_.])[^\\/:*?"<>|;#$*{},+=\[\]\x00-\x1f\x7f-\x9f]{1,64}(?<!\.)')
BITBUCKET_WORKSPACE = re.compile(r"[a-z0-9][a-z0-9_-]*")
BITBUCKET_PROJECT_KEY = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
# No white space, and no control characters (NUL included: no database stores it).
NO_SPACES = re.compile(r"[^\s\x00-\x1f\x7f-\x9f]+")


@dataclass(frozen=True)
class FieldSpec:
    """One input of a provider's settings form, and the model column that stores it."""

    name: str
    label: str
    kind: str = "name"  # "url", "name" or "secret"
    required: bool = True
    help: str = ""
    pattern: re.Pattern[str] | None = None
    pattern_hint: str = ""
    max_length: int = 255


@dataclass(frozen=True)
class CredentialType:
    """One way of authenticating to a provider, with its own account and secret fields."""

    id: str
    label: str
    help: str
    username: FieldSpec
    token: FieldSpec


@dataclass(frozen=True)
class ProviderKind:
    """A git provider the app can store desired state in."""

    id: str
    label: str
    default_host: str | None
    fields: tuple[FieldSpec, ...]
    # What the token must (or should) be allowed to do; the client checks these.
    scopes: tuple[ScopeRule, ...]
    # Changing any of these makes the saved token unusable: it must be entered again,
    # so that a token is never sent to a host or namespace it was not entered for.
    binding_fields: tuple[str, ...] = field(default=())
    # Where a provider offers several kinds of credential; the first is the default and
    # its username and token specs are the ones in `fields`.
    credential_types: tuple[CredentialType, ...] = ()
    # What the provider calls a reviewed change (issue 13's pull-request mode).
    request_name: str = "pull request"
    # Whether check_identity can say when the token expires; where not (Azure DevOps,
    # Bitbucket Cloud: no API tells a token its own expiry, §3j/§4j) the admin enters it.
    reports_token_expiry: bool = True

    def credential_type(self, type_id: str | None) -> CredentialType | None:
        """The credential type of that id, or the default one; None if the kind has none."""
        for credential in self.credential_types:
            if credential.id == type_id:
                return credential
        return self.credential_types[0] if self.credential_types else None

    def variants(self, name: str) -> list[tuple[str, FieldSpec]]:
        """(credential type, spec) of a field whose label depends on the credential type."""
        if name not in ("username", "token"):
            return []
        return [(credential.id, getattr(credential, name)) for credential in self.credential_types]

    @property
    def credential_helps(self) -> dict[str, str]:
        """The help line of each credential type."""
        return {credential.id: credential.help for credential in self.credential_types}

    def spec(self, name: str, credential_type: str | None = None) -> FieldSpec:
        """The spec of a field, as it is while credential_type is chosen."""
        credential = self.credential_type(credential_type)
        if credential is not None and name in ("username", "token"):
            return getattr(credential, name)
        return next(spec for spec in self.fields if spec.name == name)

    @property
    def namespace_fields(self) -> tuple[str, ...]:
        """The fields naming where repositories live (organization, group, project…)."""
        return tuple(spec.name for spec in self.fields
                     if spec.name not in ("host", "username") and spec.kind != "secret")





def _host(label: str, default: str) -> FieldSpec:
    return FieldSpec("host", label, kind="url", required=False,
                     help=f"Leave blank for {default}.")


def needs(scopes: tuple[ScopeRule, ...], names: dict[str, str] | None = None) -> str:
    """The token field's help: the scopes to grant, derived from the rules the client checks.

    A rule another listed rule covers is left out (granting the broader one is enough);
    names translates a scope into what the provider's settings page calls it.
    """
    listed = {rule.name for rule in scopes}
    shown = [rule for rule in scopes if not listed.intersection(rule.covered_by)]
    label = (names or {}).get
    required = [label(rule.name, rule.name) for rule in shown if rule.required]
    optional = [label(rule.name, rule.name) for rule in shown if not rule.required]
    text = "Needs: " + ", ".join(required)
    return text + ("; optional: " + ", ".join(optional) if optional else "") + "."


def _token(label: str, scopes: tuple[ScopeRule, ...], names: dict[str, str] | None = None
           ) -> FieldSpec:
    return FieldSpec("token", label, kind="secret", max_length=1024, help=needs(scopes, names))


# Reference: https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/scopes-for-oauth-apps
GITHUB_SCOPES = (
    ScopeRule("repo", "create private repositories and commit to them"),
    ScopeRule("admin:org", "read the organization's repository policies", required=False),
    ScopeRule("delete_repo", "delete repositories, as validation does to clean up",
              required=False),
)
# Reference: https://docs.gitlab.com/user/profile/personal_access_tokens/#personal-access-token-scopes
GITLAB_SCOPES = (
    ScopeRule("api", "create projects, commit through the API and delete projects"),
    # The app never pushes over Git-over-HTTPS, and api already grants that too.
    ScopeRule("write_repository", "push over Git-over-HTTPS (api includes it)",
              required=False, covered_by=("api",)),
)
# Azure DevOps never tells a token's scopes (identity.scopes is None): these name what to grant.
# Reference: https://learn.microsoft.com/en-us/azure/devops/integrate/get-started/authentication/oauth#scopes
AZURE_DEVOPS_SCOPES = (
    ScopeRule("vso.code_manage", "create and delete repositories (Code: Read, write, & manage)"),
    ScopeRule("vso.code_write", "commit files", covered_by=("vso.code_manage",)),
    ScopeRule("vso.code", "read repositories, branches and files",
              covered_by=("vso.code_write", "vso.code_manage")),
)
AZURE_DEVOPS_SCOPE_NAMES = {"vso.code": "Code: Read", "vso.code_write": "Code: Read & write",
                            "vso.code_manage": "Code: Read, write, & manage"}
# Reference: https://developer.atlassian.com/cloud/bitbucket/rest/intro/#authentication
BITBUCKET_SCOPES = (
    ScopeRule("read:user:bitbucket", "check whom the token belongs to"),
    ScopeRule("read:project:bitbucket", "find the project repositories go to"),
    ScopeRule("admin:repository:bitbucket", "create repositories"),
    ScopeRule("read:repository:bitbucket", "read branches and files"),
    ScopeRule("write:repository:bitbucket", "commit the desired state"),
    ScopeRule("delete:repository:bitbucket",
              "delete repositories (validation cleans up after itself, and deleting an "
              "application deletes its repository)", required=False),
)
# What an app password's settings page calls each API-token scope.
BITBUCKET_APP_PASSWORD_NAMES = {
    "read:user:bitbucket": "Account: Read", "read:project:bitbucket": "Projects: Read",
    "read:repository:bitbucket": "Repositories: Read",
    "write:repository:bitbucket": "Repositories: Write",
    "admin:repository:bitbucket": "Repositories: Admin",
    "delete:repository:bitbucket": "Repositories: Delete",
    "read:pullrequest:bitbucket": "Pull requests: Read",
    "write:pullrequest:bitbucket": "Pull requests: Write",
}
_EMAIL_PART = r"[^@\s\x00-\x1f\x7f-\x9f]+"  # no control characters either
EMAIL = re.compile(rf"{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}")
BITBUCKET_USERNAME = re.compile(r"[A-Za-z0-9_-]+")

BITBUCKET_API_TOKEN = CredentialType(
    id="api_token", label="API token",
    help="An Atlassian API token with Bitbucket scopes. It signs in to the API with your "
         "account email, and to git as x-bitbucket-api-token-auth.",
    username=FieldSpec("username", "Atlassian account email", pattern=EMAIL,
                       pattern_hint="the email address of your Atlassian account"),
    token=_token("Bitbucket API token", BITBUCKET_SCOPES),
)
BITBUCKET_APP_PASSWORD = CredentialType(
    id="app_password", label="App password (legacy)",
    help="Atlassian is retiring app passwords: prefer an API token.",
    username=FieldSpec("username", "Bitbucket username", pattern=BITBUCKET_USERNAME,
                       pattern_hint="your Bitbucket username (not your email)"),
    token=_token("Bitbucket app password", BITBUCKET_SCOPES, BITBUCKET_APP_PASSWORD_NAMES),
)

GITHUB = ProviderKind(
    id="github", label="GitHub", default_host="https://github.com",
    fields=(
        _host("GitHub host", "https://github.com"),
        FieldSpec("organization", "GitHub organization name", pattern=GITHUB_NAME, max_length=39,
                  pattern_hint="letters, digits and single hyphens, at most 39 characters"),
        FieldSpec("username", "GitHub username", pattern=GITHUB_NAME, max_length=39,
                  pattern_hint="letters, digits and single hyphens, at most 39 characters"),
        _token("GitHub personal access token", GITHUB_SCOPES),
    ),
    scopes=GITHUB_SCOPES,
    binding_fields=("host", "organization"),
)

GITLAB = ProviderKind(
    id="gitlab", label="GitLab", default_host="https://gitlab.com",
    fields=(
        _host("GitLab host", "https://gitlab.com"),
        FieldSpec("group_id", "GitLab group id", pattern=GITLAB_GROUP,
                  help="The numeric id, or the full path such as platform/apps.",
                  pattern_hint="a number, or a group path such as platform/apps"),
        FieldSpec("username", "GitLab username", pattern=GITLAB_USERNAME,
                  pattern_hint="letters, digits, '_', '-' and '.', no spaces"),
        _token("GitLab personal access token", GITLAB_SCOPES),
    ),
    scopes=GITLAB_SCOPES,
    binding_fields=("host", "group_id"),
    request_name="merge request",
)

AZURE_DEVOPS = ProviderKind(
    id="azure_devops", label="Azure DevOps", default_host=None,
    fields=(
        FieldSpec("organization_url", "Azure DevOps organization URL", kind="url",
                  help="For example https://dev.azure.com/your-organization."),
        FieldSpec("project", "Azure DevOps project name", pattern=AZURE_PROJECT, max_length=64,
                  pattern_hint='at most 64 characters, none of \\ / : * ? " < > | ; # $ { } , + '
                               '= [ ] nor control characters, not starting with "_" or "." '
                               'nor ending with "."'),
        FieldSpec("username", "Azure DevOps username", pattern=NO_SPACES,
                  pattern_hint="no spaces or control characters"),
        _token("Azure DevOps access token", AZURE_DEVOPS_SCOPES, AZURE_DEVOPS_SCOPE_NAMES),
    ),
    scopes=AZURE_DEVOPS_SCOPES,
    binding_fields=("organization_url", "project"),
    reports_token_expiry=False,
)

BITBUCKET_CLOUD = ProviderKind(
    id="bitbucket_cloud", label="Bitbucket Cloud", default_host="https://bitbucket.org",
    fields=(
        _host("Bitbucket host", "https://bitbucket.org"),
        FieldSpec("workspace", "Bitbucket workspace id", pattern=BITBUCKET_WORKSPACE,
                  pattern_hint="lowercase letters, digits, '-' and '_'"),
        FieldSpec("project_key", "Bitbucket project key", required=False,
                  pattern=BITBUCKET_PROJECT_KEY,
                  help="If not provided, the oldest project in the workspace will be used.",
                  pattern_hint="a letter, then letters, digits or '_'"),
        BITBUCKET_API_TOKEN.username,
        BITBUCKET_API_TOKEN.token,
    ),
    scopes=BITBUCKET_SCOPES,
    binding_fields=("host", "workspace"),
    credential_types=(BITBUCKET_API_TOKEN, BITBUCKET_APP_PASSWORD),
    reports_token_expiry=False,
)
