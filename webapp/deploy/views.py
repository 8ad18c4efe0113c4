"""The two deploy pages and the gate that keeps them closed until a provider is active."""

from flask import render_template

from webapp.deploy import bp
from webapp.settings.service import active_config


def _page(template: str, status: int = 200):
    """Render a deploy page; while no provider is active a POST is refused with 409."""
    active = active_config()
    if active is None and status != 200:
        return render_template(template, active=None), 409
    return render_template(template, active=active, not_yet=status == 501), status


@bp.get("/deployment-template")
def deployment_template():
    """Deploy an application from the built-in reference chart."""
    return _page("deploy/deployment_template.html")


@bp.post("/deployment-template")
def deploy_template():
    """Refused while the gate is closed; deploying itself arrives with the deploy issue."""
    return _page("deploy/deployment_template.html", status=501)


@bp.get("/charts")
def charts():
    """Deploy a chart from a Helm repository."""
    return _page("deploy/charts.html")


@bp.post("/charts")
def deploy_chart():
    """Refused while the gate is closed; deploying itself arrives with the deploy issue."""
    return _page("deploy/charts.html", status=501)
