"""Request bodies for bench_inbound: senders, message texts, signed webhook requests.

Bodies are made and signed here, in Python (HMAC is not cheap in wrk's Lua), and written
one request a line (``id<TAB>signature<TAB>body``) to one file per wrk thread;
``benchmarks/inbound.lua`` replays them and writes, per thread, the id of every request
answered (``id<TAB>stored`` for a 200, ``id<TAB>!status`` otherwise).
"""

from __future__ import annotations

import json
import random
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

COUNTRY = "HT"
KNOWN_SENDERS = 5000
NEW_SENDER_SHARE = 0.02
SECRET = "bench-inbound-relay-secret-0123456789abcdef"  # noqa: S105  (a throwaway channel)
FIRST = ["Jean", "Marie", "Rose", "Pierre", "Wilner", "Nadège", "Fabiola", "Jocelyn"]
FIRST += ["Esther", "Ricardo", "Guerline", "Stéphane", "Mackenson", "Judith", "Frantz"]
LAST = ["Joseph", "Jean-Baptiste", "Louis", "Charles", "Étienne", "Desir", "Saint-Fleur"]
LAST += ["Augustin", "Noël", "Dorvil", "Pierre-Louis", "Alexis", "Théodore"]
PLACES = ["Jérémie", "Les Cayes", "Cité Soleil", "Gonaïves", "Jacmel", "Port-de-Paix"]
PLACES += ["Hinche", "Carrefour-Feuilles", "Petit-Goâve", "Fort-Liberté"]
TEMPLATES = [
    "Bonjour, je m'appelle {name}. Ma famille n'a pas reçu de kit d'hygiène à {place}. "
    "Appelez-moi au {phone}.",
    "Hello, my name is {name}. The water point in {place} has been broken for {n} days. "
    "My number is {phone}.",
    "Mwen se {name}, nou bezwen manje nan {place}. Rele m nan {phone}.",
    "Merci pour la distribution d'hier à {place}, tout s'est bien passé.",
    "{name} from {place} is sick and needs a doctor, call {phone} or {phone2}.",
    "Ma carte d'identité {idn} n'est pas sur la liste à {place}, je suis {name}.",
    "Pa gen dlo nan {place} depi {n} jou. {name} {phone}",
    "STOP pub? Non: question sur le cash à {place}, contacter {name} au {phone}.",
]


def _digits(rng: random.Random) -> str:
    """An 8-digit Haitian mobile number (operators' prefixes 3x and 4x)."""
    return rng.choice("34") + "".join(rng.choice("0123456789") for _ in range(7))


def _as_written(number: str, rng: random.Random) -> str:
    """The number as a gateway or a person might write it; all read as +509 ``number``."""
    a, b, c, d = number[:2], number[2:4], number[4:6], number[6:]
    forms = [
        f"+509{number}",
        f"+509 {a}{b} {c}{d}",
        f"{a}{b}-{c}{d}",
        f"+509-{a}-{b}-{c}-{d}",
        f"00509{number}",
        f"({a}) {b}{c}{d}",
    ]
    return rng.choice(forms)


def _text(rng: random.Random) -> str:
    return rng.choice(TEMPLATES).format(
        name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
        place=rng.choice(PLACES),
        phone=_as_written(_digits(rng), rng),
        phone2=_as_written(_digits(rng), rng),
        idn=f"{rng.randint(100, 999)}-{rng.randint(100, 999)}-{rng.randint(100, 999)}-"
        f"{rng.randint(0, 9)}",
        n=rng.randint(2, 12),
    )


@dataclass
class Senders:
    """``known``: numbers whose contacts exist before the run; ``fresh`` numbers are
    first seen during it (the consent-notice path)."""

    known: list[str]
    rng: random.Random
    new_share: float
    used: set[str] = field(default_factory=set)

    @classmethod
    def make(cls, count: int, new_share: float, seed: int) -> Senders:
        rng = random.Random(seed)
        known: set[str] = set()
        while len(known) < count:
            known.add(_digits(rng))
        return cls(sorted(known), rng, new_share, set(known))

    def pick(self) -> tuple[str, bool]:
        """A sender as written, and whether it is a new number."""
        if self.rng.random() < self.new_share:
            while (number := _digits(self.rng)) in self.used:
                pass
            self.used.add(number)
            return _as_written(number, self.rng), True
        return _as_written(self.rng.choice(self.known), self.rng), False


@dataclass
class RequestSet:
    """Signed requests, by id, split over the files of ``threads`` wrk threads."""

    directory: Path
    threads: int
    bodies: dict[str, tuple[str, bytes]]  # id -> (signature, body)
    new_senders: set[str]  # ids of messages from a first-time number


def make_requests(
    directory: Path,
    *,
    prefix: str,
    count: int,
    threads: int,
    senders: Senders,
    secret: str,
    seed: int,
) -> RequestSet:
    from responsemap.intake.channels.webhook.adapter import sign

    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    start = datetime(2025, 3, 1, 8, tzinfo=UTC)
    bodies: dict[str, tuple[str, bytes]] = {}
    new_senders: set[str] = set()
    files = [(directory / f"requests_{t}.txt").open("w", encoding="utf-8") for t in range(threads)]
    try:
        for i in range(count):
            message_id = f"{prefix}-{i:07d}"
            sender, new = senders.pick()
            if new:
                new_senders.add(message_id)
            item = {
                "id": message_id,
                "from": sender,
                "text": _text(rng),
                "sent_at": (start + timedelta(seconds=i)).isoformat(),
            }
            body = json.dumps({"messages": [item]}, ensure_ascii=False).encode()
            signature = sign(secret, body)
            bodies[message_id] = (signature, body)
            files[i % threads].write(f"{message_id}\t{signature}\t{body.decode()}\n")
    finally:
        for f in files:
            f.close()
    return RequestSet(directory, threads, bodies, new_senders)


@dataclass
class Answers:
    stored: list[str]  # ids answered 200 with "stored": 1, in order, repeats kept
    replayed: int  # answered 200 with "stored": 0 (wrk wrapped round its file)
    refused: Counter[str]  # other statuses, by status

    @property
    def distinct_stored(self) -> set[str]:
        return set(self.stored)


def read_answers(directory: Path, threads: int) -> Answers:
    stored: list[str] = []
    replayed = 0
    refused: Counter[str] = Counter()
    for t in range(threads):
        path = directory / f"acked_{t}.txt"
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            message_id, _, outcome = line.partition("\t")
            if outcome == "1":
                stored.append(message_id)
            elif outcome == "0":
                replayed += 1
            else:
                refused[outcome.lstrip("!")] += 1
    return Answers(stored, replayed, refused)


def merge_answers(parts: list[Answers]) -> Answers:
    refused: Counter[str] = Counter()
    for part in parts:
        refused.update(part.refused)
    stored = [i for part in parts for i in part.stored]
    return Answers(stored, sum(part.replayed for part in parts), refused)


def merge_sets(parts: list[RequestSet]) -> RequestSet:
    bodies = {k: v for part in parts for k, v in part.bodies.items()}
    new = {i for part in parts for i in part.new_senders}
    return RequestSet(parts[0].directory.parent, parts[0].threads, bodies, new)


def clear_answers(directory: Path, threads: int) -> None:
    for t in range(threads):
        (directory / f"acked_{t}.txt").unlink(missing_ok=True)


def setup_app(send_url: str) -> tuple[Any, Senders]:
    """A project, its webhook channel, consent notices, and the known senders' contacts."""
    from responsemap.intake.channels.actions import do_create_channel
    from responsemap.intake.contacts.actions import (
        NewContact,
        do_get_or_create_contacts,
        do_set_consent_notice,
    )
    from responsemap.projects.actions import do_create_project
    from responsemap.projects.models import Organisation, Project

    org = Organisation.objects.create(name="Bench", slug="bench")
    project = do_create_project(
        organisation=org,
        name="Inbound benchmark",
        slug="bench-inbound",
        country="HT",
        languages=["fr", "ht", "en"],
        purpose="Benchmark",
        status=Project.Status.ACTIVE,
    )
    channel = do_create_channel(
        project_id=project.pk,
        kind="webhook",
        name="SMS relay",
        address="+50922000000",
        config={"send_url": send_url},
        secrets={"secret": SECRET},
        send_rate=100.0,
    )
    for language, text in (
        ("fr", "Merci. Vos messages nous aident; répondez STOP pour ne plus rien recevoir."),
        ("ht", "Mèsi. Mesaj ou yo ede nou; voye STOP si ou pa vle resevwa anyen ankò."),
        ("en", "Thank you. Your messages help us; reply STOP to receive nothing more."),
    ):
        do_set_consent_notice(project_id=project.pk, language=language, text=text)
    _areas(project.pk)
    senders = Senders.make(KNOWN_SENDERS, NEW_SENDER_SHARE, seed=5)
    # Born as every contact is: one batch, a contact.create event each.
    known = [NewContact(phone=f"+509{number}") for number in senders.known]
    do_get_or_create_contacts(project.pk, known)
    return channel, senders


def _areas(project_id: Any) -> None:
    """A geography of Haiti's size (10 departments, 140 communes) in which the places
    the texts name are communes, so the end-to-end part places each message."""
    from responsemap.geo.models import AdminArea

    departments = [
        AdminArea.objects.create(
            project_id=project_id, pcode=f"XH{d:02d}", name=f"Département {d}", level=1
        )
        for d in range(1, 11)
    ]
    names = PLACES + [f"Commune {n}" for n in range(len(PLACES), 140)]
    AdminArea.objects.bulk_create(
        AdminArea(
            project_id=project_id,
            pcode=f"XH{i % 10 + 1:02d}{i:03d}",
            name=name,
            level=2,
            parent=departments[i % 10],
        )
        for i, name in enumerate(names)
    )
