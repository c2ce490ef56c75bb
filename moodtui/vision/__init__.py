"""The path of a frame: camera -> faces (moodtui.faces) -> emotion -> calibration -> mood.

    camera.py       frame sources, and the newest-frame capture thread
    network.py      network cameras (rtsp://, http(s)://): opened with deadlines, failures explained
    emotion.py      EmotionClassifier over the shipped int8 .tflite models (ai-edge-litert)
    models.py       which shipped model reads faces on this machine ("auto": timed once, cached)
    calibration.py  the user's resting-face baseline: off, none, recording or active
    mood.py         smoothing and hysteresis: a stable mood from per-frame readings
    pipeline.py     camera -> faces -> emotion -> mood, one frame at a time, as often as pace.py says
    pace.py         how often faces are read: as often as the mood needs, less when the machine lags
    build.py        Settings -> a ready pipeline: the one way every command and the app make one
"""
