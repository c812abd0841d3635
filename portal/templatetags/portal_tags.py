from django import template

register = template.Library()


@register.filter
def coded_errors(bound_field_or_form):
    """Return (code, message) pairs of a bound field's errors, or a form's non-field errors.

    Every message is shown with its code in `data-error-code` (the testers' contract).
    """
    if hasattr(bound_field_or_form, "non_field_errors"):
        errors = bound_field_or_form.errors.as_data().get("__all__", [])
    else:
        errors = bound_field_or_form.form.errors.as_data().get(bound_field_or_form.name, [])
    return [(error.code or "invalid", message) for error in errors for message in error]


@register.filter
def yen(amount):
    """Return an integer yen amount with thousands separators ("1,234")."""
    if amount is None or amount == "":
        return ""
    return f"{int(amount):,}"
