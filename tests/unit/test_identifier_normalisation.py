"""Normalisation of perpetrator identifiers, property-tested: idempotent; formatting variants
of one phone, email, handle or URL give one key; distinct ones do not."""

from __future__ import annotations

import phonenumbers
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from advocate.services.identifiers import (
    PLATFORM_HOSTS,
    REGIONS,
    RESERVED,
    NothingToMatch,
    PlatformRequired,
    normalise,
)

KINDS = ["email", "phone", "handle", "profile_url", "name"]
PLATFORMS = ["x", "twitter", "instagram", "tiktok", "facebook", "twitch", "youtube", "reddit",
             "github", "snapchat", "discord", "whatsapp", "email", "sms", "other"]  # fmt: skip
COUNTRIES = sorted(REGIONS)

# phonenumbers and the URL parser are slow on first use; timing is not what is tested.
relaxed = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


def key_of(kind: str, value: str, platform: str = "", region: str = "AU") -> str:
    return normalise(kind, value, platform=platform, region=region).key


# --- idempotence -------------------------------------------------------------------------

HOSTS = ["example.com", "WWW.Example.org", "m.x.com", "twitter.com", "www.tiktok.com",
         "old.reddit.com", "github.com", "www.facebook.com", "youtube.com", "m.com",
         "bücher.de", "a..b", "host:99999", "[::1"]  # fmt: skip
url_like = st.builds(
    lambda scheme, host, path, query, frag: f"{scheme}{host}{path}{query}{frag}",
    st.sampled_from(["", "http://", "https://", "HTTPS://", "//"]),
    st.sampled_from(HOSTS),
    st.text(alphabet="/%@.:_-aAzZ09~!+ ", max_size=25),
    st.one_of(st.just(""), st.text(alphabet="?&=%+_.utmsid0aZ ", max_size=20)),
    st.sampled_from(["", "#x", "#!/Somebody"]),
)


@relaxed
@given(
    kind=st.sampled_from(KINDS),
    value=st.one_of(st.text(max_size=40), url_like),
    platform=st.sampled_from(PLATFORMS),
    country=st.sampled_from(COUNTRIES),
)
def test_normalising_twice_changes_nothing(kind, value, platform, country):
    try:
        first = normalise(kind, value, platform=platform, region=country)
    except (NothingToMatch, PlatformRequired):
        return
    kind2, value2, platform2 = first.as_input()
    second = normalise(kind2, value2, platform=platform2, region=country)
    assert second.key == first.key
    assert second.display == first.display


# --- email ---------------------------------------------------------------------------------

local_parts = st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,15}", fullmatch=True)
domains = st.from_regex(r"[a-z0-9]{1,10}(\.[a-z0-9]{1,8}){1,2}", fullmatch=True)
emails = st.builds(lambda local, domain: f"{local}@{domain}", local_parts, domains)


@st.composite
def recased(draw, text):
    flips = draw(st.lists(st.booleans(), min_size=len(text), max_size=len(text)))
    return "".join(c.upper() if flip else c for c, flip in zip(text, flips, strict=True))


@relaxed
@given(data=st.data(), email=emails)
def test_email_formatting_variants_match(data, email):
    shown = data.draw(recased(email))
    wrapper = data.draw(st.sampled_from(["{}", " {} ", "\t{}\n", "mailto:{}", "<{}>", "MAILTO:{}"]))
    assert key_of("email", wrapper.format(shown)) == key_of("email", email)
    assert normalise("email", email).parse_ok


@relaxed
@given(a=emails, b=emails)
def test_distinct_emails_do_not_match(a, b):
    assume(a != b)
    assert key_of("email", a) != key_of("email", b)


# --- phone ---------------------------------------------------------------------------------


@st.composite
def phone_numbers(draw):
    country = draw(st.sampled_from(COUNTRIES))
    region = REGIONS[country]
    number_type = draw(
        st.sampled_from(
            [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
        )
    )
    example = phonenumbers.example_number_for_type(region, number_type)
    national = phonenumbers.national_significant_number(example)
    tail = draw(st.text(alphabet="0123456789", min_size=4, max_size=4))
    number = phonenumbers.parse(national[:-4] + tail, region)
    assume(phonenumbers.is_valid_number(number))
    return country, region, number


def _spaced(draw, digits: str) -> str:
    out = []
    for ch in digits:
        out.append(ch)
        out.append(draw(st.sampled_from(["", "", " ", "-", ".", " "])))
    return "".join(out).strip(" -.")


@relaxed
@given(data=st.data(), picked=phone_numbers(), client=st.sampled_from(COUNTRIES))
def test_phone_formatting_variants_match(data, picked, client):
    home, region, number = picked
    fmt = phonenumbers.PhoneNumberFormat
    e164 = phonenumbers.format_number(number, fmt.E164)
    nsn = phonenumbers.national_significant_number(number)
    trunk = "" if region in ("US", "CA") else "0"
    # Any client may record any number in international form, or dialled from their country.
    variants = [
        (client, phonenumbers.format_number(number, fmt.INTERNATIONAL)),
        (client, phonenumbers.format_number(number, fmt.RFC3966)),
        (client, e164),
        (client, phonenumbers.format_out_of_country_calling_number(number, REGIONS[client])),
        (client, "+" + _spaced(data.draw, str(number.country_code) + nsn)),
        # A number written the national way is read in the client's own country.
        (home, phonenumbers.format_number(number, fmt.NATIONAL)),
        (home, _spaced(data.draw, trunk + nsn)),
    ]
    for country, variant in variants:
        got = normalise("phone", variant, region=country)
        assert got.match_kind == "phone", (country, variant, got)
        assert got.value == e164, (country, variant, got)
    # WhatsApp and SMS "handles" are phone numbers, and match them.
    assert key_of("handle", variants[0][1], "whatsapp", client) == key_of("phone", e164)


@relaxed
@given(a=phone_numbers(), b=phone_numbers())
def test_distinct_phones_do_not_match(a, b):
    assume(a[2] != b[2])
    assert key_of("phone", phonenumbers.format_number(a[2], 0)) != key_of(
        "phone", phonenumbers.format_number(b[2], 0)
    )


def test_phone_uses_the_clients_country_as_default_region():
    # The same national digits are different numbers in Australia and New Zealand.
    assert normalise("phone", "021 123 4567", region="NZ").value == "+64211234567"
    assert normalise("phone", "(02) 1123 4567", region="AU").value == "+61211234567"
    assert normalise("phone", "020 7946 0018", region="UK").value == "+442079460018"
    assert not normalise("phone", "12345", region="AU").parse_ok


# --- handles and profile URLs ----------------------------------------------------------

x_handles = st.from_regex(r"[a-z0-9_]{1,15}", fullmatch=True).filter(
    lambda h: h not in RESERVED["x"]
)


@relaxed
@given(data=st.data(), handle=x_handles)
def test_x_handle_and_url_variants_match(data, handle):
    expected = f"handle:x:{handle}"
    shown = data.draw(recased(handle))
    handle_forms = [shown, f"@{shown}", f"  @{shown} "]
    url_forms = [
        f"https://twitter.com/{shown}",
        f"http://www.twitter.com/{shown}/",
        f"https://mobile.twitter.com/{shown}?s=20&t=abc",
        f"x.com/{shown}",
        f"https://x.com/{shown}/status/1234567890?utm_source=share",
        f"https://twitter.com/#!/{shown}",
    ]
    for form in handle_forms:
        assert key_of("handle", form, data.draw(st.sampled_from(["x", "twitter", "X"]))) == expected
    for form in url_forms:
        assert key_of("profile_url", form) == expected, form
        assert key_of("handle", form, "x") == expected, form


PLATFORM_URLS = {
    "instagram": (
        "[a-z0-9._]{1,30}",
        ["https://www.instagram.com/{}/", "instagram.com/{}?igshid=x"],
    ),
    "tiktok": (
        "[a-z0-9._]{1,24}",
        ["https://www.tiktok.com/@{}", "tiktok.com/@{}/video/1?lang=en"],
    ),
    "twitch": ("[a-z0-9_]{1,25}", ["https://www.twitch.tv/{}", "https://m.twitch.tv/{}/"]),
    "youtube": ("[a-z0-9._-]{1,30}", ["https://www.youtube.com/@{}", "m.youtube.com/@{}/videos"]),
    "reddit": ("[a-z0-9_-]{1,20}", ["https://www.reddit.com/user/{}/", "old.reddit.com/u/{}"]),
    "github": ("[a-z0-9][a-z0-9-]{0,20}", ["https://github.com/{}", "github.com/{}/some-repo"]),
    "facebook": ("[a-z0-9]{1,30}", ["https://www.facebook.com/{}", "m.facebook.com/{}?mibextid=1"]),
}


@relaxed
@given(data=st.data(), platform=st.sampled_from(sorted(PLATFORM_URLS)))
def test_platform_urls_reduce_to_the_handle(data, platform):
    pattern, templates = PLATFORM_URLS[platform]
    handle = data.draw(st.from_regex(pattern, fullmatch=True))
    assume(handle not in RESERVED.get(platform, set()))
    expected = key_of("handle", handle, platform)
    assert expected == f"handle:{platform}:{handle}"
    for template in templates:
        url = template.format(data.draw(recased(handle)))
        assert key_of("profile_url", url) == expected, url
    assert key_of("handle", "@" + handle.upper(), platform) == expected


@relaxed
@given(a=x_handles, b=x_handles, platform=st.sampled_from(["instagram", "github", "twitch"]))
def test_distinct_handles_do_not_match(a, b, platform):
    assume(a != b)
    assert key_of("handle", a, "x") != key_of("handle", b, "x")
    # The same name on two platforms is two different accounts.
    assume(a[0] != "_" or platform != "github")
    assert key_of("handle", a, "x") != key_of("handle", a, platform)


labels = st.from_regex(r"[a-z][a-z0-9]{0,8}", fullmatch=True)
segments = st.lists(st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True), min_size=0, max_size=3)
params = st.dictionaries(
    st.from_regex(r"[a-z]{1,5}", fullmatch=True).filter(lambda k: k != "si"),
    st.from_regex(r"[A-Za-z0-9]{0,5}", fullmatch=True),
    max_size=3,
)


@relaxed
@given(data=st.data(), host=st.tuples(labels, labels), path=segments, query=params)
def test_url_formatting_variants_match(data, host, path, query):
    domain = ".".join(host) + ".org"
    assume(domain not in PLATFORM_HOSTS)
    base = f"https://{domain}/" + "/".join(path)
    items = list(query.items())
    canonical = base + ("?" + "&".join(f"{k}={v}" for k, v in items) if items else "")
    shuffled = data.draw(st.permutations(items)) if items else []
    tracking = [("utm_source", "newsletter"), ("fbclid", "abc123"), ("igshid", "x")]
    mixed = data.draw(st.permutations(shuffled + tracking))
    variant = (
        data.draw(st.sampled_from(["http://", "https://", "HTTP://", ""]))
        + data.draw(st.sampled_from(["", "www.", "WWW.", "m."]))
        + data.draw(recased(domain))
        + "/"
        + "/".join(path)
        + data.draw(st.sampled_from(["", "/", "//"]))
        + "?"
        + "&".join(f"{k}={v}" for k, v in mixed)
        + data.draw(st.sampled_from(["", "#section", "#"]))
    )
    assert key_of("profile_url", variant) == key_of("profile_url", canonical), variant


@relaxed
@given(host=st.tuples(labels, labels), a=segments, b=segments)
def test_distinct_urls_do_not_match(host, a, b):
    assume(a != b)
    domain = ".".join(host) + ".org"
    assume(domain not in PLATFORM_HOSTS)
    assert key_of("profile_url", f"https://{domain}/" + "/".join(a)) != key_of(
        "profile_url", f"https://{domain}/" + "/".join(b)
    )


# --- the edges -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "value", "platform"),
    [
        ("email", "   ", ""),
        ("email", "mailto:", ""),
        ("handle", "@", "x"),
        ("handle", " @@ ", "instagram"),
        ("phone", "( ) -", ""),
        ("profile_url", "https://", ""),
        ("name", " -- ", ""),
        ("email", "\u200b", ""),
    ],
)
def test_values_that_normalise_to_nothing(kind, value, platform):
    with pytest.raises(NothingToMatch):
        normalise(kind, value, platform=platform)


@pytest.mark.parametrize(
    ("kind", "value", "platform"),
    [
        ("email", "not an address", ""),
        ("phone", "call me maybe 12", ""),
        ("handle", "has spaces in it", "x"),
        ("handle", "way_too_long_for_x_handles", "x"),
        ("profile_url", "ftp://example.com/file", ""),
        ("profile_url", "https://exa mple.com/", ""),
    ],
)
def test_unparseable_values_are_kept_as_entered_and_flagged(kind, value, platform):
    got = normalise(kind, value, platform=platform)
    assert not got.parse_ok and not got.matchable
    assert got.value == value.strip()


def test_a_handle_needs_its_platform():
    with pytest.raises(PlatformRequired):
        normalise("handle", "@somebody")


def test_names_are_folded_but_never_matchable():
    got = normalise("name", "  José   O'Brien ")
    assert got.value == "jose o brien" and not got.matchable
    assert got.key == normalise("name", "JOSE O BRIEN").key


def test_non_profile_platform_pages_stay_urls():
    got = normalise("profile_url", "https://www.instagram.com/p/Cabc123/?igshid=zz")
    assert got.match_kind == "url" and got.value == "https://instagram.com/p/Cabc123"
    watch = normalise("profile_url", "https://youtube.com/watch?v=abc&feature=share&si=q")
    assert watch.value == "https://youtube.com/watch?v=abc"
