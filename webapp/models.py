"""Database models (SQLAlchemy 2.0 typed mappings). Secret columns hold ciphertext only."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.extensions import db
from webapp.providers import KINDS


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


class GitOpsConfig(db.Model):
    """One git provider's saved settings; at most one row is the active provider."""

    __tablename__ = "gitops_config"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32), unique=True)
    host: Mapped[str | None] = mapped_column(String(255))
    organization: Mapped[str | None] = mapped_column(String(255))      # GitHub
    group_id: Mapped[str | None] = mapped_column(String(255))          # GitLab
    organization_url: Mapped[str | None] = mapped_column(String(255))  # Azure DevOps
    project: Mapped[str | None] = mapped_column(String(255))           # Azure DevOps
    workspace: Mapped[str | None] = mapped_column(String(255))         # Bitbucket Cloud
    project_key: Mapped[str | None] = mapped_column(String(255))       # Bitbucket Cloud
    username: Mapped[str] = mapped_column(String(255))
    credential_type: Mapped[str | None] = mapped_column(String(32))    # Bitbucket Cloud
    token_ciphertext: Mapped[str] = mapped_column(Text)
    # TLS: an optional CA bundle (PEM, encrypted like the token) and verification switch.
    ca_bundle_ciphertext: Mapped[str | None] = mapped_column(Text)
    verify_tls: Mapped[bool] = mapped_column(default=True, server_default=true())
    # Where deploys commit, and whether repositories must already exist (tokens that may
    # not create repositories): then validation writes to validation_repository.
    branch: Mapped[str] = mapped_column(String(255), default="main", server_default="main")
    repositories_precreated: Mapped[bool] = mapped_column(default=False,
                                                          server_default=false())
    validation_repository: Mapped[str | None] = mapped_column(String(255))
    repository_prefix: Mapped[str] = mapped_column(String(100), default="", server_default="")
    # The last validation: its outcome (passed, warning, failed; None = not validated),
    # when, and the whole report (stages, messages) as JSON.
    validation_outcome: Mapped[str | None] = mapped_column(String(16))
    validated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_validation: Mapped[dict | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Reviewable deploys: commit to a branch and open a pull/merge request instead of
    # committing to `branch`; and refuse a deploy whose exact change was not previewed.
    pull_requests: Mapped[bool] = mapped_column(default=False, server_default=false())
    require_preview: Mapped[bool] = mapped_column(default=False, server_default=false())
    # When the token stops working: as the provider said at the last validation (GitHub,
    # GitLab), or as the admin entered it (Azure DevOps, Bitbucket Cloud say nothing).
    token_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)

    __table_args__ = (
        CheckConstraint("kind IN ({})".format(", ".join(f"'{kind}'" for kind in KINDS)),
                        name="known_kind"),
        # The database itself refuses a second active row, whatever the code does.
        Index("uq_gitops_config_one_active", "active", unique=True,
              sqlite_where=text("active = 1"), postgresql_where=text("active")),
    )
    # Optimistic locking: an UPDATE that finds another version changes nothing and fails.
    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012

    @property
    def validated(self) -> bool:
        """Whether the last validation passed (warnings included)."""
        return self.validation_outcome in ("passed", "warning")

    def __repr__(self) -> str:
        return f"<GitOpsConfig {self.kind} active={self.active} v{self.version}>"


class Application(db.Model):
    """Something deployed through GitOps: one repository, several environments."""

    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(63), unique=True)
    # Entered by the user when repositories are created by an administrator.
    repository_url: Mapped[str | None] = mapped_column(String(500))
    # Where the first deploy went: later deploys keep going there while that exists.
    config_id: Mapped[int | None] = mapped_column(
        ForeignKey("gitops_config.id", ondelete="SET NULL"))
    repository_name: Mapped[str | None] = mapped_column(String(255))
    repository_id: Mapped[str | None] = mapped_column(String(255))
    repository_web_url: Mapped[str | None] = mapped_column(String(500))
    repository_clone_url: Mapped[str | None] = mapped_column(String(500))
    repository_default_branch: Mapped[str | None] = mapped_column(String(255))
    # A deploy in progress, in any worker process: who holds the lease and until when.
    deploy_lease: Mapped[str | None] = mapped_column(String(32))
    deploy_lease_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    config: Mapped[GitOpsConfig | None] = relationship(lazy="joined")
    environments: Mapped[list[Environment]] = relationship(
        back_populates="application", order_by="Environment.name", lazy="selectin",
        cascade="all, delete-orphan")


class Environment(db.Model):
    """One place an application runs (dev, staging, prod), with its deploy counter."""

    __tablename__ = "environment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(63))
    # Deploy attempts so far; each attempt takes the next number as its revision.
    revisions: Mapped[int] = mapped_column(default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    application: Mapped[Application] = relationship(back_populates="environments")

    __table_args__ = (UniqueConstraint("application_id", "name"),)


class KnownBranch(db.Model):
    """What the app's last deploy of an application left: its repository and branch state.

    One row per application (the merged state of a branch serves all its environments),
    valid only for the configuration, host and namespace (binding) and branch it names.
    """

    __tablename__ = "known_branch"

    application_id: Mapped[int] = mapped_column(
        ForeignKey("application.id", ondelete="CASCADE"), primary_key=True)
    config_id: Mapped[int] = mapped_column(
        ForeignKey("gitops_config.id", ondelete="CASCADE"), index=True)
    binding: Mapped[str] = mapped_column(String(64))  # sha256 of kind, host and namespace
    repository_id: Mapped[str] = mapped_column(String(255))
    branch: Mapped[str] = mapped_column(String(255))
    # BranchState.to_json() after the last commit; None: not known (the careful path).
    state: Mapped[dict | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 onupdate=utcnow)


class Deployment(db.Model):
    """One deploy attempt, kept for the history even after its application is gone."""

    __tablename__ = "deployment"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int | None] = mapped_column(
        ForeignKey("application.id", ondelete="SET NULL"), index=True)
    application: Mapped[str] = mapped_column(String(63))
    environment: Mapped[str] = mapped_column(String(63))
    source: Mapped[str] = mapped_column(String(16))     # "template" or "chart"
    revision: Mapped[int]
    provider: Mapped[str | None] = mapped_column(String(32))
    repository_web_url: Mapped[str | None] = mapped_column(String(500))
    commit_sha: Mapped[str | None] = mapped_column(String(64))
    commit_url: Mapped[str | None] = mapped_column(String(500))
    # pending (running or interrupted), deployed, unchanged, proposed (a pull request was
    # opened or reused) or failed
    outcome: Mapped[str] = mapped_column(String(16), default="pending")
    message: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str | None] = mapped_column(String(255))
    values_text: Mapped[str | None] = mapped_column(Text)  # what was deployed (no secrets)
    chart_repository: Mapped[str | None] = mapped_column(String(500))  # Charts page only
    chart_name: Mapped[str | None] = mapped_column(String(100))
    chart_version: Mapped[str | None] = mapped_column(String(100))
    # Exactly what the deploy wrote ({path: text, or null for a deletion}), so that a
    # rollback commits these files again, and the hash a preview showed for them.
    files: Mapped[dict | None] = mapped_column(JSON, deferred=True)  # not for the history
    content_hash: Mapped[str | None] = mapped_column(String(64))
    rollback_of: Mapped[int | None]  # the revision whose files this deploy restored
    # Pull-request mode: the branch committed to and the request opened (or reused) there.
    branch: Mapped[str | None] = mapped_column(String(255))
    request_number: Mapped[str | None] = mapped_column(String(32))
    request_url: Mapped[str | None] = mapped_column(String(500))
    request_state: Mapped[str | None] = mapped_column(String(16))  # open, merged, closed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow,
                                                 index=True)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class User(db.Model):
    """Someone who signs in: a local account, or a user a trusted reverse proxy named."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(150), unique=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))  # None: proxy users
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    source: Mapped[str] = mapped_column(String(16), default="local")  # local or proxy
    # Bumped when the password changes: every session signed in before ends.
    session_epoch: Mapped[int] = mapped_column(default=1, server_default="1")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    __table_args__ = (CheckConstraint("role IN ('admin', 'viewer')", name="known_role"),)

    @property
    def is_admin(self) -> bool:
        """Whether the user may change settings and deploy."""
        return self.role == "admin"


class SignInFailure(db.Model):
    """Failed sign-ins counted per account and per client address, for throttling."""

    __tablename__ = "sign_in_failure"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)  # "user:x" / "addr:1.2.3.4"
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditEvent(db.Model):
    """Who did what, when: append-only (the database refuses updates and deletes)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)
    actor: Mapped[str | None] = mapped_column(String(150))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str | None] = mapped_column(String(200))
    # Names of what changed and outcomes, never values (a token change is "token changed").
    details: Mapped[dict | None] = mapped_column(JSON)
    address: Mapped[str | None] = mapped_column(String(64))


class ApiToken(db.Model):
    """A bearer token for the JSON API: shown once, stored as a hash, revocable."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    # The token reads gco_<public_id>_<secret>: public_id finds the row, the secret's
    # SHA-256 proves it (a random 256-bit secret needs no slow hash).
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16), default="viewer")
    created_by: Mapped[str | None] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("role IN ('admin', 'viewer')", name="known_role"),)
