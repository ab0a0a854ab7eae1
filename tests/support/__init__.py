"""Shared test machinery: models made with TensorFlow from declared plans, and bit-exact comparison."""
