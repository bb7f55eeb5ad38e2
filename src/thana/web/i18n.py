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
    "posters_title": {
        "en": "Poster and card for this station",
        "hi": "इस थाने का पोस्टर और कार्ड",
        "mr": "या ठाण्याचे पोस्टर आणि कार्ड",
    },
    "posters_intro": {
        "en": "For notice boards at police stations, schools, colleges and Nirbhaya vans: in English, Hindi and "
        "Marathi, with the station's X handle, its women's helpline and the emergency numbers.",
        "hi": "पुलिस थानों, स्कूलों, कॉलेजों और निर्भया वैन के नोटिस बोर्ड के लिए: अंग्रेज़ी, हिंदी और मराठी में, "
        "थाने के X हैंडल, महिला हेल्पलाइन और आपातकालीन नंबरों के साथ।",
        "mr": "पोलीस ठाणी, शाळा, महाविद्यालये आणि निर्भया व्हॅनच्या सूचना फलकांसाठी: इंग्रजी, हिंदी आणि मराठीत, "
        "ठाण्याचे X हँडल, महिला हेल्पलाइन आणि आपत्कालीन क्रमांकांसह.",
    },
    "download_poster": {"en": "Download poster (A4)", "hi": "पोस्टर डाउनलोड करें (A4)", "mr": "पोस्टर डाउनलोड करा (A4)"},
    "download_card": {"en": "Download card (A6)", "hi": "कार्ड डाउनलोड करें (A6)", "mr": "कार्ड डाउनलोड करा (A6)"},
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
    # -- the report form, its confirmation and the follow page (web/report.py) --------------------------
    "report_link": {"en": "Report to the police", "hi": "पुलिस को शिकायत भेजें", "mr": "पोलिसांकडे तक्रार करा"},
    "report_title": {"en": "Report to the police", "hi": "पुलिस को शिकायत भेजें", "mr": "पोलिसांकडे तक्रार करा"},
    "report_intro": {
        "en": "Tell the police what happened. No login is needed; you get a reference number and a private "
        "link to follow your report.",
        "hi": "पुलिस को बताएँ कि क्या हुआ। लॉगिन की ज़रूरत नहीं; आपको संदर्भ क्रमांक और अपनी शिकायत देखने के लिए एक निजी लिंक मिलेगा।",
        "mr": "पोलिसांना काय घडले ते सांगा. लॉगिनची गरज नाही; तुम्हाला संदर्भ क्रमांक आणि तक्रारीचा पाठपुरावा "
        "करण्यासाठी खाजगी लिंक मिळेल.",
    },
    "report_text_label": {"en": "What happened?", "hi": "क्या हुआ?", "mr": "काय घडले?"},
    "report_text_hint": {
        "en": "What, when and where, in your own words (5 to 4000 characters). English, Hindi or Marathi.",
        "hi": "क्या, कब और कहाँ, अपने शब्दों में (5 से 4000 अक्षर)। अंग्रेज़ी, हिन्दी या मराठी में।",
        "mr": "काय, केव्हा आणि कुठे, तुमच्या शब्दांत (5 ते 4000 अक्षरे). इंग्रजी, हिंदी किंवा मराठीत.",
    },
    "report_place_label": {
        "en": "Where? (area, landmark, road or railway station)",
        "hi": "कहाँ? (इलाका, लैंडमार्क, सड़क या रेलवे स्टेशन)",
        "mr": "कुठे? (परिसर, खूण, रस्ता किंवा रेल्वे स्थानक)",
    },
    "report_place_hint": {
        "en": "Or mark the place on the map, or use your location.",
        "hi": "या नक्शे पर जगह चिह्नित करें, या अपनी लोकेशन का उपयोग करें।",
        "mr": "किंवा नकाशावर ठिकाण दाखवा, किंवा तुमचे स्थान वापरा.",
    },
    "report_map_open": {"en": "Mark the place on a map", "hi": "नक्शे पर जगह चिह्नित करें", "mr": "नकाशावर ठिकाण दाखवा"},
    "report_map_help": {
        "en": "Click the place on the map of the police station areas.",
        "hi": "पुलिस थाना क्षेत्रों के नक्शे पर जगह पर क्लिक करें।",
        "mr": "पोलीस ठाण्यांच्या हद्दींच्या नकाशावर ठिकाणावर क्लिक करा.",
    },
    "report_map_alt": {
        "en": "Map of the police station areas of {force}: click to mark the place",
        "hi": "{force} के पुलिस थाना क्षेत्रों का नक्शा: जगह चिह्नित करने के लिए क्लिक करें",
        "mr": "{force} च्या पोलीस ठाण्यांच्या हद्दींचा नकाशा: ठिकाण दाखवण्यासाठी क्लिक करा",
    },
    "report_point_chosen": {
        "en": "Marked point: {lat}, {lon}.",
        "hi": "चिह्नित बिंदु: {lat}, {lon}।",
        "mr": "दाखवलेला बिंदू: {lat}, {lon}.",
    },
    "report_point_station": {
        "en": "It lies in the area of {station}.",
        "hi": "यह {station} के क्षेत्र में है।",
        "mr": "हा {station} च्या हद्दीत आहे.",
    },
    "report_point_outside": {
        "en": "That point is outside {force}'s area. Mark a point inside the map, or type the place.",
        "hi": "यह बिंदु {force} के क्षेत्र से बाहर है। नक्शे के अंदर बिंदु चुनें या जगह का नाम लिखें।",
        "mr": "हा बिंदू {force} च्या हद्दीबाहेर आहे. नकाशाच्या आत बिंदू निवडा किंवा ठिकाणाचे नाव लिहा.",
    },
    "report_clear_point": {"en": "Remove the point", "hi": "बिंदु हटाएँ", "mr": "बिंदू काढा"},
    "report_location_added": {
        "en": "Your location was added.",
        "hi": "आपकी लोकेशन जोड़ दी गई।",
        "mr": "तुमचे स्थान जोडले.",
    },
    "report_photo_label": {"en": "Photo (optional)", "hi": "फ़ोटो (वैकल्पिक)", "mr": "फोटो (ऐच्छिक)"},
    "report_photo_hint": {
        "en": "JPEG, PNG or WebP, at most {mb} MB.",
        "hi": "JPEG, PNG या WebP, अधिकतम {mb} MB।",
        "mr": "JPEG, PNG किंवा WebP, जास्तीत जास्त {mb} MB.",
    },
    "report_photo_again": {
        "en": "If you had chosen a photo, please choose it again.",
        "hi": "अगर आपने फ़ोटो चुनी थी तो कृपया उसे फिर से चुनें।",
        "mr": "तुम्ही फोटो निवडला असल्यास कृपया तो पुन्हा निवडा.",
    },
    "report_contact_legend": {
        "en": "Your contact details (optional)",
        "hi": "आपकी संपर्क जानकारी (वैकल्पिक)",
        "mr": "तुमचे संपर्क तपशील (ऐच्छिक)",
    },
    "report_contact_hint": {
        "en": "Only the police see these, to reach you. They never appear on the follow page or anywhere public.",
        "hi": "इन्हें केवल पुलिस देखती है, आपसे संपर्क करने के लिए। ये फ़ॉलो पेज या कहीं भी सार्वजनिक रूप से नहीं दिखते।",
        "mr": "हे फक्त पोलीस पाहतात, तुमच्याशी संपर्क साधण्यासाठी. हे पाठपुरावा पानावर किंवा कुठेही सार्वजनिकपणे दिसत नाहीत.",
    },
    "report_name_label": {"en": "Name", "hi": "नाम", "mr": "नाव"},
    "report_phone_label": {"en": "Mobile number", "hi": "मोबाइल नंबर", "mr": "मोबाईल क्रमांक"},
    "report_email_label": {"en": "E-mail", "hi": "ई-मेल", "mr": "ई-मेल"},
    "report_public_note": {
        "en": "Your name, number and e-mail are never published. What you write may appear in the public list "
        "of reports with phone numbers, e-mail and street addresses hidden; emergencies and reports about women, "
        "children, informants and police conduct are never listed.",
        "hi": "आपका नाम, नंबर और ई-मेल कभी प्रकाशित नहीं होते। आपका लिखा हुआ शिकायतों की सार्वजनिक सूची में फ़ोन नंबर, "
        "ई-मेल और पते छिपाकर दिख सकता है; आपात स्थितियाँ और महिलाओं, बच्चों, मुखबिरों और पुलिस आचरण से जुड़ी शिकायतें "
        "कभी सूचीबद्ध नहीं होतीं।",
        "mr": "तुमचे नाव, क्रमांक आणि ई-मेल कधीही प्रसिद्ध होत नाहीत. तुम्ही लिहिलेले तक्रारींच्या सार्वजनिक यादीत फोन "
        "क्रमांक, ई-मेल आणि पत्ते लपवून दिसू शकते; आणीबाणी आणि महिला, मुले, खबरी आणि पोलीस वर्तनाशी संबंधित तक्रारी "
        "कधीही यादीत येत नाहीत.",
    },
    "report_send": {"en": "Send report", "hi": "शिकायत भेजें", "mr": "तक्रार पाठवा"},
    "err_heading": {
        "en": "Please correct the following:",
        "hi": "कृपया ये बातें ठीक करें:",
        "mr": "कृपया पुढील गोष्टी दुरुस्त करा:",
    },
    "err_text_required": {
        "en": "Please describe what happened.",
        "hi": "कृपया बताएँ कि क्या हुआ।",
        "mr": "कृपया काय घडले ते लिहा.",
    },
    "err_text_short": {
        "en": "Please write at least 5 characters about what happened.",
        "hi": "कृपया जो हुआ उसके बारे में कम से कम 5 अक्षर लिखें।",
        "mr": "कृपया काय घडले त्याबद्दल किमान 5 अक्षरे लिहा.",
    },
    "err_text_long": {
        "en": "Please write at most 4000 characters (you wrote {n}).",
        "hi": "कृपया अधिकतम 4000 अक्षर लिखें (आपने {n} लिखे)।",
        "mr": "कृपया जास्तीत जास्त 4000 अक्षरे लिहा (तुम्ही {n} लिहिली).",
    },
    "err_place_long": {
        "en": "Please describe the place in at most 200 characters.",
        "hi": "कृपया जगह का वर्णन अधिकतम 200 अक्षरों में करें।",
        "mr": "कृपया ठिकाणाचे वर्णन जास्तीत जास्त 200 अक्षरांत करा.",
    },
    "err_name_long": {
        "en": "Please keep the name to at most 100 characters.",
        "hi": "कृपया नाम अधिकतम 100 अक्षरों का रखें।",
        "mr": "कृपया नाव जास्तीत जास्त 100 अक्षरांचे ठेवा.",
    },
    "err_phone": {
        "en": "Please give a 10-digit mobile number (+91 in front is fine), or leave it empty.",
        "hi": "कृपया 10 अंकों का मोबाइल नंबर दें (आगे +91 चलेगा), या इसे खाली छोड़ दें।",
        "mr": "कृपया 10 अंकी मोबाईल क्रमांक द्या (आधी +91 चालेल), किंवा रिकामे ठेवा.",
    },
    "err_email": {
        "en": "That does not look like an e-mail address (name@example.com). Check it, or leave it empty.",
        "hi": "यह ई-मेल पता नहीं लगता (name@example.com)। इसे जाँचें या खाली छोड़ दें।",
        "mr": "हा ई-मेल पत्ता वाटत नाही (name@example.com). तपासा किंवा रिकामे ठेवा.",
    },
    "err_point": {
        "en": "The marked point is not valid. Please mark it again.",
        "hi": "चिह्नित बिंदु सही नहीं है। कृपया फिर से चिह्नित करें।",
        "mr": "दाखवलेला बिंदू योग्य नाही. कृपया पुन्हा दाखवा.",
    },
    "err_photo_type": {
        "en": "The photo must be a JPEG, PNG or WebP image. This file is not one.",
        "hi": "फ़ोटो JPEG, PNG या WebP होनी चाहिए। यह फ़ाइल ऐसी नहीं है।",
        "mr": "फोटो JPEG, PNG किंवा WebP असावा. ही फाइल तशी नाही.",
    },
    "err_photo_size": {
        "en": "The photo is larger than {mb} MB. Please choose a smaller one.",
        "hi": "फ़ोटो {mb} MB से बड़ी है। कृपया छोटी फ़ोटो चुनें।",
        "mr": "फोटो {mb} MB पेक्षा मोठा आहे. कृपया लहान फोटो निवडा.",
    },
    "err_too_large": {
        "en": "What you sent is too large (the photo may be at most {mb} MB). Please write your report again "
        "with a smaller photo.",
        "hi": "आपने जो भेजा वह बहुत बड़ा है (फ़ोटो अधिकतम {mb} MB)। कृपया छोटी फ़ोटो के साथ शिकायत फिर से लिखें।",
        "mr": "तुम्ही पाठवलेले खूप मोठे आहे (फोटो जास्तीत जास्त {mb} MB). कृपया लहान फोटोसह तक्रार पुन्हा लिहा.",
    },
    "err_csrf": {
        "en": "This form had expired, so nothing was sent yet. Please check it and press “Send report” again.",
        "hi": "यह फ़ॉर्म पुराना हो गया था, इसलिए अभी कुछ नहीं भेजा गया। कृपया जाँचकर “शिकायत भेजें” फिर से दबाएँ।",
        "mr": "हा फॉर्म जुना झाला होता, त्यामुळे अजून काहीही पाठवले नाही. कृपया तपासून “तक्रार पाठवा” पुन्हा दाबा.",
    },
    "err_rate": {
        "en": "You have sent several reports in a short time. Please wait a few minutes and try again. "
        "If anyone is in danger right now, call 112.",
        "hi": "आपने कम समय में कई शिकायतें भेजी हैं। कृपया कुछ मिनट रुककर फिर कोशिश करें। "
        "अगर अभी किसी की जान को ख़तरा है तो 112 पर कॉल करें।",
        "mr": "तुम्ही थोड्या वेळात अनेक तक्रारी पाठवल्या आहेत. कृपया काही मिनिटे थांबून पुन्हा प्रयत्न करा. "
        "आत्ता कोणाच्या जिवाला धोका असेल तर 112 वर कॉल करा.",
    },
    "err_form": {
        "en": "The form could not be read. Please try again.",
        "hi": "फ़ॉर्म पढ़ा नहीं जा सका। कृपया फिर से कोशिश करें।",
        "mr": "फॉर्म वाचता आला नाही. कृपया पुन्हा प्रयत्न करा.",
    },
    "sent_title": {"en": "Your report has been sent", "hi": "आपकी शिकायत भेज दी गई है", "mr": "तुमची तक्रार पाठवली आहे"},
    "sent_reference": {"en": "Your reference number", "hi": "आपका संदर्भ क्रमांक", "mr": "तुमचा संदर्भ क्रमांक"},
    "sent_ref_later": {
        "en": "Your reference number will appear on your follow page in a moment.",
        "hi": "आपका संदर्भ क्रमांक कुछ ही देर में आपके फ़ॉलो पेज पर दिखेगा।",
        "mr": "तुमचा संदर्भ क्रमांक थोड्याच वेळात तुमच्या पाठपुरावा पानावर दिसेल.",
    },
    "sent_follow": {
        "en": "Follow your report with this link. Save it: it is private, and anyone who has it can see the "
        "report's progress.",
        "hi": "इस लिंक से अपनी शिकायत देखें। इसे सहेज लें: यह निजी है, और जिसके पास यह लिंक हो वह शिकायत की प्रगति देख सकता है।",
        "mr": "या लिंकवरून तुमच्या तक्रारीचा पाठपुरावा करा. ती जपून ठेवा: ती खाजगी आहे, आणि ज्याच्याकडे ती असेल तो "
        "तक्रारीची प्रगती पाहू शकतो.",
    },
    "sent_open_follow": {"en": "Open the follow page", "hi": "फ़ॉलो पेज खोलें", "mr": "पाठपुरावा पान उघडा"},
    "sent_another": {"en": "Send another report", "hi": "दूसरी शिकायत भेजें", "mr": "दुसरी तक्रार पाठवा"},
    "track_title": {"en": "Your report", "hi": "आपकी शिकायत", "mr": "तुमची तक्रार"},
    "track_reference": {"en": "Reference", "hi": "संदर्भ क्रमांक", "mr": "संदर्भ क्रमांक"},
    "track_status": {"en": "Status", "hi": "स्थिति", "mr": "स्थिती"},
    "track_category": {"en": "Type", "hi": "प्रकार", "mr": "प्रकार"},
    "track_station": {"en": "Police station", "hi": "पुलिस थाना", "mr": "पोलीस ठाणे"},
    "track_handled_by": {"en": "Handled by", "hi": "कार्रवाई करने वाले", "mr": "कार्यवाही करणारे"},
    "track_hq": {"en": "Police headquarters", "hi": "पुलिस मुख्यालय", "mr": "पोलीस मुख्यालय"},
    "track_received": {"en": "Received", "hi": "प्राप्त", "mr": "प्राप्त"},
    "track_updated": {"en": "Last updated", "hi": "अंतिम अपडेट", "mr": "शेवटचा बदल"},
    "track_expected": {
        "en": "First action expected by",
        "hi": "पहली कार्रवाई की अपेक्षित समय-सीमा",
        "mr": "पहिली कार्यवाही अपेक्षित वेळ",
    },
    "track_closed_at": {"en": "Closed", "hi": "बंद", "mr": "बंद"},
    "track_text": {
        "en": "What you wrote (personal details hidden)",
        "hi": "आपने क्या लिखा (निजी जानकारी छिपाई गई)",
        "mr": "तुम्ही काय लिहिले (वैयक्तिक तपशील लपवले)",
    },
    "track_photo": {"en": "A photo is attached.", "hi": "एक फ़ोटो संलग्न है।", "mr": "एक फोटो जोडलेला आहे."},
    "track_updates": {"en": "Updates", "hi": "अपडेट", "mr": "अद्ययावत माहिती"},
    "track_no_updates": {"en": "No updates yet.", "hi": "अभी कोई अपडेट नहीं।", "mr": "अजून कोणतीही माहिती नाही."},
    "track_pending": {
        "en": "Your report has been received and is being registered. This page refreshes itself every few seconds.",
        "hi": "आपकी शिकायत मिल गई है और दर्ज की जा रही है। यह पेज हर कुछ सेकंड में अपने-आप रीफ़्रेश होता है।",
        "mr": "तुमची तक्रार मिळाली आहे आणि नोंदवली जात आहे. हे पान दर काही सेकंदांनी आपोआप रीफ्रेश होते.",
    },
    "track_no_case": {
        "en": "Your message was received but was not registered as a complaint. If you need the police, "
        "call 112 or contact your police station.",
        "hi": "आपका संदेश मिला, लेकिन इसे शिकायत के रूप में दर्ज नहीं किया गया। पुलिस की ज़रूरत हो तो 112 पर कॉल करें "
        "या अपने पुलिस थाने से संपर्क करें।",
        "mr": "तुमचा संदेश मिळाला, पण तो तक्रार म्हणून नोंदवला गेला नाही. पोलिसांची गरज असल्यास 112 वर कॉल करा "
        "किंवा तुमच्या पोलीस ठाण्याशी संपर्क साधा.",
    },
    "track_private": {
        "en": "This page is private. Share its link only with people you trust.",
        "hi": "यह पेज निजी है। इसका लिंक केवल भरोसेमंद लोगों के साथ साझा करें।",
        "mr": "हे पान खाजगी आहे. त्याची लिंक फक्त विश्वासू लोकांना द्या.",
    },
    "track_find_station": {"en": "Find your police station", "hi": "अपना पुलिस थाना खोजें", "mr": "तुमचे पोलीस ठाणे शोधा"},
    "status_new": {"en": "Received", "hi": "प्राप्त", "mr": "प्राप्त"},
    "status_acknowledged": {"en": "Acknowledged", "hi": "स्वीकार किया गया", "mr": "स्वीकारली"},
    "status_assigned": {"en": "Assigned to an officer", "hi": "अधिकारी को सौंपा गया", "mr": "अधिकाऱ्याकडे सोपवली"},
    "status_in_progress": {"en": "Being acted upon", "hi": "कार्रवाई जारी", "mr": "कार्यवाही सुरू"},
    "status_transferred": {"en": "Transferred", "hi": "स्थानांतरित", "mr": "हस्तांतरित"},
    "status_resolved": {"en": "Resolved", "hi": "निपटाया गया", "mr": "निकाली काढली"},
    "status_closed": {"en": "Closed", "hi": "बंद", "mr": "बंद"},
    "status_merged": {
        "en": "Joined with another report of the same matter",
        "hi": "उसी मामले की दूसरी शिकायत के साथ जोड़ा गया",
        "mr": "त्याच प्रकरणाच्या दुसऱ्या तक्रारीशी जोडली",
    },
    "status_redirected": {
        "en": "Passed on to the agency responsible",
        "hi": "ज़िम्मेदार विभाग को भेजा गया",
        "mr": "जबाबदार यंत्रणेकडे पाठवली",
    },
    "cat_emergency": {"en": "Emergency", "hi": "आपात स्थिति", "mr": "आणीबाणी"},
    "cat_child_safety": {"en": "Child safety", "hi": "बच्चों की सुरक्षा", "mr": "मुलांची सुरक्षा"},
    "cat_women_safety": {"en": "Women's safety", "hi": "महिला सुरक्षा", "mr": "महिला सुरक्षा"},
    "cat_missing_person": {"en": "Missing person", "hi": "लापता व्यक्ति", "mr": "हरवलेली व्यक्ती"},
    "cat_senior_citizen": {"en": "Senior citizen", "hi": "वरिष्ठ नागरिक", "mr": "ज्येष्ठ नागरिक"},
    "cat_cyber_fraud": {"en": "Cyber fraud", "hi": "साइबर धोखाधड़ी", "mr": "सायबर फसवणूक"},
    "cat_theft": {"en": "Theft", "hi": "चोरी", "mr": "चोरी"},
    "cat_drugs_illegal": {
        "en": "Drugs and illegal activity",
        "hi": "नशीले पदार्थ और अवैध गतिविधि",
        "mr": "अमली पदार्थ आणि बेकायदेशीर धंदे",
    },
    "cat_police_conduct": {"en": "Police conduct", "hi": "पुलिस का आचरण", "mr": "पोलिसांचे वर्तन"},
    "cat_nuisance": {"en": "Nuisance", "hi": "उपद्रव", "mr": "उपद्रव"},
    "cat_other": {
        "en": "Other crime or police matter",
        "hi": "अन्य अपराध या पुलिस मामला",
        "mr": "इतर गुन्हा किंवा पोलीस प्रकरण",
    },
    "cat_railway": {"en": "Railway", "hi": "रेलवे", "mr": "रेल्वे"},
    "cat_traffic": {"en": "Traffic", "hi": "यातायात", "mr": "वाहतूक"},
    "cat_civic": {"en": "Civic problem", "hi": "नागरिक सुविधा की समस्या", "mr": "नागरी सुविधांची समस्या"},
    "cat_information": {"en": "Information", "hi": "जानकारी", "mr": "माहिती"},
    "cat_appreciation": {"en": "Appreciation", "hi": "सराहना", "mr": "कौतुक"},
    "cat_spam": {"en": "Not a complaint", "hi": "शिकायत नहीं", "mr": "तक्रार नाही"},
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


# Housing societies (public registration page).
CATALOGUE.update(
    {
        "society_title": {
            "en": "Register your housing society",
            "hi": "अपनी हाउसिंग सोसायटी पंजीकृत करें",
            "mr": "तुमची गृहनिर्माण संस्था नोंदवा",
        },
        "society_intro": {
            "en": "Link your society with its police station: the station can send advisories to your secretary, "
            "and a message from the secretary's number reaches the station with the society's details.",
            "hi": "अपनी सोसायटी को उसके पुलिस थाने से जोड़ें: थाना आपके सचिव को सूचनाएँ भेज सकेगा, और सचिव के "
            "नंबर से आया संदेश सोसायटी की जानकारी के साथ थाने पहुँचेगा।",
            "mr": "तुमची संस्था तिच्या पोलीस ठाण्याशी जोडा: ठाणे तुमच्या सचिवांना सूचना पाठवू शकेल, आणि सचिवांच्या "
            "क्रमांकावरून आलेला संदेश संस्थेच्या माहितीसह ठाण्यापर्यंत पोहोचेल.",
        },
        "society_done": {
            "en": "Registered. {station} will verify your society.",
            "hi": "पंजीकृत। {station} आपकी सोसायटी का सत्यापन करेगा।",
            "mr": "नोंदणी झाली. {station} तुमच्या संस्थेची पडताळणी करेल.",
        },
        "society_no_station": {"en": "Headquarters", "hi": "मुख्यालय", "mr": "मुख्यालय"},
        "society_name": {"en": "Society's name", "hi": "सोसायटी का नाम", "mr": "संस्थेचे नाव"},
        "society_address": {
            "en": "Address (with locality and pincode)",
            "hi": "पता (इलाका और पिनकोड सहित)",
            "mr": "पत्ता (परिसर व पिनकोडसह)",
        },
        "society_secretary": {"en": "Secretary's name", "hi": "सचिव का नाम", "mr": "सचिवांचे नाव"},
        "society_phone": {
            "en": "Secretary's mobile (WhatsApp)",
            "hi": "सचिव का मोबाइल (व्हाट्सऐप)",
            "mr": "सचिवांचा मोबाईल (व्हॉट्सॲप)",
        },
        "society_submit": {"en": "Register", "hi": "पंजीकृत करें", "mr": "नोंदवा"},
    }
)
