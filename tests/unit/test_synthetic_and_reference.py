from collections import Counter

from pantau import contract
from pantau.contract.reference import load_polres
from producers import synthetic


def test_reference_seed_has_the_promised_breadth():
    precincts = load_polres()
    assert len(precincts) >= 60
    assert len({p.polda for p in precincts}) >= 15
    assert all(p.handles for p in precincts)
    assert len({p.polres_id for p in precincts}) == len(precincts)


def test_same_seed_gives_identical_posts_and_another_seed_does_not():
    first = list(synthetic.generate(50, seed=3))
    again = list(synthetic.generate(50, seed=3, start=None))
    other = list(synthetic.generate(50, seed=4))
    assert [e["event_id"] for e in first] == [e["event_id"] for e in again]
    assert [e["text"] for e in first] == [e["text"] for e in again]
    assert {e["event_id"] for e in first}.isdisjoint({e["event_id"] for e in other})


def test_every_post_is_valid_and_names_exactly_one_precinct_by_handle_or_hashtag():
    handles: dict[str, str] = {}
    hashtags: dict[str, str] = {}
    for p in load_polres():
        handles.update({h.lower(): p.polres_id for h in p.handles.values()})
        hashtags.update({t.lower(): p.polres_id for t in p.hashtags})
    named = Counter()
    for event in synthetic.generate(2000, seed=11):
        contract.validate(event)
        found = {handles[m.lower()] for m in event["mentions"] if m.lower() in handles}
        found |= {hashtags[t.lower()] for t in event["hashtags"] if t.lower() in hashtags}
        assert len(found) == 1, event
        named[found.pop()] += 1
    assert len(named) > 50  # the posts spread over many precincts
