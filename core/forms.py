"""One way to give a form the site's Bootstrap look (every app's forms call it)."""

from __future__ import annotations

from django import forms


def bootstrap(form: forms.BaseForm, *, testids: bool = True) -> None:
    """Bootstrap classes on every widget: check boxes and radios, selects, the rest."""
    for name, field in form.fields.items():
        widget = field.widget
        if isinstance(widget, forms.HiddenInput):
            continue
        if isinstance(
            widget, forms.CheckboxInput | forms.RadioSelect | forms.CheckboxSelectMultiple
        ):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")
        if testids:
            widget.attrs.setdefault("data-testid", f"field-{name}")


class StyledForm(forms.Form):
    """A form that styles itself on creation."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        bootstrap(self)
