"""Permissions and the default roles, declared as data.

A project's roles are rows (``Role``) a manager can edit; these are the starting set
created with every project. Field-reveal permissions are named ``reveal_<field>`` and
referenced by the field catalogues.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

PERMISSIONS = {
    "view_feedback": _("See feedback records (sensitive fields masked)"),
    "view_sensitive": _("See protection-sensitive cases (GBV, child protection)"),
    "enter_feedback": _("Enter feedback (hotline and paper forms)"),
    "edit_feedback": _("Categorise, assign and change the status of feedback"),
    "view_demographics": _("See gender, age band, disability and displacement of a record"),
    "reveal_content": _("Reveal the text of a message"),
    "reveal_contact": _("Reveal a contact's phone number and name"),
    "view_audit": _("See the audit trail of records"),
    "view_dashboards": _("See aggregate dashboards and maps"),
    "view_exact_positions": _(
        "See feedback as exact positions on the map when zoomed in (others see a grid)"
    ),
    "manage_project": _("Set up the project: roles, members, areas, channels"),
    "handle_subject_requests": _(
        "Handle people's requests to see, correct or erase their data, or withdraw consent"
    ),
}

DEFAULT_ROLES: dict[str, dict[str, object]] = {
    "operator": {
        "label": _("Hotline operator"),
        "permissions": ["enter_feedback"],
    },
    "officer": {
        "label": _("Feedback officer"),
        "permissions": [
            "view_feedback",
            "enter_feedback",
            "edit_feedback",
            "view_demographics",
            "reveal_content",
            "view_audit",
            "view_dashboards",
        ],
    },
    "protection": {
        "label": _("Protection focal point"),
        "permissions": [
            "view_feedback",
            "view_sensitive",
            "edit_feedback",
            "view_demographics",
            "reveal_content",
            "reveal_contact",
            "view_audit",
            "view_dashboards",
            "view_exact_positions",
            # The project's data-protection role (triage.rights).
            "handle_subject_requests",
        ],
    },
    "manager": {
        "label": _("Project manager"),
        "permissions": [
            "view_feedback",
            "enter_feedback",
            "edit_feedback",
            "view_demographics",
            "view_audit",
            "view_dashboards",
            "manage_project",
        ],
    },
    "partner": {"label": _("Partner organisation user"), "permissions": []},
    "donor": {"label": _("Donor / government viewer"), "permissions": ["view_dashboards"]},
}
