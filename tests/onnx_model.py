"""A tiny sentiment model in the layout of the ONNX backend, built here, never downloaded.

``build_tiny_model(directory)`` writes ``model.onnx``, ``tokenizer.json`` and ``config.json``: a
word-level tokenizer (lower case, ``[CLS] … [SEP]``, ``[PAD]`` 0) and a graph that averages the
embeddings of the unmasked tokens and maps them to three logits. Its weights make the words of
``POSITIVE`` read positive, those of ``NEGATIVE`` negative and every other word (or ``[UNK]``)
neutral; the mean means the majority of sentiment words wins. ``id2label`` is deliberately in
another order than Pantau's and spelled ``NEGATIVE`` / ``Neutral`` / ``pos``.

Used by the backend's tests and by ``bench/text.py --onnx tiny`` (an upper bound of the backend's
speed: the model itself costs next to nothing).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
from tokenizers.models import WordLevel

POSITIVE = ("mantap", "bagus", "sigap", "terima", "kasih", "humanis", "salut")
NEGATIVE = ("buruk", "pungli", "lambat", "kecewa", "percuma", "diabaikan")
NEUTRAL = ("polisi", "pak", "laporan", "polres", "hari", "ini", "di", "jalan", "lalu", "lintas",
           "select", "from", "drop", "table", "posts", "or", "1", "=")
SPECIAL = ("[PAD]", "[UNK]", "[CLS]", "[SEP]")
#: id2label of the tiny model: columns 0, 1, 2 of its logits.
ID2LABEL = {"0": "NEGATIVE", "1": "Neutral", "2": "pos"}


def vocabulary() -> dict[str, int]:
    words = [*SPECIAL, *POSITIVE, *NEGATIVE, *NEUTRAL]
    return {word: i for i, word in enumerate(words)}


def build_tokenizer(path: Path, *, padding: bool = True) -> Tokenizer:
    """A word-level tokenizer over :func:`vocabulary`, saved as ``path`` (tokenizer.json)."""
    vocab = vocabulary()
    tokenizer = Tokenizer(WordLevel(vocab, unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.Sequence([normalizers.NFKC(), normalizers.Lowercase()])
    tokenizer.pre_tokenizer = pre_tokenizers.Whitespace()
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", vocab["[CLS]"]), ("[SEP]", vocab["[SEP]"])])
    if padding:
        tokenizer.enable_padding(pad_id=vocab["[PAD]"], pad_token="[PAD]")
    tokenizer.save(str(path))
    return tokenizer


def build_graph(*, token_type_ids: bool = True, hidden: int = 4, logits: int = 3) -> onnx.ModelProto:
    """logits = mean(embedding[unmasked tokens]) @ W + b, ``[batch, 3]`` (negative, neutral,
    positive); ``logits=2`` leaves out the positive column (a model that does not match its
    config)."""
    vocab = vocabulary()
    embedding = np.zeros((len(vocab), hidden), dtype=np.float32)
    for word in POSITIVE:
        embedding[vocab[word], 0] = 10.0
    for word in NEGATIVE:
        embedding[vocab[word], 1] = 10.0
    for word in (*NEUTRAL, "[UNK]"):
        embedding[vocab[word], 2] = 1.0
    weights = np.zeros((hidden, 3), dtype=np.float32)
    weights[1, 0] = 1.0  # negative
    weights[2, 1] = 1.0  # neutral
    weights[0, 2] = 1.0  # positive
    bias = np.array([0.0, 0.5, 0.0], dtype=np.float32)
    weights, bias = weights[:, :logits], bias[:logits]
    initializers = [
        numpy_helper.from_array(embedding, "embedding"),
        numpy_helper.from_array(weights, "classifier_w"),
        numpy_helper.from_array(bias, "classifier_b"),
        numpy_helper.from_array(np.array([1], dtype=np.int64), "axis_1"),
        numpy_helper.from_array(np.array([2], dtype=np.int64), "axis_2"),
        numpy_helper.from_array(np.array([1.0], dtype=np.float32), "one"),
    ]
    nodes = [
        helper.make_node("Gather", ["embedding", "input_ids"], ["tokens"]),
        helper.make_node("Cast", ["attention_mask"], ["mask"], to=TensorProto.FLOAT),
        helper.make_node("Unsqueeze", ["mask", "axis_2"], ["mask3"]),
        helper.make_node("Mul", ["tokens_all", "mask3"], ["masked"]),
        helper.make_node("ReduceSum", ["masked", "axis_1"], ["summed"], keepdims=0),
        helper.make_node("ReduceSum", ["mask3", "axis_1"], ["count"], keepdims=0),
        helper.make_node("Max", ["count", "one"], ["count1"]),
        helper.make_node("Div", ["summed", "count1"], ["mean"]),
        helper.make_node("MatMul", ["mean", "classifier_w"], ["projected"]),
        helper.make_node("Add", ["projected", "classifier_b"], ["logits"]),
    ]
    inputs = [helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "sequence"]),
              helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "sequence"])]
    if token_type_ids:  # as BERT: a segment embedding added to the token's (zeros here)
        initializers.append(numpy_helper.from_array(np.zeros((2, hidden), dtype=np.float32),
                                                    "segment_embedding"))
        nodes[1:1] = [helper.make_node("Gather", ["segment_embedding", "token_type_ids"], ["segments"]),
                      helper.make_node("Add", ["tokens", "segments"], ["tokens_all"])]
        inputs.append(helper.make_tensor_value_info("token_type_ids", TensorProto.INT64,
                                                    ["batch", "sequence"]))
    else:
        nodes[1:1] = [helper.make_node("Identity", ["tokens"], ["tokens_all"])]
    graph = helper.make_graph(
        nodes, "tiny_sentiment", inputs,
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", logits])], initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="pantau-tests")
    model.ir_version = 8
    onnx.checker.check_model(model)
    return model


def build_tiny_model(directory: Path, *, token_type_ids: bool = True, padding: bool = True,
                     max_position_embeddings: int = 512, logits: int = 3) -> Path:
    """Write the tiny model's three files into ``directory`` (created); returns it."""
    directory.mkdir(parents=True, exist_ok=True)
    onnx.save(build_graph(token_type_ids=token_type_ids, logits=logits), str(directory / "model.onnx"))
    build_tokenizer(directory / "tokenizer.json", padding=padding)
    config = {"architectures": ["TinySentiment"], "model_type": "bert", "id2label": ID2LABEL,
              "label2id": {v: int(k) for k, v in ID2LABEL.items()},
              "max_position_embeddings": max_position_embeddings}
    (directory / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return directory
