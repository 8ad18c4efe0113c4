"""Every provider client against its simulator: the life cycle, typed errors, retries, costs."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from webapp.providers.base import (
    AuthenticationFailed,
    Author,
    NotFound,
    PermissionMissing,
    ProviderError,
    ProviderUnavailable,
    RateLimited,
    UnexpectedResponse,
)

FILES = {
    "chart/Chart.yaml": b"apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    "chart/values.yaml": b"replicaCount: 1\n",
    "envs/dev/values.yaml": b"image:\n  tag: '1.0'\n",
}
AUTHOR = Author("Jane Doe", "jane@example.com")


def assert_no_secret(error: ProviderError, *secrets: str) -> None:
    """Neither the message nor anything the error carries may hold a secret."""
    text = " ".join([str(error), error.message, error.hint, error.provider_message,
                     repr(error.args)])
    for secret in secrets:
        assert secret not in text


def test_the_whole_life_cycle(harness, simulator, make_provider):
    provider = make_provider()

    identity = provider.check_identity()
    namespace = provider.check_namespace()
    repo = provider.ensure_repository("shop-api")
    again = provider.ensure_repository("shop-api")

    assert identity.username
    assert namespace.name
    assert repo.created is True
    assert again.created is False
    assert again.id == repo.id
    git = harness.git(simulator, "shop-api")
    before = len(git.history("main"))

    first = provider.commit_files(repo, "main", FILES, "deploy shop to dev: revision 1", AUTHOR)
    history = git.history("main")
    assert first.changed is True
    assert history[0].sha == first.sha
    assert len(history) == before + 1
    assert {path: history[0].files[path] for path in FILES} == FILES
    assert set(history[0].files) == set(FILES) | harness.initial_files
    assert history[0].author_email == AUTHOR.email

    changed = {**FILES, "envs/dev/values.yaml": b"image:\n  tag: '1.1'\n"}
    second = provider.commit_files(repo, "main", changed, "deploy shop to dev: revision 2")
    history = git.history("main")
    assert second.changed is True
    assert len(history) == before + 2
    assert history[0].sha == second.sha
    assert history[0].parents == (first.sha,)
    assert history[0].files["chart/values.yaml"] == FILES["chart/values.yaml"]

    unchanged = provider.commit_files(repo, "main", changed, "deploy shop to dev: revision 3")
    assert unchanged.changed is False
    assert unchanged.sha == second.sha
    assert len(git.history("main")) == before + 2

    assert provider.read_file(repo, "main", "envs/dev/values.yaml") == b"image:\n  tag: '1.1'\n"
    clone = provider.clone_url(repo)
    assert clone.startswith(simulator.url + "/")
    assert "@" not in clone
    assert repo.web_url.startswith(simulator.url + "/")

    provider.delete_repository(repo)
    assert harness.git(simulator, "shop-api") is None


def test_a_wrong_token_is_an_authentication_failure_that_never_shows_the_token(
        harness, simulator, make_provider):
    token = harness.tokens["wrong"]
    provider = make_provider(token=token)

    with pytest.raises(AuthenticationFailed) as caught:
        provider.check_identity()

    assert "token" in str(caught.value).lower()
    assert_no_secret(caught.value, token)


def test_an_unknown_namespace_is_not_found_and_names_it(harness, simulator, make_provider):
    provider = make_provider(**harness.unknown_namespace)

    with pytest.raises(NotFound) as caught:
        provider.check_namespace()

    assert any(value in str(caught.value) for value in harness.unknown_namespace.values())


def test_a_refused_create_is_a_missing_permission(harness, simulator, make_provider):
    simulator.fault(harness.operations["create"], status=403,
                    body=harness.error_body(403, "You may not create repositories here."))

    with pytest.raises(PermissionMissing) as caught:
        make_provider().ensure_repository("refused")

    assert_no_secret(caught.value, harness.tokens["good"])


def test_a_token_that_may_not_delete_gets_a_missing_permission(harness, simulator,
                                                              make_provider):
    repo = make_provider().ensure_repository("keep-me")

    with pytest.raises(PermissionMissing):
        make_provider(token=harness.tokens["no_delete"]).delete_repository(repo)

    assert harness.git(simulator, "keep-me") is not None


def test_a_429_beyond_the_wait_bound_is_rate_limited_with_its_reset_time(
        harness, simulator, make_provider):
    simulator.fault(harness.operations["identity"], status=429,
                    body=harness.error_body(429, "Rate limit exceeded"),
                    headers={"Retry-After": "3600"})

    with pytest.raises(RateLimited) as caught:
        make_provider().check_identity()

    assert caught.value.reset_at is not None
    assert 3500 < (caught.value.reset_at - datetime.now(UTC)).total_seconds() <= 3600
    assert len(simulator.calls(harness.operations["identity"])) == 1


def test_a_short_429_is_retried_after_retry_after_and_then_succeeds(
        harness, simulator, make_provider):
    simulator.fault(harness.operations["identity"], status=429,
                    body=harness.error_body(429, "Rate limit exceeded"),
                    headers={"Retry-After": "0"})

    assert make_provider().check_identity().username
    assert len(simulator.calls(harness.operations["identity"])) == 2


def test_retries_of_an_idempotent_call_stop_at_their_bound(harness, simulator, make_provider):
    simulator.fault(harness.operations["identity"], status=503,
                    body=harness.error_body(503, "Service unavailable"), times=None)

    with pytest.raises(ProviderUnavailable):
        make_provider(max_retries=2).check_identity()

    assert len(simulator.calls(harness.operations["identity"])) == 3


def test_a_non_idempotent_call_is_never_retried_on_a_5xx(harness, simulator, make_provider):
    provider = make_provider()
    provider.check_namespace()  # warm any lookup the create needs
    simulator.fault(harness.operations["create"], status=502,
                    body=harness.error_body(502, "Bad gateway"), times=None)

    with pytest.raises(ProviderUnavailable):
        provider.ensure_repository("not-twice")

    assert len(simulator.calls(harness.operations["create"])) == 1


def test_a_timeout_ends_before_a_slow_provider_answers(harness, simulator, make_provider):
    # Not a performance assertion: the simulator would answer after 30 s; the client must
    # give up at its 0.3 s read timeout, long before (the bound leaves room for a slow CI).
    simulator.fault(harness.operations["identity"], delay=30, times=None)
    provider = make_provider(read_timeout=0.3)

    started = time.monotonic()
    with pytest.raises(ProviderUnavailable) as caught:
        provider.check_identity()

    assert time.monotonic() - started < 10
    assert caught.value.timed_out is True
    assert "within" in str(caught.value)


def test_a_malformed_body_is_an_unexpected_response(harness, simulator, make_provider):
    simulator.fault(harness.operations["identity"], malformed=True)

    with pytest.raises(UnexpectedResponse) as caught:
        make_provider().check_identity()

    assert "not JSON" in str(caught.value)


@pytest.mark.parametrize("role", ["identity", "namespace", "create"])
def test_json_of_the_wrong_shape_is_an_unexpected_response(harness, simulator, make_provider,
                                                           role):
    simulator.fault(harness.operations[role], malformed=True, body={"unexpected": True},
                    times=None)
    provider = make_provider()

    with pytest.raises(UnexpectedResponse) as caught:
        if role == "identity":
            provider.check_identity()
        elif role == "namespace":
            provider.check_namespace()
        else:
            provider.ensure_repository("shape")

    assert "shape this client does not understand" in str(caught.value)


def test_a_dropped_connection_is_retried_once_then_reported(harness, simulator, make_provider):
    simulator.fault(harness.operations["identity"], drop=True, times=None)

    with pytest.raises(ProviderUnavailable) as caught:
        make_provider().check_identity()

    assert "connect" in str(caught.value).lower()
    assert_no_secret(caught.value, harness.tokens["good"])


def test_a_connection_refused_names_the_host(harness):
    provider = harness.provider(harness.settings(_Closed(), connect_timeout=1), backoff=0)

    with pytest.raises(ProviderUnavailable) as caught:
        provider.check_identity()

    assert "127.0.0.1:9" in str(caught.value)


class _Closed:
    """A simulator stand-in whose URL nothing listens on (the discard port)."""

    url = "http://127.0.0.1:9"
    api_url = url


def seed_history(git, count: int) -> None:
    """count commits on main, made directly in the simulator's git."""
    for number in range(count):
        git.commit_on("main", {f"history/{number}.txt": str(number).encode()}, f"old {number}")


def test_a_commit_costs_the_same_number_of_requests_whatever_the_history(
        harness, simulator, make_provider):
    provider = make_provider()
    costs = []
    for earlier in (1, 200):
        name = f"history-{earlier}"
        repo = provider.ensure_repository(name)
        git = harness.git(simulator, name)
        seed_history(git, earlier - len(git.history("main")))
        assert len(git.history("main")) == earlier
        simulator.clear_log()

        provider.commit_files(repo, "main", FILES, "three files")

        costs.append(len(simulator.calls()))
    assert costs[0] == costs[1]


def test_a_file_given_as_none_is_deleted_in_the_same_commit(harness, simulator, make_provider):
    provider = make_provider()
    repo = provider.ensure_repository("deletes")
    provider.commit_files(repo, "main", FILES, "first")

    result = provider.commit_files(repo, "main", {"chart/values.yaml": None,
                                                  "envs/prod/values.yaml": b"replicas: 3\n"},
                                   "swap")

    tip = harness.git(simulator, "deletes").tip("main")
    assert result.changed is True
    assert "chart/values.yaml" not in tip.files
    assert tip.files["envs/prod/values.yaml"] == b"replicas: 3\n"
    assert tip.files["chart/Chart.yaml"] == FILES["chart/Chart.yaml"]
    again = provider.commit_files(repo, "main", {"chart/values.yaml": None}, "nothing left")
    assert again.changed is False
