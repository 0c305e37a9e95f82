# ruff: noqa: E501  (each question is one translatable string)
"""The data-protection checklists a project answers before it takes any feedback, as
data: seven checklists (after the guidance's annex on data protection), each a list of
questions in this product's words. A question's code is stored with its answer, so
rewording a question keeps the answers; a new question is simply unanswered in every
project until someone answers it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Question:
    code: str
    text: Promise


@dataclass(frozen=True)
class Checklist:
    code: str
    title: Promise
    questions: tuple[Question, ...]


def _q(code: str, text: Promise) -> Question:
    return Question(code, text)


CHECKLISTS: tuple[Checklist, ...] = (
    Checklist(
        "risk_benefit",
        _("Risks and benefits"),
        (
            _q(
                "personal_known",
                _("We know which of the data we collect is about a person and which is not."),
            ),
            _q(
                "fields_listed",
                _("Every personal field we collect is listed, with why we need it."),
            ),
            _q(
                "purpose_clear",
                _(
                    "The purpose the data serves is written down and shown to the people who give it."
                ),
            ),
            _q("minimum", _("We collect no more about a person than the purpose needs.")),
            _q(
                "roles_named",
                _("The data controller and the processors are named, and each knows their part."),
            ),
            _q(
                "assessed",
                _(
                    "The risks and benefits of collecting this data were listed and weighed before collection."
                ),
            ),
            _q(
                "benefits_outweigh",
                _("The benefits to the people we serve outweigh the risks to them."),
            ),
            _q(
                "risks_reviewed",
                _(
                    "We review the risks, and whether the benefits still outweigh them, at set times."
                ),
            ),
        ),
    ),
    Checklist(
        "sensitivity",
        _("How sensitive the data is"),
        (
            _q(
                "classified",
                _("Each kind of data we collect has a sensitivity class: low, medium or high."),
            ),
            _q(
                "high_safeguarded",
                _("Highly sensitive data is identified and has extra safeguards."),
            ),
            _q("marked", _("Screens, prints and exports show the data's class.")),
            _q("reviewed", _("The sensitivity class is reviewed at a set date.")),
        ),
    ),
    Checklist(
        "consent",
        _("Consent"),
        (
            _q(
                "recorded",
                _(
                    "Each person's consent is recorded before their data is kept (in writing, recorded, or witnessed)."
                ),
            ),
            _q(
                "other_basis",
                _(
                    "Where consent can't be recorded, another lawful basis was checked with a legal adviser."
                ),
            ),
            _q(
                "safe",
                _(
                    "People can be asked for consent safely, without pressure and with respect for their dignity."
                ),
            ),
            _q("purpose_told", _("People are told what their data is for when they give it.")),
            _q(
                "risks_told",
                _("People are told fairly about the risks and benefits of giving their data."),
            ),
            _q(
                "capacity",
                _(
                    "We consider whether a person can consent (children, people in distress) and ask a guardian when needed."
                ),
            ),
            _q("sharing_told", _("People are told who else may receive their data and why.")),
            _q(
                "rights_told",
                _(
                    "People are told they can see, correct and delete what is held about them, and how to reach us."
                ),
            ),
        ),
    ),
    Checklist(
        "confidentiality",
        _("Confidentiality"),
        (
            _q(
                "staff_briefed",
                _("Everyone with access is briefed on confidentiality before they start."),
            ),
            _q("duty_known", _("Staff know the duty of confidentiality lasts after they leave.")),
            _q(
                "access_controlled",
                _("Access to personal data is limited by role, and every reveal is recorded."),
            ),
            _q(
                "transfers_marked",
                _(
                    "Personal data sent inside the organisation goes by secure means to chosen people only."
                ),
            ),
            _q(
                "paper_destroyed",
                _("Printed copies are tracked and shredded when no longer needed."),
            ),
        ),
    ),
    Checklist(
        "security",
        _("Data security"),
        (
            _q(
                "workstations",
                _("Workstations and phones used for the project are secured for the data's class."),
            ),
            _q("paper_storage", _("Paper records are kept locked away.")),
            _q(
                "electronic_storage",
                _("Electronic records and their backups are encrypted and protected."),
            ),
            _q(
                "no_unauthorised",
                _("Records can't be taken or read by people who have no part in the project."),
            ),
            _q(
                "encryption_checked",
                _("The encryption and tools in use were checked with the IT team."),
            ),
            _q("limited_access", _("Only the roles that need personal data can reach it.")),
        ),
    ),
    Checklist(
        "quality",
        _("Data quality"),
        (
            _q("validated", _("People can confirm or correct what they told us.")),
            _q(
                "verified",
                _("We take reasonable steps to check data is accurate when it is collected."),
            ),
            _q("staff_trained", _("Staff are trained in data protection and in collecting data.")),
            _q(
                "accuracy_stressed",
                _("Staff know why accurate data matters and what wrong data can cause."),
            ),
            _q("updates_recorded", _("Corrections are recorded in every copy of the data.")),
            _q("cross_checked", _("Data is cross-checked before it is used or shared.")),
        ),
    ),
    Checklist(
        "sharing",
        _("Sharing with others"),
        (
            _q(
                "agreement_clause",
                _(
                    "The funding agreement says the data is handled under these data-protection rules."
                ),
            ),
            _q(
                "aggregates_first",
                _("We offer figures that identify no one before sharing anything about a person."),
            ),
            _q(
                "consent_to_share",
                _("People consented to their data being shared with each recipient."),
            ),
            _q("purpose_of_sharing", _("The purpose of each sharing is clear and written down.")),
            _q(
                "written_agreement",
                _("Each sharing of personal data has a signed data-sharing agreement."),
            ),
            _q("recipient_law", _("We checked the data-protection law where each recipient is.")),
            _q("minimum_shared", _("We share no more than the purpose of the sharing needs.")),
            _q("safe_transfer", _("Data is sent to recipients by a secure means.")),
        ),
    ),
)

BY_CODE = {checklist.code: checklist for checklist in CHECKLISTS}
ANSWERS = {"yes": _("Yes"), "no": _("No"), "na": _("Does not apply")}


def checklist(code: str) -> Checklist | None:
    return BY_CODE.get(code)
