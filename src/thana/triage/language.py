"""Which language a message is in: en, hi, mr (Devanagari) or hi-Latn, mr-Latn (Latin letters).

Script first (share of Devanagari letters), then marker words that only one of the languages uses
(Marathi "आहे", "नाही", "माझा" and the letter ळ; Hindi "है", "नहीं", "मेरा"; Hinglish "hai",
"nahi", "mera"; Marathi in Latin letters "aahe", "majha", "kara").
"""

from __future__ import annotations

import re

# Runs rather than single letters: counting letters by their runs makes a few strings, not one a letter.
DEVANAGARI_RUN_RE = re.compile(r"[\u0900-\u097F]+")
LATIN_RUN_RE = re.compile(r"[A-Za-z]+")
TOKEN_RE = re.compile(r"[\u0900-\u097F]+|[A-Za-z']+")

MR_DEVA = set(
    "आहे आहेत आहोत नाही नाहीत आणि पण मध्ये मधे मला माझा माझी माझे माझ्या माझं आमच्या आमचा आमची आमचे आम्ही "
    "तुम्ही तुमच्या काय कसा कशी कुठे इथे तिथे आता आत्ता लवकर करत करा केला केली केले झाला झाली झाले घरी त्याला "
    "तिला त्याने तिने साठी सोबत होतो होते गेला गेली गेले येथे कृपया पोलीस ठाणे ठाण्यात रोज रात्री सकाळी काल "
    "मुलगी मुलगा बायको नवरा त्रास देतो देत करतो करते दिली दिला घेतला घेतली".split()
)
HI_DEVA = set(
    "है हैं था थी थे नहीं मेरा मेरी मेरे हम हमारे हमारा हमारी और में को का की के से ने रहा रही रहे क्या कैसे "
    "कहाँ कहां यहाँ यहां वहाँ वो वह अभी जल्दी लेकिन पर मुझे मुझको उसने उसको आप कृपया पुलिस थाना थाने कल रोज "
    "लड़की लड़का बेटी बेटा पति पत्नी परेशान कर करता करती गया गई गए दिया लिया हुआ हुई".split()
)
HI_LATN = set(
    "hai hain hei h nahi nahin nhi mera meri mere kya kyu kyun kaise kahan yahan wahan raha rahi rahe tha thi "
    "the ko ka ki ke aur mein me se ne bhai abhi jaldi yaar kar karo karke wala wali wale log ho gaya gayi gaye "
    "ek koi kuch bahut bohot hum humara aap unka uska usko mujhe mujhko kal aaj roz sab please plz pls bhi toh "
    "diya liya hua hui ladki ladka beta beti pati ghar dekho madad chahiye karna karta karti".split()
)
MR_LATN = set(
    "aahe ahe aahet ahet nahi nahiye majha maza mazi majhi maze majhe mala amhi aamhi tumhi tumchya kara zala "
    "jhala zali jhali kay kasa kashi kuthe ithe tithe aata lavkar aani ani pan madhe madhye ghari tyala tila "
    "amcha amchi amchya sathi karat karto karte gela geli gele ghetla ghetli rahto rahte baghun kahi kon hota "
    "hoti hote roj ratri sakali kaka kaku dada tai saheb bhau ho na re".split()
)
EN = set(
    "the is are was were am a an and or to of in on at for with this that my me i he she they we you your "
    "please help near from has have had been not no but it its there what when where who how can will would "
    "should police station someone sir madam our us his her them today yesterday since".split()
)
SHARED_LATN = {"nahi", "hota", "roj", "na", "ho", "kal", "ghar"}


def detect(text: str, words: list[str] | None = None) -> str:
    """The language of a text; `words` (as written) saves tokenising it again."""
    deva = sum(map(len, DEVANAGARI_RUN_RE.findall(text)))
    latin = sum(map(len, LATIN_RUN_RE.findall(text)))
    tokens = [t.casefold() for t in (words if words is not None else TOKEN_RE.findall(text))]
    if deva and deva >= 0.4 * (deva + latin):
        mr = sum(t in MR_DEVA for t in tokens) + (2 if "ळ" in text else 0)
        hi = sum(t in HI_DEVA for t in tokens)
        return "mr" if mr > hi else "hi"
    en = sum(t in EN for t in tokens)
    hi = sum(t in HI_LATN and t not in SHARED_LATN for t in tokens)
    mr = sum(t in MR_LATN and t not in SHARED_LATN for t in tokens)
    if max(hi, mr) == 0 or en > 1.5 * max(hi, mr):
        return "en"
    return "mr-Latn" if mr > hi else "hi-Latn"
