"""The real Textual app driven by its Pilot: keys in, screen and tables out."""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import numpy as np
import pytest

from moodtui.config import Settings, load_settings
from moodtui.recommend.mapping import Mapping
from moodtui.tui.app import MoodApp
from moodtui.tui.picks import DetailsPane, PicksTable
from moodtui.tui.picks_pane import PicksPane
from tests.conftest import shared_path

pytestmark = pytest.mark.asyncio

MAPPING = Mapping.load()
SNAPSHOTS = Path(__file__).parent / "snapshots"
README_SCREENSHOT = Path(__file__).parent.parent / "docs" / "moodtui.svg"
REPO = README_SCREENSHOT.parent.parent


def app_for(tmp_path, **overrides) -> MoodApp:
    values = {"source": "none", "data_dir": str(tmp_path / "data"), "offline": True, **overrides}
    return MoodApp(Settings(**values))


async def wait_for(pilot, condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("the screen never showed what the test waited for")
        await pilot.pause(0.1)


def text(app, selector: str) -> str:
    widget = app.query_one(selector)
    return widget.plain if hasattr(widget, "plain") else str(widget.content)


def movie_genres(app) -> list[set[str]]:
    return [set(item.genres) for item in app.query_one("#movies", PicksTable).items]


def filled(app) -> bool:
    return bool(app.query_one("#movies", PicksTable).items) and bool(app.query_one("#songs", PicksTable).items)


async def test_starts_without_a_camera_and_works_by_hand(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "No camera" in text(app, "#preview"))
        assert "press 1-7" in text(app, "#preview").lower()
        # The reason is said once, in the preview; the status line has the one word.
        await wait_for(pilot, lambda: text(app, "#status").startswith("camera off"))
        assert "--source none" in text(app, "#preview") and "--source none" not in text(app, "#status")
        await wait_for(pilot, lambda: filled(app))  # neutral picks while no face is known
        await pilot.press("4")
        happy = set(MAPPING.targets("happy", "match").genres)
        await wait_for(pilot, lambda: app.session.emotion == "happy" and movie_genres(app)
                       and all(g & happy for g in movie_genres(app)))
        assert text(app, "#mood").startswith("Mood happy (hand)")
        assert "happy" in text(app, "#bars") and "100%" in text(app, "#bars")
        assert {s.mood for s in app.query_one("#songs", PicksTable).items} <= {"happy", "energetic"}


async def test_strategy_toggle_changes_picks_for_the_session_and_keep_settings_saves_it(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        sad_match = set(MAPPING.targets("sad", "match").genres)
        await wait_for(pilot, lambda: movie_genres(app) and all(g & sad_match for g in movie_genres(app))
                       and app.session.emotion == "sad")
        await pilot.press("s")
        sad_lift = set(MAPPING.targets("sad", "lift").genres)
        await wait_for(pilot, lambda: movie_genres(app) and all(g & sad_lift for g in movie_genres(app)))
        assert text(app, "#mood").endswith("lift")
        assert load_settings().strategy == "match"  # s is for this session: the config file is untouched
        assert any("for this session" in n for n in notices(app))
        app.keep_settings()  # the command palette's "Keep settings"
        assert load_settings().strategy == "lift"
        assert "Keep settings" in [command.title for command in app.get_system_commands(app.screen)]


async def test_like_dislike_and_details(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")
        await wait_for(pilot, lambda: filled(app) and app.session.emotion == "neutral")
        table = app.query_one("#movies", PicksTable)
        table.focus()
        await pilot.press("down")
        second = table.items[1]
        assert str(app.query_one(DetailsPane).content).startswith(second.title)
        await pilot.press("d")
        await pilot.pause(0.2)
        assert app.engine.store.feedback()[second.key] == "dislike"
        assert "you said: dislike" in str(app.query_one(DetailsPane).content)
        await pilot.press("up", "l")
        await pilot.pause(0.2)
        assert app.engine.store.feedback()[table.items[0].key] == "like"
        await pilot.press("n")  # new picks: the disliked film never comes back
        await pilot.pause(0.5)
        for _ in range(5):
            await pilot.press("n")
            await wait_for(pilot, lambda: filled(app))
            assert second.key not in {m.key for m in table.items}


async def test_titles_with_markup_show_literally(tmp_path):
    lists = tmp_path / "data" / "lists" / "movies"
    lists.mkdir(parents=True)
    (lists / "documentary.txt").write_text("[bold]Loud[/] Facts (2001)\n[/] Broken (2002)\n")
    # 50 picks from the 42 documentaries (40 shipped, 2 here): every one of them is shown.
    app = app_for(tmp_path, mapping={"match": {"neutral": {"genres": ["Documentary"]}}}, picks=50)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("7")
        await wait_for(pilot, lambda: any("[bold]Loud[/]" in m.title for m in
                                          app.query_one("#movies", PicksTable).items))
        table = app.query_one("#movies", PicksTable)
        cells = [str(table.get_row_at(i)[0]) for i in range(table.row_count)]
        assert "[bold]Loud[/] Facts" in cells and "[/] Broken" in cells
        table.move_cursor(row=cells.index("[bold]Loud[/] Facts"))  # scroll it into view
        await pilot.pause(0.2)
        assert str(app.query_one(DetailsPane).content).startswith("[bold]Loud[/] Facts")
        screenshot = app.export_screenshot()
        assert "[bold]Loud[/]" in screenshot.replace("&#160;", " ")


@pytest.mark.parametrize(("size", "preview"), [((80, 24), "ascii"), ((80, 24), "blocks"), ((120, 40), "colour")])
async def test_layout_with_an_image_source(tmp_path, size, preview):
    photo = shared_path("data/faces/astronaut.png")
    app = app_for(tmp_path, source=str(photo), preview=preview)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: app.session.camera is not None and app.session.camera.emotion == "happy")
        # The face box carries its track id, in every style.
        await wait_for(pilot, lambda: filled(app) and "#1" in text(app, "#preview"))
        assert ("▀" in text(app, "#preview")) == (preview != "ascii")
        for widget in ("#preview", "#bars", "#mood", "#status", "#movies", "#songs", "#details"):
            region = app.query_one(widget).region
            assert region.width > 0 and region.height > 0, widget
            assert region.right <= size[0] and region.bottom <= size[1] - 1, widget  # the footer keeps its row
        assert app.query_one("#movies").region.x > app.query_one("#preview").region.right - 1
        # The footer's most used keys, whole, up to p (pause) at 80 columns; ctrl+p joins them from 100.
        footer = {key.key: key.region for key in app.query("FooterKey")}
        palette = footer.pop("ctrl+p", None)
        whole = [k for k, region in footer.items() if region.right <= (palette.x if palette else size[0])]
        assert len(whole) == len(footer)
        assert whole == ["q", "question_mark", "n", "enter", "1", "l", "d", "x", "s", "a", "p", "b"][
            :11 if size[0] == 80 else 12], whole  # whole keys only: none cut, none hidden under ctrl+p
        assert (palette is not None) == (size[0] >= 100)
        bars = text(app, "#bars").splitlines()
        assert len(bars) == 7 and bars[3].startswith("happy")
        # The raw reading of this frame is a thin marker on each bar; the happy one sits near its end.
        await wait_for(pilot, lambda: text(app, "#bars").count("┃") == 7)
        happy = text(app, "#bars").splitlines()[3]
        assert happy.index("┃") > len(happy) * 0.6
        svg = app.export_screenshot()
        assert "Movies" in svg and "Songs" in svg and "happy" in svg
    # The README's picture of the app is this screen (the fps in it varies, so it is not compared).
    if size == (120, 40):
        if os.environ.get("MOODTUI_UPDATE_SNAPSHOTS"):
            README_SCREENSHOT.write_text(svg)
        assert README_SCREENSHOT.exists(), f"draw {README_SCREENSHOT} with MOODTUI_UPDATE_SNAPSHOTS=1"
        assert README_SCREENSHOT.name in (REPO / "README.md").read_text()


async def test_preview_toggle_and_pause(tmp_path):
    app = app_for(tmp_path, source=str(shared_path("data/faces/astronaut.png")))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: "┌" in text(app, "#preview"))
        await pilot.press("v")
        assert not app.query_one("#preview").display
        await pilot.press("p")
        assert "paused" in text(app, "#status")
    assert load_settings().preview == "auto"  # for this session only: "Keep settings" keeps it


async def test_quit_releases_the_camera_and_exits_zero(tmp_path):
    app = app_for(tmp_path, source=str(shared_path("data/faces/astronaut.png")))
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.camera.reader is not None and app.camera.reader.state == "live")
        reader = app.camera.reader
        await pilot.press("q")
        await asyncio.sleep(0.2)
    assert app.return_value == 0
    assert not reader._thread.is_alive()


async def test_messages_that_arrive_during_shutdown_are_dropped(tmp_path):
    """Textual delivers what is still queued after it closed the screen; drawing it must not crash."""
    from textual.widgets import DataTable

    from moodtui.tui.messages import CameraStatus, PicksReady

    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: filled(app))
        table = app.query_one("#movies", PicksTable)
        row = table.coordinate_to_cell_key((1, 0)).row_key
        late_picks = app.engine.recommend("sad", "match", seed=1)
        late = [DataTable.RowHighlighted(table, 1, row), DataTable.RowSelected(table, 1, row), CameraStatus("lost"),
                PicksReady(late_picks, app.session.latest.generation)]
    assert not app.screen_stack  # the screen is gone, as when a late message is handled
    app._row_moved(late[0])
    app._row_chosen(late[1])
    app.on_camera_status(late[2])
    app.on_picks_ready(late[3])
    assert app.session.emotion == "neutral" and app.session.pending is None




@pytest.mark.parametrize("size", [(80, 24), (120, 40)])
async def test_screen_matches_its_snapshot(tmp_path, size):
    """The whole screen, drawn: no camera, happy set by hand, seeded picks from the local lists.

    After an intended change of the layout, rewrite the snapshots with MOODTUI_UPDATE_SNAPSHOTS=1
    and look at the SVGs before committing them.
    """
    import textual

    drawn_with = (SNAPSHOTS / "TEXTUAL_VERSION").read_text().strip()
    updating = bool(os.environ.get("MOODTUI_UPDATE_SNAPSHOTS"))
    if textual.__version__ != drawn_with and not updating:
        pytest.skip(f"snapshots were drawn with textual {drawn_with}, this is {textual.__version__}: "
                    "look at the screen and redraw them with MOODTUI_UPDATE_SNAPSHOTS=1")
    app = MoodApp(Settings(source="none", data_dir=str(tmp_path / "data"), offline=True), seed=7)
    async with app.run_test(size=size) as pilot:
        await wait_for(pilot, lambda: "No camera" in text(app, "#preview") and filled(app))
        await pilot.press("4")
        await wait_for(pilot, lambda: app.query_one("#movies", PicksTable).items
                       and app.query_one("#status").sources and text(app, "#mood").startswith("Mood happy"))
        await wait_for(pilot, lambda: all(g & set(MAPPING.targets("happy", "match").genres) for g in movie_genres(app)))
        await pilot.pause(0.3)
        svg = app.export_screenshot()
    golden = SNAPSHOTS / f"screen_{size[0]}x{size[1]}.svg"
    assert updating or golden.exists(), f"{golden} is missing: draw it with MOODTUI_UPDATE_SNAPSHOTS=1 and look at it"
    if updating:
        golden.write_text(svg)
        (SNAPSHOTS / "TEXTUAL_VERSION").write_text(textual.__version__ + "\n")
    actual = tmp_path / golden.name
    actual.write_text(svg)
    assert svg == golden.read_text(), f"the screen differs from {golden}; see {actual}"


async def test_b_records_a_baseline_that_is_stored_and_B_clears_it(tmp_path):
    from moodtui.store import Store

    app = app_for(tmp_path, source=str(shared_path("data/faces/astronaut.png")))
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.session.camera is not None and app.session.camera.emotion == "happy")
        await pilot.press("b")
        await wait_for(pilot, lambda: "baseline recording" in text(app, "#status"))
        await wait_for(pilot, lambda: "baseline on" in text(app, "#status"), timeout=20)
        # The smiling photo is now the resting face: the mood settles on neutral.
        await wait_for(pilot, lambda: app.session.camera.emotion == "neutral", timeout=20)
        store = Store(tmp_path / "data" / "moodtui.sqlite")
        # Kept with the model that reads faces (auto's choice depends on the machine), as the status line names it.
        chosen = app.query_one("#status").model
        assert chosen in ("large", "default")
        assert store.baseline() is not None and store.baseline()[2] == chosen
        await pilot.press("B")
        await wait_for(pilot, lambda: "baseline" not in text(app, "#status"))
        await wait_for(pilot, lambda: app.session.camera.emotion == "happy", timeout=20)
        await wait_for(pilot, lambda: store.baseline() is None)
        store.close()


async def test_no_calibration_ignores_a_stored_baseline(tmp_path):
    from moodtui.store import Store
    from moodtui.vision.calibration import baseline_from

    store = Store(tmp_path / "data" / "moodtui.sqlite")
    neutral_for_happy = baseline_from([[0.01, 0.01, 0.01, 0.9, 0.02, 0.03, 0.02]], 0.0, min_frames=1, model="large")
    store.save_baseline(neutral_for_happy.offsets, neutral_for_happy.recorded_at, neutral_for_happy.model)
    store.close()
    app = app_for(tmp_path, source=str(shared_path("data/faces/astronaut.png")), calibration=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: app.session.camera is not None and app.session.camera.emotion == "happy")
        assert "baseline off" in text(app, "#status")
        await pilot.press("b")
        await pilot.pause(0.3)
        assert "baseline recording" not in text(app, "#status")


async def test_toggles_keep_the_users_config_file_except_the_toggled_values(tmp_path):
    from moodtui.config import config_path

    path = config_path()
    written = ('# my moodtui\nstrategy = "match"  # I like matching\npreview = true\n\n'
               '[mapping.match]\n# comedy when sad\nsad = { genres = ["Comedy"], moods = ["happy"] }\n')
    path.write_text(written)
    app = app_for(tmp_path, **{k: v for k, v in vars(load_settings()).items() if k in ("strategy", "mapping")})
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: filled(app))
        await pilot.press("s")
        await pilot.press("v")
        await pilot.pause(0.2)
        assert path.read_text() == written  # toggles last the session ...
        await pilot.press("ctrl+p")  # ... unless the user keeps them
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"Keep settings")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await wait_for(pilot, lambda: "lift" in path.read_text())
    assert path.read_text() == written.replace('"match"  #', '"lift"  #').replace("preview = true", 'preview = "off"')
    assert load_settings().mapping == {"match": {"sad": {"genres": ["Comedy"], "moods": ["happy"]}}}


async def test_a_server_that_never_answers_never_blocks_the_app(tmp_path):
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)  # accepts connections, never answers
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    app = app_for(tmp_path, offline=False, imdb_url=url, deezer_url=url, itunes_url=url, timeout=30.0, budget=30.0)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: filled(app), timeout=3)  # the local lists, at once
            for key in "1234567" * 3 + "ss":
                await pilot.press(key)
            assert app.session.emotion == "neutral" or app.session.manual == "neutral"
            assert app.query_one(PicksPane).online_threads == 1  # one fetch in flight, the rest waiting as one
            await wait_for(pilot, lambda: movie_genres(app) and app.session.manual == "neutral", timeout=3)
            started = time.monotonic()
            await pilot.press("q")
        assert time.monotonic() - started < 1.5
    finally:
        listener.close()


def notices(app) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def test_camera_key_seen_copy_link_enter_help_and_palette(tmp_path):
    """The keys no other test presses: 0, x, c, o, enter, ? and ctrl+p, each with what it changed."""
    from moodtui.store import Store

    app = app_for(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: filled(app))
        await pilot.press("5")  # sad, by hand
        await wait_for(pilot, lambda: text(app, "#mood").startswith("Mood sad (hand)"))
        await pilot.press("0")  # back to the camera, which has seen no face
        await wait_for(pilot, lambda: app.session.manual is None and "(hand)" not in text(app, "#mood"))
        assert "neutral (no camera: 1-7 set it)" in text(app, "#mood")
        await pilot.press("g")  # everyone in view: nobody yet
        assert "group of 0 · neutral (no camera" in text(app, "#mood")
        await pilot.press("g")
        assert "group" not in text(app, "#mood")
        # The timeline drew the moods in use: neutral at start, sad by hand, neutral again.
        await wait_for(pilot, lambda: "▆" in text(app, "#timeline"), timeout=3)
        assert [e for _, e in app.session.timeline] == ["neutral", "sad", "neutral"]

        await wait_for(pilot, lambda: filled(app))
        first = app.query_one("#movies", PicksTable).selected
        await pilot.press("x")  # seen: stored, and never picked again
        store = Store(tmp_path / "data" / "moodtui.sqlite")
        assert store.verdict(first) == "seen"
        store.close()

        await pilot.press("c")  # every movie has a link now: IMDb's page or its search for the title
        assert app.clipboard.startswith("https://www.imdb.com/") and app.clipboard == first.url
        await pilot.press("o")
        assert first.url in notices(app)
        await pilot.press("enter")  # all of the row, in a screen of its own
        await wait_for(pilot, lambda: type(app.screen).__name__ == "DetailsScreen")
        details = str(app.screen.query_one("#all-details").content)
        assert details.startswith(first.title) and first.url in details and "why: " in details
        await pilot.press("escape")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "Screen")

        await pilot.press("question_mark")  # every key, grouped
        await wait_for(pilot, lambda: type(app.screen).__name__ == "KeysScreen")
        from moodtui.tui.keys import help_rows

        rows = help_rows()
        assert [g for g, _, _ in rows] == sorted([g for g, _, _ in rows], key=["Mood", "Picks", "Camera", "App"].index)
        listed = " ".join(keys for _, keys, _ in rows)
        assert all((b.key_display or b.key) in listed or b.action.startswith("set_mood") or b.action == "enter_tables"
                   for b in app.BINDINGS)  # the arrows are listed as Textual's
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: type(app.screen).__name__ != "KeysScreen")

        await pilot.press("ctrl+p")  # the palette lists the footer's actions: run one from it
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"Strategy", "enter")
        await wait_for(pilot, lambda: app.session.strategy == "lift")
        assert "lift" in text(app, "#mood")
        await pilot.press("ctrl+p")  # each key says what it alone does; nothing writes the screen to a file
        await wait_for(pilot, lambda: type(app.screen).__name__ == "CommandPalette")
        await pilot.press(*"Dislike")
        await pilot.pause(0.5)
        listed = " ".join(str(option.prompt) for option in app.screen.query("CommandList").first().options)
        assert "dislike the selected title" in listed and "like / dislike / seen" not in listed, listed
        await pilot.press("escape")
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert "Keep settings" in titles and not titles & {"Screenshot", "Keys"}
        await pilot.press("ctrl+c")  # quits, as in every terminal program
        await wait_for(pilot, lambda: app.return_code is not None or not app.is_running)




def count_drawing(app) -> dict[str, int]:
    """Counts the preview pictures and bar updates the camera pane draws from now on."""
    from moodtui.tui.bars import EmotionBars
    from moodtui.tui.preview import CameraPreview

    drawn = {"preview": 0, "bars": 0}
    for name, widget in (("preview", app.query_one(CameraPreview)), ("bars", app.query_one(EmotionBars))):
        method = "show_picture" if name == "preview" else "show"
        original = getattr(widget, method)

        def counted(*args, original=original, name=name, **kwargs):
            drawn[name] += 1
            return original(*args, **kwargs)

        setattr(widget, method, counted)
    return drawn


async def test_the_preview_keeps_under_its_bandwidth_budget(tmp_path):
    """A tight budget lowers the preview's frame rate; the bars keep theirs."""
    import cv2

    face = cv2.resize(cv2.imread(str(shared_path("data/faces/astronaut.png"))), (640, 480))
    video = tmp_path / "face.avi"
    writer = cv2.VideoWriter(str(video), cv2.VideoWriter_fourcc(*"MJPG"), 30, (640, 480))
    for i in range(60):
        writer.write(np.roll(face, i * 2, axis=1))
    writer.release()
    counts = {}
    for budget in (1000.0, 4.0):
        app = MoodApp(Settings(source=str(video), data_dir=str(tmp_path / "data"), offline=True,
                               preview="colour", preview_budget=budget))
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda app=app: "▀" in text(app, "#preview"))
            drawn = count_drawing(app)
            await pilot.pause(3.0)
            counts[budget] = dict(drawn)
    assert counts[1000.0]["preview"] >= 7, counts  # up to 5 a second when the link is not the limit (15 in 3 s)
    assert counts[4.0]["preview"] <= 4, counts  # about 4 KB/s of pictures of ~10 KB each
    # The bars do not give way to the budget (they are sent when their values change, whatever the link).
    assert counts[4.0]["bars"] >= 3 and counts[4.0]["bars"] >= counts[1000.0]["bars"] // 2, counts


async def test_nothing_is_redrawn_when_nothing_changed(tmp_path):
    """A still picture: the preview is drawn once, the bars stop once the mood has settled, and with the
    camera paused nothing is read at all."""
    app = app_for(tmp_path, source=str(shared_path("data/faces/astronaut.png")), preview="colour")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: app.session.camera is not None and app.session.camera.emotion == "happy")
        await pilot.pause(2.0)  # the smoothed scores settle
        drawn = count_drawing(app)
        await pilot.pause(3.0)  # six more readings of the same photo
        assert drawn == {"preview": 0, "bars": 0}, drawn
        await pilot.press("p")
        frames_before = app.camera.reader._frame.index
        await pilot.pause(1.5)
        assert app.camera.reader._frame.index == frames_before and app.camera.reader.paused
        assert "camera paused" in text(app, "#status")


async def test_a_theme_chosen_is_kept_for_next_time(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: filled(app))
        app.theme = "nord"  # what picking "nord" under ctrl+p -> Theme does
        await pilot.pause(0.3)
    assert load_settings().theme == "nord"
    again = app_for(tmp_path, theme=load_settings().theme)
    async with again.run_test(size=(80, 24)) as pilot:
        await pilot.pause(0.2)
        assert again.theme == "nord"


async def test_picks_never_move_under_the_cursor_and_n_shows_them(tmp_path):
    from moodtui.tui.messages import MoodChanged
    from moodtui.vision.mood import Mood

    app = app_for(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: filled(app))
        assert app.focused is None  # nothing is in a table until the user goes there
        await pilot.press("down")  # an arrow goes into the movies table ...
        table = app.query_one("#movies", PicksTable)
        assert app.focused is table
        await pilot.press("down", "down")  # ... and moves in it: row 3
        before, title = list(table.items), table.selected.title
        assert table.cursor_row == 2
        for emotion in ("happy", "sad", "surprise"):  # the camera's mood changes three times
            app.post_message(MoodChanged(Mood(emotion, (0.0,) * 7, 0.0, face=True)))
            await wait_for(pilot, lambda e=emotion: app.session.latest.emotion == e and app.session.pending)
        await pilot.pause(0.3)
        assert table.cursor_row == 2 and table.selected.title == title and table.items == before
        assert "new picks for surprise: n" in text(app, "#status")
        assert str(app.query_one(DetailsPane).content).startswith(title)
        await pilot.press("n")
        surprise = set(MAPPING.targets("surprise", "match").genres)
        await wait_for(pilot, lambda: movie_genres(app) and all(g & surprise for g in movie_genres(app)))
        assert "new picks" not in text(app, "#status")
        # Held again; esc leaves the tables and shows what waited.
        app.post_message(MoodChanged(Mood("sad", (0.0,) * 7, 0.0, face=True)))
        await wait_for(pilot, lambda: app.session.latest.emotion == "sad" and app.session.pending)
        await pilot.press("escape")
        sad = set(MAPPING.targets("sad", "match").genres)
        await wait_for(pilot, lambda: movie_genres(app) and all(g & sad for g in movie_genres(app)))
        assert app.focused is None and "new picks" not in text(app, "#status")


async def test_the_tables_are_cut_again_for_a_window_made_smaller(tmp_path):
    app = app_for(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: filled(app))
        await pilot.press("down", "down", "x")  # row 2, marked seen
        await pilot.resize_terminal(80, 24)
        await pilot.pause(0.5)
        for table in app.query(PicksTable):
            widths = sum(column.width for column in table.columns.values())
            assert widths + 2 * len(table.columns) <= table.size.width + 2, (table.kind, widths, table.size.width)
            assert "Year" in [str(column.label) for column in table.columns.values()]
        movies = app.query_one("#movies", PicksTable)
        assert movies.cursor_row == 1 and movies.get_row_at(1)[0].plain.startswith("✓ ")


async def test_picks_for_a_new_mood_show_by_themselves_while_the_user_is_away_from_the_tables(tmp_path):
    from moodtui.tui.messages import MoodChanged
    from moodtui.vision.mood import Mood

    app = app_for(tmp_path)
    async with app.run_test(size=(120, 40)) as pilot:
        await wait_for(pilot, lambda: filled(app))
        await pilot.press("down", "escape")  # in a table and out again
        assert app.focused is None
        app.session.grace = 0.3  # the seconds after a key that picks wait (10 in the app)
        await pilot.pause(0.4)
        app.post_message(MoodChanged(Mood("sad", (0.0,) * 7, 0.0, face=True)))
        sad = set(MAPPING.targets("sad", "match").genres)
        await wait_for(pilot, lambda: movie_genres(app) and all(g & sad for g in movie_genres(app)))
        assert app.session.pending is None and "new picks" not in text(app, "#status")


async def test_the_baseline_tip_is_given_once_ever_and_never_after_b(tmp_path, monkeypatch):
    from moodtui.tui import camera_pane

    monkeypatch.setattr(camera_pane, "TIP_AFTER", 0.5)  # seconds of a steady face (20 in the app)
    photo = str(shared_path("data/faces/astronaut.png"))
    tip = "Tip: press b and relax your face"
    app = app_for(tmp_path, source=photo)
    async with app.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: any(n.startswith(tip) for n in notices(app)))
        await pilot.pause(1.0)
        assert sum(n.startswith(tip) for n in notices(app)) == 1
    again = app_for(tmp_path, source=photo)  # the next run: never again
    async with again.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: again.camera._face_since is not None)  # a face in view ...
        await pilot.pause(1.5)  # ... for longer than the tip waits
        assert not any(n.startswith(tip) for n in notices(again))
    fresh = app_for(tmp_path / "someone else", source=photo)  # b before the tip: it is never needed
    async with fresh.run_test(size=(100, 30)) as pilot:
        await wait_for(pilot, lambda: fresh.camera.calibration is not None)
        await pilot.press("b")
        await wait_for(pilot, lambda: fresh.camera._face_since is not None)
        await pilot.pause(1.5)
        assert not any(n.startswith(tip) for n in notices(fresh))


@pytest.mark.asyncio
async def test_the_keys_scroll_at_80x24_without_a_tab_first(tmp_path):
    from textual.containers import VerticalScroll

    app = MoodApp(Settings(source="none", data_dir=str(tmp_path / "data"), offline=True))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: type(app.screen).__name__ == "KeysScreen")
        scroll = app.screen.query_one(VerticalScroll)
        await wait_for(pilot, lambda: scroll.max_scroll_y > 0)  # longer than the window
        await pilot.press("end")
        await wait_for(pilot, lambda: scroll.scroll_y == scroll.max_scroll_y)
