"""One place decides whether a request gets the full page or just an HTMX fragment."""

from flask import Response, make_response, render_template, request


def is_htmx() -> bool:
    """Whether htmx sent this request for a fragment (a history restore wants the page)."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


def render(page: str, partial: str, status: int = 200, **context) -> Response:
    """Render the page, or only its partial for htmx; caches learn that the two differ."""
    template = partial if is_htmx() else page
    response = make_response(render_template(template, **context), status)
    response.vary.add("HX-Request")
    return response
