from __future__ import annotations

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.translation import gettext_lazy as _

from responsemap.protection.catalogue import Classification, FieldPolicy, declare, policies_for
from responsemap.protection.models import AuditEvent

declare(
    AuditEvent,
    [
        FieldPolicy("created_at", _("When"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("actor_label", _("Who"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("role", _("Role"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("action", _("Action"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("fields", _("Fields"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("purpose", _("Purpose"), Classification.INTERNAL, "view_audit"),
        FieldPolicy("reason", _("Reason"), Classification.CONFIDENTIAL, "view_audit"),
        FieldPolicy("client_ip", _("Address"), Classification.CONFIDENTIAL, "view_audit"),
        FieldPolicy("seq", _("Sequence"), Classification.INTERNAL, "view_audit"),
    ],
)

# What an audit event's action means, in words a person reads. Actions not listed here
# are shown by their code.
ACTION_LABELS = {
    "feedback.create": _("Record created"),
    "feedback.view": _("Record opened"),
    "feedback.redact": _("Personal details removed from the copy"),
    "feedback.change_status": _("Status changed"),
    "feedback.assign": _("Assigned"),
    "feedback.recode": _("Re-coded"),
    "code.add": _("Code added to the coding framework"),
    "code.change": _("Code labels changed"),
    "code.move": _("Code moved in its list"),
    "code.retire": _("Code retired"),
    "code.unretire": _("Retired code brought back"),
    "note.create": _("Note added"),
    "saved_filter.save": _("Inbox filters saved"),
    "saved_filter.delete": _("Saved inbox filters deleted"),
    "feedback.reindex": _("Word search index rebuilt"),
    # Rules, protection check and alerts (triage.rules, triage.alerts).
    "feedback.raise_sensitivity": _("Made protection-sensitive by a rule"),
    "feedback.confirm_sensitivity": _("Protection-sensitivity confirmed"),
    "feedback.lower_sensitivity": _("Protection-sensitivity lowered"),
    "rule.create": _("Rule added"),
    "rule.update": _("Rule changed"),
    "alert.raise": _("Alert raised"),
    "alert.acknowledge": _("Alert acknowledged"),
    "alert.escalate": _("Alert escalated"),
    "alert_policy.update": _("Alert settings changed"),
    # SMS alerts to staff phones (triage.alerts, accounts.phones): never the number.
    "staff_sms.queue": _("Alert text message queued for a staff phone"),
    "staff_sms.send": _("Alert text message sent to a staff phone"),
    "staff_sms.fail": _("Alert text message could not be sent"),
    "staff_sms.unknown": _("Alert text message not confirmed sent"),
    "staff_sms.not_sent_project_closed": _("Alert text message not sent: its project closed"),
    "staff_sms.no_phone": _("Alert text message not sent: no confirmed number"),
    "staff_sms.no_channel": _("Alert text message not sent: no channel to send it"),
    "staff_sms.not_member": _("Alert text message not sent: no longer a member"),
    "staff_sms.code_send": _("Code sent to confirm a staff phone"),
    "staff_phone.set": _("Phone for alerts recorded"),
    "staff_phone.code_send": _("Code sent to confirm the phone for alerts"),
    "staff_phone.verify": _("Phone for alerts confirmed"),
    "staff_phone.verify_refused": _("Phone for alerts: too many wrong codes"),
    "staff_phone.remove": _("Phone for alerts removed"),
    "feedback.reply": _("Reply sent"),
    "reply_template.save": _("Reply template saved"),
    "callback.record_outcome": _("Call-back recorded"),
    "field.reveal": _("Revealed"),
    "field.reveal_denied": _("Reveal refused"),
    "system.open": _("Opened by the system"),
    "feedback.reveal_contact": _("Revealed the contact's details"),
    # Triage suggestions (triage.suggestions).
    "suggestion.raise": _("Raised by a suggestion (urgent or protection)"),
    "suggestion.accept": _("Suggestion accepted"),
    "suggestion.change": _("Suggestion changed"),
    "suggestion_model.train": _("Suggestion model trained on the project's coding"),
    "message.receive": _("Message received"),
    "contact.opt_out": _("Opted out"),
    "contact.opt_in": _("Opted in again"),
    "consent.record": _("Consent recorded"),
    "feedback.consent_given": _("Consent for a purpose recorded from the record"),
    "feedback.consent_refused": _("Refusal or withdrawal for a purpose recorded from the record"),
    "consent_notice.publish": _("Consent notice published"),
    "redaction_settings.save": _("Redaction settings saved"),
    "redaction.id_pattern_timeout": _("An ID pattern ran out of time on a message"),
    "partner.create": _("Partner organisation added"),
    "partner.link_user": _("Partner user linked"),
    "agreement.create": _("Data-sharing agreement added"),
    "agreement.revoke": _("Data-sharing agreement revoked"),
    "agreement.edit": _("Data-sharing agreement changed (a new version)"),
    "referral.referred": _("Referred to a partner"),
    "referral.listed": _("Listed in a partner's queue"),
    "referral.viewed": _("Opened by a partner"),
    "referral.status": _("Referral status updated by the partner"),
    "referral.answered": _("Answered by the partner"),
    "channel.create": _("Channel added"),
    "channel.secrets_reveal": _("Channel secrets shown"),
    "audit.chain_purged": _("Audit trail of a destroyed project removed"),
    "organisation.create": _("Organisation created"),
    "project.create": _("Project created"),
    "project.update_settings": _("Project settings changed"),
    "project.activate": _("Project made active"),
    "project.close": _("Project closed"),
    "project.destroy": _("Project destruction decided (its key destroyed first)"),
    "project.destruction_certificate": _("Destruction certificate written"),
    "legal_hold.place": _("Legal hold placed"),
    "legal_hold.lift": _("Legal hold lifted"),
    "checklist.save": _("Data-protection checklist saved"),
    "checklist.approve": _("Data-protection checklist approved"),
    "organisation.add_admin": _("Organisation administrator added"),
    "channel.rotate": _("Channel secret replaced"),
    "message.closure_notice": _("Closure notice sent to someone who wrote to the closed project"),
    "channel.test": _("Channel test message sent"),
    "membership.grant": _("Member added"),
    "membership.change": _("Membership changed"),
    "role.set_permissions": _("Role permissions changed"),
    "user.create": _("Staff account created"),
    "user.update": _("Staff account changed"),
    "team.create": _("Team created"),
    "team.rename": _("Team renamed"),
    "team.delete": _("Team deleted"),
    "team.add_member": _("Added to a team"),
    "team.remove_member": _("Removed from a team"),
    "area.create": _("Area added"),
    "area.import": _("Boundaries imported"),
    "rollups.rebuild": _("Dashboard figures rebuilt"),
    "public_page.settings": _("Public page settings changed"),
    "public_page.release": _("Month's figures published on the public page"),
    "public_page.approve_protection": _("Protection figures approved for the public page"),
    "map.settings": _("Map settings changed"),
    "report.narrative_edit": _("Report narrative edited"),
    "feedback.rederive_area": _("Records' areas worked out again from their positions"),
    "contact.create": _("Contact added"),
    "message.queue": _("Message queued"),
    "message.blocked_opted_out": _("Message not sent: the person opted out"),
    "message.not_sent_project_closed": _("Message not sent: its project closed"),
    "message.send": _("Message sent"),
    "message.fail": _("Message could not be sent"),
    "message.deliver": _("Message delivered"),
    "message.unknown": _("Message not confirmed sent: the worker sending it stopped"),
    "import.upload": _("Import file uploaded"),
    "import.map": _("Import columns mapped"),
    "import.check": _("Import checked"),
    "import.start": _("Import started"),
    "import.finish": _("Import finished"),
    "import.fail": _("Import failed"),
    "import.expire": _("Import expired: never started, its file deleted"),
    "import.resume": _("Import resumed"),
    "import.discard": _("Import discarded"),
    "import.pull_connect": _("Form server connected"),
    "import.pull_change": _("Form server connection changed"),
    "import.pull_check": _("Form server's fields read"),
    "import.pull_map": _("Form server's fields matched"),
    "import.pull_sheets": _("Form server's repeat groups chosen"),
    "import.pull_recode": _("Form server's choice values recoded"),
    "import.pull_request": _("Fetch from a form server asked for"),
    "import.pull_rewind": _("Form server to be read again from the start"),
    "import.pull_disconnect": _("Form server disconnected"),
    "import.pull": _("Submissions fetched from a form server"),
    "demo.seed": _("Invented demo data added"),
    # A page of a list, naming the records it showed (protection.listing).
    "feedback.list": _("Shown in the inbox"),
    "auditevent.list": _("Audit trail viewed"),
    "importjob.list": _("Import list viewed"),
    "consentnotice.list": _("Consent notices viewed"),
    "consentrecord.list": _("Consent records viewed"),
    "disclosure.list": _("Disclosure log viewed"),
    "agreementversion.list": _("Versions of a data-sharing agreement viewed"),
    # Duplicates, rumour groups, spam and verification (triage.duplicates, .verification).
    "duplicate.link": _("Linked as a duplicate"),
    "duplicate.unlink": _("Duplicate link ended"),
    "feedback.merge": _("Records merged (one kept, one closed)"),
    "rumour.add": _("Added to a rumour group"),
    "rumour.remove": _("Taken out of a rumour group"),
    "feedback.mark_spam": _("Flagged as spam"),
    "feedback.unmark_spam": _("Spam flag removed"),
    "sender.block": _("Sender blocked"),
    "sender.unblock": _("Sender taken off the block list"),
    "feedback.verify": _("Verification changed"),
    "verification.check": _("Verification checklist item changed"),
    "duplicate_policy.update": _("Duplicate and spam settings changed"),
    # Data-subject requests (triage.rights).
    "subject_request.open": _("Data-subject request opened"),
    "subject_request.export": _("Everything held about the person handed over"),
    "subject_request.rectify_contact": _("Contact details corrected on request"),
    "subject_request.rectify_record": _("Record text corrected on request"),
    "subject_request.withdraw": _("Consent withdrawn on request"),
    "subject_request.tombstone": _("Erased on request: content and contact cleared"),
    "subject_request.purge": _("Erased on request: rows deleted"),
    "subject_request.close": _("Data-subject request closed"),
    "contact.rectify": _("Contact details corrected"),
    "feedback.rectify": _("Record text corrected"),
    "feedback.erase": _("Erased on request"),
    "consent.withdraw": _("Consent withdrawn"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


# Names a listing event gives its filters (protection.listing) that are no model field.
FILTER_LABELS = {
    "search": _("Words searched"),
    "q": _("Reference searched"),
    "since": _("From date"),
    "until": _("To date"),
    "overdue": _("Overdue only"),
    "my_work": _("My work"),
}


def field_label(object_type: str, name: str) -> str:
    """A field an event names, in words: its label in the field catalogue, found through
    the related model for a dotted name ("call_details.duration_seconds"); else the name."""
    model = next((m for m in apps.get_models() if m._meta.model_name == object_type), None)
    *path, last = name.split(".")
    try:
        for step in path:
            related = model._meta.get_field(step).related_model if model else None
            model = related if isinstance(related, type) else None
        if model is not None and issubclass(model, models.Model):
            return str(policies_for(model)[last].label)
    except (LookupError, FieldDoesNotExist):
        pass
    return str(FILTER_LABELS.get(name, name))
