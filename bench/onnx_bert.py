"""A BERT-shaped sentiment model with random weights, for timing the ONNX backend.

Its labels mean nothing; its cost is that of a real fine-tuned model of the same shape, which
an export of IndoBERT (base: 12 layers, hidden 768, 12 heads, feed-forward 3072, 512 positions)
has: the same embeddings, self-attention with the padding mask, GELU feed-forward, post-layer
norm, a pooler on [CLS] and a 3-way classifier, float32. The tokenizer is a WordPiece vocabulary
trained here on the posts it will read (so a word is one to three pieces, as with IndoBERT's
own vocabulary). Nothing is downloaded. Written with ``onnx.helper``; onnxruntime applies its
usual graph optimisations when it loads it, as it would to an exported model.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors, trainers
from tokenizers.models import WordPiece

SHAPES = {  # name: (layers, hidden, heads, feed-forward); "-int8": weights quantised after
    "bert-base": (12, 768, 12, 3072),  # IndoBERT base (indobenchmark/indobert-base-p1)
    "bert-small": (4, 512, 8, 2048),
}


def build_tokenizer(path: Path, texts: Iterable[str], vocab_size: int) -> Tokenizer:
    special = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
    tokenizer = Tokenizer(WordPiece(unk_token="[UNK]"))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.train_from_iterator(texts, trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=special, show_progress=False))
    tokenizer.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", special_tokens=[("[CLS]", tokenizer.token_to_id("[CLS]")),
                                                 ("[SEP]", tokenizer.token_to_id("[SEP]"))])
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]"), pad_token="[PAD]")
    tokenizer.save(str(path))
    return tokenizer


class _Graph:
    """Nodes and random initialisers of one graph, named in order."""

    def __init__(self, seed: int) -> None:
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.rng = np.random.default_rng(seed)
        self.count = 0

    def name(self, stem: str) -> str:
        self.count += 1
        return f"{stem}_{self.count}"

    def weight(self, *shape: int, value: float | None = None) -> str:
        name = self.name("w")
        array = (np.full(shape, value, dtype=np.float32) if value is not None
                 else (self.rng.standard_normal(shape) * 0.02).astype(np.float32))
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def constant(self, array: np.ndarray) -> str:
        name = self.name("c")
        self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def op(self, kind: str, *inputs: str, **attributes: object) -> str:
        out = self.name(kind.lower())
        self.nodes.append(helper.make_node(kind, list(inputs), [out], **attributes))
        return out

    def dense(self, x: str, n_in: int, n_out: int) -> str:
        return self.op("Add", self.op("MatMul", x, self.weight(n_in, n_out)), self.weight(n_out, value=0.0))

    def norm(self, x: str, hidden: int) -> str:
        return self.op("LayerNormalization", x, self.weight(hidden, value=1.0),
                       self.weight(hidden, value=0.0), axis=-1, epsilon=1e-12)

    def gelu(self, x: str) -> str:  # 0.5 x (1 + erf(x / sqrt 2)), fused by onnxruntime
        scaled = self.op("Div", x, self.constant(np.array(math.sqrt(2.0), dtype=np.float32)))
        plus = self.op("Add", self.op("Erf", scaled), self.constant(np.array(1.0, dtype=np.float32)))
        return self.op("Mul", self.op("Mul", x, plus), self.constant(np.array(0.5, dtype=np.float32)))


def build_graph(vocab_size: int, layers: int, hidden: int, heads: int, ffn: int,
                positions: int = 512, seed: int = 1) -> onnx.ModelProto:
    g = _Graph(seed)
    head = hidden // heads
    words = g.op("Gather", g.weight(vocab_size, hidden), "input_ids")
    segments = g.op("Gather", g.weight(2, hidden), "token_type_ids")
    length = g.op("Gather", g.op("Shape", "input_ids"), g.constant(np.array(1, dtype=np.int64)))
    position_ids = g.op("Range", g.constant(np.array(0, dtype=np.int64)), length,
                        g.constant(np.array(1, dtype=np.int64)))
    placed = g.op("Gather", g.weight(positions, hidden), position_ids)
    x = g.norm(g.op("Add", g.op("Add", words, segments), placed), hidden)
    mask = g.op("Cast", "attention_mask", to=TensorProto.FLOAT)
    bias = g.op("Mul", g.op("Sub", g.constant(np.array(1.0, dtype=np.float32)), mask),
                g.constant(np.array(-10000.0, dtype=np.float32)))
    bias = g.op("Unsqueeze", bias, g.constant(np.array([1, 2], dtype=np.int64)))  # [B, 1, 1, S]
    split = g.constant(np.array([0, 0, heads, head], dtype=np.int64))
    merge = g.constant(np.array([0, 0, hidden], dtype=np.int64))
    scale = g.constant(np.array(1.0 / math.sqrt(head), dtype=np.float32))
    for _ in range(layers):
        q = g.op("Transpose", g.op("Reshape", g.dense(x, hidden, hidden), split), perm=[0, 2, 1, 3])
        k = g.op("Transpose", g.op("Reshape", g.dense(x, hidden, hidden), split), perm=[0, 2, 3, 1])
        v = g.op("Transpose", g.op("Reshape", g.dense(x, hidden, hidden), split), perm=[0, 2, 1, 3])
        scores = g.op("Add", g.op("Mul", g.op("MatMul", q, k), scale), bias)
        context = g.op("MatMul", g.op("Softmax", scores, axis=-1), v)
        context = g.op("Reshape", g.op("Transpose", context, perm=[0, 2, 1, 3]), merge)
        x = g.norm(g.op("Add", x, g.dense(context, hidden, hidden)), hidden)
        x = g.norm(g.op("Add", x, g.dense(g.gelu(g.dense(x, hidden, ffn)), ffn, hidden)), hidden)
    first = g.op("Gather", x, g.constant(np.array(0, dtype=np.int64)), axis=1)  # [CLS]
    pooled = g.op("Tanh", g.dense(first, hidden, hidden))
    g.nodes.append(helper.make_node("Identity", [g.dense(pooled, hidden, 3)], ["logits"]))
    inputs = [helper.make_tensor_value_info(name, TensorProto.INT64, ["batch", "sequence"])
              for name in ("input_ids", "attention_mask", "token_type_ids")]
    graph = helper.make_graph(g.nodes, "bert_shaped_sentiment", inputs,
                              [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 3])],
                              g.initializers)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)],
                              producer_name="pantau-bench")
    model.ir_version = 8
    return model


def build_bert_model(directory: Path, texts: Iterable[str], shape: str = "bert-base",
                     vocab_size: int = 30_000) -> Path:
    """Write ``model.onnx``, ``tokenizer.json`` and ``config.json`` of a model of ``shape``
    (``bert-base-int8``: the same model with its MatMul weights quantised to int8 by
    onnxruntime's dynamic quantisation, as a user may do to an export)."""
    quantised = shape.endswith("-int8")
    layers, hidden, heads, ffn = SHAPES[shape.removesuffix("-int8")]
    directory.mkdir(parents=True, exist_ok=True)
    tokenizer = build_tokenizer(directory / "tokenizer.json", texts, vocab_size)
    model = build_graph(tokenizer.get_vocab_size(), layers, hidden, heads, ffn)
    if quantised:
        from onnxruntime.quantization import QuantType, quantize_dynamic

        onnx.save(model, str(directory / "float.onnx"))
        quantize_dynamic(directory / "float.onnx", directory / "model.onnx",
                         weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul"])
        (directory / "float.onnx").unlink()
    else:
        onnx.save(model, str(directory / "model.onnx"))
    config = {"model_type": "bert", "num_hidden_layers": layers, "hidden_size": hidden,
              "num_attention_heads": heads, "intermediate_size": ffn, "max_position_embeddings": 512,
              "id2label": {"0": "positive", "1": "neutral", "2": "negative"}}
    (directory / "config.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
    return directory
