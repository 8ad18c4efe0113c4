"""Validation in pull-request mode (issue 13): the pull_request stage, against every
provider's simulator."""

from __future__ import annotations

from tests.fakes import bitbucket_cloud, github
from tests.fakes.fixtures import serve
from webapp.validation import ValidationPlan, run_validation
from webapp.validation.report import FAILED, PASSED, SKIPPED, WARNING

STAGE_IDS = ["connect", "authenticate", "scopes", "namespace", "create_repository", "commit",
             "read_back", "pull_request", "delete_repository"]


def validate(harness, simulator, plan, **settings):
    provider = harness.provider(harness.settings(simulator, **settings), backoff=0.01)
    return run_validation(provider, plan)


def statuses(report) -> dict[str, str]:
    return {stage.id: stage.status for stage in report.stages}


def test_pull_request_mode_opens_a_request_from_a_new_branch_and_leaves_nothing(
        harness, simulator):
    plan = ValidationPlan(pull_requests=True)

    report = validate(harness, simulator, plan)

    assert list(statuses(report)) == STAGE_IDS
    assert report.failed_stage is None, report.stages
    stage = report.stages[STAGE_IDS.index("pull_request")]
    assert stage.status == PASSED
    assert stage.label == f"Open a {harness.provider.kind.request_name}"
    assert simulator.url in stage.message
    assert len(simulator.calls(harness.operations["open_request"])) >= 1
    assert harness.git(simulator, plan.test_repository) is None  # requests went with it
    assert report.requests == len(simulator.calls())


def test_without_pull_request_mode_there_is_no_such_stage_and_no_request(harness, simulator):
    report = validate(harness, simulator, ValidationPlan())

    assert "pull_request" not in statuses(report)
    assert simulator.calls(harness.operations["open_request"]) == []


def test_a_token_that_may_not_open_requests_fails_at_pull_request_with_a_way_forward(
        harness, simulator):
    plan = ValidationPlan(pull_requests=True)
    simulator.fault(harness.operations["open_request"], status=403,
                    body=harness.error_body(403, "You may not open pull requests."))

    report = validate(harness, simulator, plan)

    found = statuses(report)
    assert report.failed_stage.id == "pull_request"
    assert all(found[stage] in (PASSED, WARNING) for stage in STAGE_IDS[:7])
    assert found["delete_repository"] == PASSED
    assert harness.provider.kind.request_name in report.failed_stage.message
    assert "pull-request mode off" in report.failed_stage.hint
    assert harness.git(simulator, plan.test_repository) is None


def test_a_failed_commit_skips_the_pull_request_stage(harness, simulator):
    simulator.fault(harness.operations["commit"], status=403,
                    body=harness.error_body(403, "Pushing is not allowed."))

    report = validate(harness, simulator, ValidationPlan(pull_requests=True))

    assert statuses(report)["commit"] == FAILED
    assert statuses(report)["pull_request"] == SKIPPED
    assert list(statuses(report)) == STAGE_IDS


def test_in_an_administrators_repository_the_request_is_closed_and_its_branch_deleted(
        harness, simulator):
    provider = harness.provider(harness.settings(simulator), backoff=0.01)
    repo = provider.ensure_repository("platform-state")
    provider.commit_files(repo, "main", {"README.md": b"state\n"}, "seed")
    git = harness.git(simulator, "platform-state")
    plan = ValidationPlan(pull_requests=True, precreated_repository="platform-state")

    report = run_validation(provider, plan)

    assert report.outcome in (PASSED, WARNING), report.stages
    assert statuses(report)["pull_request"] == PASSED
    assert [review.state for review in git.reviews.find()] == ["closed"]
    assert set(git.branches) == {"main"}
    assert "closed it and deleted the branch" in report.stages[7].message


def test_a_request_that_cannot_be_closed_is_a_warning_naming_it(harness, simulator):
    provider = harness.provider(harness.settings(simulator), backoff=0.01)
    repo = provider.ensure_repository("platform-state")
    provider.commit_files(repo, "main", {"README.md": b"state\n"}, "seed")
    git = harness.git(simulator, "platform-state")
    simulator.fault(harness.operations["close_request"], status=403,
                    body=harness.error_body(403, "You may not close it."))
    plan = ValidationPlan(pull_requests=True, precreated_repository="platform-state")

    report = run_validation(provider, plan)

    stage = report.stages[7]
    (review,) = git.reviews.find()
    assert (stage.id, stage.status) == ("pull_request", WARNING)
    assert report.outcome == WARNING
    assert review.state == "open"
    assert str(review.number) in report.leftover


def test_a_github_fine_grained_token_without_pull_requests_write_fails_the_stage():
    with serve(github.GitHubSimulator()) as sim:
        report = validate(github.HARNESS, sim, ValidationPlan(pull_requests=True),
                          token=github.FINE_GRAINED_TOKEN)
        passing = validate(github.HARNESS, sim, ValidationPlan(pull_requests=True),
                           token=github.FINE_GRAINED_PR_TOKEN)

    assert report.failed_stage.id == "pull_request"
    assert "Pull requests: write" in report.failed_stage.hint
    assert passing.failed_stage is None


def test_a_bitbucket_token_without_the_pull_request_scope_fails_naming_it():
    with serve(bitbucket_cloud.BitbucketCloudSimulator()) as sim:
        report = validate(bitbucket_cloud.HARNESS, sim, ValidationPlan(pull_requests=True),
                          token=bitbucket_cloud.NO_PULL_REQUESTS_TOKEN)

    assert report.failed_stage.id == "pull_request"
    assert "write:pullrequest:bitbucket" in report.failed_stage.hint
