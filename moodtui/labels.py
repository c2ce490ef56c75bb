"""The label contract every stage shares: the seven emotions in the models' output order, and the face size.

The model runtime, the mood layer, the recommender's mapping, the configuration and the training
code all import these from here, so none of them has to import another for a constant.
"""

from __future__ import annotations

# FER-2013 class order; every model's seven outputs follow it.
EMOTIONS = ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral")
# Side of the square grey face the models read, in pixels.
FACE_SIZE = 48
