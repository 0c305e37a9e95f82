"""Invented demo data: a made-up geography and feedback records for ``seed_demo``.

Everything here is fiction: the area names are made up and labelled "(invented)", the
messages come from templates, the phone numbers are drawn from a seeded generator.
Planning is pure (a seed and a clock in, a list out) so it can be tested without a
database; ``seed_areas`` and ``seed_feedback`` write the plan through the project's
actions.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from responsemap.accounts.models import User
from responsemap.demo.actions import do_seed_triage_state
from responsemap.geo.actions import do_create_area
from responsemap.geo.locate import coarsen
from responsemap.geo.models import AdminArea
from responsemap.projects.models import Project
from responsemap.triage.actions import NewFeedback, do_create_feedback_batch
from responsemap.triage.models import Feedback

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 (printed on purpose: invented demo accounts)
DAYS = 60

# --- Geography -----------------------------------------------------------------------

# (pcode, English name, French name, district names); all names are invented.
PROVINCES: list[tuple[str, str, str, list[str]]] = [
    ("XD01", "Riverside", "de la Rivière", ["Quillbrook", "Fennimarsh", "Tamberlow", "Oskaby"]),
    ("XD02", "Highland", "des Hauteurs", ["Vrellmont", "Cobbleridge", "Zandervale"]),
    ("XD03", "Coastal", "Côtière", ["Pellisand", "Marrowcove", "Jubbet Point", "Lanterwick"]),
    ("XD04", "Lakeside", "du Lac", ["Dowsmere", "Ambleturn", "Grisholt"]),
]
ORIGIN_LON, ORIGIN_LAT = -72.9, 18.2  # a 0.8° × 0.6° grid around lon -72.5, lat 18.5
PROVINCE_W, PROVINCE_H = 0.4, 0.3


@dataclass(frozen=True)
class AreaSpec:
    pcode: str
    level: int
    parent: str | None
    names: dict[str, str]
    place: str  # the bare invented name, as people would write it in a message
    box: tuple[float, float, float, float]  # min lon, min lat, max lon, max lat

    @property
    def geometry(self) -> dict[str, object]:
        x0, y0, x1, y1 = self.box
        ring = [[x0, y0], [x1, y0], [x1, y1], [x0, y1], [x0, y0]]
        return {"type": "Polygon", "coordinates": [ring]}


def _box(x0: float, y0: float, x1: float, y1: float) -> tuple[float, float, float, float]:
    return (round(x0, 4), round(y0, 4), round(x1, 4), round(y1, 4))


def geography() -> list[AreaSpec]:
    """Four invented provinces on a 2 × 2 grid, each cut into 3 or 4 districts."""
    areas: list[AreaSpec] = []
    for i, (pcode, en, fr, districts) in enumerate(PROVINCES):
        x0 = ORIGIN_LON + (i % 2) * PROVINCE_W
        y0 = ORIGIN_LAT + (i // 2) * PROVINCE_H
        names = {"en": f"{en} Province (invented)", "fr": f"Province {fr} (fictive)"}
        areas.append(
            AreaSpec(pcode, 1, None, names, en, _box(x0, y0, x0 + PROVINCE_W, y0 + PROVINCE_H))
        )
        for j, place in enumerate(districts):
            if len(districts) == 4:  # 2 × 2
                w, h = PROVINCE_W / 2, PROVINCE_H / 2
                dx, dy = x0 + (j % 2) * w, y0 + (j // 2) * h
            else:  # vertical strips
                w, h = PROVINCE_W / len(districts), PROVINCE_H
                dx, dy = x0 + j * w, y0
            areas.append(
                AreaSpec(
                    f"{pcode}{j + 1:02d}",
                    2,
                    pcode,
                    {"en": f"{place} District (invented)", "fr": f"District de {place} (fictif)"},
                    place,
                    _box(dx, dy, dx + w, dy + h),
                )
            )
    return areas


def seed_areas(project: Project) -> dict[str, AdminArea]:
    """Create the invented areas in ``project``; returns them by P-code."""
    created: dict[str, AdminArea] = {}
    for spec in geography():
        created[spec.pcode] = do_create_area(
            project_id=project.pk,
            pcode=spec.pcode,
            name=spec.names["en"],
            names=spec.names,
            level=spec.level,
            parent=created[spec.parent] if spec.parent else None,
            geometry=spec.geometry,
        )
    return created


# --- Message templates ---------------------------------------------------------------

# (type, sector, topic, English, French); {place}, {day} and {n} are filled in.
# fmt: off
TEMPLATES: list[tuple[str, str, str, str, str]] = [
    ("question", "food", "distribution", "When is the next food distribution in {place}?",
     "Quand aura lieu la prochaine distribution de nourriture à {place} ?"),
    ("question", "cash", "registration", "How do I register for the cash programme?",
     "Comment s'inscrire au programme de transfert monétaire ?"),
    ("question", "cash", "payment", "My cash payment has not come since {day}. When will it?",
     "Mon paiement n'est pas arrivé depuis {day}. Quand va-t-il venir ?"),
    ("question", "health", "clinic", "Is the mobile clinic coming to {place} this week?",
     "Est-ce que la clinique mobile vient à {place} cette semaine ?"),
    ("question", "shelter", "kits", "Who do I talk to about shelter kits in {place}?",
     "À qui parler pour les kits abri à {place} ?"),
    ("question", "education", "school", "When will the school in {place} open again?",
     "Quand l'école de {place} va-t-elle rouvrir ?"),
    ("question", "wash", "water_quality", "Is the water from the tank in {place} safe to drink?",
     "L'eau du réservoir de {place} est-elle potable ?"),
    ("question", "other", "service", "What is this number for? Who are you?",
     "À quoi sert ce numéro ? Qui êtes-vous ?"),
    ("request", "wash", "water_point", "Water point in {place} has been broken since {day}.",
     "Le point d'eau de {place} est en panne depuis {day}."),
    ("request", "shelter", "tarpaulins", "Our house was flooded, we need tarpaulins for {n}.",
     "Notre maison a été inondée, il faut des bâches pour {n} personnes."),
    ("request", "food", "food_gap", "We have had no food for {n} days, please help.",
     "Nous n'avons rien reçu à manger depuis {n} jours, aidez-nous."),
    ("request", "health", "diarrhoea", "My child has diarrhoea, where can we get ORS in {place}?",
     "Mon enfant a la diarrhée, où trouver des SRO à {place} ?"),
    ("request", "nutrition", "screening", "Please send the nutrition team to {place}.",
     "Envoyez l'équipe nutrition à {place} s'il vous plaît."),
    ("request", "wash", "latrines", "We need latrines near the shelter in {place}.",
     "Il faut des latrines près de l'abri à {place}."),
    ("request", "shelter", "blankets", "Road to {place} is blocked, {n} families need blankets.",
     "La route vers {place} est coupée, {n} familles ont besoin de couvertures."),
    ("request", "food", "access", "I am old and cannot walk to the distribution in {place}.",
     "Je suis âgé et je ne peux pas marcher jusqu'à la distribution à {place}."),
    ("complaint", "food", "distribution", "The distribution in {place} ran out before our turn.",
     "La distribution à {place} s'est terminée avant notre tour."),
    ("complaint", "cash", "targeting", "I was registered but my name was not on the list on {day}.",
     "J'étais inscrit mais mon nom n'était pas sur la liste {day}."),
    ("complaint", "other", "staff_conduct", "Staff at the distribution were rude to old people.",
     "Le personnel de la distribution a mal parlé aux personnes âgées."),
    ("complaint", "wash", "water_trucking", "The water truck did not come to {place} on {day}.",
     "Le camion d'eau n'est pas venu à {place} {day}."),
    ("complaint", "food", "quality", "The rice we received in {place} was spoiled.",
     "Le riz reçu à {place} était gâté."),
    ("rumour", "health", "water_poisoned", "People say the water in {place} is poisoned. True?",
     "On dit que l'eau de {place} est empoisonnée. C'est vrai ?"),
    ("rumour", "cash", "pay_to_register", "Someone said you must pay to get on the cash list.",
     "Quelqu'un dit qu'il faut payer pour être sur la liste."),
    ("rumour", "other", "new_flood", "We heard a flood comes on {day}, must we leave {place}?",
     "On a entendu qu'une autre inondation arrive {day}, faut-il quitter {place} ?"),
    ("suggestion", "food", "timing", "Please distribute in the morning, the afternoon is too hot.",
     "Distribuez le matin s'il vous plaît, l'après-midi il fait trop chaud."),
    ("suggestion", "other", "reminders", "Could you send SMS reminders before distributions?",
     "Pouvez-vous envoyer un SMS de rappel avant les distributions ?"),
    ("appreciation", "wash", "repair", "Thank you for repairing the water point in {place}.",
     "Merci d'avoir réparé le point d'eau de {place}."),
    ("appreciation", "health", "clinic", "Thank you to the clinic team who came on {day}.",
     "Merci à l'équipe de la clinique venue {day}."),
    ("protection", "protection", "safety", "A woman at the shelter in {place} is afraid, call.",
     "Une femme à l'abri de {place} a peur, appelez-nous."),
    ("protection", "protection", "child_alone", "Children are alone at the site since {day}.",
     "Des enfants sont seuls sur le site depuis {day}."),
    ("protection", "protection", "exploitation", "Someone asked for a favour to be put on a list.",
     "Quelqu'un a demandé une faveur pour mettre un nom sur la liste."),
    ("protection", "protection", "lighting", "The site is dark at night, women do not feel safe.",
     "Le site n'est pas éclairé la nuit, les femmes ne se sentent pas en sécurité."),
]
# fmt: on
DAY_NAMES = {
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
}

# --- Weights -------------------------------------------------------------------------

TYPES = {
    "question": 32,
    "request": 28,
    "complaint": 16,
    "rumour": 7,
    "suggestion": 7,
    "appreciation": 7,
    "protection": 3,
}
CHANNELS = {"sms": 44, "hotline": 22, "whatsapp": 13, "web": 8, "survey": 8, "in_person": 5}
PHONE_SHARE = {"sms": 0.7, "whatsapp": 0.7, "hotline": 0.45}  # others: 0.15
URGENCY = {"low": 16, "normal": 70, "high": 12, "critical": 2}
GENDER = {"female": 48, "male": 38, "other": 1, "unknown": 13}
AGE = {"0-17": 4, "18-24": 18, "25-59": 55, "60+": 10, "unknown": 13}
DISABILITY = {"yes": 8, "no": 62, "unknown": 30}
DISPLACEMENT = {"idp": 42, "host": 28, "returnee": 8, "refugee": 2, "unknown": 20}
# Days ago → (volume factor, sectors that dominate): a flood, a distribution, a payment day.
FLOOD = 42
SPIKES: dict[int, tuple[float, set[str]]] = {
    FLOOD: (3.0, {"shelter", "wash", "health"}),
    FLOOD - 1: (2.4, {"shelter", "wash", "health"}),
    FLOOD - 2: (1.6, {"shelter", "wash"}),
    13: (2.4, {"food", "cash"}),
    12: (1.6, {"food", "cash"}),
    4: (1.7, {"cash"}),
}
HOURS = [0.2] * 6 + [1.0] * 3 + [2.5] * 9 + [1.5] * 4 + [0.5] * 2


def _status_weights(days_ago: int) -> dict[str, int]:
    if days_ago > 21:
        return {"closed": 65, "answered": 25, "referred": 5, "in_progress": 5}
    if days_ago >= 7:
        return {"closed": 30, "answered": 30, "in_progress": 25, "referred": 5, "new": 10}
    return {"new": 60, "in_progress": 25, "answered": 10, "referred": 5}


def _pick(rng: random.Random, weights: dict[str, float] | dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


@dataclass(frozen=True)
class PlannedFeedback:
    data: NewFeedback  # area left None: it is looked up by ``area_pcode`` when seeding
    area_pcode: str | None
    lat: float | None
    lon: float | None
    status: str


def phone_pool(rng: random.Random, size: int) -> list[str]:
    """Invented Haitian mobile numbers (+509 3xxx xxxx / 4xxx xxxx), all distinct."""
    numbers: set[str] = set()
    while len(numbers) < size:
        numbers.add(f"+509 {rng.choice('34')}{rng.randrange(1000):03d} {rng.randrange(10000):04d}")
    return sorted(numbers)


def plan_feedback(
    seed: int, count: int, now: datetime, areas: Sequence[AreaSpec] = ()
) -> list[PlannedFeedback]:
    """``count`` invented records over the last ``DAYS`` days, the same for the same seed.

    Types come from their own random stream, so the type mix of a seed does not depend
    on ``now``; everything else does only through the calendar (weekends, record age).
    """
    type_rng = random.Random(seed)  # noqa: S311 (invented data, not security)
    rng = random.Random(seed + 1)  # noqa: S311
    types = type_rng.choices(list(TYPES), weights=list(TYPES.values()), k=count)
    districts = [a for a in areas if a.level == 2]
    district_weights = [rng.uniform(0.5, 3.0) for _ in districts]  # some places hit harder
    phones = phone_pool(rng, max(10, count // 4))
    phone_weights = [1 / (i + 1) ** 0.6 for i in range(len(phones))]  # a few write often

    day_weights = []
    for days_ago in range(DAYS):
        # Quiet before the flood, busy after it and slowly calming; spikes ignore weekends.
        level = 0.6 if days_ago > FLOOD else 1 + 0.8 * math.exp((days_ago - FLOOD) / 12)
        weekday = (now - timedelta(days=days_ago)).weekday()
        factor = SPIKES[days_ago][0] if days_ago in SPIKES else (1.0 if weekday < 5 else 0.45)
        day_weights.append(level * factor)

    plan: list[PlannedFeedback] = []
    for type_code in types:
        days_ago = rng.choices(range(DAYS), weights=day_weights)[0]
        received = (now - timedelta(days=days_ago)).replace(
            hour=rng.choices(range(24), weights=HOURS)[0],
            minute=rng.randrange(60),
            second=rng.randrange(60),
            microsecond=0,
        )
        if received > now:
            received = now - timedelta(minutes=rng.randrange(1, 240))
        spike_sectors = SPIKES.get(days_ago, (1.0, set()))[1]
        candidates = [t for t in TEMPLATES if t[0] == type_code]
        weights = [4.0 if t[1] in spike_sectors else 1.0 for t in candidates]
        _, sector, topic, en, fr = rng.choices(candidates, weights=weights)[0]
        language = "fr" if rng.random() < 0.6 else "en"

        area = rng.choices(districts, weights=district_weights)[0] if districts else None
        if area is not None and rng.random() < 0.1:
            area = None  # the sender did not say where
        place = area.place if area else "le camp" if language == "fr" else "the camp"
        content = (fr if language == "fr" else en).format(
            place=place, day=rng.choice(DAY_NAMES[language]), n=rng.randint(3, 12)
        )
        lat = lon = None
        if area is not None and rng.random() < 0.45:
            x0, y0, x1, y1 = area.box
            lat, lon = coarsen(rng.uniform(y0 + 0.01, y1 - 0.01), rng.uniform(x0 + 0.01, x1 - 0.01))

        channel = _pick(rng, CHANNELS)
        phone = ""
        if rng.random() < PHONE_SHARE.get(channel, 0.15):
            phone = rng.choices(phones, weights=phone_weights)[0]
        sensitive = type_code == "protection"
        urgency = _pick(rng, {"high": 65, "critical": 35} if sensitive else URGENCY)
        status = _pick(rng, _status_weights(days_ago))
        if status == "new" and not sensitive and rng.random() < 0.5:
            sector, topic = "uncoded", ""  # not triaged yet
        data = NewFeedback(
            source=channel,
            content=content,
            received_at=received,
            phone=phone,
            language=language,
            type_code=type_code,
            sector=sector,
            topic=topic,
            urgency=urgency,
            gender=_pick(rng, GENDER),
            age_band=_pick(rng, AGE),
            disability=_pick(rng, DISABILITY),
            displacement=_pick(rng, DISPLACEMENT),
            sensitivity="sensitive" if sensitive else "normal",
            consent_given=True if phone else None,
        )
        plan.append(PlannedFeedback(data, area.pcode if area else None, lat, lon, status))
    return plan


def seed_feedback(
    project: Project,
    plan: Sequence[PlannedFeedback],
    areas: dict[str, AdminArea],
    officer: User | None = None,
    protection: User | None = None,
) -> int:
    """Store the plan through ``do_create_feedback_batch`` (contacts, consent, an audit
    event per record), as one batch.

    ``NewFeedback`` carries no status, assignee or position, so those are set afterwards
    by ``do_seed_triage_state`` in one bulk update and one audit event.
    """
    items = [
        replace(item.data, area=areas.get(item.area_pcode) if item.area_pcode else None)
        for item in plan
    ]
    made = do_create_feedback_batch(project, items, actor=None)
    stored: list[Feedback] = []
    for item, feedback in zip(plan, made, strict=True):
        feedback.status, feedback.lat, feedback.lon = item.status, item.lat, item.lon
        if item.status != "new":
            sensitive = item.data.sensitivity == "sensitive"
            feedback.assignee = protection if sensitive else officer
        stored.append(feedback)
    do_seed_triage_state(project.pk, stored)
    return len(stored)
