"""templates/django/forms/widgets/select.html and multiple_input.html: Django's selects,
radio buttons and check boxes with their options written in place; they must render what
Django's own templates render (but for white space a browser collapses)."""

import re

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates


class Choices(forms.Form):
    plain = forms.ChoiceField(
        choices=[("", "すべて"), ("x", "X <b>"), ("group", [("y", "Y"), ("z", "Z")])]
    )
    several = forms.MultipleChoiceField(choices=[("1", "one"), ("2", "two"), ("3", "three")])
    optional = forms.TypedChoiceField(choices=[(1, "1"), (2, "2")], required=False, coerce=int)
    radio = forms.ChoiceField(
        choices=[("a", "A & B"), ("group", [("c", "C")])], widget=forms.RadioSelect
    )
    boxes = forms.MultipleChoiceField(
        choices=[("1", "one"), ("2", "two")], widget=forms.CheckboxSelectMultiple
    )
    # An option template of its own is still included.
    custom = forms.ChoiceField(
        choices=[("x", "X")],
        widget=forms.RadioSelect(attrs={"class": "choices"}),
    )
    custom.widget.option_template_name = "django/forms/widgets/select_option.html"


def normalized(html: str) -> str:
    """The HTML as a browser lays it out: a run of white space is one space, and white
    space between two tags nothing."""
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", html)).strip()


@pytest.mark.parametrize("name", ["plain", "several", "optional", "radio", "boxes", "custom"])
@pytest.mark.parametrize(
    "data",
    [
        None,
        {"plain": "y", "several": ["1", "3"], "optional": "2", "radio": "c", "boxes": ["2"]},
        {"plain": "nope", "radio": "nope"},
    ],
)
def test_the_select_renders_what_djangos_own_templates_render(name, data):
    ours = Choices(data)
    djangos = Choices(data, renderer=DjangoTemplates())
    ours.is_valid(), djangos.is_valid()

    rendered = ours[name].as_widget()

    assert "<option" in rendered or "<input" in rendered
    assert normalized(rendered) == normalized(djangos[name].as_widget())


@pytest.mark.parametrize("widget", ["select", "multiple_input"])
def test_forms_render_through_the_projects_templates(settings, widget):
    name = f"django/forms/widgets/{widget}.html"
    origin = forms.Form().renderer.get_template(name).origin

    assert origin.name == str(settings.BASE_DIR / "templates" / name)
