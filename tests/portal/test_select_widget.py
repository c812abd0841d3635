"""templates/django/forms/widgets/select.html: Django's select with its options written in
place; it must render what Django's own templates render (but for blank lines)."""

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates


class Choices(forms.Form):
    plain = forms.ChoiceField(
        choices=[("", "すべて"), ("x", "X <b>"), ("group", [("y", "Y"), ("z", "Z")])]
    )
    several = forms.MultipleChoiceField(choices=[("1", "one"), ("2", "two"), ("3", "three")])
    optional = forms.TypedChoiceField(choices=[(1, "1"), (2, "2")], required=False, coerce=int)


def without_blank_lines(html: str) -> str:
    return "\n".join(line for line in html.splitlines() if line.strip())


@pytest.mark.parametrize("name", ["plain", "several", "optional"])
@pytest.mark.parametrize(
    "data", [None, {"plain": "y", "several": ["1", "3"], "optional": "2"}, {"plain": "nope"}]
)
def test_the_select_renders_what_djangos_own_templates_render(name, data):
    ours = Choices(data)
    djangos = Choices(data, renderer=DjangoTemplates())
    ours.is_valid(), djangos.is_valid()

    rendered = ours[name].as_widget()

    assert "<option" in rendered
    assert without_blank_lines(rendered) == without_blank_lines(djangos[name].as_widget())


def test_forms_render_through_the_projects_templates(settings):
    origin = forms.Form().renderer.get_template("django/forms/widgets/select.html").origin

    assert origin.name == str(settings.BASE_DIR / "templates/django/forms/widgets/select.html")
