import copy
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pantau import contract
from pantau.exceptions import ContractViolation
from producers import synthetic

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def event() -> dict:
    return next(synthetic.generate(1, seed=7, start=datetime(2026, 5, 30, tzinfo=UTC)))


def violation(event: dict) -> ContractViolation:
    with pytest.raises(ContractViolation) as raised:
        contract.validate(event, now=NOW)
    return raised.value


def test_synthetic_event_is_valid(event: dict):
    assert contract.validate(event, now=NOW) is event
    assert contract._fast_path()(event), "the hot path must take valid events"


def test_schema_lists_every_field_of_the_design():
    properties = contract.schema()["properties"]
    for name in ("schema_version", "event_id", "platform", "post_id", "url", "post_type",
                 "parent_post_id", "root_post_id", "author", "text", "lang", "created_at",
                 "observed_at", "metrics", "hashtags", "mentions", "media_urls", "source"):
        assert name in properties
    assert set(properties["author"]["properties"]) == {
        "id", "handle", "display_name", "followers", "verified", "is_official", "created_at"}
    # revision 1.1's account creation time is optional: events without it stay valid
    assert "created_at" not in properties["author"]["required"]
    assert set(properties["metrics"]["properties"]) == {"likes", "replies", "shares", "quotes", "views"}


@pytest.mark.parametrize(("mutate", "field", "words"), [
    (lambda e: e.pop("event_id"), "event_id", "missing required field: event_id"),
    (lambda e: e["author"].pop("followers"), "author.followers", "missing required field in author"),
    (lambda e: e.update(schema_version=2), "schema_version", "schema_version"),
    (lambda e: e.update(platform="myspace"), "platform", "platform must be one of"),
    (lambda e: e.update(post_type="story"), "post_type", "post_type must be one of"),
    (lambda e: e.update(platform=[]), "platform", "platform must be one of"),
    (lambda e: e.update(event_id="not-a-uuid"), "event_id", "event_id must match pattern"),
    (lambda e: e["metrics"].update(likes=-1), "metrics.likes", "metrics.likes must be bigger"),
    (lambda e: e["metrics"].update(views="12"), "metrics.views", "metrics.views must be"),
    (lambda e: e["author"].update(verified="yes"), "author.verified", "author.verified must be boolean"),
    (lambda e: e.update(hashtags="#viral"), "hashtags", "hashtags must be array"),
    (lambda e: e.update(text=None), "text", "text must be string"),
    (lambda e: e.update(created_at="yesterday"), "created_at", "created_at must be date-time"),
    (lambda e: e.update(created_at="2026-05-30T10:00:00+07:00"), "created_at", "must be UTC"),
    (lambda e: e.update(observed_at="9999-01-01T00:00:00Z"), "observed_at", "in the future"),
    (lambda e: e.update(observed_at="2020-01-01T00:00:00Z"), "observed_at", "before created_at"),
    (lambda e: e.update(text="a\x00b"), "text", "NUL"),
    (lambda e: e["author"].update(created_at="kemarin"), "author.created_at",
     "author.created_at must be date-time"),
    (lambda e: e["author"].update(created_at=1700000000), "author.created_at",
     "author.created_at must be string or null"),
    (lambda e: e["author"].update(created_at="2020-01-01T07:00:00+07:00"), "author.created_at",
     "must be UTC"),
    (lambda e: e["author"].update(created_at="9999-01-01T00:00:00Z"), "author.created_at",
     "in the future"),
    (lambda e: e["author"].update(created_at=e["observed_at"]), "author.created_at",
     "an account cannot post before it exists"),
])
def test_each_violation_names_its_field(event: dict, mutate, field: str, words: str):
    broken = copy.deepcopy(event)
    mutate(broken)
    error = violation(broken)
    assert error.field == field
    assert words in error.reason


@pytest.mark.parametrize("account_created", [None, "2019-03-04T05:06:07Z",
                                             "2019-03-04T05:06:07.250000Z"])
def test_the_account_creation_time_is_optional(event: dict, account_created: str | None):
    event["author"]["created_at"] = account_created
    assert contract.validate(event, now=NOW)
    assert contract._fast_path()(event)
    event["author"]["created_at"] = event["created_at"]  # created the moment it posted
    assert contract.validate(event, now=NOW)
    del event["author"]["created_at"]
    assert contract.validate(event, now=NOW)


def test_unknown_extra_fields_are_allowed(event: dict):
    event["campaign"] = "ramadan"
    assert contract.validate(event, now=NOW)


@pytest.mark.parametrize(("payload", "words"), [
    (b"", "empty"),
    (None, "empty"),
    (b"\xff\xfe{}", "not valid UTF-8 at byte 0"),
    (b'{"a": ', "not valid JSON"),
    (b"[1, 2]", "must be a JSON object"),
    (b"[" * 100_000, "not valid JSON"),
])
def test_undecodable_payloads_are_violations(payload, words: str):
    with pytest.raises(ContractViolation, match=words.replace("(", r"\(")):
        contract.decode_and_validate(payload, now=NOW)


def test_message_key_is_platform_and_post_id(event: dict):
    assert contract.message_key(event) == f"{event['platform']}:{event['post_id']}".encode()


@given(st.binary(max_size=300))
def test_arbitrary_bytes_never_crash_the_validator(payload: bytes):
    try:
        contract.decode_and_validate(payload, now=NOW)
    except ContractViolation as error:
        assert error.reason


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=20),
                    lambda children: st.lists(children, max_size=4)
                    | st.dictionaries(st.text(max_size=10), children, max_size=4), max_leaves=30))
def test_arbitrary_json_is_accepted_or_rejected_with_a_reason(value):
    try:
        contract.decode_and_validate(json.dumps(value).encode(), now=NOW)
    except ContractViolation as error:
        assert error.reason


_VALUES = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-3, max_value=3), st.just(2**40),
    st.text(max_size=5), st.just(""), st.just("x" * 129), st.just("2026-05-30T10:00:00Z"),
    st.just("2026-05-30T10:00:00.123456Z"), st.just("2026-05-30 10:00:00Z"),
    st.just("00000000-0000-4000-8000-000000000001"), st.just("en-US"), st.just("x"),
    st.just("reply"), st.lists(st.text(max_size=3), max_size=3), st.just(["a"] * 101),
    st.dictionaries(st.sampled_from(["id", "name", "likes"]), st.integers(0, 3), max_size=2),
)
_PATHS = [(name,) for name in contract.schema()["required"]] + [
    ("author", name) for name in contract.schema()["properties"]["author"]["required"]] + [
    ("metrics", name) for name in contract.schema()["properties"]["metrics"]["required"]] + [
    ("source", name) for name in contract.schema()["properties"]["source"]["required"]] + [
    ("author", "created_at")]


@given(st.lists(st.tuples(st.sampled_from(_PATHS), st.booleans(), _VALUES), min_size=1,
                max_size=3))
def test_fast_path_never_accepts_what_the_schema_rejects(edits):
    event = next(synthetic.generate(1, seed=7, start=datetime(2026, 5, 30, tzinfo=UTC)))
    for path, delete, value in edits:
        node = event
        for key in path[:-1]:
            node = node[key] if isinstance(node.get(key), dict) else node.setdefault(key, {})
        if not isinstance(node, dict):
            continue
        if delete:
            node.pop(path[-1], None)
        else:
            node[path[-1]] = copy.deepcopy(value)
    full = True
    try:
        contract._compiled()(event)
    except Exception:
        full = False
    if contract._fast_path()(event):
        assert full, event
    assert contract.schema_valid(event) == full


def test_the_closed_sets_in_code_are_the_schema_s_enums():
    from pantau.contract import vocabulary

    properties = json.loads(contract.SCHEMA_PATH.read_text())["properties"]
    assert vocabulary.PLATFORMS == tuple(properties["platform"]["enum"])
    assert vocabulary.POST_TYPES == tuple(properties["post_type"]["enum"])
    assert set(vocabulary.SCENARIO_PLATFORMS) <= set(vocabulary.PLATFORMS)
