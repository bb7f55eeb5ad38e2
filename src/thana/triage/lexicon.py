"""Cue words: what police officers know a message about each category sounds like.

Written once, in English, Hindi and Marathi, in whichever script is natural; every phrase is
normalised like the messages (thana.triage.text), so "चोरी", "chori" and "choree" are one cue. A
trailing `*` matches any ending ("molest*" matches molested, molesting). The classifier uses the
cues as features next to the words it learns from the corpus; the priority rules and the safety
rules read them directly.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from thana.triage.text import normalise_word, words

CATEGORY_CUES: dict[str, str] = {
    "emergency": """
        fire | on fire | aag | aag lagi | आग | आग लगी | आग लागली | smoke | dhuan | धुआं | धूर | burning | jal raha | जल रहा
        | knife | chaku | chakoo | चाकू | सुरा | talwar | तलवार | gun | pistol | revolver | firing | goli | गोली | shot | gunshot
        | stab* | bleeding | blood | khoon | खून | रक्त | injured | zakhmi | जख्मी | घायल | जखमी | unconscious | behosh
        | बेहोश | बेशुद्ध | not breathing | saans | dying | mar raha | मर रहा | मरत आहे | heart attack | collapsed
        | accident | hit by | takkar | टक्कर | अपघात | apghat | दुर्घटना | overturned | crushed
        | trapped | phans* | फंस* | अडकले | adkal* | collapse* | building collapse | imarat | इमारत कोसळली | drown*
        | doob | डूब | बुड* | suicide | aatmahatya | आत्महत्या | khudkushi | jump | kudne | कूदने | उडी | hanging | fasi | फांसी
        | bomb | bam | बम | बॉम्ब | explosive | unattended bag | suspicious bag | lavaris | लावारिस | बेवारस | bevaras
        | mob | bheed | भीड | जमाव | riot | danga | दंगा | attack* | hamla | हमला | हल्ला | beating him | maar rahe | मार रहे
        | मारत आहेत | fight | marami | gang war | kidnap* | help help | bachao | बचाओ | वाचवा | vachva | save us | sos
        | ambulance | 108 | gas leak | cylinder | blast | shooting | sword | rod | lathi | danda | sar phod
    """,
    "child_safety": """
        child | children | kid | kids | baby | boy | boys | small boy | little boy | little girl | small girl
        | bachcha | bachha | bacche | bachchi | बच्चा | बच्चे | बच्ची | मूल | मुलगा
        | मुलगी | lahan | लहान | minor | nabalig | नाबालिग | अल्पवयीन | alpavayin | school girl | schoolgirl | school boy
        | student | class | std | years old | year old | saal ka | saal ki | साल का | साल की | वर्षांचा | वर्षांची | varshacha
        | son | daughter | beta | beti | बेटा | बेटी | mulga | mulgi | chhota | chota | छोटा | छोटी | lost child | kho gaya
        | खो गया | harvla | हरवला | हरवली | child labour | bal majdur | बाल मजदूर | balmajur | begging | bheek | भीख | भीक
        | grooming | pocso | childline | 1098 | orphan | anath | अनाथ | ragpicker | tuition | teacher
    """,
    "women_safety": """
        stalk* | follow* | picha | peecha | पीछा | pichha | पाठलाग | pathlag | eve teas* | eveteas* | ched | chhed | छेड
        | छेड़ | छेडछाड | chedchad | chhedkhani | छेड़खानी | molest* | विनयभंग | vinaybhang | touch* | galat tarike
        | गलत तरीके | badtameezi | obscene | ashleel | अश्लील | vulgar | dirty messages | nude | nudes | morph*
        | private photos | photo viral | leak | viral kar | viral karne | blackmail* | rape | balatkar | बलात्कार
        | sexual | harass* | pareshan | परेशान | त्रास | tras | domestic violence | gharelu hinsa | घरेलू हिंसा | मारहाण
        | marhan | pati | husband | नवरा | navra | पति | sasural | ससुराल | सासर | sasu | saas | dahej | दहेज | हुंडा
        | hunda | dowry | wife | patni | biwi | bivi | बीवी | पत्नी | बायको | bayko | woman | women | lady | ladies | girl | girls | ladki
        | ladkiyon | लड़की | लड़कियों | मुलगी | मुली | mahila | महिला | स्त्री | aurat | औरत | she | her | sister
        | behen | बहन | बहीण | bahin | mummy | mother | flash* | indecent | staring | ghoor | घूर | whistl* | comment*
        | acid | alone | akeli | अकेली | एकटी | ekti | scared | dar lag | डर लग | भीती | bhiti | 103 | nirbhaya
    """,
    "missing_person": """
        missing | lapata | laapata | लापता | बेपत्ता | bepatta | gum | गुम | gumshuda | गुमशुदा | not returned
        | nahi lauta | नहीं लौटा | घरी आला नाही | ghari ala nahi | since morning | kal se | not reachable | phone off
        | switch off | no contact | dementia | alzheimer | bhulne | memory loss | mentally | मानसिक | disabled | viklang
        | lost | kho | हरवले | harvale | left home | ghar se nikla | ghar chod | photo attached | last seen | ran away
    """,
    "senior_citizen": """
        senior citizen | old man | old woman | old lady | elderly | aged | budhe | buddhe | बूढ़े | बुजुर्ग | bujurg
        | वृद्ध | vruddh | jयेष्ठ | ज्येष्ठ नागरिक | jeshth | aaji | आजी | ajoba | आजोबा | dada | dadi | nana | nani
        | दादा | दादी | old parents | parents | mother | father | मां | बाप | आई | वडील | vadil | 70 | 75 | 80 | 85
        | alone at home | akele rehte | neglect* | property | abandon* | 1090
    """,
    "cyber_fraud": """
        upi | otp | kyc | paytm | phonepe | gpay | google pay | bank | account | khata | खाता | खाते | debited | deducted
        | kat gaye | कट गए | कापले | transferred | transaction | fraud | froud | farjivada | फर्जी | फसवणूक | fasavnuk
        | dhokha | धोखा | thagi | ठगी | scam | scammer | online | link | app | loan app | loan | investment | trading
        | crypto | bitcoin | task | part time job | work from home | courier | customs | fedex | digital arrest
        | cbi | ed | video call | sextortion | hacked | hack | fake account | fake profile | instagram | facebook | whatsapp
        | telegram | password | credit card | debit card | card | 1930 | cybercrime | cyber | lottery | prize | refund
        | electricity bill | light bill | apk | screen share | anydesk | qr code | scanned
    """,
    "theft": """
        chor* | चोर* | चोरी | stolen | stole | steal* | theft | snatch* | jhapat | झपट | हिसकावून | hiskav* | chain
        | chen | चेन | मंगळसूत्र | mangalsutra | purse | wallet | batua | पर्स | pocket | pickpocket | jebkatra | जेबकतरा
        | pakit | mobile chori | phone chori | robbery | robbed | loot | लूट | लुटले | burglary | break in | broke in
        | taala | tala | ताला | कुलूप | lock broken | ghar fod | गाडी चोरी | bike chori | vehicle stolen | activa | scooter
        | cycle | laptop | jewellery | gehne | दागिने | dagine | cash | paise | पैसे
    """,
    "drugs_illegal": """
        drug* | ganja | गांजा | charas | चरस | md | mephedrone | smack | brown sugar | cocaine | weed | nasha | नशा
        | नशेडी | nashedi | peddl* | supplier | daru ka adda | hatbhatti | हातभट्टी | illegal liquor | desi daru | country liquor
        | gavathi | गावठी | matka | मटका | jugar | jua | जुआ | जुगार | gambling | betting | satta | सट्टा | bar girls | dance bar
        | prostitution | vaishya | वेश्या | sex racket | racket | rave | hookah
    """,
    "police_conduct": """
        bribe | rishvat | रिश्वत | लाच | lach | ghoos | घूस | hafta | हफ्ता | chai pani | paise mang* | paise maange
        | fir nahi | fir not | refused fir | fir register nahi | complaint nahi li | तक्रार घेतली नाही | takrar ghetli nahi
        | शिकायत नहीं ली | rude | misbehav* | abused by police | police ne mara | पोलिसांनी मारले | पुलिस ने मारा | constable
        | havaldar | हवालदार | inspector | pi | psi | api | officer | thane madhe | थाने में | chowki | duty par | uniform
        | traffic police ne | corrupt* | bhrashtachar | भ्रष्टाचार | threatened by police | harassed by police | extort
    """,
    "nuisance": """
        noise | loud | loudspeaker | speaker | dj | music | gaana | gaane | आवाज | avaj | awaaz | शोर | shor | गोंधळ
        | gondhal | halla | हल्ला गुल्ला | drunk | daru pi | दारू पिऊन | शराबी | sharabi | bevda | बेवडा | rowdy | hungama
        | firecracker* | patakhe | पटाखे | फटाके | fatake | midnight | raat ko | रात्री | late night | 11 pm | 12 am | 1 am
        | 2 am | 10 pm | party | band baja | baraat | horn | doorbell | prank | smoking | ciggarette | cigarette
    """,
    "other": """
        extortion | khandani | खंडणी | hafta vasuli | threat* | dhamki | धमकी | धमकी दी | jaan se maarne | धमकावत
        | cheat* | fasaya | फसाया | dhokha | impersonat* | fake police | builder | goons | gunde | गुंडे | गुंडागर्दी
        | dispute | jhagda | झगड़ा | भांडण | bhandan | neighbour | padosi | पड़ोसी | शेजारी | shejari | landlord | tenant
        | kiraya | deposit | illegal construction | encroach* | tree cutting | trespass | fake documents | forgery
        | assault | mara | maara | मारा | slapped | thappad | abuse | gaali | गाली | शिवी | money not returned | udhari
    """,
    "railway": """
        local train | local | train | लोकल | ट्रेन | railway | rly | रेल्वे | रेलवे | platform | फलाट | plat
        | fob | foot over bridge | ladies compartment | ladies dabba | general compartment | dabba | डबा | डिब्बा
        | first class | ticket | tc | grp | rpf | station par | station pe | स्टेशनवर | स्टेशन पर | western line
        | central line | harbour line | track | patri | पटरी | rula | ruli | fast train | slow train
        | churchgate | cst | csmt | dadar station | kurla station | thane
    """,
    "traffic": """
        traffic | jam | ट्रैफिक | ट्रॅफिक | वाहतूक | vahatuk | kondi | कोंडी | signal | सिग्नल | wrong side | ulti
        | no parking | parking | parked | पार्किंग | double parking | rash driving | over speed* | speeding | racing
        | stunt | bikers | triple seat | helmet | honking | rickshaw | auto | taxi | meter | refuse* | bus | tempo
        | truck | dumper | lane | highway | flyover | bridge | diversion | challan | e challan | towing
    """,
    "civic": """
        garbage | kachra | कचरा | कचऱ्याचा | dustbin | pothole* | khadda | खड्डे | खड्डा | गड्ढा | gaddha | water logging
        | waterlogging | pani bhar | पाणी साचले | flooded | drain | gutter | nala | नाला | नाले | sewage | manhole
        | tree fell | tree fallen | ped gira | झाड पडले | zad padle | stray | dogs | kutte | कुत्रे | भटके | cattle | cows
        | hawker* | फेरीवाले | pheriwale | feriwale | encroachment | footpath | street light | streetlight | light nahi
        | बत्ती | water supply | pani nahi | पाणी नाही | power cut | bijli | बिजली | light gayi | mosquito | dengue
        | bmc | municipal | corporation | mahanagarpalika | महानगरपालिका | nagar nigam | road repair | debris | malba
    """,
    "information": """
        how to | how do | how can | kaise | कैसे | kasa | कसे | कसा | kuthe | कुठे | kahan | कहाँ | procedure | process
        | documents required | kya karna | काय करावे | kay karave | number kya | contact number | helpline number
        | passport | verification | police verification | noc | character certificate | pcc | e-fir | efir | online fir
        | lost report | lost document | missing document | status | update | complaint no | complaint number | fir copy
        | suggestion | sujhav | सुझाव | सूचना | timing | open | which police station | kaunsa thana | कोणते पोलीस ठाणे
        | tenant verification | domestic help verification | permission | licence | license | query | ?
    """,
    "appreciation": """
        thank* | thanku | thnx | thx | shukriya | शुक्रिया | dhanyavad | dhanyawad | धन्यवाद | आभार | abhar | aabhar
        | salute | सलाम | salam | great job | good job | well done | proud | garv | गर्व | अभिमान | abhiman | kudos
        | hats off | respect | shabaash | शाबाश | appreciate* | grateful | helpful | quick action | prompt | hero | heroes
        | 🙏 | ❤ | 👏 | 💐 | jai hind | जय हिंद
    """,
    "spam": """
        buy | sale | offer | discount | earn | earning | income | crypto | invest now | join | subscribe | follow me
        | click | dm for | promo | loan available | call now | good morning | good night | suprabhat | सुप्रभात
        | शुभ प्रभात | happy diwali | happy birthday | forward | vote | election | bjp | congress | modi | rahul
        | shiv sena | mns | cricket | ipl | movie | trailer | song | viral video | lol | haha | 😂 | 🤣 | bc | mc | useless
        | bekar | बेकार | nikamma | निकम्मे | chor police | thulla | ठुल्ला | mamu | मामू | jai shri ram | jai maharashtra
    """,
}

# Cues for priority and safety, not categories.
NOW_CUES = """
    now | right now | abhi | अभी | आत्ता | atta | ata | aata | abhi abhi | currently | at this moment | happening
    | is following | following me | follow kar raha | picha kar raha | पीछा कर रहा | पाठलाग करत आहे | standing outside
    | khada hai | खड़ा है | उभा आहे | ubha ahe | outside my | bahar khada | hurry | jaldi | जल्दी | लवकर | lavkar
    | urgent | urgnt | emergency | please come | jaldi aao | help me | bachao | बचाओ | वाचवा | scared | dar lag raha
    | डर लग रहा | भीती वाटते | trying to | right here | ekti | एकटी | akeli | अकेली | alone | locked | band kar
    | 🚨 | 🆘 | sos | immediately | turant | तुरंत | ताबडतोब | tabadtob
""".split("|")
RECENT_CUES = """
    just now | abhi | अभी | आत्ता | atta | 2 min | 5 min | 10 min | 15 min | 20 min | 30 min | 40 min | minutes ago
    | min ago | mins ago | min pehle | minute pehle | मिनट पहले | मिनिटांपूर्वी | मिनिटापूर्वी | minitapurvi | an hour
    | 1 hour | one hour | half an hour | adha ghanta | ghante pehle | ghanta pehle | घंटे पहले | तासापूर्वी | abhi abhi
    | few minutes | thodi der pehle | थोड़ी देर पहले | थोड्या वेळापूर्वी | just | right now
""".split("|")
TODAY_CUES = """
    today | aaj | आज | this morning | subah | सुबह | सकाळी | sakali | tonight | last night | kal raat | कल रात
    | काल रात्री | kal ratri | yesterday | कल | काल | evening | sham | शाम | संध्याकाळी | hours ago | ghante | घंटे
""".split("|")
# A call for help: on its own, enough to treat a message as an emergency rather than as harmless.
PLEA_CUES = """
    help me | help us | help pls | help plz | please help | pls help | plz help | urgent help | help urgent | sos | 🆘
    | bachao | bachaao | बचाओ | bacha lo | बचा लो | वाचवा | vachva | vachawa | madad karo | मदद करो | madat kara
    | मदत करा | save me | save us | please come | jaldi aao | jaldi aaiye | लवकर या | lavkar ya | 🚨
""".split("|")
# Harm to a body, now: enough to call a message an emergency whatever else it is about.
DANGER_CUES = """
    fire | on fire | aag lagi | आग लगी | आग लागली | knife | chaku | चाकू | gun | pistol | goli | गोली | firing | stab*
    | bleeding | blood | khoon | खून | रक्त | injured | injur* | zakhmi | जख्मी | घायल | जखमी | unconscious | behosh
    | बेहोश | बेशुद्ध | not breathing | not responding | not moving | lying on | pada hai | padla aahe | पडला आहे
    | पड़ा है | trapped | adakla | अडकला | अडकले | फंसा | phansa | collapsed | came down | kosalli | कोसळली | गिर गई
    | drowning | doob raha | डूब रहा | बुडत | suicide | aatmahatya | आत्महत्या | hanging | fasi | bomb | बम
    | dragging | dragged | drag | ghaseet | ghasit | घसीट | kheench | खींच | ओढत | odhat | odhun
    | unattended | left unattended | abandoned bag | unclaimed | nobody claimed | no one claimed | bag lying
    | suitcase lying | trolley bag | suspicious object | suspicious bag | lavaris | lawaris
    | लावारिस | बेवारस | bevaras | pay tutla | haddi | fracture | jala denge | jala dega
    | जला देंगे | जाळून | petvun | पेटवून | kerosene | rockel | रॉकेल | acid
""".split("|")
# Someone has not come home: with an elderly or vulnerable person, the missing-person category wins.
MISSING_CUES = """
    missing | lapata | लापता | बेपत्ता | bepatta | gayab | गायब | kho gaya | kho gayi | खो गया | खो गई | harvla
    | harvli | हरवला | हरवली | हरवले | not returned | didnt return | did not return | not come back | nahi lauta
    | ghar nahi aaya | ghari ala nahi | घरी आला नाही | घरी आले नाहीत | nighun gele | निघून गेले | left home
    | not reachable | no trace | pata nahi chal | सापडत नाही | sapdat nahi | nahi mil rahe | separated
""".split("|")
# Habitual, past or asking-what-to-do: the danger is not this moment.
CALM_CUES = """
    for months | for weeks | for years | since months | since last | every day | everyday | daily | roj | roz
    | rozana | har din | har roj | baar baar | bar bar | रोज | रोज़ | हर दिन | बार बार | दररोज | नेहमी | kayam | कायम
    | always | often | keeps | keep | again and again | last week | last month | last year | pichle hafte
    | pichle mahine | पिछले हफ्ते | पिछले महीने | गेल्या आठवड्यात | गेल्या महिन्यात | mahinyapasun | महिन्यापासून
    | saal se | साल से | वर्षांपासून | days ago | din pehle | दिन पहले | दिवसांपूर्वी | how to | how do i | what should
    | kya karu | kya karun | क्या करूं | kay karu | काय करू | advice | file a complaint | complaint karni
    | takrar karaychi | तक्रार करायची | शिकायत करनी | earlier | past
""".split("|")
MISSING_NOW_CUES = """
    missing | lapata | लापता | बेपत्ता | kho gaya | खो गया | kho gayi | हरवला | हरवली | not found | nahi mil raha
    | नहीं मिल रहा | सापडत नाही | sapdat nahi | kidnap* | abduct* | utha le gaye | उठा ले गए | taken away | beaten
    | maar raha | मार रहा | मारत आहे | abuse* | touching | locked | band kar | hurting | crying for help
""".split("|")
VULNERABLE_CUES = """
    dementia | alzheimer | memory | bhul jate | भूल जाते | विसरतात | mentally | mental | मानसिक | disabled | special child
    | autistic | autism | deaf | blind | andh | अंध | aandhla | andhla | आंधळा | bedridden | medicines | dawai | दवाई
    | औषध | diabetic | sugar | confused | cant speak | cannot speak | bol nahi | चालता येत नाही | chal nahi | wheelchair
    | very old | budhe | बूढ़े | वृद्ध | old man | old lady | aaji | ajoba | आजोबा | आजी | pregnant | garbhvati
""".split("|")
MONEY_LOST_CUES = """
    debited | deducted | kat gaye | कट गए | कापले | gaye | lost | transferred | sent | bhej diye | भेज दिए | पाठवले
    | paid | withdrawn | nikal liye | निकाल लिए | rs | ₹ | rupees | रुपये | rupaye | k | lakh | लाख | hazar | हजार | thousand
""".split("|")


@dataclass(frozen=True, slots=True)
class Cue:
    tokens: tuple[str, ...]
    prefix: bool  # the last token matches any word it starts
    label: str  # category, or NOW, RECENT, TODAY, CALM, MISSING_NOW, VULNERABLE, MONEY_LOST
    phrase: str


# Short words that several spellings fold into ("andh" -> "and", "she" -> "se"): never a cue on their own.
AMBIGUOUS_FOLDS = frozenset("and se he ho hi ke ka ki ko me na to the in on at is as an a i".split())


def _parse(label: str, block: str | list[str]) -> list[Cue]:
    phrases = block.split("|") if isinstance(block, str) else block
    out = []
    for raw in phrases:
        raw = raw.strip()
        if not raw:
            continue
        prefix = raw.endswith("*")
        toks = tuple(w for w, _ in words(raw.rstrip("*")))
        if not toks and raw.rstrip("*"):
            toks = (normalise_word(raw.rstrip("*")),)
        if toks and not (len(toks) == 1 and toks[0] in AMBIGUOUS_FOLDS):
            out.append(Cue(toks, prefix, label, raw))
    return out


@lru_cache(maxsize=1)
def all_cues() -> dict[str, list[Cue]]:
    """Cues indexed by their first token, for a single left-to-right scan."""
    cues = [c for label, block in CATEGORY_CUES.items() for c in _parse(label, block)]
    for label, block in (
        ("NOW", NOW_CUES),
        ("RECENT", RECENT_CUES),
        ("TODAY", TODAY_CUES),
        ("CALM", CALM_CUES),
        ("DANGER", DANGER_CUES),
        ("PLEA", PLEA_CUES),
        ("MISSING", MISSING_CUES),
        ("MISSING_NOW", MISSING_NOW_CUES),
        ("VULNERABLE", VULNERABLE_CUES),
        ("MONEY_LOST", MONEY_LOST_CUES),
    ):
        cues += _parse(label, block)
    index: dict[str, list[Cue]] = {}
    for cue in cues:
        index.setdefault(cue.tokens[0] if not (cue.prefix and len(cue.tokens) == 1) else "*", []).append(cue)
    return index


@lru_cache(maxsize=1)
def _prefix_cues() -> dict[str, list[Cue]]:
    """One-word prefix cues ("molest*") by their first three letters, so each word checks only a few."""
    out: dict[str, list[Cue]] = {}
    for cue in all_cues().get("*", []):
        out.setdefault(cue.tokens[0][:3], []).append(cue)
    return out


PROGRESSIVE = Cue(("(happening now)",), False, "NOW", "verb in the present progressive")
_MR_PROGRESSIVE = re.compile(r"^\w{2,}t(?:oy|ey|ay|any|ayt|ayat|ahet)$|^\w{2,}lay$")
_HI_AUX = frozenset({"hai", "hain", "h", "he", "hu", "hun", "ho"})
_EN_AUX = frozenset({"is", "are", "am", "im", "hes", "shes", "theyre"})


_AGE_WORDS = frozenset(
    "yr yrs year years yo saal sal sala varsh varsha varshacha varshachi varshanchi varshancha "
    "वर्ष वर्षे वर्षांचा वर्षांची वर्षांचे साल".split()
)
MINOR = Cue(("(age under 18)",), False, "MINOR", "an age under 18")
ELDERLY = Cue(("(age 65 or more)",), False, "VULNERABLE", "an age of 65 or more")


_PAIR_STARTS = frozenset({"raha", "rahi", "rahe", *_EN_AUX})
_NOTHING = ((), (), False)
_TOKEN_INFO: dict[str, tuple[tuple[Cue, ...], tuple[Cue, ...], bool]] = {}


def _token_info(tok: str) -> tuple[tuple[Cue, ...], tuple[Cue, ...], bool]:
    """What one word can start: (cues it is by itself, longer cues it begins, a two-word pattern?)."""
    info = _TOKEN_INFO.get(tok)
    if info is None:
        singles = [c for c in all_cues().get(tok, ()) if len(c.tokens) == 1]
        singles += [c for c in _prefix_cues().get(tok[:3], ()) if tok.startswith(c.tokens[0])]
        if len(tok) >= 5 and _MR_PROGRESSIVE.match(tok):
            singles.append(PROGRESSIVE)
        multis = tuple(c for c in all_cues().get(tok, ()) if len(c.tokens) > 1)
        pair = tok in _PAIR_STARTS or tok.endswith("at") or tok.isdigit()
        info = (tuple(singles), multis, pair) if singles or multis or pair else _NOTHING
        if len(_TOKEN_INFO) > 200_000:
            _TOKEN_INFO.clear()
        _TOKEN_INFO[tok] = info
    return info


def find_cues(tokens: list[str]) -> list[tuple[Cue, int, int]]:
    """(cue, first token, last token + 1) for every cue found in a list of normalised tokens."""
    found: list[tuple[Cue, int, int]] = []
    n = len(tokens)
    known = _TOKEN_INFO
    for i, tok in enumerate(tokens):
        info = known.get(tok) or _token_info(tok)
        if info is _NOTHING:
            continue
        singles, multis, pair = info
        found.extend((cue, i, i + 1) for cue in singles)
        for cue in multis:
            k = len(cue.tokens)
            if i + k > n or any(tokens[i + j] != cue.tokens[j] for j in range(1, k - 1)):
                continue
            last = tokens[i + k - 1]
            if last == cue.tokens[-1] or (cue.prefix and last.startswith(cue.tokens[-1])):
                found.append((cue, i, i + k))
        if pair and i + 1 < n:
            found.extend(_pair_cues(tok, tokens[i + 1], i))
    return found


def _pair_cues(tok: str, nxt: str, i: int) -> list[tuple[Cue, int, int]]:
    """Two-word patterns: 'raha hai' and 'is following' (happening now), 'karat ahe', and ages."""
    if (tok in ("raha", "rahi", "rahe") and nxt in _HI_AUX) or (tok in _EN_AUX and nxt.endswith("ing")):
        return [(PROGRESSIVE, i, i + 2)]
    if tok.endswith("at") and len(tok) >= 4 and nxt in ("ahe", "ahet", "aahe"):
        return [(PROGRESSIVE, i, i + 2)]
    if tok.isdigit() and len(tok) <= 3 and (nxt in _AGE_WORDS or nxt.startswith("varsh")) and int(tok) > 0:
        return [(MINOR if int(tok) < 18 else ELDERLY, i, i + 2)] if not 18 <= int(tok) < 65 else []
    return []
