"""The base of every error a user is told about in one line (`moodtui: error: ...`), never as a traceback.

Each module keeps its own error class (CameraError, ModelError, ...) and adds this base, so the
command line can catch them all without importing the modules that raise them.
"""


class UserError(Exception):
    """Something the user can fix: the message says what went wrong and, where it can, what to do."""
