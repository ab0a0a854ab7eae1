"""TFLite_Detection_PostProcess: TFLM's SSD post-processing custom operator, float32.

Options come from the operator's flexbuffer custom options as TFLM's Init reads them
(``max_detections``, ``max_classes_per_detection``, ``detections_per_class`` (default 100),
``use_regular_nms`` (default false), ``nms_score_threshold``, ``nms_iou_threshold``, ``num_classes``,
``y_scale``, ``x_scale``, ``h_scale``, ``w_scale``; floats narrowed to float32 as flexbuffers'
AsFloat does). TFLM's kernel decodes float32 inputs only (quantised SSD models dequantise before
it); its run-time checks become build-time refusals here, and so does fast NMS with more than one
class per detection, where TFLM's kernel writes past its outputs. The scratch arrays TFLM requests are
sized to what the kernel uses (TFLM reserves max_detections x num_boxes for several of them).
"""

from __future__ import annotations

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import F32, KernelCall, LowerContext, Lowered, OpHandler, Scratch
from codegen.ops.registry import register
from codegen.quant.multiplier import f32

OPCODE = "CUSTOM:TFLite_Detection_PostProcess"
REQUIRED = ("max_detections", "max_classes_per_detection", "nms_score_threshold", "nms_iou_threshold",
            "num_classes", "y_scale", "x_scale", "h_scale", "w_scale")


def _opt(op: Operator, name: str, default: object = None) -> object:
    v = op.options.get(name, default)
    return default if v is None else v


def check(sg: Subgraph, op: Operator) -> list[str]:
    if len(op.inputs) != 3 or len(op.outputs) != 4:
        return [f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (TFLM takes 3 and 4)"]
    missing = [k for k in REQUIRED if k not in op.options]
    if missing:
        return [f"custom options lack {', '.join(missing)} (TFLM reads them all)"]
    enc, pred, anchors = (sg.tensors[i] for i in op.inputs)
    outs = [sg.tensors[i] for i in op.outputs]
    problems = []
    for t, what in ((enc, "box encodings"), (pred, "class predictions"), (anchors, "anchors"), *zip(outs, (
            "boxes", "classes", "scores", "num_detections"))):
        if t.dtype != DType.FLOAT32:
            problems.append(f"{what} {t.describe()}: TFLM's kernel decodes float32 only (dequantise first)")
    if problems:
        return problems
    if len(enc.shape) != 3 or len(pred.shape) != 3 or len(anchors.shape) != 2:
        return ["box encodings and class predictions must have rank 3, anchors rank 2 (TFLM's Prepare)"]
    n = enc.shape[1]
    num_classes = int(_opt(op, "num_classes"))
    md, mcd = int(_opt(op, "max_detections")), int(_opt(op, "max_classes_per_detection"))
    dpc, regular = int(_opt(op, "detections_per_class", 100)), bool(_opt(op, "use_regular_nms", False))
    iou = f32(float(_opt(op, "nms_iou_threshold")))
    if enc.shape[0] != 1 or pred.shape[0] != 1:
        problems.append("batch must be 1 (TFLM's kernel)")
    if enc.shape[2] < 4 or anchors.shape != (n, 4) or pred.shape[1] != n:
        problems.append(f"encodings {enc.describe()}, predictions {pred.describe()}, anchors {anchors.describe()} "
                        "do not agree on the number of boxes")
    if not 0 <= pred.shape[2] - num_classes <= 1:
        problems.append(f"{pred.shape[2]} class columns for {num_classes} classes (TFLM allows one background)")
    if not 0.0 < iou <= 1.0:
        problems.append(f"nms_iou_threshold {iou} outside (0, 1] (TFLM fails the invoke)")
    if md < 0:
        problems.append(f"max_detections {md} (TFLM fails the invoke)")
    if regular and dpc <= 0:
        problems.append(f"detections_per_class {dpc} with regular NMS (TFLM fails the invoke)")
    if not regular and mcd <= 0:
        problems.append(f"max_classes_per_detection {mcd} with fast NMS (TFLM fails the invoke)")
    if not regular and min(mcd, num_classes) > 1:
        problems.append(f"max_classes_per_detection {mcd} with fast NMS: TFLM's kernel writes its e-th detection "
                        f"at row {min(mcd, num_classes)} * e + class and runs past its output tensors (it corrupts "
                        "its arena, measured) once more than max_detections / that many boxes are selected")
    rows = md if regular else md * min(max(mcd, 0), num_classes)
    if any(t.elements < rows * k for t, k in zip(outs, (4, 1, 1))) or outs[3].elements < 1:
        problems.append(f"detection outputs shorter than the {rows} rows TFLM writes")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    op = ctx.op
    enc, pred = ctx.input(0), ctx.input(1)
    assert enc and pred
    n, num_classes = enc.shape[1], int(_opt(op, "num_classes"))
    md, mcd = int(_opt(op, "max_detections")), int(_opt(op, "max_classes_per_detection"))
    dpc, regular = int(_opt(op, "detections_per_class", 100)), bool(_opt(op, "use_regular_nms", False))
    merged = md + min(dpc, n) if regular else 1      # candidates of one merge in regular NMS
    box_indices = merged if regular else n * num_classes
    selected = min(n, dpc if regular else md)
    sizes = (("decoded", 4 * n, "float"), ("active", n, "uint8_t"), ("keep_scores", n, "float"),
             ("class_scores", n, "float"), ("keep_indices", n, "int32_t"),
             ("sorted_indices", max(n, merged), "int32_t"), ("box_indices", max(box_indices, 1), "int32_t"),
             ("merged_scores", merged, "float"), ("sorted_scores", max(md, 1) if regular else 1, "float"),
             ("selected", max(selected, 1), "int32_t"))
    scratch = tuple((name, Scratch(name, count * (1 if ctype == "uint8_t" else 4), ctype)) for name, count, ctype in sizes)
    fields = {name: value for name, value in scratch}
    params = (("num_boxes", n), ("box_stride", enc.shape[2]), ("num_classes", num_classes),
              ("classes_with_background", pred.shape[2]), ("max_detections", md),
              ("max_classes_per_detection", mcd), ("detections_per_class", dpc), ("regular_nms", int(regular)),
              ("max_out", min(ctx.output(0).elements // 4, ctx.output(1).elements, ctx.output(2).elements)),
              *((k, F32(f32(float(_opt(op, o))))) for k, o in (
                  ("score_threshold", "nms_score_threshold"), ("iou_threshold", "nms_iou_threshold"),
                  ("y_scale", "y_scale"), ("x_scale", "x_scale"), ("h_scale", "h_scale"), ("w_scale", "w_scale"))),
              *((k, fields[k]) for k in ("decoded", "active", "keep_scores", "class_scores", "keep_indices",
                                         "sorted_indices", "box_indices", "merged_scores", "sorted_scores",
                                         "selected")))
    call = KernelCall(function="mf_detection_postprocess_f32", params_type="mf_detection_postprocess_params",
                      params=params, inputs=tuple(op.inputs), outputs=tuple(op.outputs),
                      comment=("regular" if regular else "fast") + f" NMS, {n} boxes, {num_classes} classes")
    return Lowered(calls=(call,))


def macs(sg: Subgraph, op: Operator) -> int:
    return 0


register(OpHandler(opcode=OPCODE, check=check, lower=lower, macs=macs, types=(DType.FLOAT32,)))
