"""Personal data in messages (thana.triage.pii): which spans are found, of which kind, and how mask() hides them."""

from __future__ import annotations

import random

import pytest

from thana.triage import Span, classify, pii

# -- an independent Verhoeff (dihedral group D5) and Luhn, to make test numbers ----------------------------------------

_SIGMA = (1, 5, 7, 6, 2, 8, 3, 0, 9, 4)  # the position permutation


def _d5(j: int, k: int) -> int:
    """The D5 group operation on 0..9 (0-4 rotations, 5-9 reflections)."""
    if j < 5 and k < 5:
        return (j + k) % 5
    if j < 5:
        return (j + k) % 5 + 5
    if k < 5:
        return (j - k) % 5 + 5
    return (j - k) % 5


def _perm(times: int, digit: int) -> int:
    for _ in range(times % 8):
        digit = _SIGMA[digit]
    return digit


def _inverse(j: int) -> int:
    return (5 - j) % 5 if j < 5 else j


def verhoeff_digit(number: str) -> str:
    """The Verhoeff check digit to append to `number`."""
    c = 0
    for i, ch in enumerate(reversed(number)):
        c = _d5(c, _perm(i + 1, int(ch)))
    return str(_inverse(c))


def verhoeff_ok(number: str) -> bool:
    c = 0
    for i, ch in enumerate(reversed(number)):
        c = _d5(c, _perm(i, int(ch)))
    return c == 0


def luhn_digit(number: str) -> str:
    """The Luhn check digit to append to `number`."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2 == 0:
            d = d * 2 - 9 if d * 2 > 9 else d * 2
        total += d
    return str((10 - total % 10) % 10)


def aadhaar_numbers(count: int, first_digits: str = "23456789", seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        body = rng.choice(first_digits) + "".join(rng.choice("0123456789") for _ in range(10))
        out.append(body + verhoeff_digit(body))
    return out


def found(text: str) -> list[tuple[str, str]]:
    """(the text of the span, its kind) for every span found."""
    return [(text[s.start : s.end], s.kind) for s in pii.find(text)]


# -- the helpers themselves ------------------------------------------------------------------------------------------


def test_reference_verhoeff_matches_published_example():
    """The test's own Verhoeff gives the published check digit: 236 -> 2363."""
    assert verhoeff_digit("236") == "3"
    assert verhoeff_ok("2363")
    assert not verhoeff_ok("2364")


def test_reference_luhn_matches_known_card():
    """The test's own Luhn completes the well-known test card 4111 1111 1111 1111."""
    assert luhn_digit("411111111111111") == "1"


def test_pii_verhoeff_agrees_with_reference():
    """pii.verhoeff_valid agrees with an independent Verhoeff on valid and corrupted numbers."""
    for number in aadhaar_numbers(300):
        assert pii.verhoeff_valid(number)
        for wrong in "0123456789":
            if wrong != number[-1]:
                assert not pii.verhoeff_valid(number[:-1] + wrong)


def test_pii_luhn_agrees_with_reference():
    """pii.luhn_valid accepts numbers completed with the Luhn digit and rejects every other last digit."""
    rng = random.Random(3)
    for _ in range(200):
        body = "".join(rng.choice("0123456789") for _ in range(15))
        full = body + luhn_digit(body)
        assert pii.luhn_valid(full)
        assert not any(pii.luhn_valid(body + d) for d in "0123456789" if d != full[-1])


# -- Aadhaar -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("number", aadhaar_numbers(25))
def test_valid_aadhaar_is_found(number):
    """A 12-digit number passing the Verhoeff check, not starting 0 or 1, is an Aadhaar number."""
    text = f"my aadhaar is {number} please check"
    assert found(text) == [(number, "aadhaar")]


@pytest.mark.parametrize("number", aadhaar_numbers(10, seed=11))
def test_valid_aadhaar_in_groups_of_four_is_found(number):
    """Aadhaar written as 'xxxx xxxx xxxx' is found as one span."""
    grouped = f"{number[:4]} {number[4:8]} {number[8:]}"
    assert found(f"aadhar no {grouped}.") == [(grouped, "aadhaar")]


@pytest.mark.parametrize("number", aadhaar_numbers(25, seed=5))
def test_aadhaar_with_wrong_check_digit_is_rejected(number):
    """Change the check digit and it is no longer an Aadhaar number."""
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    assert "aadhaar" not in {kind for _, kind in found(f"my aadhaar is {wrong}")}


@pytest.mark.parametrize("number", aadhaar_numbers(20, first_digits="01", seed=13))
def test_aadhaar_starting_with_0_or_1_is_rejected(number):
    """A Verhoeff-valid 12-digit number starting 0 or 1 is not an Aadhaar number."""
    assert verhoeff_ok(number)
    assert "aadhaar" not in {kind for _, kind in found(f"number {number}")}


# -- phones --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "phone",
    ["+91 98200 12345", "09820012345", "98200-12345", "9820012345", "+919820012345", "022-2345 6789", "022 2345 6789"],
)
def test_phone_numbers_are_found(phone):
    """Mobile numbers in their usual spellings and Mumbai landlines are phones, span exactly the number."""
    assert found(f"please call {phone} now") == [(phone, "phone")]


def test_two_phones_in_one_message():
    """A mobile and a landline in one message are two phone spans."""
    assert found("mob 9820012345 / 022 2345 6789") == [("9820012345", "phone"), ("022 2345 6789", "phone")]


def test_phone_inside_devanagari_text():
    """A phone number in Hindi text is found."""
    assert found("मेरा नंबर 9820012345 है") == [("9820012345", "phone")]


def test_phone_in_devanagari_digits():
    """A mobile number written in Devanagari digits is a phone."""
    assert found("माझा नंबर ९८२००१२३४५ आहे") == [("९८२००१२३४५", "phone")]


# -- e-mail and UPI ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "span", "kind"),
    [
        ("pay to name@okaxis please", "name@okaxis", "upi"),
        ("upi 9820012345@ybl", "9820012345@ybl", "upi"),
        ("mera upi ravi.k@oksbi hai", "ravi.k@oksbi", "upi"),
        ("mail a@b.com", "a@b.com", "email"),
        ("write to ramesh.k@gmail.com today", "ramesh.k@gmail.com", "email"),
    ],
)
def test_email_and_upi_are_told_apart(text, span, kind):
    """An address with a domain is an e-mail; handle@bank (no dot) is a UPI id."""
    assert found(text) == [(span, kind)]


def test_upi_with_phone_is_not_also_a_phone():
    """A UPI id made of a phone number is one UPI span, not also a phone."""
    assert [kind for _, kind in found("send to 9820012345@ybl")] == ["upi"]


def test_x_handle_is_not_personal_data():
    """A mention of the police's X handle is not a UPI id or an e-mail."""
    assert found("@MumbaiPolice please help") == []


# -- PAN and vehicles ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("pan", ["ABCPE1234F", "abcpe1234f"])
def test_pan_is_found(pan):
    """A PAN (five letters, the 4th a holder type, four digits, a letter) is found."""
    assert found(f"my PAN {pan} was misused") == [(pan, "pan")]


def test_pan_needs_a_valid_holder_type():
    """ABCDE1234F is not a PAN: D is not a holder type."""
    assert found("code ABCDE1234F") == []


@pytest.mark.parametrize("plate", ["MH 02 AB 1234", "MH47Z9988", "MH-02-AB-1234", "22 BH 1234 AA", "22BH1234AA"])
def test_vehicle_numbers_are_found(plate):
    """State-series and BH-series registration numbers are vehicles."""
    assert found(f"the car {plate} hit my bike") == [(plate, "vehicle")]


def test_hinglish_ka_is_not_a_state_code():
    """Hinglish 'ghar ka 2 bhk 1500 rent' has no vehicle number in it."""
    assert found("ghar ka 2 bhk 1500 rent") == []


# -- cards and bank accounts ---------------------------------------------------------------------------------------


def _card(prefix: str = "453201") -> str:
    body = prefix + "123456789"
    return body + luhn_digit(body)


def test_luhn_valid_16_digits_is_a_card():
    """16 digits passing Luhn are a card number, written solid or in groups of four."""
    card = _card()
    grouped = " ".join(card[i : i + 4] for i in range(0, 16, 4))
    assert found(f"charged on {card}") == [(card, "card")]
    assert found(f"charged on {grouped}") == [(grouped, "card")]


def test_luhn_invalid_16_digits_is_not_a_card():
    """16 digits failing Luhn are not a card number."""
    card = _card()
    wrong = card[:-1] + str((int(card[-1]) + 1) % 10)
    assert "card" not in {kind for _, kind in found(f"charged on {wrong}")}


@pytest.mark.parametrize("lead", ["card no", "card no.", "card number", "Card:"])
def test_luhn_invalid_after_card_words_is_a_card(lead):
    """After 'card no' even a number failing Luhn is a card (people mistype them)."""
    wrong = _card()[:-1] + str((int(_card()[-1]) + 1) % 10)
    assert found(f"my {lead} {wrong}") == [(wrong, "card")]


@pytest.mark.parametrize(
    ("lead", "number"),
    [
        ("a/c no", "123456789012"),
        ("A/c no.", "50100123456789"),
        ("account number", "1234567890"),
        ("acct", "00112233445"),
    ],
)
def test_bank_account_next_to_account_words(lead, number):
    """Digits after 'a/c no', 'account number' or 'acct' are a bank account (even 12 digits, even 10)."""
    assert found(f"money went from my {lead} {number} yesterday") == [(number, "account")]


# -- addresses -----------------------------------------------------------------------------------------------------


def test_flat_society_road_address():
    """'Flat 302, Sai Krupa Society, Link Road' is one address span; the locality after it stays."""
    text = "I live at Flat 302, Sai Krupa Society, Link Road, Malad"
    assert found(text) == [("Flat 302, Sai Krupa Society, Link Road", "address")]


def test_house_number_and_nagar_address():
    """'House no 14, Gandhi Nagar' is an address."""
    assert found("House no 14, Gandhi Nagar") == [("House no 14, Gandhi Nagar", "address")]


def test_room_chawl_marg_address_is_masked_whole():
    """'Room No. 12, Shivaji Chawl, LBS Marg' is masked as a whole, room number included."""
    text = "I live at Room No. 12, Shivaji Chawl, LBS Marg, Ghatkopar"
    assert pii.mask(text) == "I live at [address], Ghatkopar"


def test_devanagari_flat_number_is_an_address():
    """A Marathi flat number 'फ्लॅट नं. 302' is an address."""
    assert found("माझा पत्ता फ्लॅट नं. 302") == [("फ्लॅट नं. 302", "address")]


def test_devanagari_room_number_is_an_address():
    """A Hindi/Marathi room number 'रूम नंबर 5' is an address."""
    assert found("रूम नंबर 5, शिवाजी चाळ")[0] == ("रूम नंबर 5, शिवाजी चाळ", "address")


def test_devanagari_address_masked_whole():
    """A Devanagari address with society and road is masked through the road, like its Latin equivalent."""
    text = "फ्लॅट नं. 302, साई कृपा सोसायटी, लिंक रोड, मालाड"
    assert pii.mask(text) == "[address], मालाड"


def test_short_devanagari_house_number_is_an_address():
    """'घर नं 5, गांधी नगर' is an address."""
    assert pii.mask("घर नं 5, गांधी नगर") != "घर नं 5, गांधी नगर"


# -- no false positives --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "I lost Rs 45000 yesterday",
        "Rs. 1,50,000 was taken",
        "₹45,000 gone",
        "our pincode is 400067",
        "Mumbai 400 067",
        "it happened at 10:30 pm",
        "waiting for 2 hours",
        "on 12/05/2024 and 12-05-2024",
        "call 100 or 112 or 1930",
        "my 12 year old son",
        "bus no 340 at 10 pm",
        "FIR no 1234/2024",
        "otp 123456",
        "between 9820 and 9830",
        "he is 25 years old, 5 ft 8 in",
        "1 lakh 20 hazar 5000",
        "Thank you Mumbai Police",
    ],
)
def test_ordinary_numbers_are_not_personal_data(text):
    """Money, pincodes, times, durations, dates, helplines and ages are not personal data."""
    assert pii.find(text) == []
    assert pii.mask(text) == text


# -- mask ----------------------------------------------------------------------------------------------------------


def test_mask_replaces_each_kind_with_its_name():
    """mask() replaces every span with [kind] and leaves the rest of the text as it was."""
    card = _card()
    aadhaar = aadhaar_numbers(1, seed=99)[0]
    text = (
        f"call me on +91 98200 12345 or mail ravi@gmail.com, upi ravi@okaxis, PAN ABCPE1234F, "
        f"car MH 02 AB 1234, aadhaar {aadhaar}, card {card}, a/c no 50100123456789, "
        f"at Flat 302, Sai Krupa Society, Link Road, Malad"
    )
    assert pii.mask(text) == (
        "call me on [phone] or mail [email], upi [upi], PAN [pan], car [vehicle], aadhaar [aadhaar], "
        "card [card], a/c no [account], at [address], Malad"
    )


def test_mask_leaves_text_without_personal_data_alone():
    """mask() of a message with nothing personal is the message itself."""
    text = "Traffic jam at Sion circle since 10:30 pm, 2 hours now"
    assert pii.mask(text) == text


def test_mask_with_given_spans_skips_overlaps():
    """mask() with explicit spans masks those, and a span overlapping an earlier one is skipped."""
    text = "abcdefghij"
    spans = [Span(0, 3, "name"), Span(2, 5, "phone"), Span(6, 8, "pan")]
    assert pii.mask(text, spans) == "[name]def[pan]ij"


def test_spans_are_sorted_and_disjoint():
    """find() returns spans in order of position, none overlapping."""
    text = "ravi@gmail.com 9820012345 MH47Z9988 ABCPE1234F name@okaxis Flat 302, Sai Krupa Society"
    spans = pii.find(text)
    assert [s.kind for s in spans] == ["email", "phone", "vehicle", "pan", "upi", "address"]
    assert all(a.end <= b.start for a, b in zip(spans, spans[1:], strict=False))


def test_decision_carries_personal_data_spans():
    """A triage decision lists the personal data of the message, so replies and logs can mask it."""
    text = "my husband is threatening me, call me on 9820012345, I live at Flat 302, Sai Krupa Society"
    d = classify(text)
    assert [(text[p.start : p.end], p.kind) for p in d.personal_data] == [
        ("9820012345", "phone"),
        ("Flat 302, Sai Krupa Society", "address"),
    ]
    assert d.as_dict()["personal_data"] == [{"start": p.start, "end": p.end, "kind": p.kind} for p in d.personal_data]


def test_log_lines_are_masked_tracebacks_included():
    """A database error quoting a citizen's number, logged with its traceback, reaches the log masked."""
    import io
    import logging

    from thana.logs import MaskingFormatter

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(MaskingFormatter("%(levelname)s %(message)s"))
    log = logging.getLogger("thana.test.masking")
    log.addHandler(handler)
    try:
        raise ValueError("duplicate key (sender)=(+91 98200 12345), mail asha.k@example.com")
    except ValueError:
        log.exception("could not store the message from %s", "9820012345")
    finally:
        log.removeHandler(handler)
    written = stream.getvalue()
    assert "could not store the message from [phone]" in written and "Traceback" in written
    assert "98200" not in written and "12345" not in written and "asha.k@example.com" not in written
