"""Canned replies an officer can send with one click, per category, in English, Hindi and Marathi."""

from __future__ import annotations

CANNED: dict[str, dict[str, str]] = {
    "_any": {
        "en": "Your complaint {ref} is with {station}. An officer is looking into it and will update you here.",
        "hi": "आपकी शिकायत {ref} {station} के पास है। एक अधिकारी इसे देख रहे हैं और यहीं सूचना देंगे।",
        "mr": "तुमची तक्रार {ref} {station} कडे आहे. एक अधिकारी याची चौकशी करत आहेत आणि इथेच कळवतील.",
    },
    "emergency": {
        "en": "Police have been sent to the spot. If anyone is in danger, call 112 now.",
        "hi": "पुलिस को मौके पर भेजा गया है। अगर किसी को ख़तरा है तो तुरंत 112 पर कॉल करें।",
        "mr": "पोलीस घटनास्थळी पाठवले आहेत. कोणाला धोका असेल तर लगेच 112 वर कॉल करा.",
    },
    "women_safety": {
        "en": "The women's desk has your complaint {ref}. A woman officer will contact you. In danger now? Call 112.",
        "hi": "महिला डेस्क को आपकी शिकायत {ref} मिल गई है। एक महिला अधिकारी आपसे संपर्क करेंगी। अभी ख़तरा? 112 पर कॉल करें।",
        "mr": "महिला कक्षाकडे तुमची तक्रार {ref} आली आहे. एक महिला अधिकारी संपर्क करतील. आत्ता धोका? 112 वर कॉल करा.",
    },
    "cyber_fraud": {
        "en": "Please call 1930 at once and file at cybercrime.gov.in; keep the transaction ids ready. Ref {ref}.",
        "hi": "कृपया तुरंत 1930 पर कॉल करें और cybercrime.gov.in पर शिकायत दर्ज करें; ट्रांज़ैक्शन आईडी तैयार रखें। संदर्भ {ref}.",
        "mr": "कृपया लगेच 1930 वर कॉल करा आणि cybercrime.gov.in वर तक्रार करा; व्यवहार क्रमांक तयार ठेवा. संदर्भ {ref}.",
    },
    "theft": {
        "en": "Please visit {station} with an ID, or file an e-FIR online quoting {ref}.",
        "hi": "कृपया पहचान पत्र के साथ {station} आएँ, या {ref} बताकर ऑनलाइन ई-एफआईआर दर्ज करें।",
        "mr": "कृपया ओळखपत्रासह {station} येथे या, किंवा {ref} सांगून ऑनलाइन ई-एफआयआर करा.",
    },
    "missing_person": {
        "en": "Please send a recent photo and when and where they were last seen, by private message. Ref {ref}.",
        "hi": "कृपया हाल की फ़ोटो और आख़िरी बार कब-कहाँ देखा गया, निजी संदेश में भेजें। संदर्भ {ref}.",
        "mr": "कृपया अलीकडचा फोटो आणि शेवटचे कधी-कुठे दिसले ते खाजगी संदेशात पाठवा. संदर्भ {ref}.",
    },
    "resolved": {
        "en": "Your complaint {ref} has been resolved. Write back within 7 days if it is not.",
        "hi": "आपकी शिकायत {ref} का समाधान हो गया है। अगर नहीं हुआ है तो 7 दिनों के भीतर लिखें।",
        "mr": "तुमच्या तक्रारीचे {ref} निराकरण झाले आहे. तसे नसल्यास 7 दिवसांत पुन्हा लिहा.",
    },
}


def canned_replies(category: str, language: str, *, reference: str, station: str) -> list[str]:
    lang = language if language in ("hi", "mr") else "en"
    keys = [k for k in (category, "_any", "resolved") if k in CANNED]
    return [CANNED[k].get(lang, CANNED[k]["en"]).format(ref=reference, station=station) for k in keys]


def canned_for_case(force, case: dict) -> list[str]:
    """Canned replies for a case as get_case returns it: naming, in the citizen's language, the unit that
    handles it (for a police-conduct case the officers above, never the station complained about)."""
    lang = case.get("language") if case.get("language") in ("hi", "mr") else "en"
    handler = (case.get("owner") or {}).get("id") if case["category"] == "police_conduct" else None
    unit_id = handler or (case.get("station") or {}).get("id") or (case.get("owner") or {}).get("id")
    name = force.units[unit_id].name_in(lang) if unit_id else force.root.name_in(lang)
    return canned_replies(case["category"], lang, reference=case["reference"], station=name)
