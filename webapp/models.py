"""Database models (SQLAlchemy 2.0 typed mappings). Secret columns hold ciphertext only."""

from datetime import UTC, datetime

from sqlalchemy import JSON, CheckConstraint, DateTime, Index, String, Text, false, text, true
from sqlalchemy.orm import Mapped, mapped_column

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
    # The last validation: its outcome (passed, warning, failed; None = not validated),
    # when, and the whole report (stages, messages) as JSON.
    validation_outcome: Mapped[str | None] = mapped_column(String(16))
    validated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_validation: Mapped[dict | None] = mapped_column(JSON)
    active: Mapped[bool] = mapped_column(default=False, server_default=false())
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
