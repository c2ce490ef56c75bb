"""What moodtui keeps on this machine about its user: one SQLite file (README, "What is stored").

    database.py  the Store: tables, one writer thread, waiting for a busy file, the in-memory fallback

`open_store(path)` is the factory the app and the commands call; the recommender sees the store only
through the calls it makes (moodtui.recommend.engine).
"""

from moodtui.store.database import RECENT_SECONDS, TABLES, VERDICTS, Store, item_from_record, open_store, record_of

__all__ = ["RECENT_SECONDS", "TABLES", "VERDICTS", "Store", "item_from_record", "open_store", "record_of"]
