"""Paths the tests share: the repository, the default model, the shared real-world models."""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHARED_MODELS = ROOT.parent / "shared" / "models"
DEFAULT_MODEL = ROOT / "models" / "digits_cnn.tflite"
