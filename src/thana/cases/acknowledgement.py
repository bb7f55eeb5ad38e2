"""What the citizen is told when their message becomes a case (TAXONOMY.md's last column).

In the citizen's language (English, Hindi or Marathi), with the reference and the station, and
what that category's citizen must know: 112 for danger now, the station's women's helpline (or
103), 1930 for money lost online, the agency a redirect goes to. A public reply (an X post) names
no personal data and, for sensitive cases, asks the citizen to continue in a private message.
"""

from __future__ import annotations

from dataclasses import dataclass

from thana.force.model import Force
from thana.triage.taxonomy import BY_CODE

T = {
    "registered": {
        "en": "Thank you. Your complaint is registered with reference {ref} at {station}.",
        "hi": "धन्यवाद। आपकी शिकायत {station} में संदर्भ क्रमांक {ref} से दर्ज हो गई है।",
        "mr": "धन्यवाद. तुमची तक्रार {station} येथे संदर्भ क्रमांक {ref} ने नोंदवली आहे.",
    },
    "station": {"en": "{name} Police Station", "hi": "{name} पुलिस थाने", "mr": "{name} पोलीस ठाणे"},
    "hq": {
        "en": "Mumbai Police headquarters' social media cell",
        "hi": "मुंबई पुलिस मुख्यालय के सोशल मीडिया सेल",
        "mr": "मुंबई पोलीस मुख्यालयाचा सोशल मीडिया कक्ष",
    },
    "emergency": {
        "en": "If anyone is in danger right now, call 112 now. The police are being alerted.",
        "hi": "अगर किसी की जान को अभी ख़तरा है तो तुरंत 112 पर कॉल करें। पुलिस को सूचित किया जा रहा है।",
        "mr": "कोणाच्या जिवाला आत्ता धोका असेल तर लगेच 112 वर कॉल करा. पोलिसांना कळवले जात आहे.",
    },
    "child_safety": {
        "en": "If the child is in danger now, call 112 or 1098 (Childline). The child's identity is protected.",
        "hi": "अगर बच्चा अभी ख़तरे में है तो 112 या 1098 (चाइल्डलाइन) पर कॉल करें। बच्चे की पहचान गोपनीय रहेगी।",
        "mr": "मूल आत्ता धोक्यात असेल तर 112 किंवा 1098 (चाइल्डलाइन) वर कॉल करा. मुलाची ओळख गोपनीय राहील.",
    },
    "women_safety": {
        "en": "The station's women's desk has your complaint. Call {helpline}, or 112 if you are in danger now. "
        "Your identity is protected.",
        "hi": "थाने की महिला डेस्क को आपकी शिकायत मिल गई है। {helpline} पर कॉल करें, अभी ख़तरा हो तो 112 पर। "
        "आपकी पहचान गोपनीय रहेगी।",
        "mr": "ठाण्याच्या महिला कक्षाकडे तुमची तक्रार आली आहे. {helpline} वर कॉल करा, आत्ता धोका असेल तर 112 वर. "
        "तुमची ओळख गोपनीय राहील.",
    },
    "missing_person": {
        "en": "Please send a recent photo, and when and where the person was last seen, by private message.",
        "hi": "कृपया हाल की फ़ोटो और व्यक्ति को आख़िरी बार कब और कहाँ देखा गया, निजी संदेश में भेजें।",
        "mr": "कृपया अलीकडचा फोटो आणि व्यक्ती शेवटची कधी व कुठे दिसली, ते खाजगी संदेशात पाठवा.",
    },
    "senior_citizen": {
        "en": "An officer will check on the elderly person. If they are in danger now, call 112.",
        "hi": "एक अधिकारी बुज़ुर्ग की ख़ैरियत देखेगा। अभी ख़तरा हो तो 112 पर कॉल करें।",
        "mr": "एक अधिकारी ज्येष्ठ व्यक्तीची विचारपूस करतील. आत्ता धोका असेल तर 112 वर कॉल करा.",
    },
    "cyber_fraud": {
        "en": "Call 1930 now and report at cybercrime.gov.in: money can often be frozen within the golden hour.",
        "hi": "तुरंत 1930 पर कॉल करें और cybercrime.gov.in पर रिपोर्ट करें: गोल्डन आवर में पैसा अक्सर रोका जा सकता है।",
        "mr": "लगेच 1930 वर कॉल करा आणि cybercrime.gov.in वर तक्रार करा: गोल्डन अवरमध्ये पैसे अनेकदा रोखता येतात.",
    },
    "theft": {
        "en": "You can also register an e-FIR or a lost report online; keep the reference for insurance.",
        "hi": "आप ऑनलाइन ई-एफआईआर या गुम रिपोर्ट भी दर्ज कर सकते हैं; बीमा के लिए संदर्भ क्रमांक रखें।",
        "mr": "तुम्ही ऑनलाइन ई-एफआयआर किंवा हरवल्याची नोंदही करू शकता; विम्यासाठी संदर्भ क्रमांक जपून ठेवा.",
    },
    "drugs_illegal": {
        "en": "Your identity will not be disclosed.",
        "hi": "आपकी पहचान उजागर नहीं की जाएगी।",
        "mr": "तुमची ओळख उघड केली जाणार नाही.",
    },
    "police_conduct": {
        "en": "Your complaint goes to senior officers, not to the station concerned.",
        "hi": "आपकी शिकायत वरिष्ठ अधिकारियों के पास जाएगी, संबंधित थाने के पास नहीं।",
        "mr": "तुमची तक्रार वरिष्ठ अधिकाऱ्यांकडे जाईल, संबंधित ठाण्याकडे नाही.",
    },
    "redirect": {
        "en": "This is handled by {agency}: {channels}. We have passed it on.",
        "hi": "यह {agency} के अंतर्गत आता है: {channels}। हमने इसे आगे भेज दिया है।",
        "mr": "हे {agency} यांच्या अखत्यारीत येते: {channels}. आम्ही ते पुढे पाठवले आहे.",
    },
    "information": {
        "en": "An officer will answer your question shortly.",
        "hi": "एक अधिकारी जल्द आपके प्रश्न का उत्तर देगा।",
        "mr": "एक अधिकारी लवकरच तुमच्या प्रश्नाचे उत्तर देतील.",
    },
    "appreciation": {
        "en": "Thank you for your kind words. They will reach the officers.",
        "hi": "आपके शब्दों के लिए धन्यवाद। ये अधिकारियों तक पहुँचाए जाएँगे।",
        "mr": "तुमच्या शब्दांबद्दल धन्यवाद. ते अधिकाऱ्यांपर्यंत पोहोचवले जातील.",
    },
    "appreciation_ref": {
        "en": "Thank you for your kind words (reference {ref}). They will reach {station}.",
        "hi": "आपके शब्दों के लिए धन्यवाद (संदर्भ {ref})। ये {station} तक पहुँचाए जाएँगे।",
        "mr": "तुमच्या शब्दांबद्दल धन्यवाद (संदर्भ {ref}). ते {station} पर्यंत पोहोचवले जातील.",
    },
    "private": {
        "en": "To protect your privacy, please send the details by direct message.",
        "hi": "आपकी गोपनीयता के लिए, कृपया विवरण डायरेक्ट मैसेज में भेजें।",
        "mr": "तुमच्या गोपनीयतेसाठी, कृपया तपशील डायरेक्ट मेसेजमध्ये पाठवा.",
    },
    "public_registered": {
        "en": "Thank you. Your complaint is registered: reference {ref}, {station}.",
        "hi": "धन्यवाद। आपकी शिकायत दर्ज हो गई है: संदर्भ {ref}, {station}।",
        "mr": "धन्यवाद. तुमची तक्रार नोंदवली आहे: संदर्भ {ref}, {station}.",
    },
}


@dataclass(frozen=True)
class Acknowledgement:
    body: str
    language: str


def _t(key: str, lang: str, **values) -> str:
    entry = T[key]
    return (entry.get(lang) or entry["en"]).format(**values)


def station_phrase(force: Force, station_id: str | None, lang: str) -> str:
    if station_id is None:
        return _t("hq", lang)
    return _t("station", lang, name=force.units[station_id].name_in(lang))


def women_helpline(force: Force, station_id: str | None) -> str:
    """The station's own women's helpline when published, else the city's women's helpline 103."""
    if station_id:
        number = force.channel_summary(station_id).get("women_helpline")
        if number:
            return number
    return "103"


def acknowledgement(
    force: Force,
    *,
    reference: str,
    station_id: str | None,
    category: str,
    agency_id: str | None,
    language: str,
    public: bool,
) -> Acknowledgement:
    lang = language if language in ("hi", "mr") else "en"
    station = station_phrase(force, station_id, lang)
    if category == "appreciation":
        return Acknowledgement(_t("appreciation_ref", lang, ref=reference, station=station), lang)
    sensitive = BY_CODE[category].sensitive
    parts = [_t("public_registered" if public else "registered", lang, ref=reference, station=station)]
    agency = force.agency(agency_id) if agency_id else None
    if public and sensitive:
        # Said in public, the category would say too much: only the reference, and a private channel.
        parts.append(_t("private", lang))
        return Acknowledgement(" ".join(parts), lang)
    if agency is not None:
        channels = ", ".join(dict.fromkeys(c.address for c in agency.channels)) or agency.name
        parts.append(_t("redirect", lang, agency=agency.name_in(lang), channels=channels))
    elif category in T:
        parts.append(_t(category, lang, helpline=women_helpline(force, station_id)))
    return Acknowledgement(" ".join(parts), lang)
