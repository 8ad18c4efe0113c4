"""Routes of the GitOps settings page and its provider fragment."""

from flask import abort, redirect, request, url_for

from webapp.htmx import is_htmx, render
from webapp.providers import KINDS
from webapp.settings import bp
from webapp.settings.forms import FORMS, ProviderForm
from webapp.settings.service import (
    ConfigConflict,
    configs_by_kind,
    save_and_activate,
    token_problem,
)


def _render_panel(form: ProviderForm, configs: dict, status: int = 200, **context):
    """The settings page, or for htmx only its provider panel, showing form."""
    return render("settings/gitops.html", "partials/gitops_panel.html", status=status,
                  kinds=KINDS, kind=form.kind, form=form, configs=configs,
                  saved=configs.get(form.kind.id), **context)


def _kind_or_404(kind_id: str):
    if kind_id not in KINDS:
        abort(404)
    return KINDS[kind_id]


@bp.get("/gitops", defaults={"kind_id": None})
@bp.get("/gitops/<kind_id>")
def gitops(kind_id: str | None):
    """Show one provider's settings: the active one, or GitHub when none is active."""
    configs = configs_by_kind()
    if kind_id is None:
        kind_id = next((kind for kind, config in configs.items() if config.active), "github")
    kind = _kind_or_404(kind_id)
    saved = configs.get(kind.id)
    if saved is not None:
        form = FORMS[kind.id](formdata=None, obj=saved, saved=saved,
                              token_problem=token_problem(saved), version=saved.version,
                              skip_tls_verify=not saved.verify_tls)
    else:
        form = FORMS[kind.id](formdata=None, data={"host": kind.default_host})
    return _render_panel(form, configs, just_saved=request.args.get("saved") == "1")


@bp.post("/gitops/<kind_id>")
def save_config(kind_id: str):
    """Validate, store and activate one provider's configuration."""
    kind = _kind_or_404(kind_id)
    configs = configs_by_kind()
    saved = configs.get(kind.id)
    form = FORMS[kind.id](saved=saved, token_problem=token_problem(saved))
    if not form.validate():
        return _render_panel(form, configs, status=422)
    try:
        save_and_activate(kind.id, form.values(), form.token.data or None,
                          form.submitted_version(), form.ca_bundle_change())
    except ConfigConflict as conflict:
        return _render_panel(form, configs_by_kind(), status=409, conflict=str(conflict))
    if is_htmx():
        configs = configs_by_kind()
        saved = configs[kind.id]
        fresh = FORMS[kind.id](formdata=None, obj=saved, saved=saved, version=saved.version,
                               skip_tls_verify=not saved.verify_tls)
        return _render_panel(fresh, configs, just_saved=True)
    return redirect(url_for("settings.gitops", kind_id=kind.id, saved=1), code=303)
