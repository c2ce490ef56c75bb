"""Keras -> full-integer int8 TFLite conversion and the int8-vs-float check (needs `[train]`)."""
