"""The name each application and environment gets in the cluster: `<application>-<environment>`.

It names the Argo CD Application, the Helm release and the namespace, so it must be unique
across every pair (`a-b`/`c` and `a`/`b-c` would both be `a-b-c`) and short enough for Helm,
whose release names stop at 53 characters (a namespace may have 63).
"""

from __future__ import annotations

from collections.abc import Iterable

RELEASE_NAME_MAX = 53


def release_name(application: str, environment: str) -> str:
    """The cluster name of application in environment."""
    return f"{application}-{environment}"


def release_name_problems(application: str, environments: Iterable[str],
                          existing: Iterable[tuple[str, str]]) -> list[str]:
    """Why new pairs of application and environments cannot have their cluster names."""
    taken = {release_name(app, env): f"{app}/{env}" for app, env in existing}
    problems = []
    for environment in environments:
        name = release_name(application, environment)
        if len(name) > RELEASE_NAME_MAX:
            problems.append(f"{application} in {environment} would be named {name} in the "
                            f"cluster, {len(name)} characters: Helm allows "
                            f"{RELEASE_NAME_MAX}. Use shorter names.")
        elif name in taken and taken[name] != f"{application}/{environment}":
            problems.append(f"{application} in {environment} would be named {name} in the "
                            f"cluster, like {taken[name]}. Choose another name.")
    return problems
