"""Pruning before quantisation: the sparsity asked for is reached (unstructured, 2:4, whole channels),
the fine-tune runs, and the pruned model still converts and runs bit-exactly in the generated code."""

from __future__ import annotations

import json

import numpy as np
import pytest

from codegen.cli import main
from codegen.generate import compile_model
from codegen.prep.data import load_samples
from codegen.prep.prune import PruneOptions, m_by_n_mask, magnitude_mask, reduction_major, schedule
from codegen.prep.quantize import quantize
from codegen.prep.source import detect
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes


def test_magnitude_mask_keeps_the_largest():
    w = np.array([[0.1, -3.0], [2.0, -0.2]], np.float32)
    assert magnitude_mask(w, 0.5).tolist() == [[0, 1], [1, 0]]
    big = np.random.default_rng(0).normal(size=(3, 3, 4, 8)).astype(np.float32)
    assert int(magnitude_mask(big, 0.75).sum()) == round(0.25 * big.size)


def test_two_of_four_along_the_reduction_axis_in_tflite_order():
    w = np.random.default_rng(1).normal(size=(3, 3, 4, 6)).astype(np.float32)  # Conv2D kh, kw, in, out
    m = m_by_n_mask(w)
    groups = reduction_major(m).reshape(6, -1, 4)   # out x (kh*kw*in / 4) x 4
    assert (groups.sum(axis=-1) == 2).all()
    kept = reduction_major(w * m).reshape(6, -1, 4)
    dropped = reduction_major(w * (1 - m)).reshape(6, -1, 4)
    assert (np.abs(kept).max(axis=-1) >= np.abs(dropped).max(axis=-1)).all()
    assert m_by_n_mask(np.zeros((3, 3, 1, 4), np.float32)) is None  # 9 is not a multiple of 4


def test_schedule_ramps_to_the_target():
    values = [schedule(s, 100, 0.6) for s in range(0, 121, 10)]
    assert values[0] == 0.0 and values[-1] == 0.6 and values == sorted(values) and schedule(100, 100, 0.6) == 0.6


def _kernel_zeros(data: bytes) -> list[float]:
    g = read_model_bytes(data)
    sg = g.main
    return [float(np.mean(sg.tensors[op.inputs[1]].data == 0)) for op in sg.operators
            if op.opcode in ("CONV_2D", "FULLY_CONNECTED")]


def test_unstructured_pruning_with_fine_tune(tiny, tmp_path, capsys):
    out = tmp_path / "pruned.tflite"
    rc = main(["quantize", str(tiny.keras_path), "--data", str(tiny.calib), "-o", str(out), "--prune", "0.6",
               "--train", str(tiny.train), "--epochs", "1", "--save-pruned", str(tmp_path / "pruned.keras"), "--json"])
    text, err = capsys.readouterr()
    assert rc == 0, err
    rep = json.loads(text)["pruning"]
    assert rep["structure"] == "unstructured" and rep["epochs"] == 1 and "cross-entropy" in rep["loss"]
    assert rep["sparsity"] == pytest.approx(0.6, abs=0.01)
    assert all(lay["zeros"] >= 0.59 and not lay["note"] for lay in rep["layers"])
    # zero float weights quantise to zero: the int8 kernels are as sparse
    assert all(z >= 0.59 for z in _kernel_zeros(out.read_bytes()))
    assert (tmp_path / "pruned.keras").is_file()
    cmp = compare_bytes(out.read_bytes(), "pruned", samples=10, workdir=tmp_path / "host")
    assert cmp.exact, cmp


def test_two_of_four_without_training_data(tiny, tmp_path):
    q = quantize(detect(tiny.keras_path), load_samples(tiny.calib),
                 prune=PruneOptions(sparsity=0.5, structure="2:4"))
    p = q.pruning
    assert p.epochs == 0 and p.train_accuracy_after is None
    skipped = [lay for lay in p.layers if lay.note]
    assert [lay.name for lay in skipped] and "not a multiple of 4" in skipped[0].note  # the 3x3x1 first conv
    sg = read_model_bytes(q.quantized.data).main
    for op in sg.operators:
        w = sg.tensors[op.inputs[1]].data if op.opcode in ("CONV_2D", "FULLY_CONNECTED") else None
        if w is not None and w.reshape(w.shape[0], -1).shape[1] % 4 == 0:
            groups = w.reshape(w.shape[0], -1, 4)     # TFLite: out x (kh*kw*in) in memory order
            assert ((groups == 0).sum(axis=-1) >= 2).all(), op.opcode


def test_channel_pruning_shrinks_the_model(tiny, tmp_path):
    q = quantize(detect(tiny.keras_path), load_samples(tiny.calib),
                 prune=PruneOptions(sparsity=0.5, structure="channels", epochs=1), train=load_samples(tiny.train))
    p = q.pruning
    convs = [lay for lay in p.layers if lay.kind == "Conv2D"]
    assert [lay.params for lay in convs] == [18, 72] and [lay.params_before for lay in convs] == [36, 288]
    out_layer = [lay for lay in p.layers if lay.kind == "Dense"][0]
    assert "kept whole" in out_layer.note and out_layer.params == 160  # 4 channels x 2 x 2 -> 10, was 8 x 2 x 2
    assert p.train_accuracy_after is not None and p.train_accuracy_after > 0.5
    full = compile_model(read_model_bytes(quantize(detect(tiny.keras_path), load_samples(tiny.calib)).quantized.data))
    small = compile_model(read_model_bytes(q.quantized.data))
    assert small.macs < 0.6 * full.macs and small.weights_bytes < 0.6 * full.weights_bytes
    cmp = compare_bytes(q.quantized.data, "channels", samples=10, workdir=tmp_path / "host")
    assert cmp.exact, cmp
