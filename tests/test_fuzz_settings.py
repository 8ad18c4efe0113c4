"""Hostile input in every field of every provider's settings form, saved with and without
validating: never a server error; a refusal names the field and what to fix, stores
nothing and asks no provider anything."""

from __future__ import annotations

import re

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from tests.conftest import csrf_token, signed_in
from tests.fakes.fixtures import serve
from tests.fakes.registry import HARNESSES
from tests.hostile import examples, hosts, text_values
from tests.provider_inputs import VALID, form_data
from webapp.configs import service as views  # where validation starts, for every door
from webapp.extensions import db
from webapp.models import GitOpsConfig
from webapp.providers import KINDS

URL_FIELDS = [(kind.id, spec.name) for kind in KINDS.values() for spec in kind.fields
              if spec.kind == "url"]
# Every other field a settings form posts, per kind (the shared ones included).
SHARED = ["branch", "repository_prefix", "validation_repository", "ca_bundle", "version",
          "skip_tls_verify", "remove_ca_bundle", "repositories_precreated"]
TEXT_FIELDS = [(kind.id, name) for kind in KINDS.values()
               for name in [spec.name for spec in kind.fields if spec.kind != "url"]
               + SHARED + (["credential_type"] if kind.credential_types else [])]
# Ticking a box may make another field required: the error then names that one.
DEPENDENT = {"repositories_precreated": {"validation_repository"}}
VALIDATE_FORM = views.validate_input  # as imported, before any test wraps it
ERROR = re.compile(r'<p class="error" id="([a-z_]+)-error">([^<]+)</p>')


class Watch:
    """What a request left behind: rows stored, validations started."""

    def __init__(self, app, monkeypatch) -> None:
        self.app, self.validations = app, 0

        def counted(*args, **kwargs):
            self.validations += 1
            return VALIDATE_FORM(*args, **kwargs)

        monkeypatch.setattr(views, "validate_input", counted)

    def configs(self) -> int:
        with self.app.app_context():
            return db.session.scalar(select(func.count()).select_from(GitOpsConfig))

    def forget_configs(self) -> None:
        """Start the next example with nothing saved, as this one did."""
        with self.app.app_context():
            db.session.execute(delete(GitOpsConfig))
            db.session.commit()


def save(client, kind: str, data: dict, watch: Watch, field: str):
    """Post the settings form; check the property every example must hold."""
    validations = watch.validations
    response = client.post(f"/settings/gitops/{kind}",
                           data={**data, "csrf_token": csrf_token(client)})
    page = response.get_data(as_text=True)
    assert response.status_code in (303, 409, 413, 422), (response.status_code, page[:3000])
    if response.status_code == 413:  # a body over 1 MiB is refused before it is read
        assert "larger than 1 MiB" in page and watch.configs() == 0
        return response
    if response.status_code == 303:  # a value that is fine after all: stored
        assert watch.configs() == 1
        watch.forget_configs()
        return response
    assert watch.configs() == 0
    if response.status_code == 422 and watch.validations == validations:
        # The form refused it, before any provider was asked; the refused field says
        # what to fix, in a sentence (the other fields were valid).
        errors = dict(ERROR.findall(page))
        assert errors and set(errors) <= {field, "token", *DEPENDENT.get(field, ())}, errors
        assert all(message.strip().endswith(".") for message in errors.values()), errors
    return response


@pytest.fixture
def strict_app(make_app):
    """Production settings: https only, no private addresses (names resolve nowhere)."""
    return make_app(PROVIDER_CONNECT_TIMEOUT=0.5, VALIDATION_DEADLINE=5.0)


@pytest.fixture
def lab_app(make_app):
    """Providers on http://127.0.0.1 allowed: the simulators."""
    return make_app(ALLOW_HTTP_HOSTS=True, ALLOW_PRIVATE_HOSTS=True, VALIDATION_DEADLINE=5.0)


@given(case=st.sampled_from(URL_FIELDS), host=hosts(), unchecked=st.booleans())
@example(case=("github", "host"), host="https://[2001:db8::1]:8443/api/v3", unchecked=True)
def test_any_provider_host_is_refused_with_a_reason_or_stored(strict_app, monkeypatch, case,
                                                             host, unchecked):
    app = strict_app
    kind, field = case
    client, watch = signed_in(app), Watch(app, monkeypatch)

    save(client, kind, {**VALID[kind], "save_without_validating": "y" if unchecked else "",
                        field: host}, watch, field)


@pytest.fixture
def simulators():
    """Every provider's simulator, for fields whose valid neighbours point at one."""
    from contextlib import ExitStack
    with ExitStack() as stack:
        yield {kind: stack.enter_context(serve(harness.simulator()))
               for kind, harness in HARNESSES.items()}


@pytest.mark.databases
@examples(40)
@given(case=st.sampled_from(TEXT_FIELDS), value=text_values(), unchecked=st.booleans())
@example(case=("azure_devops", "project"), value="Fabrikam\x00Fiber", unchecked=True)
@example(case=("azure_devops", "username"), value="jane\x07doe", unchecked=True)
@example(case=("bitbucket_cloud", "username"), value="jane\x00@example.com", unchecked=True)
def test_any_other_field_is_refused_with_a_reason_or_stored(lab_app, monkeypatch, simulators,
                                                            case, value, unchecked):
    app = lab_app
    kind, field = case
    simulator = simulators[kind]
    client, watch = signed_in(app), Watch(app, monkeypatch)
    validations = watch.validations
    simulator.clear_log()

    data = form_data(HARNESSES[kind], simulator, save_without_validating="y" if unchecked else "")
    save(client, kind, {**data, field: value}, watch, field)

    if watch.validations == validations:
        assert simulator.calls() == []
