"""Vectorised features: word n-grams, word affixes and lexicon scores, as a sparse matrix.

Everything here works on a whole batch of posts at once (flat Arrow word arrays plus offsets), so
the per-post cost is a few Arrow and numpy kernels. The same code serves training and inference,
so the two cannot drift apart.

Features of a post:

* ``w``: words; ``b``: word bigrams; ``p``: 4-letter word prefixes; ``s``: 3-letter suffixes
  (Indonesian affixes such as ``meng-``, ``-kan``) — counts, sublinear TF x IDF, L2-normalised;
* optionally (a per-model option stored in its file; the emotion model uses it), ``c``:
  character n-grams of every word padded as ``<word>`` (:func:`char_ngrams`), a second block with
  its own sublinear TF-IDF and L2 normalisation; with ``char_source`` "raw" (the emotion model),
  of the raw lower-cased tokens (``Words.raw``) instead of the words;
* two lexicon features: the sums of positive and of negative term weights after negation and
  intensifier rules (:func:`lexicon_scores`), on a log scale;
* optionally (a per-model option stored in its file; the emotion model uses it), five emotion
  lexicon features: per emotion, the sum of the weights of ``lexicon/emotion.tsv``'s terms under
  the same rules, a negated term counting nothing (:func:`emotion_scores`), on a log scale;
* with ``domain_scale`` > 0 (the sentiment model), a second copy of all of the above, times
  ``domain_scale``, for a post in the police domain (:func:`police_domain`), zero for any other:
  the model learns weights of its own for police posts on top of the shared ones (Daume's
  feature augmentation; the scale makes the copy cheaper under L2 than the shared weights, so
  that police posts move the shared weights less).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from pantau.transform.text import lexicon

KINDS = ("w", "b", "p", "s")
#: The optional kind: character n-grams of words (a model that has them stores ``char_ngrams``).
CHAR_KIND = "c"
MAX_PHRASE = 4
_WINDOW = 3
#: A negated negative term counts half as positive ("tidak buruk" is faint praise).
_FLIPPED_NEGATIVE = 0.5


@dataclass(frozen=True)
class Words:
    """Normalised words of a batch: ``words[offsets[i]:offsets[i+1]]`` belong to post ``i``."""

    words: pa.Array
    offsets: np.ndarray
    #: the same posts' raw lower-cased tokens (:func:`~pantau.transform.text.normalize.
    #: raw_tokens_batch`), for a model whose character n-grams read them; None: not read
    raw: Words | None = None
    #: n -> :meth:`ngrams` (the features and both lexicons read the same runs of words)
    _ngrams: dict[int, tuple[pa.Array, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False, compare=False)
    #: :func:`police_domain` of these posts (the features, the domain head and the promotion
    #: rule all ask; computed once per batch)
    _domain: dict[str, np.ndarray] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_posts(self) -> int:
        return len(self.offsets) - 1

    @property
    def post_of(self) -> np.ndarray:
        """The post index of every word."""
        return np.repeat(np.arange(self.n_posts, dtype=np.int64), np.diff(self.offsets))

    def ngrams(self, n: int) -> tuple[pa.Array, np.ndarray]:
        """Every run of ``n`` words inside one post, with the index of its first word (computed
        once per batch)."""
        if n not in self._ngrams:
            self._ngrams[n] = self._runs(n)
        return self._ngrams[n]

    def _runs(self, n: int) -> tuple[pa.Array, np.ndarray]:
        total = len(self.words)
        if n == 1:
            return self.words, np.arange(total, dtype=np.int64)
        if total < n:
            return pa.array([], type=pa.string()), np.zeros(0, dtype=np.int64)
        parts = [self.words.slice(i, total - n + 1) for i in range(n)]
        joined = pc.binary_join_element_wise(*parts, " ")
        post_of = self.post_of
        starts = np.arange(total - n + 1, dtype=np.int64)
        valid = post_of[starts] == post_of[starts + n - 1]
        return joined.filter(pa.array(valid)), starts[valid]


def lookup(values: pa.Array, table: pa.Array) -> np.ndarray:
    """Index of every value in ``table`` (-1 when absent), via Arrow's hash lookup."""
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    found = pc.index_in(values, value_set=table)
    return np.asarray(found.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)


@dataclass(frozen=True)
class _TermTable:
    texts: pa.Array
    weights: np.ndarray
    sources: tuple[str, ...]
    n_words: int


@cache
def _term_tables() -> dict[int, _TermTable]:
    """Sentiment terms by number of words; the police list wins over the general one."""
    from pantau.transform.text.normalize import normalize

    merged: dict[str, lexicon.Term] = {}
    for term in lexicon.general_terms() + lexicon.police_terms():
        # matched against normalised posts, so normalised too: "no viral no justice" is
        # "tidak viral tidak justice" in a post, "terima kasih pak polisi" "… bapak polisi"
        text = normalize(term.text)
        merged[text] = dataclasses.replace(term, text=text)
    tables = {}
    for n in range(1, MAX_PHRASE + 1):
        terms = [t for t in merged.values() if t.n_words == n]
        tables[n] = _TermTable(pa.array([t.text for t in terms], type=pa.string()),
                               np.array([t.weight for t in terms], dtype=np.float64),
                               tuple(t.source for t in terms), n)
    return tables


@cache
def _modifier_tables() -> tuple[pa.Array, np.ndarray, np.ndarray, pa.Array, np.ndarray]:
    from pantau.transform.text.normalize import normalize

    items = {normalize(k): v for k, v in lexicon.modifiers().items()}
    one = [(k, v) for k, v in items.items() if " " not in k]
    two = [(k, v) for k, v in items.items() if " " in k]
    return (pa.array([k for k, _ in one], type=pa.string()),
            np.array([v[0] == "negation" for _, v in one]),
            np.array([v[1] for _, v in one], dtype=np.float64),
            pa.array([k for k, _ in two], type=pa.string()),
            np.array([v[1] for _, v in two], dtype=np.float64))


@dataclass(frozen=True)
class TermHits:
    """Every sentiment term found in a batch, after negation and intensifier rules."""

    post: np.ndarray
    start: np.ndarray
    n_words: np.ndarray
    term: list[str]
    source: list[str]
    weight: np.ndarray  # the term's own weight
    value: np.ndarray  # its contribution after the rules


@dataclass(frozen=True)
class _Matches:
    """Terms of one length found in a batch: first word, index in the table, value after rules."""

    start: np.ndarray
    index: np.ndarray
    n_words: int
    value: np.ndarray


def _match(words: Words, tables: dict[int, _TermTable]) -> list[_Matches]:
    """Terms of ``tables`` (longest match wins) with negation within 3 words before and
    intensifiers just before or after: each term's weight times the intensity, times the negation
    factor when negated."""
    total = len(words.words)
    post_of = words.post_of
    hits: list[tuple[np.ndarray, np.ndarray, int]] = []
    covered = np.zeros(total + 1, dtype=np.int64)
    for n in range(MAX_PHRASE, 0, -1):
        table = tables[n]
        if len(table.texts) == 0:
            continue
        grams, starts = words.ngrams(n)
        idx = lookup(grams, table.texts)
        keep = idx >= 0
        starts, idx = starts[keep], idx[keep]
        if n == 1 and len(starts):
            inside = np.cumsum(covered)[:-1] > 0
            free = ~inside[starts]
            starts, idx = starts[free], idx[free]
        if n > 1 and len(starts):
            np.add.at(covered, starts, 1)
            np.add.at(covered, starts + n, -1)
        hits.append((starts, idx, n))
    inside_phrase = (np.cumsum(covered)[:-1] > 0) if total else np.zeros(0, dtype=bool)

    # Modifiers per word: negation factor (or 1) and intensity factor (or 1).
    one_texts, one_neg, one_factor, two_texts, two_factor = _modifier_tables()
    neg = np.zeros(total, dtype=np.float64)
    intensity = np.ones(total, dtype=np.float64)
    idx = lookup(words.words, one_texts)
    found = (idx >= 0) & ~inside_phrase
    where = np.nonzero(found)[0]
    is_neg = one_neg[idx[where]]
    neg[where[is_neg]] = one_factor[idx[where[is_neg]]]
    intensity[where[~is_neg]] = one_factor[idx[where[~is_neg]]]
    if len(two_texts):
        grams, starts = words.ngrams(2)
        idx2 = lookup(grams, two_texts)
        ok = idx2 >= 0
        neg[starts[ok]] = 0.0
        intensity[starts[ok]] = 1.0
        intensity[starts[ok] + 1] = two_factor[idx2[ok]]

    out = []
    for starts, idx, n in hits:
        if not len(starts):
            continue
        value = tables[n].weights[idx].copy()
        post = post_of[starts]
        negation = np.zeros(len(starts), dtype=np.float64)
        for back in range(1, _WINDOW + 1):
            prev = starts - back
            ok = (prev >= 0) & (post_of[np.maximum(prev, 0)] == post)
            factor = np.where(ok, neg[np.maximum(prev, 0)], 0.0)
            negation = np.where(negation == 0.0, factor, negation)
        boost = np.ones(len(starts), dtype=np.float64)
        prev = starts - 1
        ok = (prev >= 0) & (post_of[np.maximum(prev, 0)] == post)
        boost = np.where(ok, intensity[np.maximum(prev, 0)], boost)
        nxt = starts + n
        ok = (nxt < total) & (post_of[np.minimum(nxt, total - 1)] == post)
        boost = boost * np.where(ok, intensity[np.minimum(nxt, total - 1)], 1.0)
        value = value * boost
        negated = negation != 0.0
        flipped = value * negation
        flipped = np.where(value < 0, flipped * _FLIPPED_NEGATIVE, flipped)
        out.append(_Matches(starts, idx, n, np.where(negated, flipped, value)))
    return out


def find_terms(words: Words) -> TermHits:
    """Sentiment terms (longest match wins) with negation within 3 words before and intensifiers
    just before or after."""
    tables = _term_tables()
    post_of = words.post_of
    posts: list[Any] = []
    starts_all: list[Any] = []
    lengths: list[Any] = []
    terms: list[Any] = []
    sources: list[Any] = []
    weights: list[Any] = []
    values: list[Any] = []
    for found in _match(words, tables):
        table = tables[found.n_words]
        posts.append(post_of[found.start])
        starts_all.append(found.start)
        lengths.append(np.full(len(found.start), found.n_words))
        terms.extend(table.texts.take(pa.array(found.index)).to_pylist())
        sources.extend(table.sources[i] for i in found.index)
        weights.append(table.weights[found.index])
        values.append(found.value)
    if not posts:
        empty_i, empty_f = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return TermHits(empty_i, empty_i, empty_i, [], [], empty_f, empty_f)
    return TermHits(np.concatenate(posts), np.concatenate(starts_all), np.concatenate(lengths),
                    terms, sources, np.concatenate(weights), np.concatenate(values))


#: Clitics read through by the emotion lexicon: -nya, -ku, -mu (possessive), -lah, -kah, -pun.
_CLITICS = ("nya", "ku", "mu", "lah", "kah", "pun")


@dataclass(frozen=True)
class _EmotionTables:
    #: terms by number of words, each with weight 1 (the rules scale it) ...
    by_length: dict[int, _TermTable]
    #: ... and its (terms, emotions) weights, per length
    weights: dict[int, np.ndarray]


@cache
def _emotion_tables() -> _EmotionTables:
    """The emotion lexicon's terms, normalised like the posts; a term listed for an emotion twice
    keeps its largest weight."""
    from pantau.transform.text.normalize import normalize

    merged: dict[str, np.ndarray] = {}
    for text, emotion, weight in lexicon.emotion_terms():
        key = normalize(text)
        if not key:
            continue
        row = merged.setdefault(key, np.zeros(len(lexicon.EMOTIONS)))
        column = lexicon.EMOTIONS.index(emotion)
        row[column] = max(row[column], weight)
    for key, row in list(merged.items()):
        if " " not in key:
            for clitic in _CLITICS:
                merged.setdefault(key + clitic, row)
    by_length, weights = {}, {}
    for n in range(1, MAX_PHRASE + 1):
        texts = [t for t in merged if len(t.split()) == n]
        by_length[n] = _TermTable(pa.array(texts, type=pa.string()), np.ones(len(texts)),
                                  ("emotion",) * len(texts), n)
        weights[n] = (np.array([merged[t] for t in texts], dtype=np.float64) if texts
                      else np.zeros((0, len(lexicon.EMOTIONS))))
    return _EmotionTables(by_length, weights)


def emotion_scores(words: Words) -> np.ndarray:
    """(n_posts, 5): per emotion (lexicon.EMOTIONS' order), the sum of the weights of the
    emotion lexicon's terms in each post, times intensifiers; a negated term counts nothing
    ("tidak takut" is not fear). A one-word term followed by a clitic (:data:`_CLITICS`:
    "rinduku", "takutnya") counts as the term unless it is a term itself."""
    tables = _emotion_tables()
    out = np.zeros((words.n_posts, len(lexicon.EMOTIONS)), dtype=np.float64)
    post_of = words.post_of
    for found in _match(words, tables.by_length):
        value = np.clip(found.value, 0, None)[:, None] * tables.weights[found.n_words][found.index]
        np.add.at(out, post_of[found.start], value)
    return out


def lexicon_scores(words: Words, hits: TermHits | None = None) -> np.ndarray:
    """(n_posts, 2): sums of positive and of negative (as positive numbers) term contributions."""
    hits = find_terms(words) if hits is None else hits
    out = np.zeros((words.n_posts, 2), dtype=np.float64)
    if len(hits.post):
        out[:, 0] = np.bincount(hits.post, weights=np.clip(hits.value, 0, None), minlength=words.n_posts)
        out[:, 1] = np.bincount(hits.post, weights=np.clip(-hits.value, 0, None),
                                minlength=words.n_posts)
    return out


def _keys(words: Words, kind: str) -> tuple[pa.Array, np.ndarray]:
    """Feature strings of one kind and the index of the word each starts at."""
    if kind == "w":
        return words.ngrams(1)
    if kind == "b":
        return words.ngrams(2)
    if kind == "p":
        return pc.utf8_slice_codeunits(words.words, 0, 4), np.arange(len(words.words))
    if kind == "s":
        long = pc.greater(pc.utf8_length(words.words), 4)
        sliced = pc.utf8_slice_codeunits(words.words.filter(long), -3)
        starts = np.nonzero(np.asarray(long.to_numpy(zero_copy_only=False)))[0]
        return sliced, starts
    raise ValueError(f"unknown feature kind {kind!r}")


def char_ngrams(words: pa.Array, low: int, high: int) -> tuple[pa.Array, np.ndarray]:
    """Every character n-gram of ``low`` to ``high`` letters of ``<word>`` (so that the start and
    the end of a word are n-grams of their own), with the index of its word."""
    padded = pc.binary_join_element_wise(pa.scalar("<"), words, pa.scalar(">"), "")
    lengths = np.asarray(pc.utf8_length(padded).to_numpy(zero_copy_only=False), dtype=np.int64)
    keys: list[pa.Array] = []
    index: list[np.ndarray] = []
    for n in range(low, high + 1):
        start = 0
        while True:
            rows = np.nonzero(lengths >= start + n)[0]
            if not len(rows):
                break
            taken = padded if len(rows) == len(padded) else padded.take(pa.array(rows))
            keys.append(pc.utf8_slice_codeunits(taken, start, start + n))
            index.append(rows)
            start += 1
    if not keys:
        return pa.array([], type=pa.string()), np.zeros(0, dtype=np.int64)
    return pa.concat_arrays(keys), np.concatenate(index)


def count_features(words: Words, char: tuple[int, int] | None = None, char_source: str = "words"
                   ) -> dict[str, tuple[pa.Array, np.ndarray]]:
    """Every feature string per kind with the post it belongs to (for building vocabularies);
    with ``char``, also the character n-grams of that range of lengths (of the words, or of the
    raw tokens with ``char_source`` "raw")."""
    post_of = words.post_of
    out = {}
    for kind in KINDS:
        keys, starts = _keys(words, kind)
        out[kind] = (keys, post_of[starts] if len(starts) else np.zeros(0, dtype=np.int64))
    if char is not None:
        source = _char_source(words, char_source)
        keys, starts = char_ngrams(source.words, *char)
        out[CHAR_KIND] = (keys, source.post_of[starts] if len(starts)
                          else np.zeros(0, dtype=np.int64))
    return out


def _char_source(words: Words, char_source: str) -> Words:
    """What the character n-grams read: the words, or the raw tokens ("raw")."""
    if char_source == "words":
        return words
    if char_source != "raw":
        raise ValueError(f"unknown character n-gram source {char_source!r}")
    if words.raw is None:
        raise ValueError("this model's character n-grams read the raw tokens: build the batch "
                         "with Words(..., raw=Words(*raw_tokens_batch(texts)))")
    return words.raw


@cache
def _domain_words() -> pa.Array:
    from pantau.transform.text.normalize import normalize

    return pa.array(sorted({normalize(w) for w in lexicon.domain_words()}), type=pa.string())


def police_domain(words: Words) -> np.ndarray:
    """Whether each post has a word of ``lexicon/domain.tsv`` (a bool per post; computed once
    per batch of words)."""
    if "police" not in words._domain:
        found = np.zeros(words.n_posts, dtype=bool)
        if len(words.words):
            found[words.post_of[lookup(words.words, _domain_words()) >= 0]] = True
        found.flags.writeable = False  # shared by every reader of the batch
        words._domain["police"] = found
    return words._domain["police"]


def _tf_idf(matrix: sp.csr_matrix, idf: np.ndarray) -> sp.csr_matrix:
    """Sublinear TF x IDF, each row L2-normalised."""
    matrix.sum_duplicates()
    matrix.data = (1.0 + np.log(matrix.data)) * idf[matrix.indices]
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.csr_matrix(sp.diags(1.0 / norms) @ matrix)


@dataclass
class Vectorizer:
    """Vocabularies (one per kind) and IDF weights; turns a batch of words into a sparse matrix."""

    vocab: dict[str, pa.Array]
    idf: np.ndarray
    lexicon_scale: float = 1.0
    #: > 0: a second copy of every feature, times this, for posts in the police domain
    #: (:func:`police_domain`); 0: none
    domain_scale: float = 0.0
    #: (shortest, longest) character n-grams of words, a second block; None: no such block.
    char: tuple[int, int] | None = None
    #: what the character n-grams read: "words" (normalised) or "raw" (the raw lower-cased tokens)
    char_source: str = "words"
    #: > 0: five emotion lexicon scores (:func:`emotion_scores`, on a log scale) times this
    #: follow the two sentiment ones; 0: none
    emotion_scale: float = 0.0

    @property
    def kinds(self) -> tuple[str, ...]:
        return KINDS if self.char is None else (*KINDS, CHAR_KIND)

    @property
    def n_sparse(self) -> int:
        return sum(len(v) for v in self.vocab.values())

    @property
    def n_shared(self) -> int:
        """Features of one copy: the sparse ones, the two lexicon scores and the five emotion
        ones when the model has them."""
        return self.n_sparse + 2 + (len(lexicon.EMOTIONS) if self.emotion_scale else 0)

    @property
    def n_features(self) -> int:
        return self.n_shared * (2 if self.domain_scale else 1)

    def feature_names(self) -> list[str]:
        names: list[str] = []
        for kind in self.kinds:
            names.extend(f"{kind}:{v}" for v in self.vocab[kind].to_pylist())
        names += ["lexicon:positive", "lexicon:negative"]
        if self.emotion_scale:
            names += [f"emotion_lexicon:{emotion}" for emotion in lexicon.EMOTIONS]
        return names + [f"police/{name}" for name in names] if self.domain_scale else names

    def transform(self, words: Words, hits: TermHits | None = None) -> sp.csr_matrix:
        """TF-IDF of the n-gram and affix features plus the two lexicon scores."""
        n = words.n_posts
        post_of = words.post_of
        rows, cols = [], []
        offset = 0
        for kind in KINDS:
            keys, starts = _keys(words, kind)
            idx = lookup(keys, self.vocab[kind])
            ok = idx >= 0
            rows.append(post_of[starts[ok]])
            cols.append(idx[ok] + offset)
            offset += len(self.vocab[kind])
        row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
        col = np.concatenate(cols) if cols else np.zeros(0, dtype=np.int64)
        matrix = sp.csr_matrix((np.ones(len(row)), (row, col)), shape=(n, offset))
        blocks = [_tf_idf(matrix, self.idf[:offset])]
        if self.char is not None:
            blocks.append(_tf_idf(self._char_counts(_char_source(words, self.char_source)),
                                  self.idf[offset:]))
        lex = np.log1p(lexicon_scores(words, hits)) * self.lexicon_scale
        if self.emotion_scale:
            lex = np.hstack([lex, np.log1p(emotion_scores(words)) * self.emotion_scale])
        shared = sp.hstack([*blocks, sp.csr_matrix(lex)], format="csr")
        if not self.domain_scale:
            return shared
        police = sp.diags(police_domain(words) * self.domain_scale) @ shared
        return sp.hstack([shared, police], format="csr")

    def _char_counts(self, words: Words) -> sp.csr_matrix:
        """(posts, character n-grams) counts: the n-grams of each distinct word of the batch
        once, spread to the posts by a sparse product."""
        assert self.char is not None
        vocab = self.vocab[CHAR_KIND]
        distinct = pc.unique(words.words)
        keys, of_word = char_ngrams(distinct, *self.char)
        idx = lookup(keys, vocab)
        ok = idx >= 0
        by_word = sp.csr_matrix((np.ones(int(ok.sum())), (of_word[ok], idx[ok])),
                                shape=(len(distinct), len(vocab)))
        which = lookup(words.words, distinct)
        in_post = sp.csr_matrix((np.ones(len(which)), (words.post_of, which)),
                                shape=(words.n_posts, len(distinct)))
        return sp.csr_matrix(in_post @ by_word)

    @classmethod
    def fit(cls, words: Words, *, min_df: int = 2, max_features: dict[str, int] | None = None,
            lexicon_scale: float = 1.0, char: tuple[int, int] | None = None,
            domain_scale: float = 0.0, emotion_scale: float = 0.0,
            char_source: str = "words") -> Vectorizer:
        """Vocabularies of features seen in at least ``min_df`` posts (the most frequent first);
        ``char``: add the character n-grams of words of that range of lengths;
        ``emotion_scale`` > 0: add the five emotion lexicon scores, times it."""
        limits = max_features or {}
        vocab = {}
        dfs = []
        n = words.n_posts
        for kind, (keys, post) in count_features(words, char, char_source).items():
            # Document frequency: distinct (post, key) pairs.
            table = pa.table({"key": keys, "post": pa.array(post)})
            pairs = table.group_by(["key", "post"]).aggregate([])
            counts = pairs.group_by("key").aggregate([("post", "count")])
            df = np.asarray(counts["post_count"].to_numpy())
            key = counts["key"]
            order = np.lexsort((np.asarray(key.to_pylist(), dtype=object).astype(str), -df))
            order = order[df[order] >= min_df][: limits.get(kind, 10**9)]
            vocab[kind] = key.take(pa.array(order)).combine_chunks()
            dfs.append(df[order])
        idf = np.log((1 + n) / (1 + np.concatenate(dfs))) + 1.0
        return cls(vocab=vocab, idf=idf, lexicon_scale=lexicon_scale, char=char,
                   domain_scale=domain_scale, emotion_scale=emotion_scale,
                   char_source=char_source)
