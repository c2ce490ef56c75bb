import json

import pytest

from moodtui.recommend.http import HttpClient
from moodtui.recommend.imdb_pages import ImdbPages, PageError, from_html, from_json_ld, parse_page
from moodtui.store import Store
from tests.conftest import shared_path
from tests.fixture_server import Reply


def page(name: str) -> bytes:
    return shared_path(f"fixtures/imdb/{name}").read_bytes()


def soup(html):
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def test_top_250_chart_yields_250_from_json_and_25_from_html():
    html = page("chart_top_2025-05.html")
    records = parse_page(html)
    assert len(records) == 250
    assert records[0] == {"id": "tt0111161", "title": "The Shawshank Redemption", "year": 1994, "rating": 9.3,
                          "votes": 3048528, "genres": ["Drama"]}
    assert len(from_json_ld(soup(html))) == 250
    html_only = from_html(soup(html))
    assert len(html_only) == 25
    assert html_only[0]["title"] == "The Shawshank Redemption"  # the rank "1. " is not part of the title
    assert html_only[0]["votes"] == 3_000_000  # "( 3M )"


def test_advanced_search_yields_50_from_json_and_25_from_html():
    html = page("search_title_2025-06.html")
    records = parse_page(html)
    assert len(records) == 50
    assert records[0]["id"] == "tt3045628" and records[0]["genres"] == ["Crime", "Drama", "Mystery"]
    assert len(from_html(soup(html))) == 25


def test_localised_older_layout_page():
    html = """<html><body><div class="lister-item">
      <h3 class="lister-item-header"><span>1.</span> <a href="/title/tt0050083/">Die zwölf Geschworenen</a>
      <span class="lister-item-year">(1957)</span></h3>
      <span class="genre">Krimi, Drama</span>
      <div class="ratings-imdb-rating"><strong>9,0</strong></div>
      <p class="sort-num_votes-visible"><span name="nv" data-value="912345">912.345</span></p>
    </div></body></html>"""
    assert parse_page(html) == [{"id": "tt0050083", "title": "Die zwölf Geschworenen", "year": 1957,
                                 "rating": 9.0, "votes": 912345, "genres": ["Krimi", "Drama"]}]


def test_pre_2023_chart_layout():
    html = """<table><tr><td class="titleColumn">1. <a href="/title/tt0111161/">The Shawshank Redemption</a>
      <span class="secondaryInfo">(1994)</span></td><td class="ratingColumn imdbRating"><strong>9.2</strong></td>
      </tr></table>"""
    assert parse_page(html)[0] == {"id": "tt0111161", "title": "The Shawshank Redemption", "year": 1994,
                                   "rating": 9.2, "votes": None, "genres": []}


def test_markup_characters_in_titles_come_through_unchanged():
    data = {"props": {"pageProps": {"searchResults": {"titleResults": {"titleListItems": [
        {"titleId": "tt0000001", "titleText": "[bold]Loud[/] & <Proud>", "releaseYear": 2001,
         "ratingSummary": {"aggregateRating": 7.1, "voteCount": 10}, "genres": ["Comedy"]}]}}}}}
    html = f'<script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script>'
    assert parse_page(html)[0]["title"] == "[bold]Loud[/] & <Proud>"


@pytest.mark.parametrize("html", [b"", b"<html><body>Nothing here</body></html>", b"\x00\xff garbage",
                                  b'<script id="__NEXT_DATA__" type="application/json">{not json</script>'])
def test_pages_without_titles_are_a_clear_error(html):
    with pytest.raises(PageError, match="no IMDb titles"):
        parse_page(html)


@pytest.fixture
def crawler(server, tmp_path):
    client = HttpClient(timeout=1.0)
    yield ImdbPages(client, Store(tmp_path / "s.sqlite"), server.url)
    client.close()


def test_crawler_reads_and_caches_a_search_page(server, crawler):
    server.routes["/search/title/"] = Reply(200, page("search_title_2025-06.html"))
    first = crawler.movies("Drama")
    assert first.status == "online" and len(first.items) == 50
    assert first.items[0].url == "https://www.imdb.com/title/tt3045628/"
    second = crawler.movies("Drama")
    assert second.status == "cached" and len(second.items) == 50
    assert len(server.requests) == 1  # the second answer came from the cache
    path, headers = server.requests[0]
    assert "genres=drama" in path
    assert headers["Accept-Language"].startswith("en-US")


@pytest.mark.parametrize(
    ("reply", "status"),
    [
        (Reply(202, b"", {"x-amzn-waf-action": "challenge"}), "blocked"),
        (Reply(403, b"<html><head><title>403 Forbidden</title></head></html>"), "blocked"),
        (Reply(429, b"slow down"), "rate-limited"),
        (Reply(503, b"unavailable"), "error"),
        (Reply(200, b"", delay=2.0), "offline"),  # the client gives up after 1 s
        (Reply(200, b"<html>garbage</html>"), "error"),
    ],
)
def test_crawler_failures_become_statuses(server, crawler, reply, status):
    server.routes["/search/title/"] = reply
    result = crawler.movies("Comedy")
    assert result.status == status
    assert result.items == []
    assert result.detail and "\n" not in result.detail


def test_blocked_crawler_falls_back_on_a_stale_cache(server, crawler):
    server.routes["/search/title/"] = Reply(200, page("search_title_2025-06.html"))
    crawler.movies("Drama")
    crawler.store.db.execute("UPDATE cache SET expires = 0")
    server.routes["/search/title/"] = Reply(202, b"", {"x-amzn-waf-action": "challenge"})
    result = crawler.movies("Drama")
    assert result.status == "cached" and len(result.items) == 50
