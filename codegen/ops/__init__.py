"""Operator handlers, one module per TFLite builtin (or family of builtins), found by registry."""
