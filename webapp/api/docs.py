"""/api/v1/openapi.json: the API's description, built once per process."""

from flask import current_app, jsonify

from webapp.api import bp
from webapp.api.openapi import describe, documented


@bp.get("/openapi.json")
@documented("This description (OpenAPI 3.1)", tag="meta", responses={200: None}, public=True)
def openapi():
    """The OpenAPI 3.1 document of every route under /api/v1/."""
    document = current_app.extensions.get("openapi")
    if document is None:
        document = current_app.extensions["openapi"] = describe(current_app)
    return jsonify(document)
