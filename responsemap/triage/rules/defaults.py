"""The rules a project uses until a manager saves its own (``rules.queries.rules_for``).

The keyword lists are common words of violence, abuse, exploitation and threat in the
project languages the platform ships (English, French, Spanish, Arabic, Haitian
Creole), written for this project; a manager adds local words on the rules screen.
Words are matched whole after normalisation (``matching.normalise_for_rules``), so
accents, case and Arabic letter variants need not be listed twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext_lazy as _

PROTECTION_KEYWORDS: dict[str, list[str]] = {
    "en": [
        "rape", "raped", "rapist", "sexual assault", "assaulted", "abuse", "abused",
        "abusing", "molested", "touched me", "beat me", "beaten", "beating", "hit me",
        "violence", "violent", "threat", "threatened", "threatening", "kill", "killed",
        "murder", "kidnap", "kidnapped", "abducted", "trafficking", "trafficked",
        "forced marriage", "child marriage", "exploitation", "exploited", "sex for",
        "harassment", "harassed", "suicide", "hurt me", "weapon", "gun", "knife",
    ],
    "fr": [
        "viol", "violée", "violé", "violer", "agression sexuelle", "agressée", "abus",
        "abusé", "abusée", "attouchement", "attouchements", "battue", "battu", "frappée",
        "frappé", "me frappe", "violence", "violences", "menace", "menacée", "menacé",
        "tuer", "tué", "meurtre", "enlèvement", "enlevée", "kidnappé", "traite",
        "mariage forcé", "mariage précoce", "exploitation", "exploitée", "harcèlement",
        "harcelée", "suicide", "arme", "fusil", "couteau", "sexe contre",
    ],
    "es": [
        "violación", "violada", "violado", "violar", "agresión sexual", "agredida",
        "abuso", "abusada", "abusado", "manoseo", "golpeada", "golpeado", "me pega",
        "violencia", "amenaza", "amenazada", "amenazado", "matar", "asesinato",
        "secuestro", "secuestrada", "trata", "matrimonio forzado", "matrimonio infantil",
        "explotación", "explotada", "acoso", "acosada", "suicidio", "arma", "pistola",
        "cuchillo", "sexo por",
    ],
    "ar": [
        "اغتصاب", "اغتصبني", "اعتداء", "اعتداء جنسي", "تحرش", "تحرش جنسي", "ضرب",
        "ضربني", "يضربني", "عنف", "عنف اسري", "تهديد", "هددني", "قتل", "يقتلني", "خطف",
        "اختطاف", "اتجار", "زواج قسري", "زواج مبكر", "زواج اطفال", "استغلال",
        "استغلال جنسي", "انتحار", "سلاح", "سكين", "مسدس", "اساءة", "اعتدى",
    ],
    "ht": [
        "kadejak", "vyole", "vyolans", "abi", "abize", "atake", "manyen m", "bat mwen",
        "bat", "frape", "menase", "menas", "touye", "asasinen", "kidnape", "kidnapin",
        "trafik", "maryaj fòse", "eksplwate", "eksplwatasyon", "asèlman", "swisid",
        "zam", "kouto", "revòlve", "fè m mal", "fòse m",
    ],
}


@dataclass(frozen=True)
class DefaultRule:
    name: Any  # lazy: in the language of whoever saves the defaults
    keywords: dict[str, list[str]] = field(default_factory=dict)
    repeat_count: int | None = None
    repeat_hours: int | None = None
    sets_urgency: str = ""
    suggests_protection: bool = False


DEFAULT_RULES = [
    DefaultRule(
        name=_("Violence, abuse or threat"),
        keywords=PROTECTION_KEYWORDS,
        sets_urgency="critical",
        suggests_protection=True,
    ),
    DefaultRule(
        name=_("Same person writing again and again"),
        repeat_count=5,
        repeat_hours=24,
        sets_urgency="high",
    ),
]
