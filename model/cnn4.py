"""The paper's 4-layer CNN baseline: Conv32-Pool-Conv64-Pool-Conv96-Pool-Conv128-Pool-FC200-FC7."""

from __future__ import annotations

import keras
from keras import layers

from model.resnet38 import INPUT_SHAPE, NUM_CLASSES

CONV_FILTERS = (32, 64, 96, 128)
DENSE_UNITS = 200
DROPOUT = 0.5


def build_cnn4(num_classes: int = NUM_CLASSES) -> keras.Model:
    """Return the baseline; like the ResNet-38 it takes raw grey pixels 0-255."""
    inputs = keras.Input(shape=INPUT_SHAPE, name="face")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0)(inputs)
    for filters in CONV_FILTERS:
        x = layers.Conv2D(filters, 3, padding="same", activation="relu")(x)
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(DENSE_UNITS, activation="relu")(x)
    x = layers.Dropout(DROPOUT)(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="emotion")(x)
    return keras.Model(inputs, outputs, name="cnn4")
