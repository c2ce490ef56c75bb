"""Training-side code: the ResNet-38 network, FER-2013 loading, training and evaluation.

Needs the `[train]` extra (TensorFlow). The app itself never imports this package.
"""
