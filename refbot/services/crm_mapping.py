"""The CRM field and stage mapping: the connector's defaults plus the program's changes, stored in the database
(program setting `crm_mapping`), shown and changed with `refbot crm mapping show|set`."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from refbot.config import CoreSettings
from refbot.crm import Mapping, default_mapping
from refbot.crm.base import FIELDS, CRMObject, valid_crm_field
from refbot.domain import SALES_STAGES
from refbot.errors import ValidationFailed
from refbot.models import Opportunity, ProgramSetting

SETTING_KEY = "crm_mapping"


def _stored(session: Session) -> dict[str, Any]:
    row = session.get(ProgramSetting, SETTING_KEY)
    return dict(row.value) if row is not None and isinstance(row.value, dict) else {}


def load_mapping(*, session: Session, settings: CoreSettings) -> Mapping:
    base = default_mapping(settings)
    stored = _stored(session)
    fields = {obj: dict(f) for obj, f in base.fields.items()}
    for obj_name, overrides in (stored.get("fields") or {}).items():
        if obj_name in CRMObject.__members__:
            fields[CRMObject(obj_name)].update({k: v for k, v in overrides.items() if k in FIELDS[CRMObject(obj_name)]})
    stages = dict(base.stages)
    stages.update(stored.get("stages") or {})
    return Mapping(fields=fields, stages={k: v for k, v in stages.items() if v})


def set_mapping(*, session: Session, settings: CoreSettings, assignments: list[str], updated_by: str) -> Mapping:
    """Apply `object.field=CrmField` and `stages.<CRM stage>=<RefBot stage>` assignments, all or nothing."""
    stored = _stored(session)
    fields: dict[str, dict[str, str]] = {k: dict(v) for k, v in (stored.get("fields") or {}).items()}
    stages: dict[str, str] = dict(stored.get("stages") or {})
    for item in assignments:
        key, sep, value = item.partition("=")
        key, value = key.strip(), value.strip()
        obj_name, dot, field = key.partition(".")
        if not sep or not dot:
            raise ValidationFailed(f"'{item}' is not OBJECT.FIELD=CRM_FIELD (like accounts.industry=Industry__c) "
                                   "or stages.CRM STAGE=STAGE.")
        if obj_name == "stages":
            if value and value not in SALES_STAGES:
                raise ValidationFailed(f"'{value}' is not a RefBot stage; use one of {', '.join(SALES_STAGES)} "
                                       "(or nothing to drop the stage).")
            stages[field.strip()] = value
            continue
        if obj_name not in CRMObject.__members__:
            raise ValidationFailed(f"'{obj_name}' is not a synced object; use one of "
                                   f"{', '.join(o.value for o in CRMObject)}, or stages.")
        obj = CRMObject(obj_name)
        if field not in FIELDS[obj]:
            raise ValidationFailed(f"{obj_name} has no field '{field}'; its fields are {', '.join(FIELDS[obj])}.")
        if not valid_crm_field(value):
            raise ValidationFailed(f"'{value}' is not a CRM field name (like Industry__c or Account.Name).")
        fields.setdefault(obj_name, {})[field] = value
    row = session.get(ProgramSetting, SETTING_KEY)
    value_json = {"fields": fields, "stages": stages}
    if row is None:
        session.add(ProgramSetting(key=SETTING_KEY, value=value_json, updated_by=updated_by))
    else:
        row.value = value_json
        row.updated_by = updated_by
    session.flush()
    mapping = load_mapping(session=session, settings=settings)
    if any(item.strip().startswith("stages.") for item in assignments):  # the stage gate reads the new mapping now
        for opp in session.scalars(sa.select(Opportunity).where(Opportunity.crm_synced_at.is_not(None))):
            stage = mapping.stage_for(opp.crm_stage)
            if opp.stage != stage:
                opp.stage = stage
        session.flush()
    return mapping


def describe_mapping(mapping: Mapping) -> list[str]:
    """Lines for `refbot crm mapping show`."""
    lines = []
    for obj in CRMObject:
        lines.append(f"{obj.value}:")
        for ours, theirs in mapping.crm_fields(obj).items():
            lines.append(f"  {ours:<15} <- {theirs:<28} {FIELDS[obj].get(ours, '')}")
    lines.append("stages (CRM stage -> RefBot stage, read by the stage gate):")
    for crm_stage, stage in mapping.stages.items():
        lines.append(f"  {crm_stage:<28} -> {stage}")
    return lines
