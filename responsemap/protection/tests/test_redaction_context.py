"""Names found from their context, in every supported language; numbers after identity
cues; ordinary words, places and organisations kept. Every sentence is invented for
these tests (none comes from a development set)."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from responsemap.protection.redaction import RedactionPolicy, find_pii, redact

KE = RedactionPolicy(country="KE")
SO = RedactionPolicy(country="SO")
NG = RedactionPolicy(country="NG")
HT = RedactionPolicy(country="HT")
AF = RedactionPolicy(country="AF")
LB = RedactionPolicy(country="LB")
CO = RedactionPolicy(country="CO")


def names(text: str, policy: RedactionPolicy = KE) -> list[str]:
    return [text[s.start : s.end] for s in find_pii(text, policy) if s.kind == "PERSON"]


# ------------------------------------------------------------------ cue phrases
@pytest.mark.parametrize(
    ("text", "policy", "name"),
    [
        ("Hello, my name is Oduya Kemboi Achieng and we lack water.", KE, "Oduya Kemboi Achieng"),
        ("my name is tobiko lemaron, the tap is broken", KE, "tobiko lemaron"),
        ("MY NAME IS GATWECH DENG, PLEASE HELP", KE, "GATWECH DENG"),
        (
            "Bonjour, je m'appelle Wiselande Pierre-Louis, nous avons faim.",
            HT,
            "Wiselande Pierre-Louis",
        ),
        ("Buenas, me llamo Yeferson Caicedo y necesito ayuda.", CO, "Yeferson Caicedo"),
        ("mwen rele dieunise joachim, kay la kraze", HT, "dieunise joachim"),
        ("Habari, naitwa Zuhura Mwanaisha, tunaomba chakula.", KE, "Zuhura Mwanaisha"),
        ("magacaygu waa Xaliimo Cawaale, biyo ma hayno", SO, "Xaliimo Cawaale"),
        ("Sannu, sunana Hadiza Tanimu, ba mu da abinci.", NG, "Hadiza Tanimu"),
        ("salam, nam-e man Gulalai Rahimi ast, komak lazim darim", AF, "Gulalai Rahimi"),
        ("مرحبا، اسمي رهف الخطيب، ما وصلتنا المساعدة", LB, "رهف الخطيب"),
    ],
)
def test_the_whole_name_after_an_introduction(
    text: str, policy: RedactionPolicy, name: str
) -> None:
    assert names(text, policy) == [name]


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ali bin Hamdan has not received his kit.", "Ali bin Hamdan"),
        ("My name is Ahmed al-Rashidi from block 4.", "Ahmed al-Rashidi"),
        ("Please help Abu Sufyan, he is sick.", "Abu Sufyan"),
        ("umm hamza needs milk for the baby", "umm hamza"),
        ("My name is Marie-Ange de la Cruz.", "Marie-Ange de la Cruz"),
    ],
)
def test_particles_and_kunyas_stay_inside_the_name(text: str, name: str) -> None:
    assert name in names(text)


# ----------------------------------------------------- kinship, role, honorifics
@pytest.mark.parametrize(
    ("text", "policy", "name"),
    [
        ("My neighbour Chepkoech has had fever for three days.", KE, "Chepkoech"),
        ("my neighbour nyakwol is alone with five children", KE, "nyakwol"),
        ("The camp leader Lokwang asks for money before the distribution.", KE, "Lokwang"),
        ("Hajji Wahidullah took our tokens.", AF, "Wahidullah"),
        ("mama Akinyi sells the flour we were given", KE, "Akinyi"),
        ("jirani yangu Nyaboke hana chakula", KE, "Nyaboke"),
        ("Aabahay Warsame waa buka.", SO, "Warsame"),
        ("baradar-e man sadiqullah gom shoda", AF, "sadiqullah"),
        ("vwazen mwen Tijo pa gen dlo", HT, "Tijo"),
        ("المختار أبو نضال يأخذ الحصص", LB, "أبو نضال"),
    ],
)
def test_a_name_after_a_kinship_or_role_word(text: str, policy: RedactionPolicy, name: str) -> None:
    assert names(text, policy) == [name]


def test_kinship_word_before_an_ordinary_word_takes_nothing() -> None:
    assert names("My neighbour has no food and my son is sick.") == []
    assert names("my daughter playing outside got hurt") == []


# -------------------------------------------------- place next to contact, end
def test_a_name_right_before_a_phone_number() -> None:
    assert names("we have no water. okumu barasa 0722 123 456") == ["okumu barasa"]
    assert names("Call Wanjiru on 0733 555 123 please") == ["Wanjiru"]


def test_a_signature_at_the_end() -> None:
    assert names("The latrines in block 9 are full. Thank you. Nasimiyu") == ["Nasimiyu"]
    assert names("the borehole is broken again.\n- ABDIKARIM") == ["ABDIKARIM"]


def test_a_name_before_a_word_that_follows_names() -> None:
    assert names("Kiprotich says the queue started at dawn.") == ["Kiprotich"]


# ------------------------------------------------------ capitals and scripts
def test_capitalised_words_mid_sentence_are_names() -> None:
    assert names("Yesterday Lemayian and Naserian walked to the clinic.") == [
        "Lemayian",
        "Naserian",
    ]


def test_all_caps_message_with_a_cue() -> None:
    assert names("PLEASE HELP, MY SISTER NYABOL IS MISSING") == ["NYABOL"]


def test_arabic_script_after_a_relation_word() -> None:
    assert names("جاري سليم ما عنده خيمة", LB) == ["سليم"]


def test_other_mentions_of_the_name_are_redacted_too() -> None:
    out = redact("My name is Tobiko. TOBIKO is my name on the list.", KE)
    assert "Tobiko" not in out
    assert "TOBIKO" not in out


# ------------------------------------------------------ ID after a cue
@pytest.mark.parametrize(
    ("text", "policy", "number"),
    [
        ("I lost my ration card 44-B/7712 yesterday", KE, "44-B/7712"),
        ("Nimepoteza kadi ya mgao KM/55/1029.", KE, "KM/55/1029"),
        ("kaarka raashinka XR-20931 waa lumay", SO, "XR-20931"),
        ("katin abinci na BN.4471.2 ya bace", NG, "BN.4471.2"),
        ("Kat rasyon fanmi an (TR/77/402) pa mache", HT, "TR/77/402"),
        ("perdí la tarjeta de alimentación 903/C/2207", CO, "903/C/2207"),
        ("J'ai perdu ma carte de ration AB 77120.", HT, "77120"),
        ("بطاقة الإعاشة QM-66120 ضاعت", LB, "QM-66120"),
        ("Case number 2207-4410 is still open", KE, "2207-4410"),
    ],
)
def test_a_number_after_an_identity_cue_is_an_id(
    text: str, policy: RedactionPolicy, number: str
) -> None:
    found = [(text[s.start : s.end], s.kind) for s in find_pii(text, policy)]
    assert any(number in value and kind == "ID_NUMBER" for value, kind in found), found


def test_project_id_pattern() -> None:
    policy = RedactionPolicy(country="SO", id_patterns=(r"[A-Z]{3}-\d{2}C\d{5}",))
    assert redact("Reg KBA-19C20331 not found", policy) == "Reg [ID] not found"


def test_a_date_after_a_cue_is_not_an_id() -> None:
    assert find_pii("my ration card expired in 2023", KE) == []


# ------------------------------------------------------ words that are kept
@pytest.mark.parametrize(
    "text",
    [
        "We have Hope that the rain will come. May God bless you.",
        "Joy and Grace filled the church when the water came back.",
        "There is no Mercy in this camp, Patience is running out.",
        "Amani imerudi kambini, Baraka kwa wote.",
        "Thanks to Faith Aid Kenya and the Hope Centre for the blankets.",
        "The Caritas team and Save the Children came on Monday.",
        "Le comité de Delmas remercie la Croix-Rouge.",
        "La Fundación Amparo nos dio mercados en el barrio Villa Rosa.",
        "We walked from Kakuma to Lodwar with the IOM convoy.",
        "صباح الخير، شكرا على المساعدة",
    ],
)
def test_ordinary_words_places_and_organisations_are_kept(text: str) -> None:
    assert names(text) == []


def test_a_cue_makes_an_ordinary_word_a_name() -> None:
    assert names("My daughter Joy is sick.") == ["Joy"]
    assert names("my name is hope, i need help") == ["hope"]
    assert names("Joy has no school fees. My daughter Joy is 9.") == ["Joy", "Joy"]


def test_project_words_to_keep_and_cue_words() -> None:
    base = "Yesterday Kalokol residents asked about water. Ask the kokwo elder Lowoi."
    assert "Kalokol" in names(base)
    policy = RedactionPolicy(country="KE", keep_words=("Kalokol",), cue_words=("the kokwo elder",))
    assert names(base, policy) == ["Lowoi"]
    assert names("ask the kokwo elder lowoi", policy) == ["lowoi"]


def test_labels_are_kept_and_their_values_taken() -> None:
    text = "Reporter: Abuk Garang / Relation: aunt / Affected person: Ajak Deng"
    assert names(text) == ["Abuk Garang", "Ajak Deng"]


def test_redact_text_takes_cue_and_keep_words() -> None:
    out = io.StringIO()
    call_command(
        "redact_text",
        "--country=KE",
        "--cue-word=the kokwo elder",
        "--keep-word=Kalokol",
        stdin=io.StringIO("ask the kokwo elder lowoi in Kalokol\n"),
        stdout=out,
    )
    assert out.getvalue().strip() == "ask the kokwo elder [NAME] in Kalokol"
