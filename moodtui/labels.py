"""The contract every stage shares: the seven emotions in the models' output order, the face size, and
whether a face is read together with its mirror image.

The model runtime, the mood layer, the recommender's mapping, the configuration and the training
code all import these from here, so none of them has to import another for a constant.
"""

from __future__ import annotations

# FER-2013 class order; every model's seven outputs follow it.
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
# Side of the square grey face the models read, in pixels.
FACE_SIZE = 48
# Averaging each face with its mirror image (one batch of two): +1.68 points on PublicTest for
# 0.13-0.55 ms more per face, by CPU (model/artifacts/table2.md, benchmarks/results/emotion_latency.json).
FLIP_AVERAGE = True
