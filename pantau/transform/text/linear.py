"""A multinomial logistic regression: trained with plain numpy/scipy, stored as a small ``.npz``.

Training minimises softmax cross-entropy with L2 regularisation and class-balanced sample weights
by L-BFGS (``scipy.optimize``); it is deterministic (no random initialisation). A model file holds
the vectorizer's vocabularies and IDF weights, the weight matrix (float32), optionally a second
head (weights and bias) for the posts in the police domain, and a JSON metadata field with
provenance and licences of the training data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import scipy.sparse as sp

from pantau.transform.text.exceptions import TextModelMissingError
from pantau.transform.text.features import CHAR_KIND, KINDS, Vectorizer, Words, police_domain


def softmax(logits: np.ndarray) -> np.ndarray:
    shifted = logits - logits.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    probabilities: np.ndarray = exp / exp.sum(axis=1, keepdims=True)
    return probabilities


@dataclass
class LinearModel:
    """Vectorizer + softmax weights over ``labels``."""

    labels: tuple[str, ...]
    vectorizer: Vectorizer
    weights: np.ndarray  # (n_features, n_labels)
    bias: np.ndarray  # (n_labels,)
    metadata: dict[str, Any] = field(default_factory=dict)
    #: Optional second head for the posts in the police domain (:func:`police_domain`): weights
    #: and bias trained with the police posts counted more (the sentiment model); None: one head.
    domain_weights: np.ndarray | None = None
    domain_bias: np.ndarray | None = None

    def in_domain(self, words: Words) -> np.ndarray | None:
        """Which posts the domain head reads (None: the model has no domain head)."""
        return police_domain(words) if self.domain_weights is not None else None

    def head(self, in_domain: bool) -> tuple[np.ndarray, np.ndarray]:
        """(weights, bias) that read a post in the police domain or outside it."""
        if in_domain and self.domain_weights is not None and self.domain_bias is not None:
            return self.domain_weights, self.domain_bias
        return self.weights, self.bias

    def logits(self, matrix: sp.csr_matrix, domain: np.ndarray | None = None) -> np.ndarray:
        """Logits of every row; with ``domain`` (a bool per row), its rows through the domain
        head."""
        logits: np.ndarray = np.asarray(matrix @ self.weights) + self.bias
        if domain is not None and self.domain_weights is not None and domain.any():
            weights, bias = self.head(True)
            rows = np.nonzero(domain)[0]
            logits[rows] = np.asarray(matrix[rows] @ weights) + bias
        return logits

    def predict_proba(self, words: Words) -> np.ndarray:
        return softmax(self.logits(self.vectorizer.transform(words), self.in_domain(words)))

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {
            f"vocab_{kind}": np.array(self.vectorizer.vocab[kind].to_pylist(), dtype=np.str_)
            for kind in self.vectorizer.kinds
        }
        if self.vectorizer.char is not None:  # absent from models without character n-grams
            arrays["char_ngrams"] = np.array(self.vectorizer.char, dtype=np.int64)
        if self.domain_weights is not None and self.domain_bias is not None:  # absent: one head
            arrays["domain_weights"] = self.domain_weights.astype(np.float32)
            arrays["domain_bias"] = self.domain_bias.astype(np.float32)
        if self.vectorizer.char_source != "words":  # absent from models whose n-grams read words
            arrays["char_source"] = np.array(self.vectorizer.char_source)
        if self.vectorizer.emotion_scale:  # absent from models without the emotion lexicon
            arrays["emotion_scale"] = np.array(self.vectorizer.emotion_scale)
        np.savez_compressed(
            path, **arrays,  # type: ignore[arg-type]
            idf=self.vectorizer.idf.astype(np.float32),
            weights=self.weights.astype(np.float32),
            bias=self.bias.astype(np.float32),
            labels=np.array(self.labels, dtype=np.str_),
            lexicon_scale=np.array(self.vectorizer.lexicon_scale),
            domain_scale=np.array(self.vectorizer.domain_scale),
            metadata=np.array(json.dumps(self.metadata, ensure_ascii=False, sort_keys=True)),
        )

    @classmethod
    def load(cls, path: Path) -> LinearModel:
        """Read a model file written by :meth:`save` (never touches the network)."""
        if not path.is_file():
            raise TextModelMissingError(path)
        try:
            with np.load(path, allow_pickle=False) as data:
                char = None
                kinds: tuple[str, ...] = KINDS
                if "char_ngrams" in data.files:
                    low, high = (int(v) for v in data["char_ngrams"])
                    char, kinds = (low, high), (*KINDS, CHAR_KIND)
                vocab = {kind: pa.array(data[f"vocab_{kind}"].tolist(), type=pa.string())
                         for kind in kinds}
                vectorizer = Vectorizer(vocab=vocab, idf=data["idf"].astype(np.float64),
                                        lexicon_scale=float(data["lexicon_scale"]), char=char,
                                        # absent from files written before the police copy
                                        domain_scale=float(data["domain_scale"])
                                        if "domain_scale" in data.files else 0.0,
                                        emotion_scale=float(data["emotion_scale"])
                                        if "emotion_scale" in data.files else 0.0,
                                        char_source=str(data["char_source"])
                                        if "char_source" in data.files else "words")
                two_heads = "domain_weights" in data.files  # absent from files before it
                return cls(labels=tuple(data["labels"].tolist()), vectorizer=vectorizer,
                           weights=data["weights"].astype(np.float64),
                           bias=data["bias"].astype(np.float64),
                           metadata=json.loads(str(data["metadata"])),
                           domain_weights=data["domain_weights"].astype(np.float64)
                           if two_heads else None,
                           domain_bias=data["domain_bias"].astype(np.float64)
                           if two_heads else None)
        except (OSError, KeyError, ValueError) as error:
            raise TextModelMissingError(path, str(error)) from error


def log_count_ratios(matrix: sp.csr_matrix, y: np.ndarray, n_labels: int, *,
                     alpha: float = 1.0) -> np.ndarray:
    """(n_features, n_labels): |log-count ratio| of every feature for every class against the
    others (naive Bayes, features counted as present or absent, ``alpha`` smoothing)."""
    present = matrix.copy()
    present.data = (present.data != 0).astype(np.float64)
    onehot = np.zeros((matrix.shape[0], n_labels))
    onehot[np.arange(len(y)), y] = 1.0
    inside = np.asarray(present.T @ onehot) + alpha
    outside = np.asarray(present.sum(axis=0)).ravel()[:, None] + 2 * alpha - inside
    ratios: np.ndarray = np.abs(np.log((inside / inside.sum(axis=0))
                                       / (outside / outside.sum(axis=0))))
    return ratios


def nb_penalty(matrix: sp.csr_matrix, y: np.ndarray, n_labels: int, *,
               floor: float = 0.1) -> np.ndarray:
    """Per-feature, per-class multipliers of the L2 penalty: the inverse of the naive-Bayes
    log-count ratio (at least ``floor``), divided by their median. A weight that naive Bayes finds
    uninformative for a class is penalised more: the logistic-regression counterpart of NB-SVM
    (Wang & Manning, 2012), which scales each class's features by its log-count ratio. Training
    only: the model stays one weight matrix."""
    scale = 1.0 / np.maximum(log_count_ratios(matrix, y, n_labels), floor)
    result: np.ndarray = scale / np.median(scale)
    return result


def train_softmax(matrix: sp.csr_matrix, y: np.ndarray, n_labels: int, *, l2: float = 1.0,
                  balanced: bool = True, max_iter: int = 500,
                  penalty_scale: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Weights and bias of a multinomial logistic regression.

    Args:
        matrix: (n_samples, n_features) features.
        y: label index per sample.
        n_labels: number of classes.
        l2: strength of the L2 penalty on the weights (not the bias), per sample-weight unit.
        balanced: weight samples inversely to their class frequency (macro-F1 is the target).
        max_iter: L-BFGS iterations at most.
        penalty_scale: (n_features, n_labels) multipliers of ``l2`` per weight (:func:`nb_penalty`);
            None: the same penalty for every weight.
    """
    n, d = matrix.shape
    counts = np.bincount(y, minlength=n_labels).astype(np.float64)
    sample = (n / (n_labels * counts))[y] if balanced else np.ones(n)
    sample = sample / sample.sum()
    onehot = np.zeros((n, n_labels))
    onehot[np.arange(n), y] = 1.0
    matrix_t = matrix.T.tocsr()
    penalty = l2 / n if penalty_scale is None else (l2 / n) * penalty_scale

    def loss(theta: np.ndarray) -> tuple[float, np.ndarray]:
        weights = theta[: d * n_labels].reshape(d, n_labels)
        bias = theta[d * n_labels:]
        logits = np.asarray(matrix @ weights) + bias
        logits -= logits.max(axis=1, keepdims=True)
        log_norm = np.log(np.exp(logits).sum(axis=1, keepdims=True))
        log_p = logits - log_norm
        if penalty_scale is None:
            value = -(sample * (onehot * log_p).sum(axis=1)).sum() + 0.5 * penalty * (weights**2).sum()
        else:
            value = -(sample * (onehot * log_p).sum(axis=1)).sum() + 0.5 * (penalty * weights**2).sum()
        residual = (np.exp(log_p) - onehot) * sample[:, None]
        grad_w = np.asarray(matrix_t @ residual) + penalty * weights
        grad_b = residual.sum(axis=0)
        return float(value), np.concatenate([grad_w.ravel(), grad_b])

    import scipy.optimize  # training only: half a second that loading a model does not need

    theta0 = np.zeros(d * n_labels + n_labels)
    result = scipy.optimize.minimize(loss, theta0, jac=True, method="L-BFGS-B",
                                     options={"maxiter": max_iter})
    theta = result.x
    return theta[: d * n_labels].reshape(d, n_labels), theta[d * n_labels:]
