"""The paper's "ResNet-38" (the mini-Xception of Arriaga et al. 2017), in Keras.

Zhang (2020): input, two Conv+BN+ReLU layers, four residual structures (main line
SeparableConv-BN-ReLU-SeparableConv-BN-MaxPool, shortcut Conv-BN, joined by Add), then a Conv
layer, global average pooling and softmax over the 7 emotions: 58,423 parameters.
"""

from __future__ import annotations

import keras
from keras import layers

NUM_CLASSES = 7
INPUT_SHAPE = (48, 48, 1)
STEM_FILTERS = 8
BLOCK_FILTERS = (16, 32, 64, 128)
L2 = 0.01


def residual_block(x: keras.KerasTensor, filters: int, l2: float = L2) -> keras.KerasTensor:
    """One residual structure: a strided 1x1 Conv-BN shortcut added to the separable main line."""
    reg = keras.regularizers.l2(l2)
    shortcut = layers.Conv2D(filters, 1, strides=2, padding="same", use_bias=False)(x)
    shortcut = layers.BatchNormalization()(shortcut)

    x = layers.SeparableConv2D(
        filters, 3, padding="same", use_bias=False, depthwise_regularizer=reg, pointwise_regularizer=reg
    )(x)
    x = layers.BatchNormalization()(x)
    x = layers.Activation("relu")(x)
    x = layers.SeparableConv2D(
        filters, 3, padding="same", use_bias=False, depthwise_regularizer=reg, pointwise_regularizer=reg
    )(x)
    x = layers.BatchNormalization()(x)
    x = layers.MaxPooling2D(3, strides=2, padding="same")(x)
    return layers.Add()([x, shortcut])


def build_resnet38(num_classes: int = NUM_CLASSES, l2: float = L2, width: int = 1) -> keras.Model:
    """Return the network; it takes raw grey pixels 0-255 and outputs class probabilities.

    `width` multiplies the residual blocks' filters (the larger student of model/README.md is
    width 3); the stem grows at most to twice the paper's, because its two full-size convolutions
    already cost most of a face's time and a wider stem bought little for its cost.
    """
    reg = keras.regularizers.l2(l2)
    inputs = keras.Input(shape=INPUT_SHAPE, name="face")
    # Normalisation lives in the model so every runtime feeds it the same raw pixels.
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0)(inputs)
    for _ in range(2):
        x = layers.Conv2D(STEM_FILTERS * min(width, 2), 3, use_bias=False, kernel_regularizer=reg)(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    for filters in BLOCK_FILTERS:
        x = residual_block(x, filters * width, l2)
    x = layers.Conv2D(num_classes, 3, padding="same")(x)
    x = layers.GlobalAveragePooling2D()(x)
    outputs = layers.Activation("softmax", name="emotion")(x)
    return keras.Model(inputs, outputs, name="resnet38" if width == 1 else f"resnet38x{width}")
