"""moodtui: an emotion-aware movie and pop-song recommender for the terminal."""

__version__ = "0.1.0"
