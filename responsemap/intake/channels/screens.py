"""A project's channels on the screen (its managers only; anyone else gets a 404): the
list, adding one, replacing its shared secret, and a test message round trip.

Secrets are shown once: the shared secret the gateway must present is generated here and
printed on the page that answers the add or the replacement (never stored in the page's
address, never shown again; ``Cache-Control: no-store``). Provider-issued secrets
(tokens, passwords) are typed in as KEY=VALUE lines and never shown. The test sends a
message through the channel's gateway to a number the manager gives (the number is not
kept), and the page shows when the channel last received a message, so a reply to the
test closes the round trip.
"""

from __future__ import annotations

import secrets as random_secrets
import uuid
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from responsemap.intake.channels.actions import do_create_channel, do_replace_channel_secrets
from responsemap.intake.channels.base import Inbound
from responsemap.intake.channels.models import Channel
from responsemap.intake.channels.queries import channel_secrets, forget_channel
from responsemap.intake.channels.registry import adapter_for, available_kinds
from responsemap.intake.messages.models import InboundMessage
from responsemap.intake.messages.send import send_test_message, status_url
from responsemap.projects.layout import layout
from responsemap.projects.queries import access_project
from responsemap.protection.system_opens import SystemPurpose
from responsemap.protection.viewer import Viewer

# The secret each kind's gateway presents to us, which we generate (the others are issued
# by the provider and typed in).
SHARED_SECRET = {
    "kannel": "secret",
    "webhook": "secret",
    "africastalking": "callback_token",
    "telegram": "secret_token",
    "whatsapp": "verify_token",
}
PAGE_SIZE = 20


def _as_manager(request: HttpRequest, slug: str) -> tuple[Any, Viewer]:
    project, viewer = access_project(request.user, slug)
    if not viewer.can("manage_project"):
        raise Http404
    return project, viewer


def _channel_of(project_id: uuid.UUID, channel_id: str) -> Channel:
    channel = (
        Channel.objects.select_related("project")
        .filter(project_id=project_id, pk=_uuid_or_404(channel_id))
        .first()
    )
    if channel is None:
        raise Http404
    return channel


def _uuid_or_404(value: str) -> str:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        raise Http404 from None


def _pairs(text: str) -> dict[str, str]:
    pairs = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        key, sep, value = line.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise forms.ValidationError(_("Line {number}: write KEY=VALUE.").format(number=number))
        pairs[key.strip()] = value.strip()
    return pairs


def inbound_url(channel: Channel) -> str:
    return settings.RESPONSEMAP_PUBLIC_URL.rstrip("/") + reverse(
        "intake:receive", args=[channel.pk]
    )


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"))
    name = forms.CharField(label=gettext_lazy("Name"), max_length=100)
    address = forms.CharField(
        label=gettext_lazy("Number or short code"), max_length=64, required=False
    )
    config = forms.CharField(
        label=gettext_lazy("Settings"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "dir": "ltr"}),
        help_text=gettext_lazy(
            "KEY=VALUE, one a line, e.g. sendsms_url=http://127.0.0.1:13013/cgi-bin/sendsms"
        ),
    )
    provider_secrets = forms.CharField(
        label=gettext_lazy("Secrets from the provider"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "dir": "ltr", "autocomplete": "off"}),
        help_text=gettext_lazy(
            "KEY=VALUE, one a line (e.g. username=… and password=… for Kannel's sendsms). "
            "Sealed at once and never shown again."
        ),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [  # type: ignore[attr-defined]
            (kind, adapter_for(kind).label) for kind in available_kinds()
        ]

    def clean_config(self) -> dict[str, str]:
        return _pairs(self.cleaned_data.get("config") or "")

    def clean_provider_secrets(self) -> dict[str, str]:
        return _pairs(self.cleaned_data.get("provider_secrets") or "")


class TestForm(forms.Form):
    to = forms.CharField(
        label=gettext_lazy("Send a test message to"),
        max_length=40,
        help_text=gettext_lazy("A phone number (or chat id) of yours; it is not kept."),
    )


def _rows(project_id: uuid.UUID, search: str) -> Any:
    rows = Channel.objects.filter(project_id=project_id).order_by("name", "pk")
    if search:
        rows = rows.filter(name__icontains=search)
    return rows


@login_required
def channels(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    search = request.GET.get("q", "").strip()[:100]
    page = Paginator(_rows(project.pk, search), PAGE_SIZE).get_page(request.GET.get("page"))
    last = dict(
        InboundMessage.objects.filter(channel__in=[c.pk for c in page])
        .values("channel_id")
        .annotate(at=Max("received_at"))
        .values_list("channel_id", "at")
    )
    shown = [
        {
            "id": str(c.pk),
            "name": c.name,
            "kind": adapter_for(c.kind).label,
            "address": c.address,
            "active": c.is_active,
            "inbound_url": inbound_url(c),
            "last_received": last.get(c.pk),
        }
        for c in page
    ]
    return render(
        request,
        "intake/channels/list.html",
        {
            **layout(project, viewer),
            "rows": shown,
            "page": page,
            "q": search,
            "form": ChannelForm(),
            "test_form": TestForm(),
        },  # fmt: skip
    )


def _shown_once(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    response = render(request, "intake/channels/secret.html", context)
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_POST
def add_channel(request: HttpRequest, slug: str) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    form = ChannelForm(request.POST)
    if not form.is_valid():
        return render(
            request,
            "intake/channels/add.html",
            {**layout(project, viewer), "form": form},
            status=400,
        )
    data = form.cleaned_data
    kind = data["kind"]
    generated = random_secrets.token_urlsafe(24)
    shared_key = SHARED_SECRET.get(kind, "secret")
    channel = do_create_channel(
        project_id=project.pk,
        kind=kind,
        name=data["name"],
        address=data["address"],
        config=data["config"],
        secrets={**data["provider_secrets"], shared_key: generated},
        actor=viewer,
    )
    adapter = adapter_for(kind)
    return _shown_once(
        request,
        {
            **layout(project, viewer),
            "channel": {"id": str(channel.pk), "name": channel.name},
            "secret_name": shared_key,
            "secret": generated,
            "setup": adapter.setup_help(channel, inbound_url(channel), status_url(channel)),
            "inbound_url": inbound_url(channel),
            "added": True,
        },
    )


@never_cache
@login_required
@require_POST
def rotate_secret(request: HttpRequest, slug: str, channel_id: str) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    channel = _channel_of(project.pk, channel_id)
    shared_key = SHARED_SECRET.get(channel.kind, "secret")
    kept = channel_secrets(channel, SystemPurpose.CHANGE_CHANNEL_SECRETS)
    generated = random_secrets.token_urlsafe(24)
    do_replace_channel_secrets(channel, {**kept, shared_key: generated}, actor=viewer)
    forget_channel(channel.pk)
    return _shown_once(
        request,
        {
            **layout(project, viewer),
            "channel": {"id": str(channel.pk), "name": channel.name},
            "secret_name": shared_key,
            "secret": generated,
            "setup": adapter_for(channel.kind).setup_help(
                channel, inbound_url(channel), status_url(channel)
            ),
            "inbound_url": inbound_url(channel),
            "added": False,
        },
    )


@login_required
@require_http_methods(["POST"])
def test_channel(request: HttpRequest, slug: str, channel_id: str) -> HttpResponse:
    project, viewer = _as_manager(request, slug)
    channel = _channel_of(project.pk, channel_id)
    form = TestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the number to send the test message to."))
        return redirect("intake_admin:channels", slug=project.slug)
    to = form.cleaned_data["to"].strip()
    secrets = channel_secrets(channel, SystemPurpose.SEND_OUTBOUND)
    sent = send_test_message(channel, secrets, Inbound("test", to, ""), actor=viewer)
    if sent:
        messages.success(
            request,
            _(
                "Test message handed to the gateway. Reply to it: when your reply arrives, "
                "this page shows when the channel last received a message."
            ),
        )
    else:
        messages.error(request, _("The gateway did not take the test message: check its settings."))
    return redirect("intake_admin:channels", slug=project.slug)
