"""Normalising perpetrator identifiers so that formatting variants of one identity compare
equal, and distinct identities do not.

Pure functions: no database, no application. A value that cannot be parsed is kept as
entered and marked ``unparsed``: it is stored and shown, never matched, because a wrong link
between two victims' files is worse than a missed one. Names are normalised for a weak hint
only, never for a suggestion.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import phonenumbers

# The client's country (as Advocate spells it) → phonenumbers' default region.
REGIONS = {"AU": "AU", "NZ": "NZ", "UK": "GB", "GB": "GB", "CA": "CA", "US": "US", "ZA": "ZA"}
PLATFORM_ALIASES = {"twitter": "x"}
MATCHABLE = frozenset({"email", "phone", "handle", "url"})


class NothingToMatch(ValueError):
    """The value is empty once normalised (e.g. only spaces, or a lone @)."""


class PlatformRequired(ValueError):
    """A handle means nothing without the platform it is on."""


@dataclass(frozen=True)
class Normalised:
    """``match_kind`` is what the value is compared as: a profile URL of a major platform
    becomes a ``handle``; ``unparsed`` and ``name`` are never matched into suggestions."""

    source_kind: str
    match_kind: str
    value: str
    platform: str = ""

    @property
    def parse_ok(self) -> bool:
        return self.match_kind != "unparsed"

    @property
    def matchable(self) -> bool:
        return self.match_kind in MATCHABLE

    @property
    def display(self) -> str:
        """The normalised value as shown and returned by the API."""
        return f"{self.platform}:{self.value}" if self.match_kind == "handle" else self.value

    @property
    def key(self) -> str:
        """What the blind index is computed over: equal keys are the same identity."""
        if self.match_kind == "handle":
            return f"handle:{self.platform}:{self.value}"
        if self.match_kind == "unparsed":
            return f"unparsed:{self.source_kind}:{self.platform}:{self.value}"
        return f"{self.match_kind}:{self.value}"

    def as_input(self) -> tuple[str, str, str]:
        """(kind, value, platform) that normalise back to this (used to prove idempotence)."""
        kinds = {"email": "email", "phone": "phone", "handle": "handle", "url": "profile_url"}
        if self.match_kind == "unparsed":
            return self.source_kind, self.value, self.platform
        if self.match_kind == "name":
            return "name", self.value, ""
        return kinds[self.match_kind], self.value, self.platform


def canonical_platform(platform: str) -> str:
    key = (platform or "").strip().lower()
    return PLATFORM_ALIASES.get(key, key)


_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"))


def _clean(value: str) -> str:
    """Compatibility-normalise (full-width letters, odd spaces), drop invisible characters."""
    return unicodedata.normalize("NFKC", value or "").translate(_INVISIBLE).strip()


def normalise(kind: str, value: str, *, platform: str = "", region: str = "AU") -> Normalised:
    text = _clean(value)
    if not text:
        raise NothingToMatch(value)
    platform = canonical_platform(platform)
    if kind == "email":
        return _email(text)
    if kind == "phone":
        return _phone(text, region, source_kind="phone")
    if kind == "handle":
        return _handle_input(text, platform, region)
    if kind == "profile_url":
        return _url(text, source_kind="profile_url")
    if kind == "name":
        return _name(text)
    raise ValueError(f"unknown identifier kind {kind!r}")


# --- email ---------------------------------------------------------------------------------

_EMAIL = re.compile(r"^[^@\s<>()\[\],;:\"\\]+@[^@\s<>()\[\],;:\"\\.]+(\.[^@\s<>()\[\],;:\"\\.]+)+$")


def _email(text: str) -> Normalised:
    candidate = text
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[7:]
    candidate = candidate.strip().strip("<>").strip().lower().rstrip(".")
    if not candidate:
        raise NothingToMatch(text)
    if not _EMAIL.match(candidate):
        return Normalised("email", "unparsed", text)
    return Normalised("email", "email", candidate)


# --- phone ---------------------------------------------------------------------------------


def _phone(text: str, region: str, *, source_kind: str, platform: str = "") -> Normalised:
    if not any(ch.isdigit() for ch in text):
        raise NothingToMatch(text)
    try:
        number = phonenumbers.parse(text, REGIONS.get(region.upper(), "AU"))
    except phonenumbers.NumberParseException:
        return Normalised(source_kind, "unparsed", text, platform)
    if not phonenumbers.is_valid_number(number):
        return Normalised(source_kind, "unparsed", text, platform)
    return Normalised(
        source_kind,
        "phone",
        phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
    )


# --- handles -------------------------------------------------------------------------------

HANDLE_PATTERNS = {
    "x": re.compile(r"^[a-z0-9_]{1,15}$"),
    "instagram": re.compile(r"^[a-z0-9._]{1,30}$"),
    "tiktok": re.compile(r"^[a-z0-9._]{1,24}$"),
    "facebook": re.compile(r"^[a-z0-9]{1,50}$"),
    "twitch": re.compile(r"^[a-z0-9_]{1,25}$"),
    "youtube": re.compile(r"^[a-z0-9._-]{1,30}$"),
    "reddit": re.compile(r"^[a-z0-9_-]{1,20}$"),
    "github": re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38})$"),
    "snapchat": re.compile(r"^[a-z0-9._-]{1,30}$"),
    "discord": re.compile(r"^[^\s#@:/]{2,32}(#[0-9]{4})?$"),
}
_ANY_HANDLE = re.compile(r"^[^\s/]{1,100}$")
_LOOKS_LIKE_URL = re.compile(r"^(https?:)?//|^(www\.)?[a-z0-9-]+(\.[a-z0-9-]+)+/", re.IGNORECASE)
_REDDIT_PREFIX = re.compile(r"^/?(u|user)/", re.IGNORECASE)


def _handle_input(text: str, platform: str, region: str) -> Normalised:
    if platform in ("whatsapp", "sms"):  # a WhatsApp or SMS "handle" is a phone number
        return _phone(text, region, source_kind="handle", platform=platform)
    if platform == "email":
        return _email(text)
    if _LOOKS_LIKE_URL.match(text):
        return _url(text, source_kind="handle")
    if not platform:
        raise PlatformRequired(text)
    return _handle(text, platform) or Normalised("handle", "unparsed", text, platform)


def _handle(text: str, platform: str) -> Normalised | None:
    """The platform's canonical form of a handle, or None when it is not a valid one."""
    handle = text.strip().lower().lstrip("@")
    if platform == "reddit":
        handle = _REDDIT_PREFIX.sub("", handle, count=1)
    if platform == "facebook":
        handle = handle.replace(".", "")  # Facebook ignores dots and case in usernames
    if not handle:
        raise NothingToMatch(text)
    pattern = HANDLE_PATTERNS.get(platform, _ANY_HANDLE)
    if not pattern.match(handle):
        return None
    return Normalised("handle", "handle", handle, platform)


# --- URLs ----------------------------------------------------------------------------------

PLATFORM_HOSTS = {
    "x.com": "x",
    "twitter.com": "x",
    "instagram.com": "instagram",
    "tiktok.com": "tiktok",
    "facebook.com": "facebook",
    "web.facebook.com": "facebook",
    "touch.facebook.com": "facebook",
    "mbasic.facebook.com": "facebook",
    "twitch.tv": "twitch",
    "youtube.com": "youtube",
    "reddit.com": "reddit",
    "old.reddit.com": "reddit",
    "new.reddit.com": "reddit",
    "np.reddit.com": "reddit",
    "github.com": "github",
}
# First path segments that are pages of the platform, not accounts.
RESERVED = {
    "x": {
        "home", "search", "explore", "i", "intent", "share", "hashtag", "settings", "messages",
        "notifications", "compose", "login", "logout", "signup", "tos", "privacy", "about",
        "account", "download", "jobs",
    },
    "instagram": {
        "p", "reel", "reels", "tv", "explore", "accounts", "direct", "about", "developer",
        "legal", "web", "challenge", "emails",
    },
    "facebook": {
        "pages", "groups", "events", "watch", "marketplace", "gaming", "story.php", "photo.php",
        "permalink.php", "sharer.php", "sharer", "login", "login.php", "help", "settings",
        "hashtag", "photo", "reel", "share", "messages", "notifications", "friends", "search",
        "people", "p", "home.php", "policies", "privacy", "bookmarks",
    },
    "twitch": {
        "directory", "videos", "p", "settings", "search", "downloads", "jobs", "turbo",
        "subscriptions", "wallet", "inventory", "drops", "friends", "messages", "login",
        "signup",
    },
    "github": {
        "settings", "marketplace", "topics", "explore", "features", "about", "login", "logout",
        "join", "pricing", "search", "notifications", "pulls", "issues", "sponsors",
        "collections", "trending", "enterprise", "security", "site", "apps", "codespaces",
        "new", "organizations", "customer-stories", "readme", "orgs", "users", "team",
    },
}  # fmt: skip
HOST_PREFIXES = ("www.", "m.", "mobile.")
TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "igshid", "igsh", "si",
    "mc_cid", "mc_eid", "_ga", "_gl", "yclid", "ref_src", "ref_url", "mibextid", "__tn__",
    "__cft__",
}  # fmt: skip
# Share and referral parameters a platform adds to its own links.
PLATFORM_TRACKING = {
    "x": {"s", "t", "ref_src"},
    "youtube": {"feature", "pp", "ab_channel"},
    "tiktok": {"is_from_webapp", "sender_device", "_r", "_t", "lang"},
    "instagram": {"img_index", "hl"},
    "reddit": {"share_id", "context", "rdt"},
}
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_HOST = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")


def _is_tracking(name: str, platform: str | None) -> bool:
    lowered = name.lower()
    return (
        lowered.startswith("utm_")
        or lowered in TRACKING_PARAMS
        or lowered in PLATFORM_TRACKING.get(platform or "", ())
    )


def _canonical_host(host: str) -> str | None:
    host = host.rstrip(".")
    try:
        host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    stripped = True
    while stripped:
        stripped = False
        for prefix in HOST_PREFIXES:
            rest = host[len(prefix) :]
            if host.startswith(prefix) and "." in rest:
                host, stripped = rest, True
    return host if _HOST.match(host) else None


def _platform_handle(platform: str, segments: list[str], query: str) -> Normalised | None:
    """The account a major platform's profile (or post) URL belongs to."""
    first = segments[0].lower() if segments else ""
    candidate = ""
    if platform in ("tiktok", "youtube"):
        candidate = first[1:] if first.startswith("@") else ""
    elif platform == "reddit":
        candidate = segments[1] if first in ("user", "u") and len(segments) > 1 else ""
    elif platform == "instagram" and first == "stories":
        candidate = segments[1] if len(segments) > 1 else ""
    elif platform == "facebook" and first == "profile.php":
        ids = [v for k, v in parse_qsl(query) if k == "id"]
        candidate = ids[0] if ids and ids[0].isdigit() else ""
    elif platform == "facebook" and first == "people" and len(segments) > 2:
        candidate = segments[2] if segments[2].isdigit() else ""
    elif platform == "github" and first == "orgs":
        candidate = segments[1] if len(segments) > 1 else ""
    elif first and first not in RESERVED.get(platform, set()) and platform in RESERVED:
        candidate = first
    if not candidate:
        return None
    try:
        return _handle(candidate, platform)
    except NothingToMatch:
        return None


def _url(text: str, *, source_kind: str) -> Normalised:
    unparsed = Normalised(source_kind, "unparsed", text)
    candidate = text
    if candidate.startswith("//"):
        candidate = "https:" + candidate
    elif "://" not in candidate:
        candidate = "https://" + candidate
    try:
        parts = urlsplit(candidate)
        port = parts.port
    except ValueError:
        return unparsed
    if parts.scheme.lower() not in ("http", "https"):
        return unparsed
    raw_host = parts.hostname or ""
    raw_path = parts.path
    if not raw_host and raw_path.strip("/") == "":
        raise NothingToMatch(text)
    host = _canonical_host(raw_host)
    if host is None or any(ch.isspace() for ch in raw_path + parts.query):
        return unparsed
    if parts.fragment.startswith("!/"):  # old "#!/name" links
        raw_path = parts.fragment[1:]
    path = quote(re.sub(r"/{2,}", "/", unquote(raw_path)), safe=_PATH_SAFE).rstrip("/")
    segments = [unquote(segment) for segment in path.split("/") if segment]
    platform = PLATFORM_HOSTS.get(host)
    if platform:
        found = _platform_handle(platform, segments, parts.query)
        if found is not None:
            return found
    pairs = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking(k, platform)
    )
    query = urlencode(pairs, quote_via=quote)
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    return Normalised(
        source_kind, "url", f"https://{netloc}{path}" + (f"?{query}" if query else "")
    )


# --- names ---------------------------------------------------------------------------------

_NOT_WORD = re.compile(r"[\W_]+")


def _name(text: str) -> Normalised:
    folded = unicodedata.normalize("NFKD", text.casefold())
    bare = "".join(ch for ch in folded if not unicodedata.combining(ch))
    words = _NOT_WORD.sub(" ", bare).split()
    if not words:
        raise NothingToMatch(text)
    return Normalised("name", "name", " ".join(words))
