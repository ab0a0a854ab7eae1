"""Models the generator refuses get one error listing every problem and the way out: float16
weights and dynamic-range (hybrid) models (TFLM refuses them too), dynamic shapes, batch above 1."""

from __future__ import annotations

import pytest

from codegen.check import UnsupportedModelError, check_graph
from codegen.tflite import read_model_bytes

tf = pytest.importorskip("tensorflow")


def _keras(batch: int | None = 1):
    tf.keras.utils.set_random_seed(0)
    # layers above the converter's 1024-weight threshold, so dynamic-range quantisation applies
    return tf.keras.Sequential([tf.keras.Input((64,), batch_size=batch), tf.keras.layers.Dense(64, activation="relu"),
                                tf.keras.layers.Dense(32)])


def _convert(model, **attrs) -> bytes:
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    for k, v in attrs.items():
        setattr(conv, k, v)
    return conv.convert()


def _problems(data: bytes, name: str) -> UnsupportedModelError:
    with pytest.raises(UnsupportedModelError) as e:
        check_graph(read_model_bytes(data, source=name))
    return e.value


def test_hybrid_model_is_refused_with_the_fix():
    err = _problems(_convert(_keras(), optimizations=[tf.lite.Optimize.DEFAULT]), "hybrid.tflite")
    assert any("hybrid" in p.reason for p in err.problems)
    assert sum("hybrid" in p.reason for p in err.problems) == 2  # both Dense layers, each named
    assert "quantize" in err.hint and "representative_dataset" in err.hint


def test_float16_weights_are_refused():
    err = _problems(_convert(_keras(), optimizations=[tf.lite.Optimize.DEFAULT],
                             target_spec=_f16_spec()), "f16.tflite")
    assert any("float16" in p.reason for p in err.problems)
    assert "int8" in err.hint


def _f16_spec():
    spec = tf.lite.TargetSpec()
    spec.supported_types = [tf.float16]
    return spec


def test_batch_above_one_is_refused():
    err = _problems(_convert(_keras(batch=4)), "batch4.tflite")
    assert any("batch 4" in p.reason for p in err.problems)
    assert "batch of 1" in err.hint


def test_dynamic_shape_is_refused():
    @tf.function(input_signature=[tf.TensorSpec([1, None], tf.float32)])
    def f(x):
        return tf.nn.relu(x) * 2.0

    conv = tf.lite.TFLiteConverter.from_concrete_functions([f.get_concrete_function()], f)
    err = _problems(conv.convert(), "dynamic.tflite")
    assert any("dynamic shape" in p.reason for p in err.problems)


def _pruned_keras():
    """A Dense layer with 80 % zero weights: EXPERIMENTAL_SPARSITY stores them sparse (DENSIFY)."""
    import numpy as np
    model = _keras()
    for layer in model.layers:
        w, b = layer.get_weights()
        w[np.random.default_rng(0).uniform(size=w.shape) < 0.8] = 0.0
        layer.set_weights([w, b])
    return model


@pytest.mark.parametrize("quantised", [False, True], ids=["float32", "int8"])
def test_sparse_weights_are_named_with_what_tflm_does(quantised):
    """Before: "the flatbuffer is truncated or corrupted". A sparse model holds DENSIFY and sparse
    constants; TFLM has neither (no DENSIFY kernel: its interpreter fails to allocate tensors), so
    there is nothing to densify for it: the model is refused with the cause and the way out."""
    import numpy as np

    from codegen.reference import TflmError, TflmReference
    optimizations = [tf.lite.Optimize.EXPERIMENTAL_SPARSITY]
    attrs = {}
    if quantised:
        def rep():
            for _ in range(8):
                yield [np.random.default_rng(0).uniform(-1, 1, (1, 64)).astype(np.float32)]
        optimizations.append(tf.lite.Optimize.DEFAULT)
        attrs = dict(representative_dataset=rep, inference_input_type=tf.int8, inference_output_type=tf.int8)
    data = _convert(_pruned_keras(), optimizations=optimizations, **attrs)
    err = _problems(data, "sparse.tflite")
    reasons = [p.reason for p in err.problems]
    assert err.problems[0].opcode == "DENSIFY" and "stored sparse" in reasons[0] and "CSR" in reasons[0]
    assert "TFLM has no sparse tensors and no DENSIFY kernel" in reasons[0]
    assert any("made dense at run time" in r for r in reasons[1:])
    assert "truncated" not in str(err) and "EXPERIMENTAL_SPARSITY" in err.hint
    with pytest.raises(TflmError, match="failed to allocate tensors"):
        TflmReference(data, arena_size=1 << 20)  # a fixed arena: no retries with larger ones
