"""Models of the licences context: the platform CA, seals and their use, licence types, licences, their
use in cases and share links, and sealed decision documents."""

from shuzheng.licences.models.licences import (
    DecisionDocument,
    DecisionTemplate,
    Licence,
    LicenceSequence,
    LicenceStatusChange,
    LicenceType,
    LicenceUse,
    ShareLink,
)
from shuzheng.licences.models.seals import CertificateAuthority, Seal, SealStatusChange, SealUse

__all__ = [
    "CertificateAuthority",
    "DecisionDocument",
    "DecisionTemplate",
    "Licence",
    "LicenceSequence",
    "LicenceStatusChange",
    "LicenceType",
    "LicenceUse",
    "Seal",
    "SealStatusChange",
    "SealUse",
    "ShareLink",
]
