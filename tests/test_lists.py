import warnings

from moodtui.recommend.lists import (
    MOVIE_LINE,
    SONG_LINE,
    LocalLists,
    genre_name,
    read_movie_list,
    read_song_list,
    shipped_lists_dir,
)
from moodtui.recommend.mapping import Mapping

IMDB_GENRES = {"Action", "Adventure", "Animation", "Biography", "Comedy", "Crime", "Documentary", "Drama", "Family",
               "Fantasy", "Film-Noir", "History", "Horror", "Music", "Musical", "Mystery", "Romance", "Sci-Fi",
               "Sport", "Thriller", "War", "Western"}
SONG_MOODS = {"happy", "sad", "energetic", "calm", "intense"}


def entries(path):
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]


def test_every_shipped_movie_file_is_valid():
    files = sorted((shipped_lists_dir() / "movies").glob("*.txt"))
    assert len(files) >= 15
    for path in files:
        assert genre_name(path) in IMDB_GENRES, path.name
        lines = entries(path)
        assert all(MOVIE_LINE.match(line) for line in lines), path
        assert len(lines) == len(set(lines)), f"duplicates in {path.name}"
        assert len(lines) >= 40, path.name


def test_every_shipped_song_file_is_valid():
    files = sorted((shipped_lists_dir() / "songs").glob("*.txt"))
    assert {p.stem for p in files} >= SONG_MOODS
    for path in files:
        lines = entries(path)
        assert all(SONG_LINE.match(line) for line in lines), path
        assert len({line.lower() for line in lines}) == len(lines), f"duplicates in {path.name}"
        assert len(lines) >= 40, path.name


def test_mapping_names_only_genres_and_moods_the_lists_have():
    lists = LocalLists.load([shipped_lists_dir()])
    mapping = Mapping.load()
    for strategy in ("match", "lift"):
        for emotion in ("angry", "disgust", "fear", "happy", "sad", "surprise", "neutral"):
            targets = mapping.targets(emotion, strategy)
            assert targets.genres and set(targets.genres) <= set(lists.movies)
            assert targets.moods and set(targets.moods) <= set(lists.songs)


def test_bad_lines_are_skipped_with_a_warning_naming_file_and_line(tmp_path):
    path = tmp_path / "drama.txt"
    path.write_text("# comment\nGood Film (1999)\nno year here\nOld Film (1066)\n\nOther Film (2001)\n")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        movies = read_movie_list(path)
    assert [m.title for m in movies] == ["Good Film", "Other Film"]
    messages = [str(w.message) for w in caught]
    assert any(m.startswith(f"{path}:3:") for m in messages)
    assert any(m.startswith(f"{path}:4:") for m in messages)


def test_unreadable_list_file_is_a_warning_not_a_crash(tmp_path):
    path = tmp_path / "sad.txt"
    path.write_bytes(b"\xff\xfe\x00bad")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert read_song_list(path) == []
    assert "cannot be read" in str(caught[0].message)


def test_user_mapping_overrides(tmp_path):
    mapping = Mapping.load({"lift": {"sad": {"genres": ["Horror"]}}})
    assert mapping.targets("sad", "lift").genres == ("Horror",)
    assert mapping.targets("sad", "lift").moods == ("happy", "energetic")
