import pytest

from moodtui.recommend.http import HttpClient
from moodtui.recommend.music import deezer, itunes
from moodtui.store import Store
from tests.conftest import shared_path
from tests.fixture_server import Reply


def fixture(name: str) -> bytes:
    return shared_path(f"fixtures/music/{name}").read_bytes()


def quota_body() -> bytes:
    lines = shared_path("fixtures/music/deezer_quota_error_200.txt").read_text().splitlines()
    return next(line for line in lines if line.startswith('{') and '"code":4' in line).encode()


@pytest.fixture
def services(server, tmp_path):
    client = HttpClient(timeout=1.0)
    store = Store(tmp_path / "s.sqlite")
    yield deezer(client, store, server.url), itunes(client, store, server.url)
    client.close()


def test_deezer_search_gives_songs_with_artists_and_links(server, services):
    server.routes["/search"] = Reply(200, fixture("deezer_search_track.json"))
    result = services[0].songs("happy", "happy")
    assert result.status == "online" and len(result.items) == 25
    assert all(s.artist and s.title and s.url.startswith("https://www.deezer.com/") for s in result.items)
    assert services[0].songs("happy", "happy").status == "cached"


def test_deezer_quota_error_in_a_200_is_rate_limited(server, services):
    server.routes["/search"] = Reply(200, quota_body())
    result = services[0].songs("sad", "sad")
    assert (result.status, result.items) == ("rate-limited", [])


def test_itunes_search_gives_songs_with_years(server, services):
    server.routes["/search"] = Reply(200, fixture("itunes_search_song.json"))
    result = services[1].songs("happy", "happy")
    assert result.status == "online"
    assert result.items[0].title == "Buddy Holly" and result.items[0].artist == "Weezer"
    assert result.items[0].year == 1994


@pytest.mark.parametrize("body", [b"<html>", b"[]", b'{"data": "nope"}'])
def test_malformed_answers_are_errors_not_exceptions(server, services, body):
    server.routes["/search"] = Reply(200, body)
    for service in services:
        assert service.songs("calm", "chill").items == []
