"""Ads and spam riding a police hashtag: the terms of ``lexicon/promo.tsv``.

Giveaways, online-gambling links, paid followers, "biro jasa" for SIM and SKCK, loans and shops
tag their posts with whatever trends: ``#PercumaLaporPolisi``, ``#PoldaMetroJaya``. The labelling
guideline (rule 3 in ``docs/text.md``) makes such a post neutral and of topic ``lainnya``: its
hashtag is not the writer's stance, and its words are not a police theme. Sentiment and topic
both read :func:`promo_posts`, so an ad never feeds a negative spike or a topic's count; the units
it names still count it as a mention.
"""

from __future__ import annotations

from functools import cache

import numpy as np
import pyarrow as pa

from pantau.transform.text import lexicon
from pantau.transform.text.features import MAX_PHRASE, Words, lookup, police_domain


@cache
def _tables() -> dict[int, pa.Array]:
    """The normalised terms by number of words (matched against normalised posts)."""
    from pantau.transform.text.normalize import normalize

    terms = {normalize(term) for term in lexicon.promo_terms()}
    by_length: dict[int, list[str]] = {n: [] for n in range(1, MAX_PHRASE + 1)}
    for term in sorted(terms):
        n = len(term.split())
        if not 1 <= n <= MAX_PHRASE:
            raise ValueError(f"lexicon/promo.tsv: {term!r} has {n} words; at most {MAX_PHRASE}")
        by_length[n].append(term)
    return {n: pa.array(texts, type=pa.string()) for n, texts in by_length.items() if texts}


def promo_posts(words: Words) -> np.ndarray:
    """Whether each post of the batch is an ad or spam riding a police hashtag (a bool per post):
    a term of ``promo.tsv`` and a police word of ``domain.tsv`` (a review that mentions a
    "diskon" is not one)."""
    found = np.zeros(words.n_posts, dtype=bool)
    if not len(words.words):
        return found
    post_of = words.post_of
    for n, table in _tables().items():
        grams, starts = words.ngrams(n)
        hit = lookup(grams, table) >= 0
        found[post_of[starts[hit]]] = True
    in_domain: np.ndarray = found & police_domain(words)
    return in_domain


def promo_term(words: Words) -> str | None:
    """The promo term of a one-post batch that :func:`promo_posts` finds (for the explanation),
    or None."""
    if not promo_posts(words)[0]:
        return None
    for n, table in sorted(_tables().items(), reverse=True):
        grams, _ = words.ngrams(n)
        hit = lookup(grams, table) >= 0
        if hit.any():
            return str(grams.filter(pa.array(hit))[0])
    return None
