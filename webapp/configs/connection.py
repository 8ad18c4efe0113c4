"""From a saved configuration or submitted values to a provider client."""

from __future__ import annotations

from collections.abc import Mapping

from flask import current_app

from webapp import log_redaction
from webapp.crypto import secret_box
from webapp.models import GitOpsConfig
from webapp.providers import NAMESPACE_FIELDS, Provider, ProviderSettings, client_for

STORED_COLUMNS = ("host", "username", "credential_type", "verify_tls", *NAMESPACE_FIELDS)


def provider_settings(kind: str, values: Mapping[str, object], token: str,
                      ca_bundle: str | None) -> ProviderSettings:
    """ProviderSettings of kind from stored-form values, with the app's timeouts."""
    config = current_app.config
    log_redaction.remember(token)
    return ProviderSettings(
        kind=kind, host=values.get("host"), username=str(values.get("username") or ""),
        token=token, credential_type=values.get("credential_type"), ca_bundle=ca_bundle,
        verify_tls=bool(values.get("verify_tls", True)),
        connect_timeout=config["PROVIDER_CONNECT_TIMEOUT"],
        read_timeout=config["PROVIDER_READ_TIMEOUT"],
        allow_private_hosts=config["ALLOW_PRIVATE_HOSTS"],
        **{name: values.get(name) for name in NAMESPACE_FIELDS})


def saved_settings(config: GitOpsConfig, token: str | None = None,
                   ca_bundle: str | bool | None = None,
                   values: Mapping[str, object] | None = None) -> ProviderSettings:
    """ProviderSettings of a saved configuration, with whatever a form replaces.

    token and ca_bundle replace the saved secrets (ca_bundle False removes it); otherwise
    the saved ones are decrypted (UndecryptableSecret if no configured key opens them).
    """
    box = secret_box()
    if token is None:
        token = box.decrypt(config.token_ciphertext)
    if ca_bundle is None and config.ca_bundle_ciphertext:
        ca_bundle = box.decrypt(config.ca_bundle_ciphertext)
    stored = {name: getattr(config, name) for name in STORED_COLUMNS}
    return provider_settings(config.kind, {**stored, **(values or {})}, token,
                             ca_bundle or None)


def build_provider(settings: ProviderSettings) -> Provider:
    """The client of settings.kind."""
    return client_for(settings)
