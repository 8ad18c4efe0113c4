"""From a JSON body to the same forms the pages use, so every door checks input alike.

The body must be a JSON object whose keys are the form's fields (some under the API's
own names); strings stay strings, booleans become checkbox values. Anything else is
refused with a message naming the field: unknown keys, wrong types.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import request
from werkzeug.datastructures import MultiDict
from wtforms import BooleanField, Form

from webapp.api.errors import ApiError


def json_body(*, optional: bool = False) -> dict[str, Any]:
    """The request's JSON object, or ApiError 400 saying what is wrong with it."""
    if not request.get_data(cache=True):
        if optional:
            return {}
        raise ApiError(400, "invalid_json", "Send a JSON object as the request body "
                       "(Content-Type: application/json).")
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as JSON, with "
                       "Content-Type: application/json.")
    body = request.get_json(silent=True)
    if body is None:
        raise ApiError(400, "invalid_json", "The body is not valid JSON.")
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "Send a JSON object ({...}), not "
                       f"a {type(body).__name__}.")
    return body


def bind(form_class: type[Form], payload: Mapping[str, Any], *,
         renamed: Mapping[str, tuple[str, Callable[[Any], Any]]] | None = None,
         integers: tuple[str, ...] = (), **form_kwargs) -> Form:
    """The form built from payload; ApiError 422 for unknown keys and wrong types.

    renamed maps an API key to (form field, how its value becomes the field's), e.g.
    verify_tls -> (skip_tls_verify, not); integers names the fields that take a number.
    """
    renamed = renamed or {}
    # field name -> whether it is a checkbox
    checkboxes = {name: issubclass(unbound.field_class, BooleanField)
                  for name, unbound in form_fields(form_class)}
    hidden = {field for field, _how in renamed.values()}  # reachable only under API names
    errors: dict[str, list[str]] = {}
    data = MultiDict()
    for key, value in payload.items():
        if key in renamed:
            name, how = renamed[key]
            if not isinstance(value, bool):
                errors[key] = ["Use true or false."]
                continue
            value = how(value)
        elif key in checkboxes and key not in hidden:
            name = key
        else:
            errors[key] = ["Unknown field: see the API description (/api/v1/openapi.json)."]
            continue
        problem = _add(data, name, value, checkboxes[name], name in integers)
        if problem:
            errors[key] = [problem]
    if errors:
        raise ApiError(422, "invalid_input", "Some fields are not what this call takes.",
                       fields=errors)
    return form_class(formdata=data, meta={"csrf": False}, **form_kwargs)


def form_fields(form_class: type[Form]):
    """(name, unbound field) of each field a form class declares, in declaration order."""
    found = [(name, getattr(form_class, name)) for name in dir(form_class)
             if hasattr(getattr(form_class, name, None), "field_class")
             and name != "csrf_token"]
    return sorted(found, key=lambda item: item[1].creation_counter)


def _add(data: MultiDict, name: str, value: Any, checkbox: bool, integer: bool) -> str | None:
    """Put value into the form data as the field expects it; the problem, if any."""
    if checkbox:
        if not isinstance(value, bool):
            return "Use true or false."
        if value:
            data.add(name, "y")
        return None
    if value is None:
        return None  # the same as leaving it out
    if integer:
        if isinstance(value, bool) or not isinstance(value, int):
            return "Use a whole number."
        data.add(name, str(value))
        return None
    if not isinstance(value, str):
        return "Use a string."
    data.add(name, value)
    return None
