"""The Textual app: displays what the pipeline and the recommender produce, and dispatches keys."""
