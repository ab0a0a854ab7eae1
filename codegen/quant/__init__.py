"""Quantisation arithmetic, computed exactly as TensorFlow Lite Micro computes it."""
