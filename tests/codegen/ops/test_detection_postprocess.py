"""TFLite_Detection_PostProcess (SSD post-processing, TFLM's custom operator) against TFLM.

Made with TensorFlow as the Object Detection API exports it: a tf.function carrying
``experimental_implements="name: 'TFLite_Detection_PostProcess' attr {...}"`` that the converter
(allow_custom_ops) replaces by the custom operator with those attributes as flexbuffer options;
class logits go through LOGISTIC, the anchors are a constant. Cases cover fast NMS (one or several
classes per box, with and without a background column) and regular NMS (detections_per_class given
or TFLM's default 100), score thresholds that drop boxes and IoU thresholds that suppress overlaps.

TFLM's fast NMS writes its e-th detection (class c of its box, c < k = min(max_classes_per_detection,
num_classes)) at row k * e + c: for k = 1 the first num_detections rows; for k > 1 a row pattern with
gaps that runs past the output tensors and corrupts TFLM's arena (measured: scores landed in the
classes tensor), so k > 1 is refused. Rows TFLM's fast NMS does not write hold what its arena held:
only the first num_detections rows are compared (mcuforge zeroes the rest); regular NMS zeroes them
in both.
Float outputs: the decoding runs in double as TFLM's (host glibc exp: measured 0 difference).
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.generate import GenerateOptions, compile_model
from codegen.host import HostModel
from codegen.reference import TflmReference
from codegen.tflite import read_model_bytes
from support.tflite_edit import ops_of
from support.tfgraphs import convert_module


def _attr(key: str, value: object) -> str:
    if isinstance(value, bool):
        return f'attr {{ key: "{key}" value {{ b: {str(value).lower()} }} }}'
    if isinstance(value, int):
        return f'attr {{ key: "{key}" value {{ i: {value} }} }}'
    return f'attr {{ key: "{key}" value {{ f: {value} }} }}'


def with_custom_options(model: bytes, **extra: object) -> bytes:
    """The model with `extra` added to every custom operator's flexbuffer options (the converter drops
    detections_per_class from the attributes it copies)."""
    import flatbuffers
    from flatbuffers import flexbuffers
    from codegen.tflite.schema import fb
    m = fb.ModelT.InitFromPackedBuf(model, 0)
    for op in m.subgraphs[0].operators:
        if op.customOptions is not None and len(op.customOptions):
            options = flexbuffers.Loads(bytes(op.customOptions))
            op.customOptions = np.frombuffer(bytes(flexbuffers.Dumps({**options, **extra})), dtype=np.uint8)
    b = flatbuffers.Builder(len(model) + 1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def detection_model(name: str, boxes: int, classes: int, background: bool, rows: int, **attrs: object) -> bytes:
    columns = classes + int(background)
    attrs = {"num_classes": classes, "y_scale": 10.0, "x_scale": 10.0, "h_scale": 5.0, "w_scale": 5.0,
             "use_regular_nms": False, **attrs}
    implements = " ".join(['name: "TFLite_Detection_PostProcess"'] + [_attr(k, v) for k, v in attrs.items()])
    rng = np.random.default_rng(7)
    centres = rng.uniform(0.2, 0.8, (boxes, 2))
    sizes = rng.uniform(0.1, 0.4, (boxes, 2))
    anchors = np.concatenate([centres, sizes], axis=1).astype(np.float32)

    def build(tf):
        class Ssd(tf.Module):
            @tf.function(experimental_implements=implements)
            def post(self, encodings, scores, anchor_boxes):
                return (tf.zeros((1, rows, 4)), tf.zeros((1, rows)), tf.zeros((1, rows)), tf.zeros((1,)))

            @tf.function(input_signature=[tf.TensorSpec([1, boxes, 4], tf.float32),
                                          tf.TensorSpec([1, boxes, columns], tf.float32)])
            def __call__(self, encodings, logits):
                return self.post(encodings, tf.sigmoid(logits * 3.0), tf.constant(anchors))

        return Ssd()

    model = convert_module(name, build, (((1, boxes, 4), "float32"), ((1, boxes, columns), "float32")),
                           "float32", custom_ops=True, boxes=boxes, classes=classes, background=background,
                           rows=rows, attrs=attrs)
    return with_custom_options(model, detections_per_class=attrs["detections_per_class"]) \
        if "detections_per_class" in attrs else model


CASES = {
    "ssd_fast_nms_one_class_per_box": dict(boxes=24, classes=3, background=True, rows=5, max_detections=5,
                                           max_classes_per_detection=1, nms_score_threshold=0.5,
                                           nms_iou_threshold=0.5),
    "ssd_fast_nms_no_background": dict(boxes=16, classes=4, background=False, rows=6, max_detections=6,
                                       max_classes_per_detection=1, nms_score_threshold=0.3,
                                       nms_iou_threshold=0.3),
    "ssd_regular_nms_three_per_class": dict(boxes=20, classes=3, background=True, rows=6, max_detections=6,
                                            max_classes_per_detection=1, detections_per_class=3,
                                            use_regular_nms=True, nms_score_threshold=0.55,
                                            nms_iou_threshold=0.4),
    "ssd_regular_nms_default_per_class": dict(boxes=30, classes=2, background=True, rows=10, max_detections=10,
                                              max_classes_per_detection=1, use_regular_nms=True,
                                              nms_score_threshold=0.2, nms_iou_threshold=0.6),
}


@pytest.mark.parametrize("name", CASES)
def test_detection_postprocess_matches_tflm(name: str) -> None:
    model = detection_model(name, **CASES[name])
    (sg, op), = ops_of(model, "CUSTOM:TFLite_Detection_PostProcess")
    assert op.opt("num_classes") == CASES[name]["classes"]
    assert op.opt("detections_per_class") == CASES[name].get("detections_per_class")
    compiled = compile_model(read_model_bytes(model, source=f"{name}.tflite"), options=GenerateOptions(prefix="m"))
    host, ref = HostModel(compiled), TflmReference(model)
    order = [list(sg.outputs).index(t) for t in op.outputs]  # the model may list its outputs in another order
    rng = np.random.default_rng(3)
    counts = set()
    try:
        for _ in range(12):
            xs = [rng.uniform(-1, 1, t.shape).astype(np.float32) for t in compiled.inputs]
            got, ref_out = host.run(xs), ref.run(xs)
            boxes, classes, scores, num = (got[k] for k in order)
            want = [ref_out[k] for k in order]
            n = int(want[3].reshape(-1)[0])
            counts.add(n)
            assert num.reshape(-1)[0] == n
            rows = list(range(n))
            assert np.array_equal(boxes.reshape(-1, 4)[rows], want[0].reshape(-1, 4)[rows])
            assert np.array_equal(classes.reshape(-1)[rows], want[1].reshape(-1)[rows])
            assert np.array_equal(scores.reshape(-1)[rows], want[2].reshape(-1)[rows])
            if CASES[name].get("use_regular_nms"):
                assert all(np.array_equal(g, w.reshape(g.shape)) for g, w in zip((boxes, classes, scores),
                                                                                  want[:3]))
    finally:
        host.close()
    assert len(counts) > 1 or max(counts) > 0  # the thresholds keep some boxes and drop others


def test_fast_nms_with_two_classes_per_box_is_refused() -> None:
    """TFLM writes past its output tensors there (its arena is corrupted): refused with the reason."""
    from codegen.check import UnsupportedModelError
    model = detection_model("ssd_fast_nms_two_classes_per_box", boxes=16, classes=4, background=False, rows=12,
                            max_detections=6, max_classes_per_detection=2, nms_score_threshold=0.3,
                            nms_iou_threshold=0.3)
    with pytest.raises(UnsupportedModelError, match="runs past its output tensors"):
        compile_model(read_model_bytes(model), options=GenerateOptions(prefix="m"))


def ssd_with_refinement_loop() -> bytes:
    """One model for the emulated Cortex-M4: a WHILE loop refines the class logits
    (l = 0.8 l + 0.1 tanh(l)) as long as its bool state says so (the model's `refine` input; the
    body clears it: the loop runs once or not at all, its cond subgraph reads the carried state),
    then TFLite_Detection_PostProcess (regular NMS) picks the boxes."""
    attrs = {"num_classes": 2, "y_scale": 10.0, "x_scale": 10.0, "h_scale": 5.0, "w_scale": 5.0,
             "use_regular_nms": True, "max_detections": 4, "max_classes_per_detection": 1,
             "nms_score_threshold": 0.4, "nms_iou_threshold": 0.5}
    implements = " ".join(['name: "TFLite_Detection_PostProcess"'] + [_attr(k, v) for k, v in attrs.items()])
    rng = np.random.default_rng(8)
    anchors = np.concatenate([rng.uniform(0.2, 0.8, (12, 2)), rng.uniform(0.1, 0.4, (12, 2))], 1).astype(np.float32)

    def build(tf):
        class Ssd(tf.Module):
            @tf.function(experimental_implements=implements)
            def post(self, encodings, scores, anchor_boxes):
                return (tf.zeros((1, 4, 4)), tf.zeros((1, 4)), tf.zeros((1, 4)), tf.zeros((1,)))

            @tf.function(input_signature=[tf.TensorSpec([1], tf.bool), tf.TensorSpec([1, 12, 4], tf.float32),
                                          tf.TensorSpec([1, 12, 3], tf.float32)])
            def __call__(self, refine, encodings, logits):
                _, refined = tf.while_loop(lambda go, v: go[0],
                                           lambda go, v: (tf.zeros_like(go), v * 0.8 + 0.1 * tf.tanh(v)),
                                           (refine, logits * 3.0))
                return self.post(encodings, tf.sigmoid(refined), tf.constant(anchors))

        return Ssd()

    return convert_module("ssd_with_refinement_loop", build, (((1,), "bool"), ((1, 12, 4), "float32"),
                                                              ((1, 12, 3), "float32")),
                          "float32", custom_ops=True, attrs=attrs, loop="bool state")


def test_ssd_with_refinement_loop_matches_tflm_on_the_host() -> None:
    data = ssd_with_refinement_loop()
    assert {"WHILE", "CUSTOM:TFLite_Detection_PostProcess"} <= {op.opcode for op in read_model_bytes(data).main.operators}
    from support.compare import compare_bytes
    r = compare_bytes(data, "ssd_loop", samples=10)
    assert r.exact, r


@pytest.mark.qemu
def test_while_and_detection_postprocess_on_the_emulated_cortex_m4(tmp_path) -> None:
    """WHILE and TFLite_Detection_PostProcess in one firmware for the emulated Cortex-M4 (mps2-an386,
    PlatformIO + QEMU) against TFLM: detection counts and classes identical, boxes and scores within
    1e-5 relative (newlib's exp/tanhf against glibc's)."""
    from support.device_compare import compare_on_device
    from support.firmware import built
    path = tmp_path / "ssd_loop.tflite"
    path.write_bytes(ssd_with_refinement_loop())
    res = compare_on_device(*built("mps2-an386", path, root=tmp_path), samples=5)
    assert res.mismatches == 0, res


def test_the_calls_scratch_buffers_get_their_own_bytes() -> None:
    """Its eleven scratch buffers are alive together: wherever they are placed (arena or the static
    scratch buffer) no two share a byte, and each lies inside its storage (they once all sat at the
    start of a static buffer sized for the largest, and the host run crashed)."""
    from codegen.lowering import STATIC_SCRATCH
    model = detection_model("ssd_fast_nms_one_class_per_box", **CASES["ssd_fast_nms_one_class_per_box"])
    m = compile_model(read_model_bytes(model, source="ssd.tflite"), options=GenerateOptions(prefix="m"))
    keys = [k for k in m.storage if isinstance(k[0], str)]
    assert len(keys) >= 8
    sizes = {k: n for s in m.steps for c in s.calls for name, v in c.params
             if hasattr(v, "nbytes") and hasattr(v, "ctype")
             for k, n in [(("scratch", 0, s.op_index, v.name), v.nbytes)]}
    spans = {}
    for k in keys:
        st = m.storage[k]
        spans[k] = (st.kind, st.offset, st.offset + sizes[k])
        if st.kind == "variable":
            total = next(v.nbytes for v in m.variables if v.symbol == STATIC_SCRATCH)
            assert st.offset + sizes[k] <= total, (k, st, total)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            (ka, sa, ea), (kb, sb, eb) = spans[a], spans[b]
            assert ka != kb or ea <= sb or eb <= sa, (a, spans[a], b, spans[b])
