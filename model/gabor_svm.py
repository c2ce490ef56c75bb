"""The paper's SVM baseline: a linear SVM on Gabor filter-bank features of the 48x48 face."""

from __future__ import annotations

import cv2
import numpy as np

GABOR_SCALES = (3.0, 5.0, 7.0, 9.0)  # wavelengths in pixels
GABOR_ORIENTATIONS = 8
KERNEL_SIZE = 11
POOL = 6  # each response map is averaged down to POOL x POOL cells
SVM_C = 0.01


def gabor_bank() -> list[np.ndarray]:
    """Real Gabor kernels over the scales and orientations above."""
    return [
        cv2.getGaborKernel((KERNEL_SIZE, KERNEL_SIZE), sigma=0.56 * wavelength,
                           theta=np.pi * k / GABOR_ORIENTATIONS, lambd=wavelength, gamma=0.5, psi=0)
        for wavelength in GABOR_SCALES
        for k in range(GABOR_ORIENTATIONS)
    ]


def gabor_features(images: np.ndarray) -> np.ndarray:
    """(N, 48, 48) uint8 faces -> (N, filters * POOL * POOL) pooled magnitude responses."""
    bank = gabor_bank()
    features = np.empty((len(images), len(bank) * POOL * POOL), dtype=np.float32)
    for i, image in enumerate(images):
        face = cv2.equalizeHist(image).astype(np.float32) / 255.0
        cells = [
            cv2.resize(np.abs(cv2.filter2D(face, cv2.CV_32F, kernel)), (POOL, POOL), interpolation=cv2.INTER_AREA)
            for kernel in bank
        ]
        features[i] = np.concatenate([c.ravel() for c in cells])
    return features


def train_gabor_svm(images: np.ndarray, labels: np.ndarray):
    """Fit standardised Gabor features -> linear SVM; returns a scikit-learn pipeline."""
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import LinearSVC

    pipeline = make_pipeline(StandardScaler(), LinearSVC(C=SVM_C, dual=False, max_iter=2000))
    return pipeline.fit(gabor_features(images), labels)
