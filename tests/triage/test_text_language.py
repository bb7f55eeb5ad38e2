"""Text normalisation (one spelling for the many ways Mumbai writes a word) and language detection."""

from __future__ import annotations

from collections import Counter

import pytest

from thana.triage import Decision, classify
from thana.triage.language import detect
from thana.triage.text import normalise_word, romanise, words
from thana.triage.train import heldout_corpus

# -- romanisation and folding --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("devanagari", "normalised"),
    [("चोरी", "chori"), ("घाटकोपर", "gatkopar"), ("मदद", "madad"), ("ज़बरदस्ती", "jabardasti"), ("मुलगी", "mulgi")],
)
def test_devanagari_normalises_to_latin(devanagari, normalised):
    """A Devanagari word comes out in the Latin spelling people type (after the spelling folds)."""
    assert normalise_word(devanagari) == normalised


@pytest.mark.parametrize(
    ("word", "romanised"),
    [("चोरी", "chori"), ("घाटकोपर", "ghatkopar"), ("मदद", "madad"), ("आत्महत्या", "atmahatya"), ("दादर", "dadar")],
)
def test_romanise_drops_final_and_medial_schwa(word, romanised):
    """romanise() drops the word-final and the medial inherent vowel as speakers do (घाटकोपर -> ghatkopar)."""
    assert romanise(word) == romanised


@pytest.mark.parametrize(
    ("latin", "devanagari"),
    [
        ("chori", "चोरी"),
        ("choree", "चोरी"),
        ("chorii", "चोरी"),
        ("Ghatkopar", "घाटकोपर"),
        ("GHATKOPAR", "घाटकोपर"),
        ("madad", "मदद"),
        ("zabardasti", "ज़बरदस्ती"),
        ("jabardasti", "ज़बरदस्ती"),
        ("zabardastee", "ज़बरदस्ती"),
        ("peecha", "पीछा"),
        ("chhed", "छेड़"),
        ("aatmahatya", "आत्महत्या"),
        ("balatkar", "बलात्कार"),
        ("shala", "शाळा"),
    ],
)
def test_latin_spellings_fold_to_the_devanagari_form(latin, devanagari):
    """Latin spellings of a word (ee/i, z/j, aa/a, case) fold to the same form as the word in Devanagari."""
    assert normalise_word(latin) == normalise_word(devanagari)


def test_nukta_precomposed_and_decomposed_are_one_word():
    """ज़ written as one code point and as ज plus nukta normalise the same."""
    assert normalise_word("\u095bबरदस्ती") == normalise_word("\u091c\u093cबरदस्ती") == "jabardasti"


def test_different_words_stay_different():
    """Folding does not merge unrelated words: chori (theft) is not chaku (knife) or madad (help)."""
    assert len({normalise_word(w) for w in ("chori", "chaku", "madad", "aag", "ladki")}) == 5


def test_words_keep_written_form_and_emoji():
    """words() gives (normalised, as written) for each word, across scripts, and keeps emoji as words."""
    assert words("Chori हुई!! 😂 at 10pm") == [
        ("chori", "Chori"),
        ("hui", "हुई"),
        ("😂", "😂"),
        ("at", "at"),
        ("10pm", "10pm"),
    ]


def test_sos_emoji_is_a_word():
    """🆘 is kept as a word, like 🚨, so the lexicon's call-for-help cue can see it."""
    assert [w for _, w in words("🆘 🚨")] == ["🆘", "🚨"]


@pytest.mark.parametrize("number", ["22", "88", "1000", "9988"])
def test_numbers_are_not_folded(number):
    """Digits are kept as written: doubled digits are not letters to fold."""
    assert normalise_word(number) == number


def test_age_cue_reads_the_whole_number():
    """'15 saal' is under 18 and '70 years' is 65 or more (numbers without doubled digits)."""
    from thana.triage.features import extract

    assert ("MINOR", "15 saal") in extract("meri 15 saal ki beti").cues
    assert ("VULNERABLE", "70 years") in extract("my father is 70 years old").cues


# -- language detection --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("A man is following my sister near the station, please help", "en"),
        ("my phone was stolen yesterday near Dadar", "en"),
        ("मेरे घर के बाहर एक आदमी खड़ा है और मुझे डर लग रहा है", "hi"),
        ("कल रात मेरे घर में चोरी हुई", "hi"),
        ("माझ्या घराबाहेर एक माणूस उभा आहे आणि मला भीती वाटते", "mr"),
        ("काल रात्री माझ्या घरी चोरी झाली", "mr"),
        ("mere ghar ke bahar ek aadmi khada hai aur mujhe dar lag raha hai", "hi-Latn"),
        ("ek aadmi roz college ke bahar ladkiyon ko ched raha hai", "hi-Latn"),
        ("majhya gharabaher ek manus ubha ahe ani mala bhiti vatte", "mr-Latn"),
        ("kal ratri majhya ghari chori jhali", "mr-Latn"),
    ],
)
def test_language_of_plain_messages(text, language):
    """English, Hindi and Marathi in Devanagari, and Hindi and Marathi in Latin letters are told apart."""
    assert detect(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("मेरा phone चोरी हो गया Andheri station पर", "hi"),
        ("माझा mobile चोरीला गेला Dadar station वर", "mr"),
        ("Please help, मेरी बेटी स्कूल से घर नहीं आई", "hi"),
        ("Please help me, माझी मुलगी शाळेतून घरी आली नाही", "mr"),
    ],
)
def test_mostly_devanagari_with_english_words(text, language):
    """Mostly Devanagari text with English words takes the Devanagari language."""
    assert detect(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("bhai mera phone chori ho gaya at Andheri station, please help", "hi-Latn"),
        ("maza mobile chorila gela Dadar station var, kay karu", "mr-Latn"),
        ("My phone was stolen near the station yesterday, चोर", "en"),
    ],
)
def test_mostly_latin_mixed_text(text, language):
    """Latin text mixing English with Hindi/Marathi takes the language of most words; a stray Devanagari word
    does not make English text Hindi."""
    assert detect(text) == language


@pytest.mark.parametrize(
    ("text", "language"),
    [("शाळेजवळ गर्दी", "mr"), ("एक बाळ रस्त्यावर सापडले", "mr"), ("बाळ", "mr"), ("स्कूल के पास भीड़", "hi")],
)
def test_marathi_letter_lla_marks_marathi(text, language):
    """The letter ळ (Marathi, not Hindi) tips short Devanagari text to Marathi."""
    assert detect(text) == language


def test_detect_accepts_pre_tokenised_words():
    """detect() with the written words gives the same answer as tokenising itself."""
    text = "माझी मुलगी शाळेतून घरी आली नाही"
    assert detect(text, [w for _, w in words(text)]) == detect(text) == "mr"


def test_empty_text_is_english():
    """A message with no letters is answered in English."""
    assert detect("") == "en"
    assert detect("🙏🙏 !!!") == "en"


def test_heldout_language_accuracy():
    """On the held-out set at least 93% of languages are right overall and at least 75% in each language."""
    rows = heldout_corpus()
    right, total = Counter(), Counter(r["language"] for r in rows)
    for r in rows:
        right[r["language"]] += detect(r["text"]) == r["language"]
    overall = sum(right.values()) / len(rows)
    per = {lang: right[lang] / n for lang, n in total.items()}
    assert set(per) == {"en", "hi", "mr", "hi-Latn", "mr-Latn"}
    assert overall >= 0.93, per
    assert min(per.values()) >= 0.75, per


# -- the reply language --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "reply"),
    [("en", "en"), ("hi", "hi"), ("mr", "mr"), ("hi-Latn", "en"), ("mr-Latn", "en")],
)
def test_reply_language_maps_latin_to_english(language, reply):
    """Replies go out in Devanagari Hindi or Marathi as written, and in English for any Latin-script text."""
    d = Decision(category="theft", priority="P3", language=language, agency=None, confidence=0.5, model_version="t")
    assert d.reply_language == reply


@pytest.mark.parametrize(
    ("text", "language", "reply"),
    [
        ("mera phone chori ho gaya kal raat, kya karu", "hi-Latn", "en"),
        ("माझा फोन काल रात्री चोरीला गेला", "mr", "mr"),
        ("मेरा फोन कल रात चोरी हो गया", "hi", "hi"),
    ],
)
def test_decision_language_and_reply_language(text, language, reply):
    """classify() records the detected language and answers Latin-script Hindi in English."""
    d = classify(text)
    assert (d.language, d.reply_language) == (language, reply)
