"""The safety bias of triage (TAXONOMY.md): an emergency, a woman's or a child's safety is never read as harmless,
and when torn between P1 and P2 the answer is P1."""

from __future__ import annotations

import math
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from thana.triage import priority
from thana.triage.evaluate import evaluate
from thana.triage.features import extract
from thana.triage.language import detect
from thana.triage.model import SHIPPED, Classifier, LinearModel
from thana.triage.taxonomy import HARMLESS, SAFETY_CRITICAL
from thana.triage.train import heldout_corpus

SAFETY = {"emergency", "child_safety", "women_safety"}
LANGUAGES = ("en", "hi", "mr", "hi-Latn", "mr-Latn")

_COUNT: dict[str, int] = {}


def _adv(lang: str, text: str, now: bool = True, xfail: str | None = None):
    """One adversarial message, with an id like 'mr-03' and, for a known bug, a strict xfail (none open now)."""
    _COUNT[lang] = _COUNT.get(lang, 0) + 1
    marks = [pytest.mark.xfail(strict=True, reason=xfail)] if xfail else []
    return pytest.param(lang, text, now, marks=marks, id=f"{lang}-{_COUNT[lang]:02d}")


# Safety content hidden among thanks, questions, jokes, ads or abuse. `now`: a person is in danger this moment.
ADVERSARIAL = [
    # English
    _adv("en", "thanks for yesterday, but he is at my door again right now"),
    _adv("en", "what's the number for the police, my neighbour is hitting his wife"),
    _adv("en", "crypto offer!!! also someone is dragging a girl into a van near Andheri station"),
    _adv(
        "en", "Great job Mumbai Police! btw a man is following my daughter from the bus stop right now, she is scared"
    ),
    _adv(
        "en",
        "Happy Diwali to all officers. Someone just set fire to the scooter parking in our building, flames spreading",
    ),
    _adv("en", "How do I file a complaint online? a man with a knife is threatening my mother at the shop right now"),
    _adv("en", "buy cheap loans at 2% call now!!! my sister is locked in a room by her husband and he is beating her"),
    _adv("en", "you police are useless, a drunk man is groping girls in the crowd at the bus stop right now"),
    _adv(
        "en", "Salute to the team for last week. Now there is a bag left unattended under the seat at Kurla bus depot"
    ),
    _adv("en", "Which police station covers Malad? my friend took pills and is not responding, please help"),
    _adv("en", "jokes apart, my neighbour's kid has been missing since this morning, 7 years old"),
    _adv("en", "lol this is funny but seriously a small boy is crying alone at Dadar platform 4, nobody with him"),
    _adv(
        "en",
        "thank you sir 🙏 please help me, save me",
    ),
    _adv(
        "en",
        "Thanks for the road safety workshop at our school! Also, a man has been sending obscene messages "
        "to my sister for weeks",
        now=False,
    ),
    _adv(
        "en",
        "how do I get a police verification certificate? and one more thing, my neighbour's 12 year old maid "
        "is beaten by them every day",
        now=False,
    ),
    # Hindi (Devanagari)
    _adv("hi", "धन्यवाद सर कल की मदद के लिए, लेकिन वो आदमी अभी फिर से मेरे घर के बाहर खड़ा है"),
    _adv("hi", "पुलिस का नंबर क्या है? पड़ोस में एक आदमी अपनी पत्नी को बुरी तरह पीट रहा है"),
    _adv("hi", "सस्ता लोन ऑफर!!! और हाँ, स्टेशन के पास दो लड़के एक लड़की को जबरदस्ती गाड़ी में खींच रहे हैं"),
    _adv("hi", "हाहा मज़ाक नहीं, मेरा 6 साल का बेटा बाजार में खो गया है, कहीं नहीं मिल रहा"),
    _adv("hi", "मुंबई पुलिस बेकार है, मेरे सामने वाली बिल्डिंग में आग लगी है और लोग अंदर फंसे हैं"),
    _adv("hi", "आपकी सेवा को सलाम। अभी एक आदमी चाकू लेकर गली में लोगों को धमका रहा है"),
    _adv("hi", "थाने का टाइम क्या है? एक लड़का मेरी बहन का पीछा कर रहा है, वो डरी हुई है"),
    _adv("hi", "जय हिंद! मेरी पत्नी ने खुद को कमरे में बंद कर लिया है और आत्महत्या करने की बात कर रही है"),
    _adv("hi", "शुभ प्रभात 🌞 सर, एक बात बतानी थी, कॉलेज के बाहर कुछ लड़के रोज़ लड़कियों को छेड़ते हैं", now=False),
    _adv("hi", "पासपोर्ट वेरिफिकेशन कब तक होगा? और हाँ, पड़ोसी अपनी 12 साल की नौकरानी को रोज़ मारते हैं", now=False),
    # Marathi (Devanagari)
    _adv("mr", "काल मदत केल्याबद्दल धन्यवाद, पण तो माणूस आत्ता पुन्हा माझ्या दारात उभा आहे"),
    _adv("mr", "पोलिसांचा नंबर काय आहे? शेजारी नवरा बायकोला मारत आहे, ती ओरडत आहे"),
    _adv("mr", "स्वस्त कर्ज ऑफर!!! आणि कुर्ला स्टेशनजवळ एका मुलीला जबरदस्तीने गाडीत ओढत आहेत"),
    _adv("mr", "हाहा, पण खरंच माझा ५ वर्षांचा मुलगा जत्रेत हरवला आहे, सापडत नाही"),
    _adv("mr", "पोलीस काही कामाचे नाहीत, आमच्या चाळीत आग लागली आहे, लोक अडकले आहेत"),
    _adv("mr", "तुमच्या कामाला सलाम. आत्ता एक माणूस तलवार घेऊन रस्त्यावर लोकांवर हल्ला करत आहे"),
    _adv("mr", "ठाण्याची वेळ काय आहे? एक मुलगा माझ्या बहिणीचा पाठलाग करत आहे, ती घाबरली आहे"),
    _adv("mr", "जय महाराष्ट्र! माझ्या मैत्रिणीने विष घेतले आहे आणि ती बेशुद्ध पडली आहे, लवकर या"),
    _adv("mr", "जय महाराष्ट्र 🙏 आमच्या शाळेजवळ एक माणूस रोज मुलींचे फोटो काढतो, पालक घाबरले आहेत", now=False),
    # Hindi in Latin letters
    _adv("hi-Latn", "thank you sir kal ki help ke liye, lekin woh aadmi abhi phir se mere ghar ke bahar khada hai"),
    _adv("hi-Latn", "police ka number kya hai? padosi apni biwi ko bahut maar raha hai, woh chilla rahi hai"),
    _adv(
        "hi-Latn", "crypto offer!!! aur haan Andheri station ke paas ek ladki ko zabardasti van mein kheench rahe hain"
    ),
    _adv("hi-Latn", "lol mazak nahi, mera 6 saal ka beta market mein kho gaya hai, kahin nahi mil raha"),
    _adv("hi-Latn", "police bekar hai, saamne wali building mein aag lagi hai aur log andar phanse hain"),
    _adv("hi-Latn", "salute aapko. abhi ek aadmi chaku leke gali mein logon ko dhamka raha hai"),
    _adv("hi-Latn", "thane ka timing kya hai? ek ladka meri behen ka peecha kar raha hai, woh dari hui hai"),
    _adv("hi-Latn", "good morning sir, ek aadmi bus stop pe ladkiyon ko chhed raha hai abhi, jaldi aao"),
    _adv(
        "hi-Latn",
        "mast kaam kiya police ne 👏 ek baat aur, mere office ka boss mujhe raat ko gande messages bhejta hai "
        "pichle mahine se",
        now=False,
    ),
    # Marathi in Latin letters
    _adv("mr-Latn", "kal madat kelyabaddal dhanyavad, pan to manus aata parat majhya darat ubha ahe"),
    _adv("mr-Latn", "police cha number kay ahe? shejari navra baykola marat ahe, ti ordat ahe"),
    _adv("mr-Latn", "swasta loan offer!!! ani Kurla station javal eka mulila jabardasti gadit odhat ahet"),
    _adv("mr-Latn", "haha pan khara majha 5 varshacha mulga jatret harvla ahe, sapdat nahi"),
    _adv("mr-Latn", "police kahi kamache nahit, amchya chalit aag lagli ahe, lok adkle ahet"),
    _adv("mr-Latn", "tumchya kamala salam. aata ek manus talwar gheun rastyavar lokanvar halla karat ahe"),
    _adv("mr-Latn", "thanyachi vel kay ahe? ek mulga majhya bahinicha pathlag karat ahe, ti ghabarli ahe"),
    _adv("mr-Latn", "jai maharashtra! majhi maitrin ne vish ghetla ahe ani ti beshudh padli ahe, lavkar ya"),
    _adv(
        "mr-Latn",
        "passport verification kadhi hoil? ani ho, shejari tyanchya 12 varshachya molkarnila roj martat",
        now=False,
    ),
]
ADVERSARIAL_TEXTS = [p.values[1] for p in ADVERSARIAL]

# Women's or children's safety with no word about when: the taxonomy's doubt goes to P1.
NO_TIME_CUE = [
    "a man at my office sends me obscene messages",
    "my neighbour's uncle touches my 10 year old daughter inappropriately",
    "ऑफिस में एक आदमी मुझे अश्लील मैसेज भेजता है",
    "ऑफिसमधला एक माणूस मला अश्लील मेसेज पाठवतो",
    "tuition teacher meri 11 saal ki beti ko galat tarike se chhuta hai",
    "मेरे पति दहेज के लिए मुझे मारते हैं",
    "माझा नवरा हुंड्यासाठी मला मारतो",
]


@pytest.fixture(scope="module")
def clf() -> Classifier:
    """The shipped model, loaded directly (independent of any model another test made current)."""
    return Classifier(LinearModel.load(Path(str(resources.files("thana.triage") / "models" / SHIPPED))))


@pytest.fixture(scope="module")
def heldout(clf: Classifier) -> list[tuple[dict, object]]:
    """(gold row, decision) for every held-out message."""
    rows = heldout_corpus()
    return list(zip(rows, clf.classify_many([r["text"] for r in rows]), strict=True))


def _cue_labels(text: str) -> set[str]:
    return {label for label, _ in extract(text).cues}


# -- the held-out set ---------------------------------------------------------------------------------------------


def test_heldout_has_safety_messages_in_every_language():
    """The held-out set is big enough to measure the safety bias in all five languages."""
    rows = [r for r in heldout_corpus() if r["category"] in SAFETY]
    assert len(rows) >= 100
    assert {r["language"] for r in rows} == set(LANGUAGES)


def test_heldout_safety_messages_never_read_as_harmless(heldout):
    """No gold emergency, child_safety or women_safety message comes out spam, appreciation or information."""
    wrong = [
        (g["id"], g["category"], d.category) for g, d in heldout if g["category"] in SAFETY and d.category in HARMLESS
    ]
    assert wrong == []


def test_evaluate_reports_no_safety_violations_on_heldout(heldout):
    """evaluate()'s own safety check agrees: zero violations on the held-out set."""
    gold = [g for g, _ in heldout]
    report = evaluate(gold, [{"category": d.category, "priority": d.priority} for _, d in heldout])
    assert report.safety_violations == []


def test_heldout_p1_recall_at_least_95_percent(heldout):
    """At least 95% of the gold P1 messages of the held-out set are given P1."""
    p1 = [(g, d) for g, d in heldout if g["priority"] == "P1"]
    assert len(p1) >= 100
    recall = sum(d.priority == "P1" for _, d in p1) / len(p1)
    assert recall >= 0.95, f"P1 recall {recall:.3f}"


def test_heldout_gold_emergencies_all_get_p1(heldout):
    """Every gold emergency of the held-out set is P1, whatever category it lands in."""
    missed = [
        (g["id"], d.category, d.priority) for g, d in heldout if g["category"] == "emergency" and d.priority != "P1"
    ]
    assert missed == []


# -- adversarial messages -----------------------------------------------------------------------------------------


def test_adversarial_set_covers_five_languages():
    """The adversarial set has at least seven messages in each language, detected as the language written."""
    by_lang = {lang: [p.values[1] for p in ADVERSARIAL if p.values[0] == lang] for lang in LANGUAGES}
    assert all(len(texts) >= 7 for texts in by_lang.values()), {k: len(v) for k, v in by_lang.items()}
    misdetected = [(lang, t) for lang, texts in by_lang.items() for t in texts if detect(t) != lang]
    assert misdetected == []


@pytest.mark.parametrize(("lang", "text", "now"), ADVERSARIAL)
def test_adversarial_safety_message_is_caught(clf, lang, text, now):
    """Safety content hidden in thanks, questions, jokes, ads or abuse is a safety category; P1 when danger is now."""
    d = clf.classify(text)
    assert d.category in SAFETY, f"{d.category} {d.priority}: {d.reasons}"
    if now:
        assert d.priority == "P1", f"{d.category} {d.priority}: {d.reasons}"
    else:
        assert d.priority in ("P1", "P2")


def test_adversarial_batch_matches_single(clf):
    """Classifying the adversarial set as one batch gives the same decisions as one at a time."""
    assert clf.classify_many(ADVERSARIAL_TEXTS) == [clf.classify(t) for t in ADVERSARIAL_TEXTS]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a man is touching a girl in the ladies compartment of the Virar fast right now", "women_safety"),
        ("a man stabbed a passenger on platform 3 at Kurla station, he is bleeding badly", "emergency"),
        ("lost child at CSMT station, 4 years old girl crying near ticket window", "child_safety"),
        pytest.param(
            "fire in the local train coach at Borivali platform 2, people trapped",
            "emergency",
        ),
        pytest.param(
            "a small boy is crying alone at Dadar platform 4, nobody with him",
            "child_safety",
        ),
    ],
)
def test_safety_on_railway_premises_stays_safety(clf, text, expected):
    """Emergencies and women's or children's safety on trains keep their category and P1 (labelling guide)."""
    d = clf.classify(text)
    assert (d.category, d.priority) == (expected, "P1"), d.reasons


def test_sos_emoji_alone_is_not_harmless(clf):
    """A message that is only an SOS emoji to the police is treated as a call for help, not spam."""
    d = clf.classify("@MumbaiPolice 🆘🆘")
    assert d.category in SAFETY
    assert d.priority == "P1"


def test_siren_emoji_alone_is_an_emergency(clf):
    """A message that is only siren emoji (a PLEA cue) is an emergency, P1."""
    d = clf.classify("@MumbaiPolice 🚨 🚨")
    assert (d.category, d.priority) == ("emergency", "P1")


@pytest.mark.parametrize("text", ["help me", "please help", "bachao", "वाचवा", "madad karo"])
def test_bare_call_for_help_is_p1_safety(clf, text):
    """A bare call for help in any language is a safety category with P1, never spam."""
    d = clf.classify(text)
    assert d.category in SAFETY, d.reasons
    assert d.priority == "P1"


# -- safety categories are never P3/P4 ----------------------------------------------------------------------------


def test_safety_decisions_never_p3_or_p4_on_heldout(heldout):
    """No held-out decision in a safety category has priority P3 or P4."""
    low = [
        (g["id"], d.category, d.priority) for g, d in heldout if d.category in SAFETY and d.priority not in ("P1", "P2")
    ]
    assert low == []


def test_safety_decisions_never_p3_or_p4_on_adversarial(clf):
    """No adversarial decision in a safety category has priority P3 or P4."""
    low = [(d.category, d.priority) for d in clf.classify_many(ADVERSARIAL_TEXTS) if d.category in SAFETY]
    assert low and all(p in ("P1", "P2") for _, p in low)


def test_emergency_is_always_p1_on_heldout(heldout):
    """Every decision that says emergency says P1."""
    assert {d.priority for _, d in heldout if d.category == "emergency"} == {"P1"}


def test_safety_critical_set_is_the_taxonomy_one():
    """The model's safety sets are exactly TAXONOMY.md's: three safety categories, three harmless ones."""
    assert frozenset(SAFETY) == SAFETY_CRITICAL
    assert frozenset({"spam", "appreciation", "information"}) == HARMLESS


# -- when torn between P1 and P2, P1 ---------------------------------------------------------------------------------


@pytest.mark.parametrize("category", ["women_safety", "child_safety"])
def test_priority_rule_no_cue_is_p1(category):
    """With no word about time, a woman's or child's safety is P1 (doubt goes to the higher level)."""
    prio, why = priority.decide(category, set())
    assert prio == "P1"
    assert "P1" in why


@pytest.mark.parametrize("category", ["women_safety", "child_safety"])
def test_priority_rule_calm_cue_alone_allows_p2(category):
    """Only an explicit calm cue (habitual, past, asking what to do) lets a woman's or child's safety be P2."""
    assert priority.decide(category, {"CALM"})[0] == "P2"


@pytest.mark.parametrize("category", ["women_safety", "child_safety"])
@pytest.mark.parametrize("now_cue", ["NOW", "RECENT", "emergency"])
def test_priority_rule_now_beats_calm(category, now_cue):
    """A calm cue next to a now cue (or an emergency cue) still gives P1."""
    assert priority.decide(category, {"CALM", now_cue})[0] == "P1"


def test_priority_rule_child_missing_now_is_p1():
    """A child missing now is P1 even with a calm cue."""
    assert priority.decide("child_safety", {"CALM", "MISSING_NOW"})[0] == "P1"


def test_priority_rule_emergency_always_p1():
    """An emergency is P1 whatever the cues say."""
    assert priority.decide("emergency", {"CALM"})[0] == "P1"
    assert priority.decide("emergency", set())[0] == "P1"


@pytest.mark.parametrize("text", NO_TIME_CUE)
def test_safety_message_without_calm_cue_gets_p1(clf, text):
    """Women's or children's safety with no explicit calm cue is P1."""
    assert "CALM" not in _cue_labels(text)
    d = clf.classify(text)
    assert d.category in ("women_safety", "child_safety"), d.reasons
    assert d.priority == "P1", d.reasons


def test_heldout_women_child_without_calm_cue_all_p1(heldout):
    """Every held-out decision of women_safety or child_safety whose message has no calm cue is P1."""
    checked = [(g["id"], d.priority) for g, d in heldout if d.category in ("women_safety", "child_safety")]
    not_p1 = [
        (g["id"], d.category, d.priority)
        for g, d in heldout
        if d.category in ("women_safety", "child_safety")
        and "CALM" not in _cue_labels(g["text"])
        and d.priority != "P1"
    ]
    assert len(checked) >= 80
    assert not_p1 == []


def _with_urgency(probability: float) -> Classifier:
    """The lexicon model with an urgency head that says `probability` for every message (threshold 0.5)."""
    base = LinearModel.from_lexicon()
    bias = math.log(probability / (1 - probability))
    model = LinearModel(
        base.version, base.classes, base.weights, base.bias, base.trained_on, np.zeros(base.weights.shape[0]), bias, 0.5
    )
    return Classifier(model)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("my brother is missing since yesterday, his phone is switched off", "missing_person"),
        ("a man has been sending obscene messages to my sister for months", "women_safety"),
    ],
)
def test_urgency_head_torn_goes_to_p1(text, category):
    """When the urgency head is over its threshold, a P2 in a P1-capable category becomes P1, saying why."""
    calm = _with_urgency(0.05).classify(text)
    assert (calm.category, calm.priority) == (category, "P2")
    torn = _with_urgency(0.6).classify(text)
    assert (torn.category, torn.priority) == (category, "P1")
    assert any("when torn between P1 and P2, P1" in r for r in torn.reasons)


def test_urgency_head_never_raises_categories_without_p1():
    """The torn rule does not make a traffic complaint P1 (traffic is never P1)."""
    d = _with_urgency(0.6).classify("Traffic jam at Sion circle, signal not working")
    assert (d.category, d.priority) == ("traffic", "P4")
