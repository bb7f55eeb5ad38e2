"""The words of the pages in English, Hindi and Marathi.

One catalogue; a page asks `t(lang, key, **values)`. A key missing in Hindi or Marathi falls
back to English, and tests check that no key is missing.
"""

from __future__ import annotations

LANGUAGES = {"en": "English", "hi": "हिन्दी", "mr": "मराठी"}
DEFAULT = "en"

CATALOGUE: dict[str, dict[str, str]] = {
    "site_name": {"en": "Thana", "hi": "थाना", "mr": "ठाणे"},
    "find_title": {
        "en": "Find your police station",
        "hi": "अपना पुलिस थाना खोजें",
        "mr": "तुमचे पोलीस ठाणे शोधा",
    },
    "find_intro": {
        "en": "Type a locality, landmark, road, railway station, pincode, station name or X handle.",
        "hi": "इलाका, लैंडमार्क, सड़क, रेलवे स्टेशन, पिनकोड, थाने का नाम या X हैंडल लिखें।",
        "mr": "परिसर, खूण, रस्ता, रेल्वे स्थानक, पिनकोड, ठाण्याचे नाव किंवा X हँडल लिहा.",
    },
    "search_label": {"en": "Where are you?", "hi": "आप कहाँ हैं?", "mr": "तुम्ही कुठे आहात?"},
    "search_placeholder": {
        "en": "e.g. Charkop, Ghatkopar station, 400067",
        "hi": "जैसे चारकोप, घाटकोपर स्टेशन, 400067",
        "mr": "उदा. चारकोप, घाटकोपर स्थानक, 400067",
    },
    "search_button": {"en": "Find", "hi": "खोजें", "mr": "शोधा"},
    "use_location": {"en": "Use my location", "hi": "मेरी लोकेशन लें", "mr": "माझे स्थान वापरा"},
    "locating": {"en": "Finding your location…", "hi": "आपकी लोकेशन ढूँढ रहे हैं…", "mr": "तुमचे स्थान शोधत आहोत…"},
    "location_failed": {
        "en": "Could not get your location. Type the place instead.",
        "hi": "लोकेशन नहीं मिली। कृपया जगह का नाम लिखें।",
        "mr": "स्थान मिळाले नाही. कृपया ठिकाणाचे नाव लिहा.",
    },
    "your_station": {"en": "Your police station", "hi": "आपका पुलिस थाना", "mr": "तुमचे पोलीस ठाणे"},
    "police_station": {"en": "{name} Police Station", "hi": "{name} पुलिस थाना", "mr": "{name} पोलीस ठाणे"},
    "found_by_handle": {
        "en": "Found by its X handle {text}.",
        "hi": "X हैंडल {text} से मिला।",
        "mr": "X हँडल {text} वरून सापडले.",
    },
    "found_by_station_name": {
        "en": "Found by the station's name “{text}”.",
        "hi": "थाने के नाम “{text}” से मिला।",
        "mr": "ठाण्याच्या नावावरून “{text}” सापडले.",
    },
    "found_by_place": {
        "en": "Found by the place {place}.",
        "hi": "जगह {place} से मिला।",
        "mr": "ठिकाण {place} वरून सापडले.",
    },
    "found_by_coordinates": {
        "en": "Your location lies in this station's area.",
        "hi": "आपकी लोकेशन इस थाने के क्षेत्र में है।",
        "mr": "तुमचे स्थान या ठाण्याच्या हद्दीत आहे.",
    },
    "found_by_nearest": {
        "en": "Your location is just outside every station's area; this is the nearest.",
        "hi": "आपकी लोकेशन सभी क्षेत्रों से थोड़ा बाहर है; यह सबसे नज़दीकी थाना है।",
        "mr": "तुमचे स्थान सर्व हद्दींच्या थोडे बाहेर आहे; हे सर्वात जवळचे ठाणे आहे.",
    },
    "you_wrote": {"en": "You wrote “{text}”.", "hi": "आपने लिखा “{text}”।", "mr": "तुम्ही लिहिले “{text}”."},
    "approximate_note": {
        "en": "Station areas shown here are approximate (official boundaries are not published). "
        "If in doubt, any police station will take your complaint.",
        "hi": "यहाँ दिखाए गए थाना क्षेत्र अनुमानित हैं (आधिकारिक सीमाएँ प्रकाशित नहीं हैं)। "
        "संदेह हो तो कोई भी पुलिस थाना आपकी शिकायत लेगा।",
        "mr": "येथे दाखवलेल्या ठाण्यांच्या हद्दी अंदाजे आहेत (अधिकृत हद्दी प्रसिद्ध नाहीत). "
        "शंका असल्यास कोणतेही पोलीस ठाणे तुमची तक्रार घेईल.",
    },
    "not_found": {
        "en": "No place, station or handle of {force} was recognised in “{query}”. Try a nearby landmark, "
        "railway station or pincode.",
        "hi": "“{query}” में {force} की कोई जगह, थाना या हैंडल नहीं पहचाना गया। पास का लैंडमार्क, रेलवे स्टेशन या पिनकोड आज़माएँ।",
        "mr": "“{query}” मध्ये {force} चे कोणतेही ठिकाण, ठाणे किंवा हँडल ओळखले नाही. जवळची खूण, "
        "रेल्वे स्थानक किंवा पिनकोड वापरून पहा.",
    },
    "outside_area": {
        "en": "That location is outside {force}'s area.",
        "hi": "यह लोकेशन {force} के क्षेत्र से बाहर है।",
        "mr": "हे स्थान {force} च्या हद्दीबाहेर आहे.",
    },
    "place_outside": {
        "en": "{place} lies outside {force}'s area.",
        "hi": "{place} {force} के क्षेत्र से बाहर है।",
        "mr": "{place} {force} च्या हद्दीबाहेर आहे.",
    },
    "emergency_title": {"en": "In an emergency", "hi": "आपात स्थिति में", "mr": "आणीबाणीच्या वेळी"},
    "emergency_call_now": {
        "en": "Danger to life right now? Call 112.",
        "hi": "अभी जान का ख़तरा है? 112 पर कॉल करें।",
        "mr": "आत्ता जिवाला धोका आहे? 112 वर कॉल करा.",
    },
    "channels_title": {"en": "Reach this station", "hi": "इस थाने से संपर्क करें", "mr": "या ठाण्याशी संपर्क साधा"},
    "not_published": {"en": "not published", "hi": "प्रकाशित नहीं", "mr": "प्रसिद्ध नाही"},
    "ch_x": {"en": "X (Twitter)", "hi": "X (ट्विटर)", "mr": "X (ट्विटर)"},
    "ch_whatsapp": {"en": "WhatsApp", "hi": "व्हाट्सऐप", "mr": "व्हॉट्सॲप"},
    "ch_women_helpline": {"en": "Women's helpline", "hi": "महिला हेल्पलाइन", "mr": "महिला हेल्पलाइन"},
    "ch_phone": {"en": "Phone", "hi": "फ़ोन", "mr": "फोन"},
    "ch_email": {"en": "E-mail", "hi": "ई-मेल", "mr": "ई-मेल"},
    "ch_facebook": {"en": "Facebook", "hi": "फ़ेसबुक", "mr": "फेसबुक"},
    "ch_sms": {"en": "SMS", "hi": "एसएमएस", "mr": "एसएमएस"},
    "ch_web": {"en": "Website", "hi": "वेबसाइट", "mr": "संकेतस्थळ"},
    "call": {"en": "Call", "hi": "कॉल करें", "mr": "कॉल करा"},
    "open_x": {"en": "Open on X", "hi": "X पर खोलें", "mr": "X वर उघडा"},
    "chat_whatsapp": {"en": "Chat on WhatsApp", "hi": "व्हाट्सऐप पर चैट करें", "mr": "व्हॉट्सॲपवर चॅट करा"},
    "hierarchy": {"en": "Part of", "hi": "इसके अंतर्गत", "mr": "यांच्या अंतर्गत"},
    "zone": {"en": "Zone", "hi": "ज़ोन", "mr": "परिमंडळ"},
    "region": {"en": "Region", "hi": "क्षेत्र", "mr": "प्रादेशिक विभाग"},
    "division": {"en": "Division", "hi": "डिवीज़न", "mr": "विभाग"},
    "map_title": {"en": "Area of the station", "hi": "थाने का क्षेत्र", "mr": "ठाण्याची हद्द"},
    "map_alt": {
        "en": "Map of the area of {name} police station and its neighbours",
        "hi": "{name} पुलिस थाने और आसपास के थानों के क्षेत्र का नक्शा",
        "mr": "{name} पोलीस ठाणे आणि शेजारच्या ठाण्यांच्या हद्दीचा नकाशा",
    },
    "no_map": {
        "en": "This station has no land area (it patrols the sea).",
        "hi": "इस थाने का कोई ज़मीनी क्षेत्र नहीं है (यह समुद्र में गश्त करता है)।",
        "mr": "या ठाण्याला जमिनीवरील हद्द नाही (हे समुद्रात गस्त घालते).",
    },
    "all_stations": {"en": "All police stations", "hi": "सभी पुलिस थाने", "mr": "सर्व पोलीस ठाणी"},
    "station_count": {"en": "{n} police stations", "hi": "{n} पुलिस थाने", "mr": "{n} पोलीस ठाणी"},
    "sanctioned": {"en": "announced, not yet open", "hi": "घोषित, अभी शुरू नहीं", "mr": "घोषित, अद्याप सुरू नाही"},
    "sources": {"en": "Sources", "hi": "स्रोत", "mr": "स्रोत"},
    "position_approx": {
        "en": "Position approximate: {source}",
        "hi": "स्थान अनुमानित: {source}",
        "mr": "स्थान अंदाजे: {source}",
    },
    "other_matches": {"en": "Did you mean", "hi": "क्या आपका मतलब था", "mr": "तुम्हाला हे म्हणायचे होते का"},
    "back_to_search": {"en": "Search again", "hi": "फिर से खोजें", "mr": "पुन्हा शोधा"},
    "language": {"en": "Language", "hi": "भाषा", "mr": "भाषा"},
    "skip_to_content": {"en": "Skip to content", "hi": "सामग्री पर जाएँ", "mr": "मजकुराकडे जा"},
    "error_title": {"en": "Something is not right", "hi": "कुछ ठीक नहीं है", "mr": "काहीतरी चुकले"},
    "page_not_found": {"en": "There is no such page.", "hi": "ऐसा कोई पेज नहीं है।", "mr": "असे कोणतेही पान नाही."},
    "query_too_long": {
        "en": "Please type at most 200 characters.",
        "hi": "कृपया अधिकतम 200 अक्षर लिखें।",
        "mr": "कृपया जास्तीत जास्त 200 अक्षरे लिहा.",
    },
    "footer": {
        "en": "Thana connects the people of the city with their police station. Station data: see sources.",
        "hi": "थाना शहर के लोगों को उनके पुलिस थाने से जोड़ता है। स्टेशन की जानकारी: स्रोत देखें।",
        "mr": "ठाणे शहरातील नागरिकांना त्यांच्या पोलीस ठाण्याशी जोडते. ठाण्यांची माहिती: स्रोत पहा.",
    },
}


def t(lang: str, key: str, **values) -> str:
    entry = CATALOGUE[key]
    text = entry.get(lang) or entry[DEFAULT]
    return text.format(**values) if values else text


def pick_language(query_lang: str | None, cookie_lang: str | None, accept_language: str | None) -> str:
    for candidate in (query_lang, cookie_lang):
        if candidate in LANGUAGES:
            return candidate
    for part in (accept_language or "").split(","):
        code = part.split(";")[0].strip().lower()[:2]
        if code in LANGUAGES:
            return code
    return DEFAULT
