"""How the audit log reads: each action code maps to a translated label, and the keys
and values of before/after are shown with the models' own field names and choices.

Like pretix's log display, the registry is a plain mapping from the code an
`audit_record` call writes to the sentence a reader sees; a code nobody registered
still reads as "<area>: other action" with the code beside it, so a new action is
never hidden. tests/test_audit_display.py keeps every code written in the source
registered. The audit app sits below every other app, so the models are looked up
through the app registry at run time, never imported.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from core.pinyin import pinyin_key

VALUE_WIDTH = 40

# The first part of an action code: which part of the plan it belongs to.
AREAS: dict[str, Promise] = {
    "access": gettext_lazy("Access"),
    "accounts": gettext_lazy("Accounts"),
    "api": gettext_lazy("API"),
    "user": gettext_lazy("Accounts"),
    "appraisals": gettext_lazy("Democratic appraisal"),
    "audit": gettext_lazy("Audit"),
    "commitments": gettext_lazy("Identity posts and commitments"),
    "contributions": gettext_lazy("Platforms for contributions"),
    "declarations": gettext_lazy("Declarations and recognition"),
    "ledger": gettext_lazy("Ledger"),
    "organizations": gettext_lazy("Organizations"),
    "orglife": gettext_lazy("Organisational life"),
    "notifications": gettext_lazy("Notifications"),
    "oversight": gettext_lazy("Oversight"),
    "participation": gettext_lazy("Who takes part"),
    "publicity": gettext_lazy("Publicity"),
    "results": gettext_lazy("Use of results"),
    "rules": gettext_lazy("Rules"),
    "summaries": gettext_lazy("Summaries"),
}

ACTIONS: dict[str, Promise] = {
    "access.denied": gettext_lazy("Access refused"),
    "accounts.login": pgettext_lazy("audit action", "Signed in"),
    "accounts.login_failed": gettext_lazy("Sign-in failed"),
    "accounts.logout": gettext_lazy("Signed out"),
    "accounts.password_changed": gettext_lazy("Password changed"),
    "accounts.two_factor_enrolled": gettext_lazy("Two-factor sign-in set up"),
    "accounts.two_factor_reset": gettext_lazy("Two-factor sign-in reset"),
    "accounts.two_factor_verified": gettext_lazy("Two-factor code accepted"),
    "accounts.user.created": gettext_lazy("User account created"),
    "accounts.activation.open": gettext_lazy("Sign-in slip printed to open a login"),
    "accounts.activation.reset": gettext_lazy("Sign-in slip printed for a new password"),
    "accounts.activation.used": gettext_lazy("Password chosen with a sign-in slip"),
    "accounts.activation.refused": gettext_lazy("Sign-in slip code refused"),
    "accounts.identity.linked": gettext_lazy("Account of an identity provider linked"),
    "accounts.identity.unlinked": gettext_lazy("Account of an identity provider unlinked"),
    "notifications.preference.changed": gettext_lazy("Message settings changed"),
    "api.token.created": gettext_lazy("API token made"),
    "api.token.revoked": gettext_lazy("API token revoked"),
    "api.token.used": gettext_lazy("API token used"),
    "api.service_account.created": gettext_lazy("Service account opened"),
    "api.my_data.downloaded": gettext_lazy("My data downloaded"),
    "user.disable": gettext_lazy("User account disabled"),
    "user.enable": gettext_lazy("User account enabled"),
    "appraisals.code.locked_out": gettext_lazy("Voting codes paused for an address"),
    "appraisals.code.refused": gettext_lazy("Voting code refused"),
    "appraisals.code.reissued": gettext_lazy("Voting code reissued"),
    "appraisals.code.voided": gettext_lazy("Voting code voided"),
    "appraisals.codes.issued": gettext_lazy("Voting codes issued"),
    "appraisals.codes.reissued": gettext_lazy("Unused voting codes reissued"),
    "appraisals.paper_ballot.recorded": gettext_lazy("Paper ballot entered"),
    "appraisals.session.annulled": gettext_lazy("Appraisal annulled"),
    "appraisals.session.closed": gettext_lazy("Appraisal closed"),
    "appraisals.session.extended": gettext_lazy("Appraisal vote extended"),
    "appraisals.paper_ballot.unspoiled": gettext_lazy("Spoiled paper form put back"),
    "appraisals.session.opened": gettext_lazy("Appraisal opened"),
    "appraisals.voters.to_paper": gettext_lazy("Voters moved to paper ballots"),
    "audit.chain_verified": gettext_lazy("Audit chain verified"),
    "commitments.commitment.approved": gettext_lazy("Commitment approved"),
    "commitments.commitment.assessed": gettext_lazy("Commitment assessed"),
    "commitments.commitment.created": gettext_lazy("Commitment drafted"),
    "commitments.commitment.deleted": gettext_lazy("Commitment deleted"),
    "commitments.commitment.reported": gettext_lazy("Commitment progress reported"),
    "commitments.commitment.returned": gettext_lazy("Commitment returned"),
    "commitments.commitment.submitted": gettext_lazy("Commitment submitted"),
    "commitments.commitment.updated": gettext_lazy("Commitment edited"),
    "commitments.post.created": gettext_lazy("Party member post created"),
    "commitments.post.key_changed": gettext_lazy("Party member post QR code replaced"),
    "commitments.rule.changed": gettext_lazy("Commitments per member changed"),
    "declarations.declaration.created": gettext_lazy("Declaration started"),
    "declarations.declaration.decided": gettext_lazy("Declaration decided"),
    "declarations.declaration.late_opened": gettext_lazy("Late declaration allowed"),
    "declarations.declaration.resubmitted": gettext_lazy("Declaration submitted again"),
    "declarations.declaration.returned": gettext_lazy("Declaration returned"),
    "declarations.declaration.review_started": gettext_lazy("Review started"),
    "declarations.declaration.submitted": gettext_lazy("Declaration submitted"),
    "declarations.declaration.updated": gettext_lazy("Declaration edited"),
    "declarations.declaration.withdrawn": gettext_lazy("Declaration withdrawn"),
    "contributions.platform.closed": gettext_lazy("Platform closed"),
    "contributions.platform.created": gettext_lazy("Platform set up"),
    "contributions.platform.opened": gettext_lazy("Platform opened again"),
    "contributions.platform.updated": gettext_lazy("Platform changed"),
    "declarations.policy.changed": gettext_lazy("Declaration deadline changed"),
    "ledger.entry.posted": gettext_lazy("Points recorded"),
    "ledger.entry.refused": gettext_lazy("Points refused by the rules"),
    "ledger.entry.reverse_refused": gettext_lazy("Reversal refused by the rules"),
    "ledger.entry.reversed": gettext_lazy("Points reversed"),
    "ledger.veto.recorded": gettext_lazy("Veto recorded"),
    "ledger.veto.revoked": gettext_lazy("Veto revoked"),
    "organizations.branch_settings.changed": gettext_lazy("Branch settings changed"),
    "organizations.committee_settings.changed": gettext_lazy("Committee settings changed"),
    "organizations.department.created": gettext_lazy("Department created"),
    "organizations.department.updated": gettext_lazy("Department changed"),
    "organizations.department.closed": gettext_lazy("Department closed"),
    "organizations.member.left": gettext_lazy("Party member left"),
    "organizations.member.moved": gettext_lazy("Party member moved to another branch"),
    "organizations.organization.closed": gettext_lazy("Party organisation closed"),
    "organizations.public_representative.updated": gettext_lazy("Public representative changed"),
    "organizations.public_representative.retired": gettext_lazy(
        "Public representative stepped down"
    ),
    "organizations.role.ended": gettext_lazy("Role ended"),
    "organizations.training.recorded": gettext_lazy("Training recorded"),
    "organizations.member.created": gettext_lazy("Party member added"),
    "organizations.member.updated": gettext_lazy("Party member's details changed"),
    "organizations.member.user_linked": gettext_lazy("User account given to a party member"),
    "organizations.organization.created": gettext_lazy("Party organisation created"),
    "organizations.organization.updated": gettext_lazy("Party organisation changed"),
    "organizations.participation.set": gettext_lazy("Taking part set"),
    "organizations.public_representative.created": gettext_lazy("Public representative added"),
    "organizations.role.granted": gettext_lazy("Role granted"),
    "organizations.role.revoked": gettext_lazy("Role revoked"),
    "orglife.attendance.added": gettext_lazy("Attendee added"),
    "orglife.attendance.recorded": gettext_lazy("Attendance recorded"),
    "orglife.dues.month_paid": gettext_lazy("Dues recorded as paid for a month"),
    "orglife.dues.recorded": gettext_lazy("Dues recorded"),
    "orglife.meeting.code_replaced": gettext_lazy("Sign-in code replaced"),
    "orglife.meeting.created": gettext_lazy("Meeting created"),
    "orglife.meeting.updated": gettext_lazy("Meeting changed"),
    "orglife.policy.updated": gettext_lazy("Sign-in rules changed"),
    "oversight.case.consent_recorded": gettext_lazy("Exemplary case: consent recorded"),
    "oversight.case.created": gettext_lazy("Exemplary case created"),
    "oversight.case.published": gettext_lazy("Exemplary case published"),
    "oversight.case.withdrawn": gettext_lazy("Exemplary case withdrawn"),
    "oversight.model_unit.created": gettext_lazy("Model unit named"),
    "oversight.model_unit.withdrawn": gettext_lazy("Model unit withdrawn"),
    "oversight.policy.set": gettext_lazy("Overdue limit changed"),
    "oversight.spot_check.drawn": gettext_lazy("Spot check drawn"),
    "oversight.spot_check_item.closed": gettext_lazy("Spot check item closed"),
    "oversight.spot_check_item.recorded": gettext_lazy("Spot check finding recorded"),
    "oversight.spot_check_item.responded": gettext_lazy("Branch answered a spot check"),
    "participation.department_head.appointed": gettext_lazy("Department head appointed"),
    "participation.department_head.removed": gettext_lazy("Department head removed"),
    "participation.exemption.applied": gettext_lazy("Exemption applied for"),
    "participation.exemption.approved": gettext_lazy("Exemption approved by the branch"),
    "participation.exemption.filed": gettext_lazy("Exemption filed by the committee"),
    "participation.exemption.refused": gettext_lazy("Exemption refused by the branch"),
    "participation.exemption.returned": gettext_lazy("Exemption returned by the committee"),
    "participation.retiree.decided": gettext_lazy("Retiree's taking part decided"),
    "participation.retiree.filed": gettext_lazy("Retiree not taking part filed by the committee"),
    "publicity.objection.answered": gettext_lazy("Objection answered"),
    "publicity.objection.raised": gettext_lazy("Objection raised"),
    "publicity.publication.published": gettext_lazy("Points published"),
    "publicity.screen.created": gettext_lazy("Lobby screen created"),
    "publicity.screen.revoked": gettext_lazy("Lobby screen revoked"),
    "results.handling.approved": gettext_lazy("Handling agreed by the committee"),
    "results.handling.proposed": gettext_lazy("Handling proposed"),
    "results.handling.rejected": gettext_lazy("Handling not agreed by the committee"),
    "results.help_talk.recorded": gettext_lazy("Help talk recorded"),
    "results.vanguard.confirmed": gettext_lazy("Vanguard post confirmed by the committee"),
    "results.vanguard.declined": gettext_lazy("Vanguard post not confirmed by the committee"),
    "results.vanguard.proposed": gettext_lazy("Vanguard post proposed"),
    "rules.filing.filed": gettext_lazy("Scheme filed"),
    "rules.filing.returned": gettext_lazy("Scheme returned"),
    "rules.filing.submitted": gettext_lazy("Scheme submitted for filing"),
    "rules.item.created": gettext_lazy("Scheme item added"),
    "rules.item.deleted": gettext_lazy("Scheme item deleted"),
    "rules.item.restored": gettext_lazy("Scheme item restored"),
    "rules.item.retired": gettext_lazy("Scheme item retired"),
    "rules.item.updated": gettext_lazy("Scheme item changed"),
    "rules.scheme.caps_changed": gettext_lazy("Category caps changed"),
    "rules.scheme.created": gettext_lazy("Scheme created for the year"),
    "rules.template.created": gettext_lazy("Committee template created"),
    "results.handling.consented": gettext_lazy("Higher consent to handling recorded"),
    "summaries.cards.imported": gettext_lazy("Points cards imported"),
    "summaries.period.closed": gettext_lazy("Half-year closed"),
    "summaries.period.reopened": gettext_lazy("Half-year reopened"),
    "summaries.summary.confirmed": gettext_lazy("Summary table confirmed"),
}

# Keys of before/after that are not fields of the object's model.
KEYS: dict[str, Promise] = {
    "added_evidence": gettext_lazy("evidence added"),
    "cast_by": gettext_lazy("whose form"),
    "attendees": gettext_lazy("who attended"),
    "entries_carried": gettext_lazy("entries carried over"),
    "expires_at": gettext_lazy("expires at"),
    "entry": gettext_lazy("points entry"),
    "item": gettext_lazy("item"),
    "member": gettext_lazy("member"),
    "member_id": gettext_lazy("member number"),
    "member_votes": gettext_lazy("members who voted"),
    "members_taking_part": gettext_lazy("members taking part"),
    "message": gettext_lazy("message"),
    "object": gettext_lazy("object"),
    "open_when_closed": gettext_lazy("still open when closed"),
    "points": gettext_lazy("points"),
    "quorum_percent": gettext_lazy("quorum (per cent of the members)"),
    "representative_votes": gettext_lazy("public representatives who voted"),
    "rule": gettext_lazy("rule"),
    "source": gettext_lazy("source"),
    "spoiled_left": gettext_lazy("spoiled forms left"),
    "address": gettext_lazy("client address"),
    "average": gettext_lazy("average"),
    "ballots_by_code": gettext_lazy("ballots by code"),
    "by_category": gettext_lazy("by category"),
    "ballots_on_paper": gettext_lazy("paper ballots"),
    "branches": gettext_lazy("branches"),
    "codes_issued": gettext_lazy("codes issued"),
    "codes_used": gettext_lazy("codes used"),
    "comment": gettext_lazy("comment"),
    "copied_from": gettext_lazy("copied from"),
    "dedication": gettext_lazy("dedication points"),
    "department": gettext_lazy("department"),
    "device_id": gettext_lazy("authenticator"),
    "devices": gettext_lazy("authenticators"),
    "distribution": gettext_lazy("grades given"),
    "entries": gettext_lazy("entries"),
    "evaluees": gettext_lazy("evaluees"),
    "filename": gettext_lazy("file name"),
    "fingerprint": gettext_lazy("fingerprint"),
    "first_bad": gettext_lazy("first altered row"),
    "id": gettext_lazy("record number"),
    "intact": gettext_lazy("intact"),
    "items": gettext_lazy("items"),
    "ledger_entry": gettext_lazy("points entry"),
    "line": gettext_lazy("declaration line"),
    "lines": gettext_lazy("declaration lines"),
    "lock": gettext_lazy("closed half-year"),
    "members": gettext_lazy("members"),
    "members_created": gettext_lazy("members created"),
    "method": gettext_lazy("method"),
    "format": gettext_lazy("format"),
    "parts": gettext_lazy("parts and their records"),
    "prefix": gettext_lazy("prefix"),
    "scope": gettext_lazy("scope"),
    "months": gettext_lazy("months"),
    "name": gettext_lazy("name"),
    "note": gettext_lazy("note"),
    "paper_ballots": gettext_lazy("paper ballots"),
    "path": gettext_lazy("address"),
    "photos": gettext_lazy("photos"),
    "population": gettext_lazy("entries to draw from"),
    "reason": gettext_lazy("reason"),
    "removed_evidence": gettext_lazy("evidence removed"),
    "removed_lines": gettext_lazy("lines removed"),
    "representatives": gettext_lazy("public representatives"),
    "response": gettext_lazy("response"),
    "role": gettext_lazy("role"),
    "rows": gettext_lazy("rows"),
    "rows_sha256": gettext_lazy("fingerprint of the rows"),
    "scores": gettext_lazy("scores"),
    "second_factor": gettext_lazy("second factor"),
    "seed": gettext_lazy("random seed"),
    "sessions_ended": gettext_lazy("sessions ended"),
    "sha256": gettext_lazy("fingerprint"),
    "sheets": gettext_lazy("sheets"),
    "size": gettext_lazy("sample size"),
    "slips": gettext_lazy("slips"),
    "snapshot": gettext_lazy("snapshot"),
    "spoiled": gettext_lazy("spoiled ballots"),
    "state": gettext_lazy("state"),
    "status": gettext_lazy("status"),
    "throttled": gettext_lazy("slowed down"),
    "token_changed_at": gettext_lazy("QR code replaced at"),
    "user": gettext_lazy("user account"),
    "username": gettext_lazy("user name"),
    "version": gettext_lazy("version"),
    "view": gettext_lazy("page"),
    "voided_previous": gettext_lazy("previous code voided"),
    "voter": gettext_lazy("voter"),
    "voter_members": gettext_lazy("voting members"),
    "voters": gettext_lazy("voters"),
    "year": gettext_lazy("year"),
    "month": gettext_lazy("month"),
    "provider": gettext_lazy("identity provider"),
    "external_id": gettext_lazy("account there"),
    "matched_on": gettext_lazy("matched on"),
    "key_value": gettext_lazy("key given"),
    "error": gettext_lazy("error"),
    "channels": gettext_lazy("channels"),
    "quiet_hours": gettext_lazy("quiet hours"),
}

# Keys derived from others that say nothing to a reader (a name's pinyin sort key).
HIDDEN_KEYS = {"name_key"}

# Keys whose value is a list of rows of another model, read with that model's names.
NESTED_ROWS: dict[str, str] = {
    "lines": "declarations.DeclarationLine",
}
# Keys whose value maps the choices of a model's field to a figure.
NESTED_CHOICES: dict[str, tuple[str, str]] = {
    "distribution": ("appraisals.Evaluee", "grade"),
    "by_category": ("rules.Item", "category"),
}
# Values of a key that is not a model field, named by the LABELS of the class that defines
# them (found by name at run time: the audit app imports no app above it).
VALUE_LABELS: dict[tuple[str, str], str] = {
    ("rules.schemefiling", "state"): "rules.filing.State",
    ("summaries.summaryconfirmation", "state"): "summaries.summary_table.State",
}

# Keys of rows that belong to no model: a scheme item's named levels.
NESTED_LABELS: dict[str, dict[str, Promise]] = {
    "levels": {"name": gettext_lazy("level"), "points": gettext_lazy("points")},
}

# Values that are the choices of another model's field.
VALUE_CHOICES: dict[tuple[str, str], tuple[str, str]] = {
    ("organizations.department", "business_line"): ("rules.Item", "category"),
}

# What a ledger entry's source_ref points at ("declaration-line:573"), by its first part.
SOURCE_REFS: dict[str, Promise] = {
    "declaration-line": gettext_lazy("declaration line"),
    "appraisal": gettext_lazy("appraisal session"),
    "attendance": gettext_lazy("attendance"),
    "dues": gettext_lazy("party dues"),
    "import": gettext_lazy("import"),
}

# Keys inside those rows that hold the id of another row.
ROW_IDS = {"line", "entry", "voter", "member"}

# Actions whose before/after keys are the values of a model field's choices.
KEYS_ARE_CHOICES: dict[str, tuple[str, str]] = {
    "rules.scheme.caps_changed": ("rules.Item", "category"),
}

ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def action_label(code: str) -> str:
    """The translated label of an action code; an unknown code reads as its area's."""
    label = ACTIONS.get(code)
    if label is not None:
        return str(label)
    area = AREAS.get(code.split(".", 1)[0])
    if area is None:
        return _("Other action (%(code)s)") % {"code": code}
    return _("%(area)s: other action (%(code)s)") % {"area": area, "code": code}


def action_choices() -> list[tuple[str, Any]]:
    """The filter's choices: every registered action, grouped by area; an area's
    own entry ("area.") selects all its actions."""
    groups: dict[str, list[tuple[str, str]]] = {}
    for code, label in ACTIONS.items():
        area = code.split(".", 1)[0]
        groups.setdefault(area, []).append((code, str(label)))
    choices: list[tuple[str, Any]] = [("", _("All"))]
    seen_labels: set[str] = set()
    for area, actions in groups.items():
        name = str(AREAS.get(area, area))
        if name in seen_labels:  # "user." shares the accounts' label
            choices[-1][1].extend(sorted(actions, key=lambda a: a[0]))
            continue
        seen_labels.add(name)
        entries = [(f"{area}.", _("%(area)s: every action") % {"area": name})]
        choices.append((name, entries + sorted(actions, key=lambda a: a[0])))
    return choices


def model_for(object_type: str) -> type[models.Model] | None:
    """The model an audit row's object_type names ("ledger.entry"), if it still exists."""
    if not object_type or "." not in object_type:
        return None
    try:
        return apps.get_model(object_type)
    except (LookupError, ValueError):
        return None


def object_type_label(object_type: str) -> str:
    model = model_for(object_type)
    return str(model._meta.verbose_name) if model is not None else object_type


def object_type_choices() -> list[tuple[str, str]]:
    """Every model of the project's own apps, by its translated name."""
    base = Path(settings.BASE_DIR).resolve()
    ours = {app.label for app in apps.get_app_configs() if Path(app.path).resolve().parent == base}
    found = [
        (model._meta.label_lower, str(model._meta.verbose_name))
        for model in apps.get_models()
        if model._meta.app_label in ours
    ]
    return [("", _("All")), *sorted(found, key=lambda choice: pinyin_key(choice[1]))]


def _field(model: type[models.Model] | None, key: str) -> models.Field | None:
    if model is None:
        return None
    try:
        field = model._meta.get_field(key)
    except FieldDoesNotExist:
        field = None
    if isinstance(field, models.Field):  # not a reverse relation ("lines" of a declaration)
        return field
    for field in model._meta.concrete_fields:
        if field.attname == key:  # "member_id" is the field "member"
            return field
    return None


def _key_choices(action: str) -> dict[str, str]:
    source = KEYS_ARE_CHOICES.get(action)
    if source is None:
        return {}
    field = apps.get_model(source[0])._meta.get_field(source[1])
    return {str(value): str(label) for value, label in field.choices or []}


def key_label(model: type[models.Model] | None, key: str, action: str = "") -> str:
    """A before/after key in the reader's language: the field's verbose name if the
    model has such a field, else the registry's name, else the key itself."""
    named = _key_choices(action).get(key)
    if named is not None:
        return named
    if key == "id":  # Django names every primary key "ID"
        return str(KEYS["id"])
    field = _field(model, key)
    if field is not None:
        return str(field.verbose_name)
    label = KEYS.get(key)
    return str(label) if label is not None else key


def _local_time(text: str) -> str:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return text
    if timezone.is_naive(moment):
        return moment.strftime("%Y-%m-%d %H:%M")
    local = moment.astimezone(timezone.get_default_timezone())
    return local.strftime("%Y-%m-%d %H:%M:%S" if local.second else "%Y-%m-%d %H:%M")


def value_text(model: type[models.Model] | None, key: str, value: Any) -> str:
    """A stored value as a reader expects it: choices by their label, yes/no, times in
    Beijing time (the log stores them in UTC), an id of another row as "#id"."""
    if value is None or value == "":
        return "—"
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    field = _field(model, key)
    if key == "source_ref" and isinstance(value, str) and ":" in value:
        kind, _sep, rest = value.partition(":")
        if kind in SOURCE_REFS:
            return f"{SOURCE_REFS[kind]} #{rest}"
    if model is not None and (model._meta.label_lower, key) in VALUE_CHOICES:
        label, name = VALUE_CHOICES[(model._meta.label_lower, key)]
        choices = dict(apps.get_model(label)._meta.get_field(name).choices or [])
        if value in choices:
            return str(choices[value])
    if model is not None and (model._meta.label_lower, key) in VALUE_LABELS:
        labels = import_string(VALUE_LABELS[(model._meta.label_lower, key)]).LABELS
        if value in labels:
            return str(labels[value])
    if field is not None and field.choices and isinstance(value, str | int):
        labels = {str(k): str(v) for k, v in field.flatchoices}
        if str(value) in labels:
            return labels[str(value)]
    if isinstance(value, str):
        return _local_time(value) if ISO_DATETIME.match(value) else value
    if field is not None and field.is_relation and isinstance(value, int):
        return f"#{value}"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list | dict):
        return _nested_text(key, value)
    return json.dumps(value, ensure_ascii=False)


def _nested_text(key: str, value: Any) -> str:
    """A list or a mapping inside before/after, in the reader's words: the rows of a
    declaration's decision read "申报事项：#573，认定结果：已认定，……", the grades
    given "优秀：5，合格：19"."""
    model = model_for(NESTED_ROWS[key].lower()) if key in NESTED_ROWS else None
    names: dict[str, str] = {}
    if key in NESTED_CHOICES:
        label, field = NESTED_CHOICES[key]
        choices = apps.get_model(label)._meta.get_field(field).choices or []
        names = {str(value): str(name) for value, name in choices}

    def one(item: Any) -> str:
        if not isinstance(item, dict):
            return item if isinstance(item, str) else json.dumps(item, ensure_ascii=False)
        pairs = []
        for k, v in item.items():
            k = str(k)
            label = (
                names.get(k)
                or (str(NESTED_LABELS[key][k]) if k in NESTED_LABELS.get(key, {}) else "")
                or (f"#{k}" if k.isdigit() else key_label(model, k))
            )
            if k in ROW_IDS and isinstance(v, int):
                shown = f"#{v}"
            elif isinstance(v, dict | list):
                shown = _("(%(n)s)") % {"n": _nested_text(k, v)}
            elif model is not None:
                shown = value_text(model, k, v)
            else:
                shown = v if isinstance(v, str) else json.dumps(v, ensure_ascii=False)
            pairs.append(_("%(label)s: %(value)s") % {"label": label, "value": shown})
        return _(", ").join(pairs)

    if isinstance(value, list):
        return _("; ").join(one(item) for item in value)
    return one(value)


def shorten(text: str) -> str:
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 1] + "…"
