"""Seed steps for perpetrators, their identifiers, link suggestions and linked matters.

Part of ``flask seed-demo`` (see ``services/seed.py`` for the shape of a step). Each case's
perpetrators come from the shared pool, so a prolific perpetrator's email, phone or handle turns
up in many cases: that overlap is what raises link suggestions, as ``add_identifier`` would.

Identifiers are stored exactly as ``perpetrators.add_identifier`` stores them: the value as
entered and the normalised display form go through ``EncryptedText`` (a fresh Fernet token per
row), the blind index is ``crypto.blind_index`` over ``identifiers.normalise(...).key``.
Normalising and the HMAC are done once per distinct (perpetrator, kind) and reused.

Suggestions: each new holder of a shared identifier or reference number is paired with the
last few earlier holders (the app pairs it with all of them; at 100,000 cases a prolific
perpetrator would make hundreds of thousands of pairs, which no one reviews). Some pairs are
confirmed, some rejected; confirmed pairs form linked matters (connected components), kept to
a handful of cases each, plus one around the shared police number the benchmark case holds.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from advocate.models import Identifier, LinkedMatter, LinkedMatterMember, LinkSuggestion
from advocate.models import Perpetrator as PerpetratorRow
from advocate.models.perpetrators import IDENTIFIER_LABELS
from advocate.services.crypto import blind_index
from advocate.services.identifiers import Normalised, normalise
from advocate.services.linking import matched_on_label
from advocate.services.seed import CaseSeed, Perpetrator, SeedRun, _table

# Earlier holders of the same identifier a new case is paired with.
PAIR_WITH = 2
# A linked matter grows by confirmed links only while it stays this small.
MATTER_MAX = 8
PROFILE_LABELS = ("Ex-partner", "Account A", "Anonymous account", "Former colleague",
                  "Neighbour", "Unknown sender", "Main account", "Second account")  # fmt: skip
PROFILE_NOTES = (
    "Creates a new account each time one is blocked.",
    "Writes in the same style across every account.",
    "Knows details only a former partner would know.",
    None,
    None,
)
PROFILE_HOSTS = {
    "x": "x.com/{h}",
    "instagram": "www.instagram.com/{h}/",
    "tiktok": "www.tiktok.com/@{h}",
    "facebook": "www.facebook.com/{h}",
    "twitch": "www.twitch.tv/{h}",
    "youtube": "www.youtube.com/@{h}",
    "reddit": "www.reddit.com/user/{h}",
    "github": "github.com/{h}",
}
NOT_HANDLES = ("sms", "email", "whatsapp", "other")
# How often each kind is recorded, given the perpetrator has one.
KIND_WEIGHTS = {"handle": 5, "email": 3, "phone": 2, "profile_url": 2, "name": 1}


@dataclass(frozen=True)
class IdentifierSpec:
    kind: str
    value: str  # as entered
    platform: str
    found: Normalised
    index: str


@dataclass
class LinkState:
    specs: dict[tuple[int, str], IdentifierSpec | None] = field(default_factory=dict)
    # (match kind or reference kind, blind index or value) -> the last few holders
    holders: dict[tuple[str, str], deque[tuple[int, datetime, str]]] = field(default_factory=dict)
    pairs: set[tuple[int, int]] = field(default_factory=set)
    parent: dict[int, int] = field(default_factory=dict)
    size: dict[int, int] = field(default_factory=dict)
    matter_at: dict[int, datetime] = field(default_factory=dict)
    anchor: set[int] = field(default_factory=set)  # cases holding the benchmark's shared number


def state(run: SeedRun) -> LinkState:
    found = run.state.get("links")
    if found is None:
        found = run.state["links"] = LinkState()
    assert isinstance(found, LinkState)
    return found


def _spec(run: SeedRun, perpetrator: Perpetrator, kind: str) -> IdentifierSpec | None:
    links = state(run)
    key = (perpetrator.n, kind)
    if key in links.specs:
        return links.specs[key]
    platform = perpetrator.platform
    value: str | None
    if kind == "email":
        value, platform = perpetrator.email, ""
    elif kind == "phone":
        value, platform = perpetrator.phone, ""
    elif kind == "handle":
        # Facebook ignores dots in usernames and allows no underscores: written with dots.
        value = None if platform in NOT_HANDLES else "@" + perpetrator.handle
        if value and platform == "facebook":
            value = value.replace("_", ".")
    elif kind == "profile_url":
        pattern = PROFILE_HOSTS.get(platform)
        handle = perpetrator.handle.replace("_", ".") if platform == "facebook" else None
        value = f"https://{pattern.format(h=handle or perpetrator.handle)}" if pattern else None
        platform = ""
    else:
        value, platform = perpetrator.name, ""
    spec = None
    if value:
        found = normalise(kind, value, platform=platform)
        spec = IdentifierSpec(
            kind=kind,
            value=value,
            platform=found.platform or platform,
            found=found,
            index=blind_index(found.match_kind, found.key),
        )
    links.specs[key] = spec
    return spec


def _find(links: LinkState, case_id: int) -> int:
    root = case_id
    while links.parent.get(root, root) != root:
        root = links.parent[root]
    while links.parent.get(case_id, case_id) != root:  # path compression
        links.parent[case_id], case_id = root, links.parent[case_id]
    return root


def _union(links: LinkState, a: int, b: int, at: datetime) -> None:
    root_a, root_b = _find(links, a), _find(links, b)
    if root_a == root_b:
        links.matter_at[root_a] = max(at, links.matter_at.get(root_a, at))
        return
    size_a, size_b = links.size.get(root_a, 1), links.size.get(root_b, 1)
    if size_a < size_b:
        root_a, root_b = root_b, root_a
    links.parent[root_b] = root_a
    links.size[root_a] = size_a + size_b
    times = [at, links.matter_at.pop(root_b, at), links.matter_at.get(root_a, at)]
    links.matter_at[root_a] = max(times)


def _decide(run: SeedRun, a: int, b: int) -> str:
    links = state(run)
    if a in links.anchor or b in links.anchor:
        # The benchmark's matter: every pair holding its shared number, and nothing else.
        both = a in links.anchor and b in links.anchor
        return "confirmed" if both else "suggested"
    roll = run.rng.random()
    if roll < 0.2:
        root_a, root_b = _find(links, a), _find(links, b)
        merged = links.size.get(root_a, 1) + (0 if root_a == root_b else links.size.get(root_b, 1))
        if merged <= MATTER_MAX:
            return "confirmed"
    return "rejected" if roll > 0.92 else "suggested"


def _suggest(
    run: SeedRun, case: CaseSeed, key: tuple[str, str], matched_on: str, at: datetime
) -> None:
    """Pair ``case`` with the last few earlier holders of ``key``; then hold it too."""
    links = state(run)
    held = links.holders.get(key)
    if held is None:
        held = links.holders[key] = deque(maxlen=PAIR_WITH + 1)
    table = _table(LinkSuggestion)
    bench_case = run.info.get("bench_case_id")
    for other_id, other_at, other_reference in list(held)[::-1][:PAIR_WITH]:
        if other_id == case.id:
            continue
        pair = (min(case.id, other_id), max(case.id, other_id))
        if pair in links.pairs:
            continue
        links.pairs.add(pair)
        created = min(max(at, other_at) + timedelta(minutes=run.rng.randint(1, 30)), run.now)
        status = _decide(run, *pair)
        decided_at = run.between(created, run.now) if status != "suggested" else None
        decided_by = (
            (run.supervisor_id if run.rng.random() < 0.5 else case.owner_id) if decided_at else None
        )
        link_id = run.new_id(table)
        run.add(
            table,
            {
                "id": link_id,
                "case_a_id": pair[0],
                "case_b_id": pair[1],
                "matched_on": matched_on,
                "status": status,
                "created_at": created,
                "decided_by_id": decided_by,
                "decided_at": decided_at,
            },
        )
        label = matched_on_label(matched_on)
        run.timeline(
            case, "link", f"Possible link to {other_reference}: the same {label}", created,
            object_id=link_id,
        )  # fmt: skip
        if other_id != bench_case:  # the benchmark case keeps exactly its 200 entries
            _timeline_other(run, other_id, f"Possible link to {case.reference}: the same {label}",
                            created, link_id)  # fmt: skip
        if decided_at is not None and decided_by is not None:
            name = run.user_names.get(decided_by, "a supervisor")
            words = "Linked with" if status == "confirmed" else "Not linked with"
            run.timeline(
                case,
                "link",
                f"{words} {other_reference} ({status} by {name})",
                decided_at,
                object_id=link_id,
                actor_id=decided_by,
            )
            if other_id != bench_case:
                _timeline_other(run, other_id, f"{words} {case.reference} ({status} by {name})",
                                decided_at, link_id, decided_by)  # fmt: skip
            run.record(decided_at, decided_by, f"link.{status}", "link", link_id, pair[0])
            if status == "confirmed":
                _union(links, pair[0], pair[1], decided_at)
    held.append((case.id, at, case.reference))


def _timeline_other(
    run: SeedRun, case_id: int, title: str, at: datetime, link_id: int, actor: int | None = None
) -> None:
    """A timeline line on a case of an earlier chunk (its CaseSeed is gone; its id is enough)."""
    from advocate.models import TimelineEntry

    table = _table(TimelineEntry)
    run.add(
        table,
        {
            "id": run.new_id(table),
            "case_id": case_id,
            "at": at,
            "kind": "link",
            "object_id": link_id,
            "title": title[:200],
            "detail": None,
            "actor_id": actor,
            "created_at": at,
        },
    )


def seed_identifiers(run: SeedRun, chunk: list[CaseSeed]) -> None:
    """Perpetrator profiles, ~3 identifiers a case, and the suggestions they raise."""
    links = state(run)
    profiles, identifiers = _table(PerpetratorRow), _table(Identifier)
    anchor_key = None
    if run.shared_references:
        kind, value = run.shared_references[0]
        anchor_key = (kind, value.upper())
    kinds, weights = list(KIND_WEIGHTS), list(KIND_WEIGHTS.values())
    for case in chunk:
        if anchor_key and any((k, v) == anchor_key for k, v, _ in case.reference_keys):
            links.anchor.add(case.id)
        # One profile per distinct perpetrator on the case.
        people = list({p.n: p for p in case.perpetrators}.values())
        profile_ids = []
        for n, person in enumerate(people):
            profile_id = run.new_id(profiles)
            profile_ids.append(profile_id)
            run.add(
                profiles,
                {
                    "id": profile_id,
                    "case_id": case.id,
                    "label": PROFILE_LABELS[(person.n + n) % len(PROFILE_LABELS)],
                    "known_names": person.name if run.rng.random() < 0.3 else None,
                    "country": case.country,
                    "notes": run.rng.choice(PROFILE_NOTES),
                    "created_by_id": case.owner_id,
                    "created_at": run.between(case.created_at, case.updated_at),
                },
            )
        seen: set[tuple[str, str]] = set()
        wanted = run.rng.choice((2, 3, 3, 3, 4))
        for attempt in range(wanted * 3):
            if len(seen) >= wanted:
                break
            slot = attempt % len(people)
            spec = _spec(run, people[slot], run.rng.choices(kinds, weights)[0])
            if spec is None or (spec.found.match_kind, spec.index) in seen:
                continue
            seen.add((spec.found.match_kind, spec.index))
            at = run.between(case.created_at, case.updated_at)
            identifier_id = run.new_id(identifiers)
            run.add(
                identifiers,
                {
                    "id": identifier_id,
                    "case_id": case.id,
                    "perpetrator_id": profile_ids[slot],
                    "kind": spec.kind,
                    "platform": spec.platform,
                    "value": spec.value,
                    "normalised": spec.found.display,
                    "match_kind": spec.found.match_kind,
                    "blind_index": spec.index,
                    "parse_ok": spec.found.parse_ok,
                    "created_by_id": case.owner_id,
                    "created_at": at,
                },
            )
            run.timeline(
                case,
                "link",
                f"Perpetrator identifier recorded: {IDENTIFIER_LABELS[spec.kind].lower()}",
                at,
                object_id=identifier_id,
                detail=spec.value,
                actor_id=case.owner_id,
            )
            if spec.found.matchable:
                key = (spec.found.match_kind, spec.index)
                _suggest(run, case, key, spec.found.match_kind, at)
        for kind, normalised, _ in case.reference_keys:
            if (f"reference:{kind}", normalised) in seen:
                continue
            seen.add((f"reference:{kind}", normalised))
            at = run.between(case.created_at, case.updated_at)
            _suggest(run, case, (f"reference:{kind}", normalised), f"reference:{kind}", at)


def finish_matters(run: SeedRun) -> None:
    """Linked matters from the confirmed links; names one the busy caseworker can open."""
    links = state(run)
    members: dict[int, list[int]] = {}
    for case_id in set(links.parent) | set(links.parent.values()):
        members.setdefault(_find(links, case_id), []).append(case_id)
    matters, rows = _table(LinkedMatter), _table(LinkedMatterMember)
    matter_of: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for root, case_ids in sorted(members.items(), key=lambda item: min(item[1])):
        if len(case_ids) < 2:
            continue
        matter_id = run.new_id(matters)
        at = links.matter_at.get(root, run.now)
        run.add(matters, {"id": matter_id, "created_at": at})
        sizes[matter_id] = len(case_ids)
        for case_id in sorted(case_ids):
            matter_of[case_id] = matter_id
            run.add(rows, {"case_id": case_id, "matter_id": matter_id, "added_at": at})
    run.flush()
    chosen = matter_of.get(run.info.get("bench_case_id", 0))
    if chosen is None and sizes:
        chosen = max(sizes, key=lambda m: (sizes[m], -m))
    if chosen is not None:
        run.info["linked_matter_id"] = chosen
        run.info["linked_matter_case_ids"] = sorted(c for c, m in matter_of.items() if m == chosen)
    run.counts["linked_matter_members"] = len(matter_of)
