"""/api/v1/deployments and /api/v1/audit: what happened, newest first, a page at a time."""

from __future__ import annotations

from flask import jsonify, request, url_for
from sqlalchemy import select

from webapp.api import bp, present
from webapp.api.errors import ApiError
from webapp.api.openapi import documented
from webapp.extensions import db
from webapp.models import AuditEvent, Deployment

MAX_PAGE = 100


def _page_arguments(default: int) -> tuple[int, int | None]:
    """(per_page, before): the page size and the id to list entries older than."""
    arguments = {}
    for name, low, high in (("per_page", 1, MAX_PAGE), ("before", 1, 2**63 - 1)):
        raw = request.args.get(name)
        if raw is None:
            continue
        if not raw.isdigit() or not low <= int(raw) <= high:
            raise ApiError(400, "bad_request", f"{name} is a whole number from {low} to "
                           f"{high}.", fields={name: [f"Use a number from {low} to {high}."]})
        arguments[name] = int(raw)
    return arguments.get("per_page", default), arguments.get("before")


def _paged(query, model, endpoint: str, present_one, **filters):
    per_page, before = _page_arguments(50)
    if before is not None:
        query = query.where(model.id < before)
    rows = list(db.session.scalars(query.order_by(model.id.desc()).limit(per_page + 1)))
    more = len(rows) > per_page
    rows = rows[:per_page]
    following = (url_for(endpoint, per_page=per_page, before=rows[-1].id, **filters)
                 if more else None)
    return jsonify(items=[present_one(row) for row in rows], next=following)


@bp.get("/deployments")
@documented("List deploy attempts, newest first", tag="deploys",
            query={"app": "string", "per_page": "per_page", "before": "id"},
            responses={200: "DeploymentList", 400: None})
def list_deployments():
    """Every attempt (refused and failed ones included); ?app= for one application;
    `next` is the URL of the following page."""
    query = select(Deployment)
    app = request.args.get("app")
    filters = {}
    if app:
        query = query.where(Deployment.application == app)
        filters["app"] = app
    return _paged(query, Deployment, "api.list_deployments", present.deployment, **filters)


@bp.get("/deployments/<int(max=9223372036854775807):deployment_id>")
@documented("Read one deploy attempt, with its values", tag="deploys",
            responses={200: "Deployment", 404: None})
def get_deployment(deployment_id: int):
    """The attempt and the values it deployed."""
    found = db.session.get(Deployment, deployment_id)
    if found is None:
        raise ApiError(404, "not_found", f"There is no deploy attempt {deployment_id}.")
    return jsonify(present.deployment(found, values=True))


@bp.get("/audit")
@documented("Read the audit log, newest first (admins)", tag="audit",
            query={"per_page": "per_page", "before": "id"},
            responses={200: "AuditList", 400: None, 403: None})
def audit_events():
    """Who did what and when; `next` is the URL of the following page."""
    return _paged(select(AuditEvent), AuditEvent, "api.audit_events", present.audit_event)
