"""Valid settings-form input for each provider kind, with tokens easy to search for."""

TOKENS = {
    "github": "ghp_SEARCHABLEtoken0github0Zx81",
    "gitlab": "glpat-SEARCHABLEtoken0gitlab0Q7",
    "azure_devops": "azdoSEARCHABLEtoken0azure0devops0k2",
    "bitbucket_cloud": "ATBB-SEARCHABLEtoken0bitbucket0w9",
}

# Valid input for storing a configuration. It says "save without validating": these values
# point at the real providers, which no test may reach (see tests/conftest.py).
VALID = {
    "github": {"host": "https://github.com", "organization": "acme-platform",
               "username": "octocat", "token": TOKENS["github"]},
    "gitlab": {"host": "https://gitlab.com", "group_id": "platform/apps",
               "username": "jane.doe", "token": TOKENS["gitlab"]},
    "azure_devops": {"organization_url": "https://dev.azure.com/acme",
                     "project": "Fabrikam Fiber", "username": "jane@example.com",
                     "token": TOKENS["azure_devops"]},
    "bitbucket_cloud": {"host": "https://bitbucket.org", "workspace": "acme",
                        "project_key": "", "username": "jane@example.com",
                        "token": TOKENS["bitbucket_cloud"]},
}


for _values in VALID.values():
    _values["save_without_validating"] = "y"


def form_for(kind: str, **changes) -> dict:
    """A copy of kind's valid input with changes applied."""
    return {**VALID[kind], **changes}


def form_data(harness, simulator, **changes) -> dict:
    """The settings form as a user would fill it in to reach harness's simulator."""
    from webapp.providers import KINDS
    settings = harness.settings(simulator)
    data = {spec.name: getattr(settings, spec.name) or "" for spec in KINDS[harness.kind].fields}
    if settings.credential_type:
        data["credential_type"] = settings.credential_type
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}
