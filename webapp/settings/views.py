"""Routes of the GitOps settings page, its provider fragment and its validation."""

from flask import abort, g, make_response, redirect, render_template, request, url_for

from webapp.audit import record
from webapp.htmx import is_htmx, render
from webapp.providers import KINDS
from webapp.settings import bp
from webapp.settings.checks import validate_form, validate_saved
from webapp.settings.forms import FORMS, ProviderForm
from webapp.settings.service import (
    ConfigConflict,
    DeleteRefused,
    StorageBusy,
    applications_using,
    configs_by_kind,
    current_version,
    delete_config,
    record_validation,
    save_and_activate,
    secret_problems,
)
from webapp.validation.report import FAILED


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
    return FORMS[kind.id](formdata=None, obj=saved, saved=saved,
                          problems=secret_problems(saved), version=saved.version,
                          skip_tls_verify=not saved.verify_tls)


def _submitted_form(kind_id: str) -> tuple[ProviderForm, dict]:
    """The posted form of kind_id, bound to what is saved."""
    kind = _kind_or_404(kind_id)
    configs = configs_by_kind()
    saved = configs.get(kind.id)
    return FORMS[kind.id](saved=saved, problems=secret_problems(saved)), configs


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
    report = None
    if not form.save_without_validating.data:
        report = validate_form(form, by=g.user.username)
        record("config_validated", form.kind.id, {"outcome": report.outcome})
        if report.outcome == FAILED:
            return _render_panel(form, configs_by_kind(), status=422, report=report,
                                 not_saved=True)
    try:
        saved = save_and_activate(form.kind.id, form.values(), form.token.data or None,
                                  form.submitted_version(), form.ca_bundle_change(), report)
    except ConfigConflict as conflict:
        # The next Save answers the current version: the user has now seen the conflict.
        form.version.data = current_version(form.kind.id)
        return _render_panel(form, configs_by_kind(), status=409, conflict=str(conflict),
                             report=report)
    except StorageBusy as busy:
        return _render_panel(form, configs_by_kind(), status=503, conflict=str(busy),
                             report=report)
    record("config_saved", form.kind.id,
           {"changed": saved.changed, "validated": report is not None})
    if saved.activated:
        record("config_activated", form.kind.id)
    if is_htmx():
        configs = configs_by_kind()
        return _render_panel(_saved_form(form.kind, configs[form.kind.id]), configs,
                             just_saved=True, report=report)
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
    report = validate_form(form, by=g.user.username)
    record("config_validated", form.kind.id, {"outcome": report.outcome, "saved": False})
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
    saved = configs_by_kind().get(kind.id)
    if saved is None:
        abort(404)
    problems = secret_problems(saved)
    if problems:
        return _render_panel(_saved_form(kind, saved), configs_by_kind(), status=422,
                             conflict="Cannot re-validate: " + "; ".join(problems.values())
                             + ".")
    version = saved.version
    report = validate_saved(saved, by=g.user.username)
    record("config_validated", kind.id, {"outcome": report.outcome, "revalidation": True})
    try:
        recorded = record_validation(kind.id, version, report)
    except StorageBusy as busy:
        recorded, note = False, str(busy)
    else:
        note = None if recorded else ("The configuration was changed while it was being "
                                      "validated: this result was not recorded.")
    if is_htmx() or not recorded:
        configs = configs_by_kind()
        return _render_panel(_saved_form(kind, configs[kind.id]), configs, report=report,
                             status=200 if recorded else 409, conflict=note)
    return redirect(url_for("settings.gitops", kind_id=kind.id), code=303)


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
        deleted = delete_config(kind.id, leave)
    except (DeleteRefused, StorageBusy) as refused:
        saved = configs_by_kind().get(kind.id)
        return render_template("settings/delete.html", kind=kind, saved=saved,
                               applications=applications_using(saved),
                               error=str(refused)), 409
    if deleted is None:
        abort(404)
    record("config_deleted", kind.id, {"was_active": deleted.active,
                                       "gitops_unconfigured": deleted.active})
    return redirect(url_for("settings.gitops", kind_id=kind.id), code=303)
