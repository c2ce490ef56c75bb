"""Faces in frames: a thorough search when none is known, tracking while one is, and the crop.

    detector.py  the FaceDetector seam, and HaarDetector behind it
    cascades.py  OpenCV's Haar cascades, run upright or on a rotated frame
    search.py    the Haar detector's thorough search: a plan of cascade calls spread over frames
    motion.py    Lucas-Kanade optical flow that carries a box through cascade misses
    finder.py    FaceFinder: tracks with stable ids, largest (the user's) first
    crop.py      the 48x48 face the model reads, de-rotated and framed as it was trained
"""

from moodtui.faces.cascades import FaceError, load_cascade, to_grey
from moodtui.faces.crop import CROP_SCALE, crop_face
from moodtui.faces.detector import FaceDetector, Image, make_detector
from moodtui.faces.finder import Face, FaceFinder

__all__ = ["CROP_SCALE", "Face", "FaceDetector", "FaceError", "FaceFinder", "Image", "crop_face", "load_cascade",
           "make_detector", "to_grey"]
