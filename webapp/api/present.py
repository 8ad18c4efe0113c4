"""What the API answers: stored things as JSON, never a secret (a token is `has_token`)."""

from __future__ import annotations

from datetime import UTC, datetime

from webapp.configs.service import Status
from webapp.models import ApiToken, Application, AuditEvent, Deployment, GitOpsConfig
from webapp.providers import KINDS

CONFIG_OPTIONS = ("branch", "repository_prefix", "repositories_precreated",
                  "validation_repository", "verify_tls", "pull_requests", "require_preview")


def when(moment: datetime | None) -> str | None:
    """An ISO 8601 time in UTC (SQLite hands back naive times, stored in UTC)."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def config(saved: GitOpsConfig) -> dict:
    """A saved configuration: its fields, options and last validation; no secret."""
    kind = KINDS[saved.kind]
    fields = {spec.name: getattr(saved, spec.name) for spec in kind.fields
              if spec.kind != "secret"}
    if kind.credential_types:
        fields["credential_type"] = saved.credential_type
    return {
        "kind": saved.kind, "label": kind.label, "active": saved.active,
        "version": saved.version, **fields,
        **{name: getattr(saved, name) for name in CONFIG_OPTIONS},
        "has_token": bool(saved.token_ciphertext),
        "has_ca_bundle": bool(saved.ca_bundle_ciphertext),
        "validation": saved.last_validation,
        "validated_at": when(saved.validated_at),
        "token_expires_at": when(saved.token_expires_at),
        "created_at": when(saved.created_at), "updated_at": when(saved.updated_at),
    }


def status(state: Status) -> dict:
    """Whether GitOps is configured, through which provider, and whether it is validated."""
    return {"configured": state.configured, "active_kind": state.active_kind,
            "validated": state.validated, "validated_at": when(state.validated_at)}


def application(app: Application) -> dict:
    """An application, its environments and where it deploys."""
    repository = None
    if app.repository_name:
        repository = {"name": app.repository_name, "web_url": app.repository_web_url,
                      "clone_url": app.repository_clone_url,
                      "provider": app.config.kind if app.config else None}
    return {"name": app.name, "repository_url": app.repository_url, "repository": repository,
            "environments": [{"name": env.name, "revisions": env.revisions}
                             for env in app.environments],
            "created_at": when(app.created_at)}


def deployment(record: Deployment, *, values: bool = False) -> dict:
    """One deploy attempt (its values only when asked: they can be large)."""
    data = {
        "id": record.id, "application": record.application,
        "environment": record.environment, "source": record.source,
        "revision": record.revision, "provider": record.provider, "outcome": record.outcome,
        "message": record.message, "actor": record.actor, "commit_sha": record.commit_sha,
        "commit_url": record.commit_url, "repository_web_url": record.repository_web_url,
        "chart": ({"repository": record.chart_repository, "name": record.chart_name,
                   "version": record.chart_version} if record.chart_name else None),
        "created_at": when(record.created_at), "finished_at": when(record.finished_at),
    }
    data.update(rollback_of=record.rollback_of, branch=record.branch,
                request=({"number": record.request_number, "url": record.request_url,
                          "state": record.request_state} if record.request_number else None))
    if values:
        data["values"] = record.values_text
    return data


def preview(shown) -> dict:
    """A preview: each file's change and unified diff, and the hash a deploy may insist on."""
    return {"target": shown.target, "branch": shown.branch, "unchanged": shown.diff.unchanged,
            "summary": shown.diff.summary(), "preview_hash": shown.preview_hash,
            "new_repository": shown.new_repository, "pull_request": shown.pull_request,
            "files": [{"path": f.path, "change": f.change, "diff": f.diff,
                       "added_lines": f.added_lines, "removed_lines": f.removed_lines}
                      for f in shown.diff.files]}


def deploy_result(result) -> dict:
    """What a deploy did: the attempt, its commit, and what Argo CD needs."""
    return {"deployment": deployment(result.deployment), "changed": result.changed,
            "commit_sha": result.commit_sha, "commit_url": result.commit_url,
            "clone_url": result.clone_url, "manifest": result.manifest,
            "repository_secret": result.repository_secret}


def audit_event(event: AuditEvent) -> dict:
    """One audit entry: who did what, when, from where."""
    return {"id": event.id, "at": when(event.at), "actor": event.actor,
            "action": event.action, "target": event.target, "details": event.details,
            "address": event.address}


def api_token(token: ApiToken) -> dict:
    """A token's record (never its secret)."""
    return {"id": token.id, "name": token.name, "role": token.role,
            "created_by": token.created_by, "created_at": when(token.created_at),
            "expires_at": when(token.expires_at), "last_used_at": when(token.last_used_at),
            "revoked": token.revoked_at is not None}
