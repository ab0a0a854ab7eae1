"""Channel pruning: remove whole output channels (Conv filters, Dense units) with the smallest L1 norm
and shrink every layer that reads them, so the model itself gets smaller (fewer weights, fewer MACs).

Works on the model's Keras config (Sequential or functional), numpy slicing and
``from_config``: the layers keep their names, pruned layers get fewer ``filters``/``units``, layers
downstream infer their new shapes, and the surviving weights are copied in. A layer's channels are
removed only when every path from its output reaches Conv/Dense inputs through layers that act per
channel (activations, pooling, dropout, padding, BatchNormalization, DepthwiseConv2D with multiplier 1,
Flatten); anything else on the way (Add, Concatenate, Reshape, a model output) leaves it whole, with a
note saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from codegen.errors import McuforgeError

PRODUCERS = {"Conv1D": "filters", "Conv2D": "filters", "Dense": "units"}
# act on each channel separately: a selection of channels passes through unchanged
PER_CHANNEL = {"Activation", "ReLU", "LeakyReLU", "ELU", "Dropout", "SpatialDropout1D", "SpatialDropout2D",
               "MaxPooling1D", "MaxPooling2D", "AveragePooling1D", "AveragePooling2D", "GlobalAveragePooling1D",
               "GlobalAveragePooling2D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "ZeroPadding1D",
               "ZeroPadding2D", "Cropping1D", "Cropping2D", "UpSampling1D", "UpSampling2D", "BatchNormalization",
               "DepthwiseConv2D", "Flatten"}


# Shaped like lowering.Step (a `duplicates` pair): a Keras layer here, a scheduled operator there.
@dataclass(frozen=True)
class _Node:
    name: str
    cls: str
    config: dict
    inputs: tuple[str, ...]


def _history(arg: Any) -> list[str]:
    """Layer names of the Keras tensors in a serialised call argument (nested lists, dicts)."""
    if isinstance(arg, dict):
        if arg.get("class_name") == "__keras_tensor__":
            return [arg["config"]["keras_history"][0]]
        return [n for v in arg.values() for n in _history(v)]
    if isinstance(arg, (list, tuple)):
        return [n for v in arg for n in _history(v)]
    return []


def _graph(cfg: dict, sequential: bool) -> tuple[list[_Node], set[str]]:
    """Layers in order with the layers they read, and the names of layers that are model outputs."""
    nodes: list[_Node] = []
    if sequential:
        prev: tuple[str, ...] = ()
        for lay in cfg["layers"]:
            c = lay["config"]
            nodes.append(_Node(c["name"], lay["class_name"], c, prev))
            prev = (c["name"],)
        return nodes, {nodes[-1].name}
    for lay in cfg["layers"]:
        inbound = lay.get("inbound_nodes") or []
        if len(inbound) > 1:
            inputs: tuple[str, ...] = ("<shared>",)
        else:
            inputs = tuple(_history(inbound[0])) if inbound else ()
        nodes.append(_Node(lay["name"], lay["class_name"], lay["config"], inputs))
    outs = cfg.get("output_layers") or []
    if outs and isinstance(outs[0], str):
        outs = [outs]
    return nodes, {o[0] for o in outs}


def _blocker(name: str, nodes: dict[str, _Node], consumers: dict[str, list[str]], outputs: set[str]) -> str | None:
    """Why the channels of `name` cannot be removed (None: they can)."""
    todo = [name]
    while todo:
        cur = todo.pop()
        if cur in outputs:
            return "its channels reach a model output"
        for c in consumers.get(cur, []):
            n = nodes[c]
            if len(n.inputs) != 1:
                return f"read by {n.cls} {c!r} (several inputs)"
            if n.cls in PRODUCERS:
                continue
            if n.cls == "DepthwiseConv2D" and n.config.get("depth_multiplier", 1) != 1:
                return f"read by DepthwiseConv2D {c!r} with depth_multiplier {n.config['depth_multiplier']}"
            if n.cls == "BatchNormalization" and n.config.get("axis", -1) not in (-1, [-1], 3, [3]):
                return f"read by BatchNormalization {c!r} over axis {n.config.get('axis')}"
            if n.cls not in PER_CHANNEL:
                return f"read by {n.cls} {c!r}"
            todo.append(c)
    return None


def _slice_weights(cls: str, weights: list[np.ndarray], sel_in: np.ndarray | None,
                   sel_out: np.ndarray | None) -> list[np.ndarray]:
    if not weights:
        return weights
    if cls in PRODUCERS:
        k = weights[0]
        if sel_in is not None:
            k = np.take(k, sel_in, axis=-2)
        rest = weights[1:]
        if sel_out is not None:
            k = np.take(k, sel_out, axis=-1)
            rest = [np.take(b, sel_out, axis=-1) for b in rest]
        return [k, *rest]
    if sel_in is None:
        return weights
    if cls == "DepthwiseConv2D":
        return [np.take(weights[0], sel_in, axis=2), *(np.take(b, sel_in, axis=-1) for b in weights[1:])]
    if cls == "BatchNormalization":
        return [np.take(w, sel_in, axis=-1) for w in weights]
    raise McuforgeError(f"cannot slice the weights of {cls}", hint="a bug: the layer should have blocked pruning")


def remove_channels(model: Any, fraction: float, input_shape: tuple[int, ...]) -> tuple[Any, dict[str, str]]:
    """A new model with `fraction` of the output channels of every removable Conv/Dense layer gone
    (the smallest L1 norms); returns it and a note per layer left whole."""
    import keras
    sequential = isinstance(model, keras.Sequential)
    cfg = model.get_config()
    nodes_list, outputs = _graph(cfg, sequential)
    nodes = {n.name: n for n in nodes_list}
    if any(n.inputs == ("<shared>",) for n in nodes_list):
        shared = [n.name for n in nodes_list if n.inputs == ("<shared>",)]
        notes_shared = {s: "shared layer" for s in shared}
    else:
        notes_shared = {}
    consumers: dict[str, list[str]] = {}
    for n in nodes_list:
        for i in n.inputs:
            consumers.setdefault(i, []).append(n.name)
    notes: dict[str, str] = dict(notes_shared)
    keep: dict[str, np.ndarray] = {}
    for n in nodes_list:
        if n.cls not in PRODUCERS or n.name in notes:
            continue
        why = _blocker(n.name, nodes, consumers, outputs)
        if why:
            notes[n.name] = f"kept whole: {why}"
            continue
        k = np.asarray(model.get_layer(n.name).get_weights()[0])
        norms = np.abs(k).reshape(-1, k.shape[-1]).sum(axis=0)
        n_keep = max(1, int(round((1.0 - fraction) * k.shape[-1])))
        keep[n.name] = np.sort(np.argsort(-norms, kind="stable")[:n_keep])
    if not keep:
        raise McuforgeError("no layer's channels can be removed: " + "; ".join(f"{k}: {v}" for k, v in notes.items()),
                            hint="use unstructured pruning (--prune S without --structured) or 2:4")
    # channel selections flowing out of every layer (None: all channels)
    sel: dict[str, np.ndarray | None] = {}
    for n in nodes_list:
        sel_in = sel.get(n.inputs[0]) if len(n.inputs) == 1 else None
        if n.name in keep:
            sel[n.name] = keep[n.name]
        elif n.cls in PRODUCERS:
            sel[n.name] = None
        elif n.cls == "Flatten" and sel_in is not None:
            shape = model.get_layer(n.name).input.shape        # (batch, ..., C)
            c = int(shape[-1])
            positions = int(np.prod([int(d) for d in shape[1:-1]]))
            sel[n.name] = (np.arange(positions)[:, None] * c + sel_in[None, :]).reshape(-1)
        else:
            sel[n.name] = sel_in
    new_cfg = _with_sizes(cfg, {k: len(v) for k, v in keep.items()}, sequential)
    new = (keras.Sequential if sequential else keras.Model).from_config(new_cfg)
    if not new.built:
        new.build((None, *input_shape[1:]))
    for n in nodes_list:
        if n.cls == "InputLayer":
            continue
        sel_in = sel.get(n.inputs[0]) if len(n.inputs) == 1 else None
        old = model.get_layer(n.name).get_weights()
        new.get_layer(n.name).set_weights(_slice_weights(n.cls, old, sel_in, keep.get(n.name)))
    return new, notes


def _with_sizes(cfg: dict, sizes: dict[str, int], sequential: bool) -> dict:
    import copy
    out = copy.deepcopy(cfg)
    for lay in out["layers"]:
        lay.pop("build_config", None)  # input shapes recorded at save time: stale downstream of a cut
        name = lay["config"]["name"] if sequential else lay["name"]
        if name in sizes:
            lay["config"][PRODUCERS[lay["class_name"]]] = sizes[name]
    return out
