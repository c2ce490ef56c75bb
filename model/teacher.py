"""A wide VGG-style network used only as a distillation teacher for the ResNet-38.

Too big to ship (about 3.4 M parameters, 60 times the ResNet-38, ~1 GFLOP a face), but VGG
variants of this shape are among the strongest single networks on FER-2013. Its class
probabilities become the small network's training targets (`model.distill`). Train it on a
GPU: `KERAS_BACKEND=jax python -m model.train --arch vgg ...` (README, "The emotion model").
"""

from __future__ import annotations

import keras
from keras import layers

from model.resnet38 import INPUT_SHAPE, NUM_CLASSES

STAGE_FILTERS = (64, 128, 256, 384)
DROPOUT = 0.4


def conv_stage(x: keras.KerasTensor, filters: int, l2: float) -> keras.KerasTensor:
    """Two 3x3 Conv-BN-ReLU layers, then 2x2 max pooling."""
    for _ in range(2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=False,
                          kernel_regularizer=keras.regularizers.l2(l2))(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)
    return layers.MaxPooling2D(2)(x)


def build_vgg_teacher(num_classes: int = NUM_CLASSES, l2: float = 1e-4) -> keras.Model:
    """Return the teacher; like the ResNet-38 it takes raw grey pixels 0-255 and outputs probabilities."""
    inputs = keras.Input(shape=INPUT_SHAPE, name="face")
    x = layers.Rescaling(1.0 / 127.5, offset=-1.0)(inputs)
    for filters in STAGE_FILTERS:
        x = conv_stage(x, filters, l2)
    x = layers.GlobalAveragePooling2D()(x)
    x = layers.Dropout(DROPOUT)(x)
    # float32 output even under a mixed-precision policy keeps the softmax and loss exact.
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="emotion")(x)
    return keras.Model(inputs, outputs, name="vgg_teacher")
