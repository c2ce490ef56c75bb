"""Emotion -> movies and pop songs: mapping, sources (lists, IMDb, music APIs), store, engine."""
