"""The optional ONNX sentiment backend: a fine-tuned transformer the user exported, on the CPU.

With ``PANTAU_SENTIMENT_BACKEND=onnx``, :func:`pantau.transform.text.sentiment.sentiment_batch` (and
so the SQL functions ``sentiment_label`` and ``sentiment_score``) reads posts with the model in
``PANTAU_SENTIMENT_ONNX_DIR``. The directory holds three files, all of them written by an export
of a Hugging Face sequence-classification model (docs/text.md, "ONNX backend"):

``model.onnx``
    the graph; inputs ``input_ids`` and ``attention_mask`` (``token_type_ids`` too if it wants
    them, fed zeros), the first output the logits ``[batch, labels]``.
``tokenizer.json``
    the fast tokenizer of the model (``Tokenizer.from_file``: a local file).
``config.json``
    its ``id2label`` names the three labels (``positive``/``neutral``/``negative``, or ``pos``,
    ``positif``, …, any case); ``max_position_embeddings`` caps the token limit.

Nothing is downloaded: only these files are read, with onnxruntime's CPU execution provider.
Posts are read as written (not normalised: a transformer is fine-tuned on raw text); nulls and
posts of only white space are neutral with score 0, as with the linear model. A run takes
``PANTAU_SENTIMENT_ONNX_BATCH`` posts of similar length (sorted by length, so that little is
padding), padded to the longest, each cut at ``PANTAU_SENTIMENT_ONNX_MAX_TOKENS`` tokens.

onnxruntime and tokenizers are an optional extra (``pip install -e '.[onnx]'``); they are
imported only when the backend is used.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from pantau.transform.text.exceptions import OnnxBackendUnavailableError, OnnxModelError
from pantau.transform.text.linear import softmax
from pantau.transform.text.settings import ONNX_DIR_ENV, OnnxOptions
from pantau.transform.text.typing import SENTIMENT_LABELS

MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
CONFIG_FILE = "config.json"
FILES = (MODEL_FILE, TOKENIZER_FILE, CONFIG_FILE)

#: The names an export may give each label in ``id2label`` (compared in lower case).
LABEL_ALIASES = {
    "positive": "positive", "pos": "positive", "positif": "positive",
    "neutral": "neutral", "neu": "neutral", "netral": "neutral",
    "negative": "negative", "neg": "negative", "negatif": "negative",
}
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_INTEGER_TYPES = {"tensor(int64)": np.int64, "tensor(int32)": np.int32}
_EXPORT_FIX = ("export the fine-tuned model again into this directory (model.onnx, tokenizer.json, "
               "config.json)")
_ID2LABEL_FIX = ('give config.json an "id2label" that names each output of the model, one of them '
                 'positive, one neutral and one negative, e.g. {"0": "negative", "1": "neutral", '
                 '"2": "positive"} in the order the model was fine-tuned with')


def _required(directory: Path, name: str) -> Path:
    """``directory/name``, which must be a file."""
    if not directory.is_dir():
        raise OnnxModelError(directory, "is not a directory",
                             f"set {ONNX_DIR_ENV} to the directory of your exported model")
    path = directory / name
    if not path.is_file():
        fixes = {MODEL_FILE: _EXPORT_FIX,
                 TOKENIZER_FILE: "save the model's fast tokenizer beside it "
                                 "(`tokenizer.save_pretrained(directory)` writes tokenizer.json)",
                 CONFIG_FILE: "save the model's config beside it (`model.config.save_pretrained"
                              "(directory)` writes config.json with its id2label)"}
        raise OnnxModelError(path, "is missing", fixes[name])
    return path


def digest(options: OnnxOptions) -> str:
    """The first 12 hex digits of the SHA-256 of the three files and the token limit (which
    changes the labels of long posts): the backend's part of the text version."""
    sha = hashlib.sha256()
    for name in FILES:
        path = _required(options.directory, name)
        sha.update(name.encode())
        try:
            with path.open("rb") as file:
                while chunk := file.read(1 << 20):
                    sha.update(chunk)
        except OSError as error:
            raise OnnxModelError(path, f"cannot be read ({error.strerror})", _EXPORT_FIX) from None
    sha.update(f"max_tokens={options.max_tokens}".encode())
    return sha.hexdigest()[:12]


def label_columns(config_path: Path, id2label: Any) -> tuple[int, ...]:
    """The model output of each of Pantau's labels, in ``SENTIMENT_LABELS`` order.

    Raises:
        OnnxModelError: ``id2label`` is missing, not a mapping of 0..n-1, names a label that is
            none of positive/neutral/negative, or does not name all three exactly once.
    """
    if not isinstance(id2label, dict) or not id2label:
        raise OnnxModelError(config_path, 'has no "id2label"', _ID2LABEL_FIX)
    try:
        names = {int(key): str(value).strip().lower() for key, value in id2label.items()}
    except ValueError:
        raise OnnxModelError(config_path, f'has an "id2label" whose keys are not numbers '
                             f'({sorted(id2label)})', _ID2LABEL_FIX) from None
    if sorted(names) != list(range(len(names))):
        raise OnnxModelError(config_path, f'has an "id2label" whose keys are not 0 to '
                             f'{len(names) - 1} ({sorted(names)})', _ID2LABEL_FIX)
    unknown = sorted(name for name in names.values() if name not in LABEL_ALIASES)
    if unknown:
        raise OnnxModelError(config_path, f'has labels in "id2label" that are not positive, '
                             f'neutral or negative: {", ".join(unknown)}', _ID2LABEL_FIX)
    ours = [LABEL_ALIASES[names[i]] for i in range(len(names))]
    if sorted(ours) != sorted(SENTIMENT_LABELS):
        raise OnnxModelError(config_path, f'has an "id2label" that does not name positive, '
                             f'neutral and negative once each ({", ".join(ours)})', _ID2LABEL_FIX)
    return tuple(ours.index(label) for label in SENTIMENT_LABELS)


@dataclass(frozen=True)
class OnnxSentimentModel:
    """A loaded ONNX model with its tokenizer (build it with :func:`load`)."""

    directory: Path
    session: Any  # onnxruntime.InferenceSession
    tokenizer: Any  # tokenizers.Tokenizer, truncating and padding
    inputs: dict[str, Any]  # graph input name -> numpy integer type
    output: str
    columns: tuple[int, ...]  # the model output of positive, neutral, negative
    n_labels: int
    batch: int
    max_tokens: int

    def logits(self, texts: Sequence[str]) -> np.ndarray:
        """The first output of the graph for one batch of texts, ``[len(texts), labels]``."""
        encodings = self.tokenizer.encode_batch(list(texts))
        feeds: dict[str, np.ndarray] = {}
        for name, kind in self.inputs.items():
            if name == "input_ids":
                feeds[name] = np.array([e.ids for e in encodings], dtype=kind)
            elif name == "attention_mask":
                feeds[name] = np.array([e.attention_mask for e in encodings], dtype=kind)
            else:  # token_type_ids: one segment
                feeds[name] = np.zeros((len(encodings), len(encodings[0].ids)), dtype=kind)
        try:
            logits = np.asarray(self.session.run([self.output], feeds)[0], dtype=np.float64)
        except Exception as error:  # onnxruntime's own exception types
            detail = " ".join(str(error).split())[:300]
            raise OnnxModelError(self.directory / MODEL_FILE, f"fails on a batch of posts ({detail})",
                                 f"check that tokenizer.json is the model's own, or {_EXPORT_FIX}"
                                 ) from None
        if logits.ndim != 2 or logits.shape != (len(texts), self.n_labels):
            raise OnnxModelError(
                self.directory / MODEL_FILE,
                f"returns an output of shape {list(logits.shape)} for {len(texts)} posts, not "
                f"[{len(texts)}, {self.n_labels}] (one logit per label of config.json)",
                f"export a sequence-classification model whose first output is the logits, "
                f"or {_ID2LABEL_FIX}")
        return logits

    def probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """P(positive), P(neutral), P(negative) of each text (``SENTIMENT_LABELS`` order)."""
        result = np.empty((len(texts), len(SENTIMENT_LABELS)), dtype=np.float64)
        order = np.argsort([len(text) for text in texts], kind="stable")
        for start in range(0, len(texts), self.batch):
            rows = order[start:start + self.batch]
            logits = self.logits([texts[i] for i in rows])
            result[rows] = softmax(logits)[:, list(self.columns)]
        return result


def _import_runtime() -> tuple[Any, Any]:
    try:
        import onnxruntime
        import tokenizers
    except ImportError as error:
        raise OnnxBackendUnavailableError(error.name or str(error)) from None
    return onnxruntime, tokenizers


def _read_config(directory: Path) -> tuple[Path, dict[str, Any]]:
    path = _required(directory, CONFIG_FILE)
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as error:
        raise OnnxModelError(path, f"is not readable JSON ({error})",
                             "save the model's config.json beside it again") from None
    if not isinstance(config, dict):
        raise OnnxModelError(path, "is not a JSON object", "save the model's config.json again")
    return path, config


def _token_limit(config: dict[str, Any], wanted: int) -> int:
    """``wanted``, at most the model's positions (RoBERTa-like models use two of them for padding)."""
    positions = config.get("max_position_embeddings")
    if not isinstance(positions, int) or positions <= 2:
        return wanted
    if "roberta" in str(config.get("model_type", "")).lower():
        positions -= 2
    return min(wanted, positions)


def _tokenizer(tokenizers: Any, directory: Path, max_tokens: int) -> Any:
    path = _required(directory, TOKENIZER_FILE)
    try:
        tokenizer = tokenizers.Tokenizer.from_file(str(path))
    except Exception as error:  # the Rust side raises plain Exception
        raise OnnxModelError(path, f"cannot be read as a tokenizer ({error})",
                             "save the model's fast tokenizer again (tokenizer.json, not a "
                             "vocabulary file)") from None
    padding = tokenizer.padding or {}
    pad_token = padding.get("pad_token")
    pad_id = padding.get("pad_id")
    if pad_token is None or pad_id is None:
        for candidate in ("[PAD]", "<pad>", "<PAD>", "<|pad|>"):
            if tokenizer.token_to_id(candidate) is not None:
                pad_token, pad_id = candidate, tokenizer.token_to_id(candidate)
                break
        else:
            pad_token, pad_id = "[PAD]", 0  # masked out by attention_mask anyway
    tokenizer.enable_truncation(max_length=max_tokens)
    tokenizer.enable_padding(pad_id=pad_id, pad_token=pad_token)  # to the longest of the batch
    return tokenizer


def _session(onnxruntime: Any, path: Path, threads: int) -> Any:
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3  # errors only
    try:
        return onnxruntime.InferenceSession(str(path), sess_options=options,
                                            providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime's own exception types (InvalidProtobuf, Fail, ...)
        detail = " ".join(str(error).split())[:300]
        raise OnnxModelError(path, f"cannot be loaded by onnxruntime ({detail})", _EXPORT_FIX) from None


@cache
def load(options: OnnxOptions) -> OnnxSentimentModel:
    """The model of ``options.directory``, loaded once per process and checked on one post.

    Raises:
        OnnxBackendUnavailableError: onnxruntime or tokenizers is not installed.
        OnnxModelError: a file is missing or unusable; the message names it and the fix.
    """
    onnxruntime, tokenizers = _import_runtime()
    config_path, config = _read_config(options.directory)
    columns = label_columns(config_path, config.get("id2label"))
    max_tokens = _token_limit(config, options.max_tokens)
    tokenizer = _tokenizer(tokenizers, options.directory, max_tokens)
    model_path = _required(options.directory, MODEL_FILE)
    session = _session(onnxruntime, model_path, options.threads)
    inputs: dict[str, Any] = {}
    for graph_input in session.get_inputs():
        if graph_input.name not in _INPUTS or graph_input.type not in _INTEGER_TYPES:
            raise OnnxModelError(
                model_path, f"has an input {graph_input.name} of type {graph_input.type}; the "
                "backend feeds input_ids, attention_mask and token_type_ids (integers)",
                "export the model for sequence classification from its tokenizer's inputs")
        inputs[graph_input.name] = _INTEGER_TYPES[graph_input.type]
    if "input_ids" not in inputs:
        raise OnnxModelError(model_path, "has no input_ids input",
                             "export the model for sequence classification from its tokenizer's inputs")
    model = OnnxSentimentModel(directory=options.directory, session=session, tokenizer=tokenizer,
                               inputs=inputs, output=session.get_outputs()[0].name, columns=columns,
                               n_labels=len(columns), batch=options.batch, max_tokens=max_tokens)
    model.logits(["ok"])  # a wrong graph fails here, with the file named, not inside a query
    return model
