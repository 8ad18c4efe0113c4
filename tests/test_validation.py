"""Validation stage by stage, against every provider's simulator."""

from __future__ import annotations

import threading

import pytest

from webapp.validation import ValidationPlan, run_validation
from webapp.validation.report import FAILED, PASSED, SKIPPED, WARNING

STAGE_IDS = ["connect", "authenticate", "scopes", "namespace", "create_repository", "commit",
             "read_back", "delete_repository"]


def validate(harness, simulator, plan=None, **settings):
    provider = harness.provider(harness.settings(simulator, **settings), backoff=0.01)
    return run_validation(provider, plan or ValidationPlan())


def statuses(report) -> dict[str, str]:
    return {stage.id: stage.status for stage in report.stages}


def failed_at(report, stage_id: str) -> None:
    """report failed at stage_id, every later stage but the clean-up skipped."""
    found = statuses(report)
    assert list(found) == STAGE_IDS
    assert found[stage_id] == FAILED, report.stages
    later = STAGE_IDS[STAGE_IDS.index(stage_id) + 1:]
    assert all(found[s] in (SKIPPED, PASSED) for s in later)
    assert all(found[s] == PASSED for s in STAGE_IDS[:STAGE_IDS.index(stage_id)]
               if s != "scopes" or found[s] != WARNING)


def no_test_repository_left(harness, simulator, plan) -> bool:
    return harness.git(simulator, plan.test_repository) is None


def test_a_good_configuration_passes_every_stage_and_leaves_nothing(harness, simulator):
    plan = ValidationPlan()

    report = validate(harness, simulator, plan)

    assert statuses(report) == dict.fromkeys(STAGE_IDS, PASSED) | (
        {"scopes": report.stages[2].status})  # a token may lack only optional scopes
    assert report.outcome in (PASSED, WARNING)
    assert no_test_repository_left(harness, simulator, plan)
    assert report.requests == len(simulator.calls())


def test_a_wrong_token_fails_at_authenticate_and_creates_nothing(harness, simulator):
    plan = ValidationPlan()

    report = validate(harness, simulator, plan, token=harness.tokens["wrong"])

    failed_at(report, "authenticate")
    assert statuses(report)["delete_repository"] == SKIPPED
    assert "token" in report.failed_stage.message.lower()
    assert "Create a new token" in report.failed_stage.hint
    assert harness.tokens["wrong"] not in str(report.to_json())
    assert simulator.calls(harness.operations["create"]) == []


def test_a_token_that_may_not_create_fails_where_the_provider_lets_us_see_it(harness,
                                                                           simulator):
    plan = ValidationPlan()
    token = harness.tokens["no_create"]
    reports_scopes = harness.provider(harness.settings(simulator, token=token)) \
        .check_identity().scopes is not None

    report = validate(harness, simulator, plan, token=token)

    stage = report.failed_stage
    if reports_scopes:  # GitHub classic, GitLab, Bitbucket API tokens: named up front
        assert stage.id == "scopes"
        assert "lacks the scope" in stage.message
    else:  # Azure DevOps reports no scopes: the create itself is refused
        assert stage.id == "create_repository"
        assert "administrator" in stage.hint
    assert no_test_repository_left(harness, simulator, plan)


def test_an_unknown_namespace_fails_at_namespace(harness, simulator):
    report = validate(harness, simulator, **harness.unknown_namespace)

    failed_at(report, "namespace")
    assert any(value in report.failed_stage.message
               for value in harness.unknown_namespace.values())


def test_a_refused_create_fails_at_create_with_a_way_forward(harness, simulator):
    simulator.fault(harness.operations["create"], status=403,
                    body=harness.error_body(403, "You may not create repositories here."))

    report = validate(harness, simulator)

    failed_at(report, "create_repository")
    assert "Repositories are created by an administrator" in report.failed_stage.hint


def test_a_refused_commit_fails_at_commit_and_still_deletes_the_repository(harness,
                                                                          simulator):
    plan = ValidationPlan()
    simulator.fault(harness.operations["commit"], status=403,
                    body=harness.error_body(403, "Pushing is not allowed."))

    report = validate(harness, simulator, plan)

    failed_at(report, "commit")
    assert statuses(report)["delete_repository"] == PASSED
    assert no_test_repository_left(harness, simulator, plan)


def test_a_refused_delete_is_a_warning_that_names_the_repository(harness, simulator):
    plan = ValidationPlan()
    simulator.fault(harness.operations["delete"], status=403,
                    body=harness.error_body(403, "You may not delete repositories."))

    report = validate(harness, simulator, plan)

    assert report.outcome == WARNING
    stage = report.stages[-1]
    assert (stage.id, stage.status) == ("delete_repository", WARNING)
    assert plan.test_repository in stage.message
    assert plan.test_repository in report.leftover
    assert not no_test_repository_left(harness, simulator, plan)


def test_a_provider_that_does_not_answer_in_time_fails_at_connect(harness, simulator):
    simulator.fault(harness.operations["identity"], delay=3, times=None)

    report = validate(harness, simulator, read_timeout=0.3)

    failed_at(report, "connect")
    assert "within" in report.failed_stage.message


def test_a_429_with_a_long_retry_after_fails_naming_the_rate_limit(harness, simulator):
    simulator.fault(harness.operations["identity"], status=429, times=None,
                    body=harness.error_body(429, "Rate limit exceeded"),
                    headers={"Retry-After": "3600"})

    report = validate(harness, simulator)

    failed_at(report, "authenticate")
    assert "rate-limiting" in report.failed_stage.message
    assert "validate again later" in report.failed_stage.hint


@pytest.mark.parametrize(("role", "stage"), [("identity", "authenticate"),
                                             ("namespace", "namespace")])
def test_a_malformed_response_fails_at_the_stage_that_got_it_naming_the_cause(
        harness, simulator, role, stage):
    plan = ValidationPlan()
    simulator.fault(harness.operations[role], malformed=True, times=None)

    report = validate(harness, simulator, plan)

    if harness.operations[role] == harness.operations["identity"] and role == "namespace":
        stage = "authenticate"  # Azure answers both stages with one call
    assert report.failed_stage.id == stage
    assert "not JSON" in report.failed_stage.message
    assert no_test_repository_left(harness, simulator, plan)


def test_json_of_the_wrong_shape_fails_the_stage_instead_of_crashing(harness, simulator):
    simulator.fault(harness.operations["identity"], malformed=True, body=[], times=None)

    report = validate(harness, simulator)

    assert report.failed_stage.id == "authenticate"
    assert "does not understand" in report.failed_stage.message


def test_a_create_whose_outcome_is_unclear_is_looked_up_and_deleted(harness, simulator):
    plan = ValidationPlan()
    # The provider creates the repository but the answer never arrives in time.
    simulator.fault(harness.operations["create"], late=3)

    report = validate(harness, simulator, plan, read_timeout=0.5)

    assert report.failed_stage.id == "create_repository"
    assert report.stages[-1].status == PASSED
    assert no_test_repository_left(harness, simulator, plan)


def test_the_deadline_ends_a_slow_validation_and_clean_up_still_runs(harness, simulator):
    plan = ValidationPlan(deadline_seconds=1.5)
    simulator.fault(harness.operations["read"], delay=5, times=None)

    report = validate(harness, simulator, plan, read_timeout=10)

    assert report.failed_stage.id == "read_back"
    assert statuses(report)["delete_repository"] == PASSED
    assert no_test_repository_left(harness, simulator, plan)


def test_two_validations_at_once_use_different_test_repositories(harness, simulator):
    reports = []

    def one():
        reports.append(validate(harness, simulator))

    threads = [threading.Thread(target=one) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert len(reports) == 2
    assert all(report.failed_stage is None for report in reports)
    created = [(call.path, str(call.request_body))
               for call in simulator.calls(harness.operations["create"])]
    assert len(created) == 2
    assert created[0] != created[1]


def test_with_precreated_repositories_it_writes_and_removes_one_file(harness, simulator):
    provider = harness.provider(harness.settings(simulator), backoff=0.01)
    existing = provider.ensure_repository("platform-state")
    git = harness.git(simulator, "platform-state")
    before = git.tip("main").files if git.tip("main") else {}
    plan = ValidationPlan(precreated_repository="platform-state")

    report = run_validation(provider, plan)

    assert report.outcome in (PASSED, WARNING), report.stages
    assert [s.label for s in report.stages][4:] == [
        "Open the existing repository", "Write a test file", "Read the test file back",
        "Remove the test file"]
    assert git.tip("main").files == before
    assert simulator.calls(harness.operations["delete"]) == []
    assert existing.web_url in report.stages[4].message
