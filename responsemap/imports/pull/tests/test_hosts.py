"""A pull reaches form servers only: never this machine, its link-local or metadata
addresses, nor private ranges unless allowed; and each answer is read up to a cap."""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from responsemap.accounts.models import User
from responsemap.imports.pull import clients, hosts
from responsemap.imports.pull.models import PullSource
from responsemap.imports.pull.tests.standin import (
    ASSET_UID,
    KOBO_TOKEN,
    StandIn,
    kobo_submission,
)
from responsemap.imports.pull.tests.test_pull import (
    KOBO_MAPPING,
    T0,
    imported,
    kobo_source,
    manager,
    mapped,
    pull_now,
)
from responsemap.imports.pull.tests.test_views import kobo_post
from responsemap.projects.models import Project

pytestmark = pytest.mark.django_db
ClientFor = Callable[[str], Client]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "127.8.9.10",
        "::1",
        "169.254.169.254",
        "169.254.170.2",
        "fe80::1",
        "fd00:ec2::254",
        "100.100.100.200",
        "0.0.0.0",  # noqa: S104 (the address refused, not one listened on)
        "::",
        "224.0.0.1",
        "ff02::1",
        "240.0.0.1",
        "255.255.255.255",
        "::ffff:127.0.0.1",
        "::ffff:169.254.169.254",
        "2002:7f00:1::1",  # 6to4 around 127.0.0.1
        "2002:a9fe:a9fe::1",  # 6to4 around 169.254.169.254
        "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, its client 127.0.0.1
    ],
)
def test_loopback_link_local_metadata_and_the_like_are_always_refused(
    settings: Any, address: str
) -> None:
    settings.RESPONSEMAP_PULL_ALLOWED_NETWORKS = []
    settings.RESPONSEMAP_PULL_ALLOW_PRIVATE_HOSTS = True
    assert not hosts.address_allowed(ipaddress.ip_address(address))


@pytest.mark.parametrize("address", ["10.1.2.3", "172.16.0.9", "192.168.1.20", "fd12::1"])
def test_private_ranges_only_when_the_installation_allows_them(settings: Any, address: str) -> None:
    settings.RESPONSEMAP_PULL_ALLOWED_NETWORKS = []
    settings.RESPONSEMAP_PULL_ALLOW_PRIVATE_HOSTS = False
    assert not hosts.address_allowed(ipaddress.ip_address(address))
    settings.RESPONSEMAP_PULL_ALLOW_PRIVATE_HOSTS = True
    assert hosts.address_allowed(ipaddress.ip_address(address))


def test_public_addresses_and_the_listed_networks_are_allowed(settings: Any) -> None:
    settings.RESPONSEMAP_PULL_ALLOWED_NETWORKS = ["10.2.0.0/16"]
    settings.RESPONSEMAP_PULL_ALLOW_PRIVATE_HOSTS = False
    assert hosts.address_allowed(ipaddress.ip_address("93.184.215.14"))
    assert hosts.address_allowed(ipaddress.ip_address("2606:4700::1"))
    assert hosts.address_allowed(ipaddress.ip_address("10.2.3.4"))
    assert not hosts.address_allowed(ipaddress.ip_address("10.3.0.1"))


def test_names_are_judged_by_every_address_they_resolve_to(settings: Any, monkeypatch: Any) -> None:
    settings.RESPONSEMAP_PULL_ALLOWED_NETWORKS = []
    answers = {"public.example": ["93.184.215.14"], "mixed.example": ["93.184.215.14", "127.0.0.1"]}

    def fake_getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        return [(2, 1, 6, "", (a, port)) for a in answers[host]]

    monkeypatch.setattr(socket, "getaddrinfo", fake_getaddrinfo)
    hosts.check_url("https://public.example/api")
    with pytest.raises(hosts.ForbiddenHost):
        hosts.check_url("https://mixed.example/api")
    with pytest.raises(hosts.ForbiddenHost):
        hosts.check_url("http://[::1]:8080/")


@pytest.mark.parametrize(
    "server_url",
    ["http://169.254.169.254", "http://127.0.0.1:9", "http://localhost:8000", "http://10.0.0.8"],
)
def test_the_connection_form_refuses_such_an_address_in_words(
    project: Project, client_as: ClientFor, standin: StandIn, settings: Any, server_url: str
) -> None:
    settings.RESPONSEMAP_PULL_ALLOWED_NETWORKS = []
    response = client_as("manager").post(
        reverse("imports:pull_connect", args=[project.slug]),
        kobo_post(standin, server_url=server_url),
    )
    assert response.status_code == 400
    assert "can't be fetched from" in " ".join(response.context["form"].errors["server_url"])
    assert not PullSource.objects.exists()
    assert standin.requests == []


def test_a_pull_to_a_refused_address_fetches_nothing(
    project: Project, personas: dict[str, User], standin: StandIn, settings: Any
) -> None:
    """A source saved while allowed (or before this check) stops with words, asks the
    server nothing and imports nothing."""
    viewer = manager(personas, project)
    standin.kobo = [kobo_submission(n, T0 + timedelta(minutes=n)) for n in range(3)]
    source = kobo_source(project, viewer, standin)
    settings.RESPONSEMAP_PULL_ALLOWED_NETWORKS = []
    source = mapped(source, KOBO_MAPPING, viewer)
    assert source.last_outcome == "forbidden_host"
    assert standin.requests == []
    assert not imported(project).exists()
    page = pull_now(source, viewer)
    assert page.last_outcome == "forbidden_host"


def test_a_connection_that_reaches_a_refused_address_is_dropped(
    standin: StandIn, settings: Any, monkeypatch: Any
) -> None:
    """A name that passed the check but connects elsewhere (DNS rebinding) is refused on
    the connection itself, before a byte is sent."""
    settings.RESPONSEMAP_PULL_ALLOWED_NETWORKS = []
    monkeypatch.setattr(hosts, "check_url", lambda url: None)
    server = clients.KoboServer(standin.base, ASSET_UID, KOBO_TOKEN)
    with pytest.raises(clients.PullError) as caught:
        next(server.pages(None))
    assert caught.value.code == "forbidden_host"
    assert standin.requests == []


def test_an_answer_over_the_cap_stops_the_pull_and_nothing_of_it_is_imported(
    project: Project, personas: dict[str, User], standin: StandIn, settings: Any
) -> None:
    viewer = manager(personas, project)
    standin.kobo = [kobo_submission(n, T0 + timedelta(minutes=n)) for n in range(3)]
    source = kobo_source(project, viewer, standin)
    settings.RESPONSEMAP_PULL_MAX_RESPONSE_BYTES = 2000  # a page of 3 is ~4 kB
    source = mapped(source, KOBO_MAPPING, viewer)
    assert (source.last_outcome, source.last_created) == ("too_large", 0)
    assert source.last_submission_at is None
    assert not imported(project).exists()
    settings.RESPONSEMAP_PULL_MAX_RESPONSE_BYTES = 1024 * 1024
    source = pull_now(source, viewer)
    assert (source.last_outcome, source.last_created) == ("ok", 3)


def test_the_cap_counts_what_streams_in_whatever_the_length_header_says() -> None:
    class Streamed:
        headers: dict[str, str] = {}

        def iter_content(self, size: int) -> Any:
            yield from [b"x" * 600] * 5

    with pytest.raises(clients.PullError) as caught:
        clients._read_capped(Streamed(), 2000)  # type: ignore[arg-type]
    assert caught.value.code == "too_large"
    assert clients._read_capped(Streamed(), 3000) == b"x" * 3000  # type: ignore[arg-type]


@pytest.mark.parametrize("server_url", ["http://forms.example.org:99999", "https://[::1]:70000"])
def test_a_port_out_of_range_is_refused_in_words_not_a_server_error(
    project: Project, client_as: ClientFor, standin: StandIn, server_url: str
) -> None:
    response = client_as("manager").post(
        reverse("imports:pull_connect", args=[project.slug]),
        kobo_post(standin, server_url=server_url),
    )
    assert response.status_code == 400
    assert response.context["form"].errors["server_url"]
    assert not PullSource.objects.exists()
    with pytest.raises(hosts.ForbiddenHost):
        hosts.check_url(server_url)


def test_an_answer_nested_past_the_parser_is_a_bad_answer_not_a_crash() -> None:
    with pytest.raises(clients.PullError) as caught:
        clients._json(b"[" * 100_000 + b"]" * 100_000)
    assert caught.value.code == "bad_response"
    with pytest.raises(clients.PullError) as caught:
        clients._json(b'{"a":' * 100_000 + b"1" + b"}" * 100_000)
    assert caught.value.code == "bad_response"
