"""What the app does without a screen: the session's decisions, slow work off the UI thread, audio.

    session.py   the mood in use, the strategy, which picks to show, hold or drop
    fetcher.py   slow work for the newest request only, on one daemon thread
    player.py    song previews through a local audio player
"""
