"""Routes of the GitOps settings page, its provider fragment and its validation."""

from flask import abort, g, make_response, redirect, render_template, request, url_for

from webapp import pagecache
from webapp.configs import service
from webapp.configs.forms import FORMS, ProviderForm
from webapp.configs.store import (
    applications_using,
    configs_by_kind,
    current_version,
    secret_problems,
)
from webapp.htmx import is_htmx, render
from webapp.providers import KINDS
from webapp.settings import bp


def _render_panel(form: ProviderForm, configs: dict, status: int = 200, **context):
    """The settings page, or for htmx only its provider panel, showing form."""
    return render("settings/gitops.html", "partials/gitops_panel.html", status=status,
                  kinds=KINDS, kind=form.kind, form=form, configs=configs,
                  saved=configs.get(form.kind.id), **context)


def _kind_or_404(kind_id: str):
    if kind_id not in KINDS:
        abort(404)
    return KINDS[kind_id]


def _saved_form(kind, saved) -> ProviderForm:
    """The form of a saved configuration, as stored (never with its token)."""
    expires = saved.token_expires_at
    return FORMS[kind.id](formdata=None, obj=saved, saved=saved,
                          problems=secret_problems(saved), version=saved.version,
                          skip_tls_verify=not saved.verify_tls,
                          token_expires_on=expires.date() if expires else None)


def _submitted_form(kind_id: str) -> tuple[ProviderForm, dict]:
    """The posted form of kind_id, bound to what is saved."""
    kind = _kind_or_404(kind_id)
    configs = configs_by_kind()
    saved = configs.get(kind.id)
    return FORMS[kind.id](saved=saved, problems=secret_problems(saved)), configs


def _saved_panel(kind, status: int = 200, **context):
    """The panel of kind's saved configuration, read afresh."""
    configs = configs_by_kind()
    return _render_panel(_saved_form(kind, configs[kind.id]), configs, status=status, **context)


@bp.get("/gitops", defaults={"kind_id": None})
@bp.get("/gitops/<kind_id>")
def gitops(kind_id: str | None):
    """Show one provider's settings: the active one, or GitHub when none is active."""
    return pagecache.page(lambda: _gitops_page(kind_id))


def _gitops_page(kind_id: str | None):
    configs = configs_by_kind()
    if kind_id is None:
        kind_id = next((kind for kind, config in configs.items() if config.active), "github")
    kind = _kind_or_404(kind_id)
    saved = configs.get(kind.id)
    if saved is not None:
        form = _saved_form(kind, saved)
    else:
        form = FORMS[kind.id](formdata=None, data={"host": kind.default_host})
    return _render_panel(form, configs, just_saved=request.args.get("saved") == "1")


@bp.post("/gitops/<kind_id>")
def save_config(kind_id: str):
    """Validate against the provider, then store and activate (unless a stage failed)."""
    form, configs = _submitted_form(kind_id)
    if not form.validate():
        return _render_panel(form, configs, status=422)
    try:
        saved = service.save(form.to_input(), g.user.username,
                             validate=not form.save_without_validating.data)
    except service.ValidationFailed as failed:
        return _render_panel(form, configs_by_kind(), status=422, report=failed.report,
                             not_saved=True)
    except service.ConfigConflict as conflict:
        # The next Save answers the current version: the user has now seen the conflict.
        form.version.data = current_version(form.kind.id)
        return _render_panel(form, configs_by_kind(), status=409, conflict=str(conflict),
                             report=conflict.report)
    except service.StorageBusy as busy:
        return _render_panel(form, configs_by_kind(), status=503, conflict=str(busy),
                             report=busy.report)
    if is_htmx():
        return _saved_panel(form.kind, just_saved=True, report=saved.report)
    return redirect(url_for("settings.gitops", kind_id=form.kind.id, saved=1), code=303)


@bp.post("/gitops/<kind_id>/validate")
def validate_config(kind_id: str):
    """Run the stages on the form's values without saving; htmx gets only the stage list."""
    form, configs = _submitted_form(kind_id)
    if not form.validate():
        response = _render_panel(form, configs, status=422)
        if is_htmx():  # the button targets the stage list; the errors are in the form
            response.headers["HX-Retarget"] = "#gitops-panel"
            response.headers["HX-Reswap"] = "outerHTML"
        return response
    report = service.check(form.to_input(), g.user.username)
    if is_htmx():
        response = make_response(render_template("partials/validation_results.html",
                                                 report=report, kind=form.kind))
        response.vary.add("HX-Request")
        return response
    return _render_panel(form, configs_by_kind(), report=report)


@bp.post("/gitops/<kind_id>/revalidate")
def revalidate_config(kind_id: str):
    """Validate the saved configuration again and record the outcome."""
    kind = _kind_or_404(kind_id)
    try:
        done = service.revalidate(kind.id, g.user.username)
    except service.ConfigMissing:
        abort(404)
    except service.SecretsUnreadable as unreadable:
        return _saved_panel(kind, status=422, conflict=str(unreadable))
    if is_htmx() or not done.recorded:
        return _saved_panel(kind, status=200 if done.recorded else 409, report=done.report,
                            conflict=done.note)
    return redirect(url_for("settings.gitops", kind_id=kind.id), code=303)


@bp.post("/gitops/<kind_id>/activate")
def activate_config(kind_id: str):
    """Make a saved, inactive configuration the active provider again (no re-validation)."""
    kind = _kind_or_404(kind_id)
    try:
        service.activate(kind.id, g.user.username)
    except service.ConfigMissing:
        abort(404)
    except (service.ConfigConflict, service.StorageBusy) as refused:
        return _saved_panel(kind, status=409, conflict=str(refused))
    if is_htmx():
        return _saved_panel(kind, just_saved=True)
    return redirect(url_for("settings.gitops", kind_id=kind.id, saved=1), code=303)


@bp.get("/gitops/<kind_id>/delete")
def confirm_delete(kind_id: str):
    """Ask before deleting a saved configuration."""
    kind = _kind_or_404(kind_id)
    saved = configs_by_kind().get(kind.id)
    if saved is None:
        abort(404)
    return render_template("settings/delete.html", kind=kind, saved=saved,
                           applications=applications_using(saved))


@bp.post("/gitops/<kind_id>/delete")
def delete_provider(kind_id: str):
    """Delete a saved configuration (the active one only with "leave unconfigured")."""
    kind = _kind_or_404(kind_id)
    leave = request.form.get("leave_unconfigured") == "y"
    try:
        service.delete(kind.id, g.user.username, leave_unconfigured=leave)
    except service.ConfigMissing:
        abort(404)
    except (service.DeleteRefused, service.StorageBusy) as refused:
        saved = configs_by_kind().get(kind.id)
        return render_template("settings/delete.html", kind=kind, saved=saved,
                               applications=applications_using(saved),
                               error=str(refused)), 409
    return redirect(url_for("settings.gitops", kind_id=kind.id), code=303)
