"""The words of the officers' pages in English, Hindi and Marathi (the public pages' catalogue is i18n.py)."""

from __future__ import annotations

from thana.web import i18n

STAFF: dict[str, dict[str, str]] = {
    "sign_in": {"en": "Sign in", "hi": "साइन इन करें", "mr": "साइन इन करा"},
    "sign_out": {"en": "Sign out", "hi": "साइन आउट", "mr": "साइन आउट"},
    "username": {"en": "Username", "hi": "यूज़रनेम", "mr": "वापरकर्ता नाव"},
    "password": {"en": "Password", "hi": "पासवर्ड", "mr": "पासवर्ड"},
    "bad_login": {
        "en": "Wrong username or password.",
        "hi": "यूज़रनेम या पासवर्ड ग़लत है।",
        "mr": "वापरकर्ता नाव किंवा पासवर्ड चुकीचा आहे.",
    },
    "officers": {"en": "For officers", "hi": "अधिकारियों के लिए", "mr": "अधिकाऱ्यांसाठी"},
    "inbox": {"en": "Inbox", "hi": "इनबॉक्स", "mr": "इनबॉक्स"},
    "monitor": {"en": "Monitor", "hi": "निगरानी", "mr": "देखरेख"},
    "headquarters": {"en": "Headquarters", "hi": "मुख्यालय", "mr": "मुख्यालय"},
    "reports": {"en": "Reports", "hi": "रिपोर्ट", "mr": "अहवाल"},
    "filters": {"en": "Filters", "hi": "फ़िल्टर", "mr": "फिल्टर"},
    "apply": {"en": "Apply", "hi": "लागू करें", "mr": "लागू करा"},
    "all": {"en": "all", "hi": "सभी", "mr": "सर्व"},
    "status": {"en": "Status", "hi": "स्थिति", "mr": "स्थिती"},
    "category": {"en": "Category", "hi": "श्रेणी", "mr": "प्रकार"},
    "priority": {"en": "Priority", "hi": "प्राथमिकता", "mr": "प्राधान्य"},
    "channel": {"en": "Channel", "hi": "चैनल", "mr": "माध्यम"},
    "overdue": {"en": "Overdue", "hi": "समय सीमा पार", "mr": "मुदत संपलेली"},
    "overdue_only": {"en": "Overdue only", "hi": "केवल समय सीमा पार", "mr": "फक्त मुदत संपलेली"},
    "reference": {"en": "Reference", "hi": "संदर्भ", "mr": "संदर्भ"},
    "received": {"en": "Received", "hi": "प्राप्त", "mr": "मिळाले"},
    "due": {"en": "Due", "hi": "समय सीमा", "mr": "मुदत"},
    "station": {"en": "Station", "hi": "थाना", "mr": "ठाणे"},
    "summary": {"en": "Message", "hi": "संदेश", "mr": "संदेश"},
    "no_cases": {"en": "No cases match.", "hi": "कोई मामला नहीं मिला।", "mr": "एकही प्रकरण सापडले नाही."},
    "new_cases_live": {
        "en": "New cases appear here as they arrive.",
        "hi": "नए मामले आते ही यहाँ दिखेंगे।",
        "mr": "नवीन प्रकरणे येताच इथे दिसतील.",
    },
    "new_case_arrived": {"en": "New case", "hi": "नया मामला", "mr": "नवीन प्रकरण"},
    "export_csv": {"en": "Export CSV", "hi": "CSV निर्यात", "mr": "CSV निर्यात"},
    "conversation": {"en": "Conversation", "hi": "बातचीत", "mr": "संवाद"},
    "timeline": {"en": "Timeline", "hi": "घटनाक्रम", "mr": "घटनाक्रम"},
    "actions": {"en": "Actions", "hi": "कार्रवाई", "mr": "कारवाई"},
    "citizen": {"en": "Citizen", "hi": "नागरिक", "mr": "नागरिक"},
    "us": {"en": "Police", "hi": "पुलिस", "mr": "पोलीस"},
    "reply": {"en": "Reply to the citizen", "hi": "नागरिक को उत्तर दें", "mr": "नागरिकाला उत्तर द्या"},
    "note": {"en": "Internal note (never sent)", "hi": "आंतरिक नोट (भेजा नहीं जाता)", "mr": "अंतर्गत नोंद (पाठवली जात नाही)"},
    "send": {"en": "Send", "hi": "भेजें", "mr": "पाठवा"},
    "save": {"en": "Save", "hi": "सहेजें", "mr": "जतन करा"},
    "canned": {"en": "Canned replies", "hi": "तैयार उत्तर", "mr": "तयार उत्तरे"},
    "acknowledge": {"en": "Acknowledge", "hi": "स्वीकार करें", "mr": "स्वीकारा"},
    "assign_me": {"en": "Assign to me", "hi": "मुझे सौंपें", "mr": "मला सोपवा"},
    "start": {"en": "Start work", "hi": "काम शुरू करें", "mr": "काम सुरू करा"},
    "resolve": {"en": "Resolve", "hi": "हल करें", "mr": "निकाली काढा"},
    "close": {"en": "Close", "hi": "बंद करें", "mr": "बंद करा"},
    "reopen": {"en": "Reopen", "hi": "फिर खोलें", "mr": "पुन्हा उघडा"},
    "transfer": {"en": "Transfer to station", "hi": "थाने को स्थानांतरित करें", "mr": "ठाण्याकडे वर्ग करा"},
    "redirect": {"en": "Redirect to agency", "hi": "एजेंसी को भेजें", "mr": "यंत्रणेकडे पाठवा"},
    "merge": {"en": "Merge into case", "hi": "मामले में मिलाएँ", "mr": "प्रकरणात विलीन करा"},
    "reason": {"en": "Reason", "hi": "कारण", "mr": "कारण"},
    "triage": {"en": "Triage", "hi": "ट्रायाज", "mr": "वर्गीकरण"},
    "why": {"en": "Why", "hi": "क्यों", "mr": "का"},
    "correct": {"en": "Correct the triage", "hi": "ट्रायाज सुधारें", "mr": "वर्गीकरण दुरुस्त करा"},
    "place": {"en": "Place", "hi": "स्थान", "mr": "ठिकाण"},
    "reports_of_incident": {
        "en": "{n} reports of this incident",
        "hi": "इस घटना की {n} रिपोर्ट",
        "mr": "या घटनेचे {n} अहवाल",
    },
    "reveal": {
        "en": "Show who wrote (recorded)",
        "hi": "किसने लिखा दिखाएँ (दर्ज होगा)",
        "mr": "कोणी लिहिले ते दाखवा (नोंद होईल)",
    },
    "masked_note": {
        "en": "Personal data is masked: only the officers assigned see who wrote.",
        "hi": "निजी जानकारी छिपी है: केवल सौंपे गए अधिकारी देख सकते हैं कि किसने लिखा।",
        "mr": "वैयक्तिक माहिती लपवली आहे: फक्त नियुक्त अधिकारीच लिहिणारा पाहू शकतात.",
    },
    "done": {"en": "Done.", "hi": "हो गया।", "mr": "झाले."},
    "assigned_to": {"en": "Assigned to", "hi": "सौंपा गया", "mr": "नियुक्त"},
    "nobody": {"en": "nobody", "hi": "कोई नहीं", "mr": "कोणीही नाही"},
    "counts": {"en": "By status", "hi": "स्थिति अनुसार", "mr": "स्थितीनुसार"},
    "escalated_to": {"en": "Escalated to", "hi": "आगे बढ़ाया गया", "mr": "वर पाठवले"},
    "open": {"en": "Open", "hi": "खुले", "mr": "उघडी"},
    "ack_in_time": {"en": "Acknowledged in time", "hi": "समय पर स्वीकार", "mr": "वेळेत स्वीकारलेली"},
    "median_first_response": {
        "en": "Median first response",
        "hi": "पहली प्रतिक्रिया (माध्यिका)",
        "mr": "पहिला प्रतिसाद (मध्यक)",
    },
    "median_resolution": {"en": "Median resolution", "hi": "समाधान (माध्यिका)", "mr": "निकाल (मध्यक)"},
    "escalations": {"en": "Escalations", "hi": "एस्केलेशन", "mr": "वरिष्ठांकडे"},
    "page": {"en": "Page", "hi": "पृष्ठ", "mr": "पान"},
    "next": {"en": "Next", "hi": "अगला", "mr": "पुढील"},
    "previous": {"en": "Previous", "hi": "पिछला", "mr": "मागील"},
}


def ts(lang: str, key: str, **values) -> str:
    """A staff-page word, falling back to the public catalogue, then to English."""
    entry = STAFF.get(key) or i18n.CATALOGUE.get(key)
    if entry is None:
        return key.replace("_", " ")
    text = entry.get(lang) or entry["en"]
    return text.format(**values) if values else text
