"""A PyTorch ``torch.export`` program (``.pt2``, ``torch.export.save``) to ONNX, so ``quantize`` takes
PyTorch models in one step. Needs the torch extra (``pip install -e '.[torch]'``); without it, the
error says how to install it or how to export ONNX from the training environment instead.
"""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

from codegen.errors import McuforgeError
from codegen.prep.onnx_model import OPSETS

TORCH_HINT = ("install the torch extra: pip install -e '.[torch]' (torch==2.13.0, the CPU build; a plain `pip install "
              "torch` pulls several GB of CUDA wheels), or export ONNX where you trained: "
              "torch.onnx.export(model, (torch.zeros(1, C, H, W),), 'model.onnx', dynamo=True) and quantise the .onnx")


def torch_module():
    try:
        import torch
    except ImportError:
        raise McuforgeError("a .pt2 (torch.export) model needs PyTorch, which is not installed", hint=TORCH_HINT) from None
    return torch


def export_onnx(pt2: Path, out: Path) -> Path:
    """Load the ExportedProgram in `pt2` and write it as ONNX (opset :data:`OPSETS`' last) to `out`."""
    torch = torch_module()
    try:
        import onnxscript  # noqa: F401 - torch.onnx's exporter needs it
    except ImportError:
        raise McuforgeError("torch.onnx's exporter needs onnxscript, which is not installed", hint=TORCH_HINT) from None
    try:
        ep = torch.export.load(str(pt2))
    except Exception as exc:  # noqa: BLE001 - torch raises many types for a bad archive
        raise McuforgeError(f"PyTorch cannot load {pt2.name} as a torch.export program: {str(exc).strip().splitlines()[0]}",
                            hint="save it with torch.export.save(torch.export.export(model, (example,)), 'model.pt2')") from None
    out.parent.mkdir(parents=True, exist_ok=True)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            torch.onnx.export(ep, (), str(out), opset_version=OPSETS[-1], dynamo=True, external_data=False)
    except Exception as exc:  # noqa: BLE001 - the exporter's own errors name the operator
        raise McuforgeError(f"torch.onnx cannot export {pt2.name}: {str(exc).strip().splitlines()[0]}",
                            hint="the operator it names has no ONNX form; replace it in the model") from None
    return out
