"""Personal fields of application forms: sealed with SM4-GCM at rest, clear or masked when read, and the
applicant's identity fields bound to who applies.

Two schema keywords (top-level properties of an item version's JSON Schema):

- ``"x-personal": true`` marks a personal field (ID number, phone, bank card …); properties with a personal
  ``format`` (``id-number``, ``mobile``, ``bank-card``) are personal without it. Their values are stored
  like the applicant columns (``sm4gcm$…``, core.crypto), shown in clear to the applicant and to holders of
  ``identity.view_clear_personal_data``, masked by their format to everybody else.
- ``"x-applicant": "name" | "id_number" | "uscc"`` says the field is the applicant's own name, ID number
  or credit code: it is not typed (免填写) but taken from the account (online, terminals) or from the
  applicant the clerk identified (window); a different value is refused, so nobody files under
  somebody else's identity.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from shuzheng.core.crypto import decrypt_text, encrypt_text
from shuzheng.core.crypto.sm4 import PREFIX, DecryptionError
from shuzheng.core.masking import mask_id_number, mask_middle, mask_mobile, mask_name

PERSONAL: Final = "x-personal"
APPLICANT: Final = "x-applicant"
#: x-applicant value -> the case column holding it.
APPLICANT_COLUMNS: Final = {
    "name": "applicant_name",
    "id_number": "applicant_id_number",
    "uscc": "applicant_uscc",
}
_MASKS: Final[dict[str, Callable[[str], str]]] = {
    "id-number": mask_id_number,
    "mobile": mask_mobile,
    "bank-card": lambda value: mask_middle(value, 4, 4),
}
PERSONAL_FORMATS: Final = frozenset(_MASKS)
_SEALED = PREFIX + "$"


def _properties(schema: Any) -> dict[str, dict[str, Any]]:
    properties = (schema or {}).get("properties") if isinstance(schema, dict) else None
    if not isinstance(properties, dict):
        return {}
    return {name: spec for name, spec in properties.items() if isinstance(spec, dict)}


def personal_fields(schema: Any) -> dict[str, str]:
    """Personal property name -> its format ("" when only ``x-personal`` marks it)."""
    return {
        name: str(spec.get("format") or "")
        for name, spec in _properties(schema).items()
        if spec.get(PERSONAL) is True or spec.get("format") in PERSONAL_FORMATS
    }


def applicant_fields(schema: Any) -> dict[str, str]:
    """Property name -> the applicant column it must equal (``applicant_name`` …)."""
    return {
        name: APPLICANT_COLUMNS[str(spec[APPLICANT])]
        for name, spec in _properties(schema).items()
        if str(spec.get(APPLICANT) or "") in APPLICANT_COLUMNS
    }


def seal(schema: Any, data: Mapping[str, Any]) -> dict[str, Any]:
    """`data` with every personal text value encrypted (already sealed values are kept)."""
    personal = personal_fields(schema)
    return {
        name: encrypt_text(value)
        if name in personal and isinstance(value, str) and value and not value.startswith(_SEALED)
        else value
        for name, value in data.items()
    }


def _open(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(_SEALED):
        try:
            return decrypt_text(value)
        except DecryptionError:
            return "（无法解密）"
    return value


def unseal(schema: Any, data: Mapping[str, Any] | None) -> dict[str, Any]:
    """The form data in clear, for the applicant, holders of clearance and the services."""
    personal = personal_fields(schema)
    return {name: _open(value) if name in personal else value for name, value in (data or {}).items()}


def _mask(kind: str, value: Any) -> Any:
    if not isinstance(value, str):
        return "****"
    return _MASKS.get(kind, mask_name)(value)


def view(schema: Any, data: Mapping[str, Any] | None, *, clear: bool) -> dict[str, Any]:
    """The form data as a reader sees it: personal fields in clear or masked by their format."""
    opened = unseal(schema, data)
    if clear:
        return opened
    personal = personal_fields(schema)
    return {
        name: _mask(personal[name], value) if name in personal and value not in (None, "") else value
        for name, value in opened.items()
    }
