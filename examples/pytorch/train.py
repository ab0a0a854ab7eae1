"""Train a small PyTorch CNN on scikit-learn's bundled 8x8 digits (offline, CPU, seconds) and hand it
over the way PyTorch users do: as ONNX (and as a torch.export program).

    OUT/digits.onnx    the float model, NCHW input (1, 1, 8, 8): `python -m codegen quantize` takes it
    OUT/digits.pt2     the same model as a torch.export ExportedProgram (`quantize` takes it too)
    OUT/calib.npz      x: 300 training images (float32, NCHW), the representative dataset
    OUT/test.npz       x, y: 297 held-out images (NCHW) and labels: what ONNX Runtime is fed, and so
                       what `compare --data` and `scons ... test data=` take as they are

    .venv/bin/python examples/pytorch/train.py --out build/examples/pytorch [--epochs 30]

Needs the torch extra (`pip install -e '.[torch]'`). The export is the README's three lines.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

SEED = 1234


def load_digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The 1,797 digits as (N, 1, 8, 8) float32 images in [0, 1] (NCHW, as PyTorch wants them):
    1,500 to train on, 297 held out (the split of examples/digits)."""
    from sklearn.datasets import load_digits as sk_digits
    d = sk_digits()
    x = (d.images.astype(np.float32) / 16.0)[:, None]
    y = d.target.astype(np.int64)
    order = np.random.default_rng(SEED).permutation(len(x))
    x, y = x[order], y[order]
    return x[297:], y[297:], x[:297], y[:297]


def build_model():
    """conv(8)-BN-ReLU-pool, conv(16)-BN-ReLU-pool, linear(10), softmax."""
    from torch import nn
    return nn.Sequential(
        nn.Conv2d(1, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(), nn.Linear(16 * 2 * 2, 10), nn.Softmax(dim=1))


def train(model, x: np.ndarray, y: np.ndarray, epochs: int) -> None:
    import torch
    opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    xt, yt = torch.from_numpy(x), torch.from_numpy(y)
    gen = torch.Generator().manual_seed(SEED)
    model.train()
    for _ in range(epochs):
        for idx in torch.randperm(len(xt), generator=gen).split(64):
            opt.zero_grad()
            probs = model(xt[idx])
            loss = torch.nn.functional.nll_loss(torch.log(probs + 1e-9), yt[idx])
            loss.backward()
            opt.step()
    model.eval()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--epochs", type=int, default=30)
    a = ap.parse_args()
    import torch
    torch.manual_seed(SEED)
    torch.set_num_threads(1)           # the same float sums run to run: the README's table is reproducible
    x_train, y_train, x_test, y_test = load_digits()
    model = build_model()
    train(model, x_train, y_train, a.epochs)
    with torch.no_grad():
        acc = float((model(torch.from_numpy(x_test)).argmax(1).numpy() == y_test).mean())
    a.out.mkdir(parents=True, exist_ok=True)

    # the export, as in the README: a fixed (1, 1, 8, 8) example input, opset 18
    example = torch.zeros(1, 1, 8, 8)
    torch.onnx.export(model, (example,), a.out / "digits.onnx", input_names=["image"], output_names=["probs"],
                      opset_version=18, dynamo=True, external_data=False)
    torch.export.save(torch.export.export(model, (example,)), a.out / "digits.pt2")

    np.savez(a.out / "calib.npz", x=x_train[:300])
    np.savez(a.out / "test.npz", x=x_test, y=y_test)
    print(f"float PyTorch model: {sum(p.numel() for p in model.parameters()):,} parameters, accuracy {acc:.3f} on "
          f"{len(x_test)} held-out digits (torch {torch.__version__}); wrote {a.out}/digits.onnx, digits.pt2, "
          "calib.npz, test.npz")


if __name__ == "__main__":
    main()
