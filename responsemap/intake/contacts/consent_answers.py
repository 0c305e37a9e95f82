"""What a person answered when asked for consent, as the hotline and web forms and the
record page take it: the kind of consent, a yes or a no for each purpose, the notice they
were shown or read, and what the kind needs (docs/data-subject-rights.md, "Consent").

The guidance it follows: consent is given in writing where that is possible; otherwise
it is recorded (where the recording is kept), or given verbally and certified by a staff
member (the witness); a child gives their assent, with the consent of a parent or
guardian. Each purpose is its own yes or no, so one answer makes up to two consent
records — one naming the purposes agreed to, one naming those refused — and the rule
every outbound path asks (``consent.purpose_refusal``) reads the latest record naming
each purpose.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from responsemap.intake.contacts.actions import NewConsent
from responsemap.intake.contacts.models import ConsentRecord, Contact

Method = ConsentRecord.Method
Purpose = ConsentRecord.Purpose

# The kinds a person is asked in (the SMS and web notices are the channels' own).
ASKED_KINDS = [
    (Method.WRITTEN, gettext_lazy("Written and signed")),
    (Method.AUDIO, gettext_lazy("Recorded (audio)")),
    (Method.VERBAL, gettext_lazy("Verbal, with a witness")),
    (Method.ASSENT, gettext_lazy("A child's assent, with a guardian's consent")),
]
# What each kind needs, by the field that holds it.
DETAIL_OF_KIND: dict[str, str] = {
    Method.VERBAL.value: "witness_name",
    Method.AUDIO.value: "audio_reference",
    Method.ASSENT.value: "guardian_name",
}
DETAIL_FIELDS = ("witness_name", "audio_reference", "guardian_name")


def detail_missing_message(field: str) -> str:
    """Why a kind's detail is needed, in words."""
    return {
        "witness_name": _("Verbal consent needs the name of the staff member who witnessed it."),
        "audio_reference": _("Say where the recording of the consent is kept."),
        "guardian_name": _("A child's assent needs the name of the guardian who consented."),
    }[field]


@dataclass(frozen=True)
class ConsentAnswers:
    """A person's answer: ``agreed`` and ``refused`` purposes (disjoint), how it was
    given, the notice shown (``ConsentNotice.label``) and the kind's sealed detail."""

    method: str
    agreed: tuple[str, ...] = ()
    refused: tuple[str, ...] = ()
    notice_version: str = ""
    witness_name: str = ""
    audio_reference: str = ""
    guardian_name: str = ""

    def agrees_to(self, purpose: str) -> bool:
        return purpose in self.agreed

    def missing_detail(self) -> str:
        """The field this kind needs and lacks ("" if none): a verbal consent its
        witness, a recording where it is kept, a child's assent the guardian. A verbal
        refusal of everything needs no witness (nothing is kept of the person); the
        other kinds' details are needed whatever the answer."""
        field = DETAIL_OF_KIND.get(self.method, "")
        if not field or str(getattr(self, field)).strip():
            return ""
        if self.method == Method.VERBAL and not self.agreed:
            return ""
        return field

    def records(self, contact: Contact | None) -> list[NewConsent]:
        """The consent records this answer makes: the purposes agreed to, then those
        refused (each record holds the sealed detail)."""
        detail = {name: getattr(self, name).strip() for name in DETAIL_FIELDS}
        made = []
        for given, purposes in ((True, self.agreed), (False, self.refused)):
            if purposes:
                made.append(
                    NewConsent(
                        contact=contact,
                        given=given,
                        method=self.method,
                        purposes=list(purposes),
                        notice_version=self.notice_version,
                        **detail,
                    )
                )
        return made


def answers_from(
    method: str,
    said: dict[str, bool],
    notice_version: str = "",
    **detail: str,
) -> ConsentAnswers:
    """``ConsentAnswers`` from a yes or no per purpose (``said``), in the purposes' order."""
    order = list(Purpose.values)
    known = sorted((p for p in said if p in order), key=order.index)
    return ConsentAnswers(
        method=method,
        agreed=tuple(p for p in known if said[p]),
        refused=tuple(p for p in known if not said[p]),
        notice_version=notice_version,
        **{name: detail.get(name, "") for name in DETAIL_FIELDS},
    )
