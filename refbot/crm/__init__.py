"""CRM connectors behind one small interface (refbot.crm.base). Salesforce first; `connect` picks the one
the settings configure."""

from __future__ import annotations

from refbot.config import CoreSettings
from refbot.crm.base import CRM, CheckReport, CRMError, CRMObject, CRMRecord, Mapping

__all__ = ["CRM", "CRMError", "CRMObject", "CRMRecord", "CheckReport", "Mapping", "connect", "default_mapping"]


def default_mapping(settings: CoreSettings) -> Mapping:
    from refbot.crm.salesforce import default_mapping as salesforce_default

    return salesforce_default()


def connect(settings: CoreSettings, *, mapping: Mapping | None = None) -> CRM | None:
    """The configured CRM's connector (nothing is sent until it is used); None without a CRM."""
    if not settings.crm_enabled:
        return None
    from refbot.crm.salesforce import SalesforceCRM

    return SalesforceCRM(settings, mapping=mapping)
