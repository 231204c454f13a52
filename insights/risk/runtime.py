"""The MiniLM forward pass on onnxruntime, built at load time from the numpy weights.

Nothing is exported and no model file is kept: :func:`build_graph` writes an ONNX graph in
memory from the very arrays the numpy path uses (the packaged lower layers, the detector's tuned
layers and head from ``model/detector.npz``), so a retrained detector needs no export step. The
numpy forward pass (:mod:`insights.risk.encoder`) stays the reference: tests hold this path to
it, and it runs instead when onnxruntime is not importable (or the graph fails to build).

Two graph flavours, one forward pass:
    ``contrib``   onnxruntime's fused CPU kernels (``com.microsoft`` Attention with the packed
                  Q/K/V weights, SkipLayerNormalization for residual + bias + LayerNorm,
                  BiasGelu): the default; a few per cent faster than ``standard`` when measured.
    ``standard``  standard ONNX operators only (LayerNormalization, Erf GELU, attention as
                  MatMul/Softmax), for runtimes without the contrib kernels; onnxruntime's own
                  optimiser fuses part of it.
Precision: ``fp32`` (default) or ``int8`` (onnxruntime's dynamic quantisation of the matrix
products, decided per held-out figures: ``manage.py evaluate_risk_detector --precision``).

Inputs are ``input_ids`` and ``attention_mask`` (int64, shape (batch, length), both dynamic);
the output is ``probabilities`` (batch, 3) for the detector or ``embeddings`` (batch, 384, unit
length) for the sentence encoder.

Environment
    ``ALLIANCE_RISK_RUNTIME``   ``onnx`` (default; numpy when onnxruntime is missing) or ``numpy``
    ``ALLIANCE_RISK_PRECISION`` ``fp32`` (default) or ``int8``
    ``ALLIANCE_RISK_THREADS``   intra-op threads per session (default 1: web workers on a busy
                                machine should not fight each other for cores)
"""

from __future__ import annotations

import logging
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from insights.risk import encoder as risk_encoder

logger = logging.getLogger(__name__)

RUNTIME_ENV_VAR = "ALLIANCE_RISK_RUNTIME"
PRECISION_ENV_VAR = "ALLIANCE_RISK_PRECISION"
RUNTIME_ONNX = "onnx"
RUNTIME_NUMPY = "numpy"
PRECISIONS = ("fp32", "int8")
FLAVOURS = ("contrib", "standard")
DEFAULT_PRECISION = "fp32"
DEFAULT_FLAVOUR = "contrib"
OPSET = 17  # LayerNormalization; ReduceMean/ReduceSumSquare still take axes as attributes
EXTERNAL_MIN_SIZE = 4096  # weights at least this large are shared with numpy, not copied into the proto
MASKED = -1e9  # the numpy path's additive mask (contrib Attention uses its own -10000: both exp to 0)


def wanted_runtime() -> str:
    value = os.environ.get(RUNTIME_ENV_VAR, RUNTIME_ONNX).strip().lower()
    if value not in {RUNTIME_ONNX, RUNTIME_NUMPY}:
        raise ValueError(f"{RUNTIME_ENV_VAR}={value!r}: expected 'onnx' or 'numpy'")
    return value


def wanted_precision() -> str:
    value = os.environ.get(PRECISION_ENV_VAR, DEFAULT_PRECISION).strip().lower()
    if value not in PRECISIONS:
        raise ValueError(f"{PRECISION_ENV_VAR}={value!r}: expected one of {', '.join(PRECISIONS)}")
    return value


def threads() -> int:
    """Intra-op threads per session: ALLIANCE_RISK_THREADS, default 1."""
    try:
        return max(1, int(os.environ.get(risk_encoder.THREADS_ENV_VAR, "1")))
    except ValueError:
        return 1


def available() -> bool:
    """Whether onnxruntime and onnx (to write the graph) can be imported."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return True


# --- Graph ------------------------------------------------------------------------------------


@dataclass
class _Graph:
    """Nodes and initialisers under construction (names are generated, unique)."""

    nodes: list[Any] = field(default_factory=list)
    initializers: list[Any] = field(default_factory=list)
    counter: int = 0
    # Large weights left out of the proto when set: onnxruntime reads them from these arrays.
    external: dict[str, np.ndarray] | None = None

    def name(self, stem: str) -> str:
        self.counter += 1
        return f"{stem}_{self.counter}"

    def const(self, stem: str, value: np.ndarray | np.floating | float | Sequence[int]) -> str:
        from onnx import numpy_helper

        array = np.asarray(value)
        if array.dtype == np.float64:
            array = array.astype(np.float32)
        name = self.name(stem)
        array = np.ascontiguousarray(array)
        if self.external is not None and array.size >= EXTERNAL_MIN_SIZE:
            from onnx import TensorProto, helper

            tensor = TensorProto(name=name, dims=array.shape, data_type=helper.np_dtype_to_tensor_dtype(array.dtype))
            tensor.data_location = TensorProto.EXTERNAL
            tensor.external_data.add(key="location", value=name)
            self.initializers.append(tensor)
            self.external[name] = array
        else:
            self.initializers.append(numpy_helper.from_array(array, name))
        return name

    def op(self, op_type: str, inputs: Sequence[str], *, domain: str = "", **attributes: Any) -> str:
        from onnx import helper

        output = self.name(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], domain=domain, **attributes))
        return output


def _layer_norm(graph: _Graph, x: str, weight: np.ndarray, bias: np.ndarray) -> str:
    return graph.op(
        "LayerNormalization",
        [x, graph.const("ln_w", weight), graph.const("ln_b", bias)],
        axis=-1,
        epsilon=risk_encoder.LAYER_NORM_EPS,
    )


def _standard_layer(graph: _Graph, x: str, layer: risk_encoder.Layer, mask_bias: str) -> str:
    heads, head_dim, hidden = risk_encoder.HEADS, risk_encoder.HEAD_DIM, risk_encoder.HIDDEN
    qkv = graph.op(
        "Add", [graph.op("MatMul", [x, graph.const("qkv_w", layer.qkv_w)]), graph.const("qkv_b", layer.qkv_b)]
    )
    qkv = graph.op("Reshape", [qkv, graph.const("shape", np.array([0, 0, 3, heads, head_dim], dtype=np.int64))])
    qkv = graph.op("Transpose", [qkv], perm=[2, 0, 3, 1, 4])  # (3, B, heads, L, head_dim)
    split = [graph.name("qkv_part") for _ in range(3)]
    from onnx import helper

    graph.nodes.append(helper.make_node("Split", [qkv], split, axis=0))
    axis0 = graph.const("axis", np.array([0], dtype=np.int64))
    query, key, value = (graph.op("Squeeze", [part, axis0]) for part in split)
    scores = graph.op("MatMul", [query, graph.op("Transpose", [key], perm=[0, 1, 3, 2])])
    scores = graph.op("Mul", [scores, graph.const("scale", np.float32(1.0 / np.sqrt(head_dim)))])
    attention = graph.op("Softmax", [graph.op("Add", [scores, mask_bias])], axis=-1)
    context = graph.op("Transpose", [graph.op("MatMul", [attention, value])], perm=[0, 2, 1, 3])
    context = graph.op("Reshape", [context, graph.const("shape", np.array([0, 0, hidden], dtype=np.int64))])
    projected = graph.op(
        "Add", [graph.op("MatMul", [context, graph.const("out_w", layer.out_w)]), graph.const("out_b", layer.out_b)]
    )
    x = _layer_norm(graph, graph.op("Add", [projected, x]), layer.ln1_w, layer.ln1_b)
    up = graph.op("Add", [graph.op("MatMul", [x, graph.const("up_w", layer.up_w)]), graph.const("up_b", layer.up_b)])
    # Exact GELU, written the way onnxruntime's optimiser recognises (and fuses into BiasGelu).
    erf = graph.op("Erf", [graph.op("Mul", [up, graph.const("inv_sqrt2", np.float32(0.7071067811865476))])])
    gelu = graph.op(
        "Mul",
        [
            graph.op("Mul", [up, graph.op("Add", [erf, graph.const("one", np.float32(1.0))])]),
            graph.const("half", np.float32(0.5)),
        ],
    )
    down = graph.op(
        "Add", [graph.op("MatMul", [gelu, graph.const("down_w", layer.down_w)]), graph.const("down_b", layer.down_b)]
    )
    return _layer_norm(graph, graph.op("Add", [down, x]), layer.ln2_w, layer.ln2_b)


def _contrib_layer(graph: _Graph, x: str, layer: risk_encoder.Layer, mask_int: str) -> str:
    # Attention's weights are (hidden, 3 * hidden) with Q, K, V side by side: Layer.qkv_w exactly.
    context = graph.op(
        "Attention",
        [x, graph.const("qkv_w", layer.qkv_w), graph.const("qkv_b", layer.qkv_b), mask_int],
        domain="com.microsoft",
        num_heads=risk_encoder.HEADS,
    )
    projected = graph.op("MatMul", [context, graph.const("out_w", layer.out_w)])
    x = graph.op(
        "SkipLayerNormalization",
        [
            projected,
            x,
            graph.const("ln_w", layer.ln1_w),
            graph.const("ln_b", layer.ln1_b),
            graph.const("out_b", layer.out_b),
        ],
        domain="com.microsoft",
        epsilon=risk_encoder.LAYER_NORM_EPS,
    )
    up = graph.op(
        "BiasGelu",
        [graph.op("MatMul", [x, graph.const("up_w", layer.up_w)]), graph.const("up_b", layer.up_b)],
        domain="com.microsoft",
    )
    down = graph.op("MatMul", [up, graph.const("down_w", layer.down_w)])
    return graph.op(
        "SkipLayerNormalization",
        [
            down,
            x,
            graph.const("ln_w", layer.ln2_w),
            graph.const("ln_b", layer.ln2_b),
            graph.const("down_b", layer.down_b),
        ],
        domain="com.microsoft",
        epsilon=risk_encoder.LAYER_NORM_EPS,
    )


def build_graph(
    model: risk_encoder.MiniLM,
    layers: Sequence[risk_encoder.Layer],
    *,
    head: tuple[np.ndarray, np.ndarray] | None = None,
    flavour: str = DEFAULT_FLAVOUR,
    external: bool = False,
) -> tuple[Any, dict[str, np.ndarray]]:
    """An ONNX ModelProto: embeddings, ``layers``, mean pooling, then the head or unit length.

    ``head`` is ``(weight (hidden, 3), bias (3,))`` as :class:`insights.risk.detector.Detector`
    holds it: the output is ``probabilities``; without it, ``embeddings`` (unit rows).
    With ``external`` the large weights stay out of the proto and are returned by name, for
    :class:`Session` to hand to onnxruntime in place (no copy through protobuf); otherwise the
    proto is self-contained (the quantiser needs that) and the mapping is empty.
    """
    from onnx import TensorProto, helper

    if flavour not in FLAVOURS:
        raise ValueError(f"unknown graph flavour {flavour!r}")
    graph = _Graph(external={} if external else None)
    # Embeddings: word + (position + token type, folded into one table) then LayerNorm.
    word = graph.op("Gather", [graph.const("word", model.word), "input_ids"], axis=0)
    shape = graph.op("Shape", ["input_ids"])
    length = graph.op(
        "Slice",
        [shape, graph.const("one", np.array([1], dtype=np.int64)), graph.const("two", np.array([2], dtype=np.int64))],
    )
    positions = graph.op(
        "Slice",
        [
            graph.const("position", model.position + model.token_type),
            graph.const("zero", np.array([0], dtype=np.int64)),
            length,
            graph.const("axis", np.array([0], dtype=np.int64)),
        ],
    )
    x = _layer_norm(graph, graph.op("Add", [word, positions]), model.ln_w, model.ln_b)

    mask_float = graph.op("Cast", ["attention_mask"], to=TensorProto.FLOAT)
    if flavour == "contrib":
        mask_int = graph.op("Cast", ["attention_mask"], to=TensorProto.INT32)
        for layer in layers:
            x = _contrib_layer(graph, x, layer, mask_int)
    else:
        bias = graph.op(
            "Mul",
            [
                graph.op("Sub", [graph.const("one", np.float32(1.0)), mask_float]),
                graph.const("masked", np.float32(MASKED)),
            ],
        )
        bias = graph.op("Unsqueeze", [bias, graph.const("axes", np.array([1, 2], dtype=np.int64))])  # (B, 1, 1, L)
        for layer in layers:
            x = _standard_layer(graph, x, layer, bias)

    # Mean over real tokens (sentence-transformers' pooling), as MiniLM.mean_pool.
    axis1 = graph.const("axis", np.array([1], dtype=np.int64))
    weights = graph.op("Unsqueeze", [mask_float, graph.const("axes", np.array([2], dtype=np.int64))])
    summed = graph.op("ReduceSum", [graph.op("Mul", [x, weights]), axis1], keepdims=0)
    count = graph.op(
        "Max", [graph.op("ReduceSum", [mask_float, axis1], keepdims=1), graph.const("tiny", np.float32(1e-9))]
    )
    pooled = graph.op("Div", [summed, count])
    if head is not None:
        head_w, head_b = head
        logits = graph.op(
            "Add", [graph.op("MatMul", [pooled, graph.const("head_w", head_w)]), graph.const("head_b", head_b)]
        )
        graph.nodes.append(helper.make_node("Softmax", [logits], ["probabilities"], axis=-1))
        output = helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, ["batch", 3])
    else:
        norm = graph.op("Sqrt", [graph.op("ReduceSumSquare", [pooled], axes=[1], keepdims=1)])
        norm = graph.op("Max", [norm, graph.const("tiny", np.float32(1e-12))])
        graph.nodes.append(helper.make_node("Div", [pooled, norm], ["embeddings"]))
        output = helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", risk_encoder.HIDDEN])

    inputs = [
        helper.make_tensor_value_info("input_ids", TensorProto.INT64, ["batch", "length"]),
        helper.make_tensor_value_info("attention_mask", TensorProto.INT64, ["batch", "length"]),
    ]
    body = helper.make_graph(graph.nodes, "alliance_minilm", inputs, [output], graph.initializers)
    opsets = [helper.make_opsetid("", OPSET), helper.make_opsetid("com.microsoft", 1)]
    proto = helper.make_model(body, opset_imports=opsets, producer_name="alliance insights.risk.runtime")
    proto.ir_version = 8  # onnxruntime reads IR 8 back to 1.14; onnx's default may be newer
    return proto, graph.external or {}


def quantize(proto: Any) -> Any:
    """Dynamic int8 quantisation of the matrix products (weights int8, activations uint8 per call)."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(max(level, logging.WARNING))  # the quantiser logs every tensor at INFO on the root logger
    try:
        return _quantize_files(proto)
    finally:
        root.setLevel(level)


def _quantize_files(proto: Any) -> Any:
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    with tempfile.TemporaryDirectory(prefix="alliance-risk-") as folder:
        source, target = Path(folder) / "fp32.onnx", Path(folder) / "int8.onnx"
        onnx.save_model(proto, str(source))
        quantize_dynamic(
            str(source),
            str(target),
            weight_type=QuantType.QInt8,
            op_types_to_quantize=["MatMul", "Attention"],
            per_channel=True,
            # No VNNI on these CPUs: u8 x s8 products may saturate in AVX2's 16-bit sums;
            # 7-bit weights avoid it (onnxruntime's advice for such hardware).
            reduce_range=True,
            # The contrib operators' outputs have no inferred type: they are float.
            extra_options={"MatMulConstBOnly": True, "DefaultTensorType": onnx.TensorProto.FLOAT},
        )
        return onnx.load_model(str(target))


# --- Session ----------------------------------------------------------------------------------


class Session:
    """One onnxruntime session over a built graph; ``run(batch)`` gives its single output."""

    def __init__(
        self,
        proto: Any,
        external: dict[str, np.ndarray] | None = None,
        *,
        intra_op_threads: int | None = None,
        optimise: bool = True,
    ) -> None:
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = intra_op_threads or threads()
        options.inter_op_num_threads = 1
        options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
        options.graph_optimization_level = (
            onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
            if optimise
            else onnxruntime.GraphOptimizationLevel.ORT_DISABLE_ALL
        )
        # Idle pool threads must not spin on cores the other requests need.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        self.intra_op_threads = options.intra_op_num_threads
        # The arrays must outlive the session: onnxruntime uses their memory, it does not copy it.
        self._arrays = dict(external or {})
        self._external = [onnxruntime.OrtValue.ortvalue_from_numpy(array) for array in self._arrays.values()]
        if external:
            options.add_external_initializers(list(external), self._external)
        self._session = onnxruntime.InferenceSession(
            proto.SerializeToString(), options, providers=["CPUExecutionProvider"]
        )
        self._output = self._session.get_outputs()[0].name

    def run(self, batch: risk_encoder.Batch) -> np.ndarray:
        feeds = {"input_ids": batch.ids.astype(np.int64, copy=False), "attention_mask": batch.mask.astype(np.int64)}
        return self._session.run([self._output], feeds)[0]


def session_for(
    model: risk_encoder.MiniLM,
    layers: Sequence[risk_encoder.Layer],
    *,
    head: tuple[np.ndarray, np.ndarray] | None = None,
    precision: str | None = None,
    flavour: str = DEFAULT_FLAVOUR,
    optimise: bool = True,
) -> Session:
    if (precision or wanted_precision()) == "int8":
        proto, _ = build_graph(model, layers, head=head, flavour=flavour)
        return Session(quantize(proto), optimise=optimise)
    proto, external = build_graph(model, layers, head=head, flavour=flavour, external=True)
    return Session(proto, external, optimise=optimise)


def embedding_session(model: risk_encoder.MiniLM) -> Session | None:
    """The fp32 sentence-embedding pass for :meth:`MiniLM.encode`, or None to stay in numpy.

    Always fp32: the embeddings must stay within 1e-4 of sentence-transformers'.
    """
    if wanted_runtime() != RUNTIME_ONNX or not available():
        return None
    try:
        return session_for(model, model.layers, precision="fp32")
    except Exception as error:  # noqa: BLE001 - numpy gives the same vectors, slower
        logger.warning("onnxruntime session failed, embeddings are computed in numpy: %s", error)
        return None
