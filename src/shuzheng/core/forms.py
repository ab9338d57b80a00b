"""Form plumbing shared by every context's pages."""

from __future__ import annotations

from django import forms

from shuzheng.core import errors


class ServiceErrorsForm(forms.Form):
    """A form that shows a service's ValidationFailed next to the fields it names, else above the form.

    A service field lands on the form field of the same name, or of its base name ("materials[2].name"
    on "materials"); ``field_map`` renames where the form calls a field differently, and subclasses
    override ``field_for`` for anything else.
    """

    #: service field name -> form field name, where they differ
    field_map: dict[str, str] = {}

    def field_for(self, service_field: str) -> str | None:
        base = service_field.split("[")[0].split(".")[0]
        for candidate in (service_field, base):
            name = self.field_map.get(candidate, candidate)
            if name in self.fields:
                return name
        return None

    def add_service_error(self, error: errors.ApplicationError) -> None:
        placed = False
        for item in error.errors:
            name = self.field_for(str(item.get("field") or ""))
            if name is not None:
                self.add_error(name, str(item.get("message") or error.detail))
                placed = True
        if not placed:
            self.add_error(None, error.detail)
