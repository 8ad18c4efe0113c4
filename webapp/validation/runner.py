"""Running the validation stages, cheapest first, against one provider.

Plain Python (no Flask, no database): the caller builds the provider from the form's
values, runs this outside any transaction, and stores the report afterwards.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from webapp.providers.base import (
    Identity,
    NotFound,
    Provider,
    ProviderError,
    ProviderUnavailable,
    Repository,
    UnexpectedResponse,
)
from webapp.providers.state import BranchState
from webapp.validation.checks import check_namespace, check_read_back, check_scopes
from webapp.validation.hints import hint_for
from webapp.validation.pull_request import prove_pull_requests
from webapp.validation.report import FAILED, PASSED, SKIPPED, WARNING, Report, StageResult

STAGES = (
    ("connect", "Connect to the host"),
    ("authenticate", "Authenticate with the token"),
    ("scopes", "Check the token's scopes"),
    ("namespace", "Find the namespace"),
    ("create_repository", "Create a test repository"),
    ("commit", "Commit files"),
    ("read_back", "Read a file back"),
    ("pull_request", "Open a pull request"),  # only in pull-request mode
    ("delete_repository", "Delete the test repository"),
)
LABELS = dict(STAGES)
PRECREATED_LABELS = {
    "create_repository": "Open the existing repository",
    "commit": "Write a test file",
    "read_back": "Read the test file back",
    "delete_repository": "Remove the test file",
}
CLEANUP_GRACE_SECONDS = 15.0  # clean-up may outlive the deadline by this much


@dataclass
class ValidationPlan:
    """What to validate beyond the connection: where and how to write."""

    branch: str = "main"
    deadline_seconds: float = 60.0
    # "Repositories are created by an administrator": write to this existing repository.
    precreated_repository: str | None = None
    suffix: str = field(default_factory=lambda: secrets.token_hex(4))
    by: str | None = None
    # Pull-request mode: also prove a branch and a pull/merge request can be opened.
    pull_requests: bool = False

    @property
    def stage_ids(self) -> list[str]:
        """The stages this plan runs, in order."""
        return [stage_id for stage_id, _label in STAGES
                if stage_id != "pull_request" or self.pull_requests]

    @property
    def test_repository(self) -> str:
        """The throw-away repository's name; random, so two runs never share one."""
        return f"gitops-validate-{self.suffix}"


class _Failed(Exception):
    """A stage failed: the stages after it are skipped."""


class _Run:
    """One validation in progress: the report being filled and the stage bookkeeping."""

    def __init__(self, provider: Provider, plan: ValidationPlan) -> None:
        self.provider = provider
        self.plan = plan
        self.report = Report(by=plan.by)
        self.labels = {**LABELS, **(PRECREATED_LABELS if plan.precreated_repository else {}),
                       "pull_request": f"Open a {provider.kind.request_name}"}

    def stage(self, stage_id: str, action: Callable[[], tuple[str, str]]) -> None:
        """Run action, which returns (status, message); a ProviderError fails the stage."""
        started = time.monotonic()
        try:
            status, message = action()
            hint = ""
        except ProviderError as error:
            status, message, hint = FAILED, error.message, hint_for(stage_id, error,
                                                                    self.provider)
        self.record(stage_id, status, message, hint, started)
        if status == FAILED:
            raise _Failed(stage_id)

    def record(self, stage_id: str, status: str, message: str, hint: str = "",
               started: float | None = None) -> None:
        duration = int((time.monotonic() - started) * 1000) if started else 0
        self.report.stages.append(StageResult(stage_id, self.labels[stage_id], status, message,
                                              hint, duration))

    def skip_rest(self) -> None:
        """Mark the stages that did not run as skipped, and put every stage in order."""
        done = {stage.id for stage in self.report.stages}
        for stage_id in self.plan.stage_ids:
            if stage_id not in done:
                self.record(stage_id, SKIPPED, "Skipped: an earlier stage failed.")
        order = {stage_id: position for position, stage_id in enumerate(self.plan.stage_ids)}
        self.report.stages.sort(key=lambda stage: order[stage.id])


def run_validation(provider: Provider, plan: ValidationPlan) -> Report:
    """Run every stage against provider; the test repository is always cleaned up."""
    run = _Run(provider, plan)
    provider.set_deadline(plan.deadline_seconds)
    calls_before = provider.request_count
    repo: Repository | None = None
    unclear: list[str] = []  # a repository the provider may have created without saying so
    try:
        identity = _connect_and_authenticate(run)
        run.stage("scopes", lambda: check_scopes(provider, identity))
        run.stage("namespace", lambda: check_namespace(provider))
        repo = _open_repository(run, unclear)
        written, state = _commit(run, repo)
        run.stage("read_back", lambda: check_read_back(provider, repo, plan.branch, written))
        if plan.pull_requests:
            run.stage("pull_request", lambda: _pull_request(run, repo, state))
    except _Failed:
        pass
    finally:
        provider.extend_deadline(CLEANUP_GRACE_SECONDS)
        if repo is None and unclear:
            repo = _look_up(run, unclear[0])
        if repo is not None:
            _clean_up(run, repo)
        run.skip_rest()
        run.report.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        run.report.requests = provider.request_count - calls_before
    return run.report


def _connect_and_authenticate(run: _Run) -> Identity:
    """One call serves both stages: any HTTP answer proves the host answers and TLS holds."""
    started = time.monotonic()
    try:
        identity = run.provider.check_identity()
    except ProviderError as error:
        if isinstance(error, ProviderUnavailable) and error.status is None:
            # No HTTP answer at all: refused, TLS failure or timeout.
            run.record("connect", FAILED, error.message,
                       hint_for("connect", error, run.provider), started)
            raise _Failed("connect") from None
        run.record("connect", PASSED, f"{run.provider.label} answered.", started=started)
        run.record("authenticate", FAILED, error.message,
                   hint_for("authenticate", error, run.provider))
        raise _Failed("authenticate") from None
    run.record("connect", PASSED, f"{run.provider.label} answered.", started=started)
    configured = run.provider.settings.username
    if identity.username is None:
        run.record("authenticate", PASSED,
                   f"The token was accepted ({run.provider.label} does not say whose it is).")
    elif configured and identity.username.lower() != configured.lower():
        run.record("authenticate", WARNING,
                   f"The token belongs to {identity.username}, not to {configured} as entered.",
                   "Enter the username of the token's owner.")
    else:
        owner = f"{identity.username} ({identity.display_name})" if identity.display_name \
            else identity.username
        run.record("authenticate", PASSED, f"The token belongs to {owner}.")
    if run.provider.kind.reports_token_expiry:
        expires = identity.token_expires_at
        run.report.token_expiry_known = True
        run.report.token_expires_at = expires.isoformat(timespec="seconds") if expires else None
    return identity


def _open_repository(run: _Run, unclear: list[str]) -> Repository:
    plan, provider = run.plan, run.provider
    holder: list[Repository] = []

    def create() -> tuple[str, str]:
        if plan.precreated_repository:
            holder.append(provider.get_repository(plan.precreated_repository))
            return PASSED, f"Opened {holder[0].web_url}."
        try:
            repo = provider.ensure_repository(plan.test_repository)
        except (ProviderUnavailable, UnexpectedResponse):
            # No clear answer: the provider may have created it all the same.
            unclear.append(plan.test_repository)
            raise
        if not repo.created:  # never touch a repository this run did not create
            raise ProviderError(f"A repository named {repo.name} already exists; "
                                "validation will not use or delete it.")
        holder.append(repo)
        return PASSED, f"Created the private repository {repo.web_url}."

    run.stage("create_repository", create)
    return holder[0]


def _test_files(plan: ValidationPlan) -> dict[str, bytes]:
    note = b"# Written by GitOps Console to validate its configuration; safe to delete.\n"
    if plan.precreated_repository:
        return {f".gitops-console/validate-{plan.suffix}.yaml": note}
    return {"gitops-validate/first.yaml": note + b"first: 1\n",
            "gitops-validate/second.yaml": note + b"second: 2\n"}


def _commit(run: _Run, repo: Repository) -> tuple[dict[str, bytes], BranchState | None]:
    """The files committed, and the state of the branch they left (for pull_request)."""
    files = _test_files(run.plan)
    states: list[BranchState | None] = [None]

    def commit() -> tuple[str, str]:
        result = run.provider.commit_files(repo, run.plan.branch, files,
                                           "GitOps Console: validation (safe to delete)")
        if not result.changed:
            return FAILED, "The provider accepted the files but made no commit."
        states[0] = result.state
        count = "two files" if len(files) == 2 else "a test file"
        return PASSED, f"Committed {count} to {run.plan.branch} ({(result.sha or '')[:7]})."

    run.stage("commit", commit)
    return files, states[0]


def _pull_request(run: _Run, repo: Repository, state: BranchState | None) -> tuple[str, str]:
    # An administrator's repository outlives the validation: close and delete at once.
    outcome = prove_pull_requests(run.provider, repo, run.plan.branch, run.plan.suffix,
                                  cleanup=bool(run.plan.precreated_repository), known=state)
    if outcome.leftover:
        run.report.leftover = outcome.leftover
    return outcome.status, outcome.message


def _look_up(run: _Run, name: str) -> Repository | None:
    """The repository an unclear create may have made; a warning when we cannot tell."""
    try:
        return run.provider.get_repository(name)
    except NotFound:
        return None
    except ProviderError as error:
        run.report.leftover = f"the repository {name}, if it exists"
        run.record("delete_repository", WARNING,
                   f"{error.message} Check whether {name} exists and delete it by hand.")
        return None


def _clean_up(run: _Run, repo: Repository) -> None:
    """Delete the test repository, or remove the test file; a failure is only a warning."""
    started = time.monotonic()
    provider, plan = run.provider, run.plan
    try:
        if plan.precreated_repository:
            files = {path: None for path in _test_files(plan)}
            provider.commit_files(repo, plan.branch, files,
                                  "GitOps Console: remove the validation file")
            message = "Removed the test file."
        else:
            provider.delete_repository(repo)
            message = f"Deleted {repo.web_url}."
    except ProviderError as error:
        what = (f"the file {next(iter(_test_files(plan)))} from {repo.web_url}"
                if plan.precreated_repository else f"the repository {repo.web_url}")
        run.report.leftover = what
        run.record("delete_repository", WARNING, f"{error.message} Delete {what} by hand.",
                   hint_for("delete_repository", error, provider), started)
        return
    run.record("delete_repository", PASSED, message, started=started)
