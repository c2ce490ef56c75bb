"""IMDb web pages: a parser for saved or fetched pages, and a best-effort crawler by genre.

IMDb answers scripts with a WAF challenge (HTTP 202) since early 2026; the crawler does not try
to get round it. It reports "blocked" and the app falls back on other sources. Users can save
pages from their browser and `moodtui imdb import` them instead.

The parser reads, in order: the `__NEXT_DATA__` JSON (the whole list), JSON-LD `ItemList`,
then the server-rendered HTML list items (current and older layouts).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from bs4 import BeautifulSoup

from moodtui.errors import UserError
from moodtui.recommend.http import HttpClient
from moodtui.recommend.items import Recommendation
from moodtui.recommend.sources import SourceRequest, SourceResult, Status, best_status

TITLE_ID = re.compile(r"(tt\d{5,10})")
RANK_PREFIX = re.compile(r"^\s*\d+\s*[.)]\s*")
YEAR = re.compile(r"(1[89]\d\d|20\d\d)")
CACHE_SECONDS = 24 * 3600
BLOCK_MEMORY = 15 * 60  # seconds to leave IMDb alone after it answered with a challenge


class PageError(UserError, ValueError):
    """The HTML holds no titles we can read."""


def _number(text) -> float | None:
    """"9.3", "9,3" -> 9.3; "( 3M )", "3,1 M", "14K", "1.234.567" -> vote counts."""
    if text is None:
        return None
    if isinstance(text, (int, float)):
        return float(text)
    text = str(text).strip().strip("()").strip().replace("\u00a0", " ")
    match = re.match(r"^([\d.,\s]+)\s*([KkMm]|Mio\.?|Tsd\.?|mil)?", text)
    if not match or not match.group(1).strip():
        return None
    digits, unit = match.group(1).replace(" ", ""), (match.group(2) or "").lower()
    if re.fullmatch(r"\d{1,3}([.,]\d{3})+", digits) and not unit:
        digits = re.sub(r"[.,]", "", digits)  # thousands separators
    try:
        value = float(digits.replace(",", "."))
    except ValueError:
        return None
    return value * (1_000_000 if unit.startswith(("m", "mio")) else 1000 if unit.startswith(("k", "tsd")) else 1)


def _votes(value) -> int | None:
    number = _number(value)
    return int(number) if number is not None else None


def _record(imdb_id, title, year=None, rating=None, votes=None, genres=()) -> dict:
    return {"id": imdb_id, "title": title, "year": int(year) if year else None,
            "rating": round(float(rating), 1) if rating is not None else None,
            "votes": votes, "genres": list(genres)}


# __NEXT_DATA__ ---------------------------------------------------------------------------
def _text(value) -> str | None:
    if isinstance(value, dict):
        return value.get("text") or value.get("plainText")
    return value if isinstance(value, str) else None


def _year_of(value) -> int | None:
    if isinstance(value, dict):
        value = value.get("year")
    return int(value) if isinstance(value, (int, float)) or (isinstance(value, str) and value.isdigit()) else None


def _from_title_node(node: dict) -> dict | None:
    """A title object in any of IMDb's JSON shapes (chart edge node, search list item, ...)."""
    imdb_id = node.get("id") or node.get("titleId") or node.get("const")
    title = _text(node.get("titleText")) or _text(node.get("originalTitleText")) or node.get("title")
    if not isinstance(imdb_id, str) or not TITLE_ID.fullmatch(imdb_id) or not isinstance(title, str):
        return None
    ratings = node.get("ratingsSummary") or node.get("ratingSummary") or {}
    genres = node.get("genres") or [g.get("genre", {}).get("text") for g in
                                    (node.get("titleGenres") or {}).get("genres", [])]
    return _record(imdb_id, title, _year_of(node.get("releaseYear")), ratings.get("aggregateRating"),
                   _votes(ratings.get("voteCount")), [g for g in genres if isinstance(g, str)])


def _walk_titles(value) -> Iterator[dict]:
    """Every title object anywhere in the JSON, for layouts whose paths we do not know."""
    if isinstance(value, dict):
        record = _from_title_node(value)
        if record is not None:
            yield record
            return
        for child in value.values():
            yield from _walk_titles(child)
    elif isinstance(value, list):
        for child in value:
            yield from _walk_titles(child)


def from_next_data(soup: BeautifulSoup) -> list[dict]:
    script = soup.find("script", id="__NEXT_DATA__")
    if script is None or not script.string:
        return []
    try:
        data = json.loads(script.string)
    except json.JSONDecodeError:
        return []
    page = data.get("props", {}).get("pageProps", {}) if isinstance(data, dict) else {}
    search = (page.get("searchResults") or {}).get("titleResults", {}).get("titleListItems")
    chart = ((page.get("pageData") or {}).get("chartTitles") or {}).get("edges")
    if search:
        nodes = search
    elif chart:
        nodes = [edge.get("node", {}) for edge in chart]
    else:
        return _unique(_walk_titles(page))
    return _unique(r for r in map(_from_title_node, nodes) if r)


# JSON-LD ---------------------------------------------------------------------------------
def from_json_ld(soup: BeautifulSoup) -> list[dict]:
    records = []
    for script in soup.find_all("script", type="application/ld+json"):
        try:
            data = json.loads(script.string or "")
        except json.JSONDecodeError:
            continue
        items = data.get("itemListElement", []) if data.get("@type") == "ItemList" else [{"item": data}]
        for element in items:
            item = element.get("item", element) if isinstance(element, dict) else {}
            match = TITLE_ID.search(str(item.get("url", "")))
            if not match or not item.get("name"):
                continue
            rating = item.get("aggregateRating") or {}
            genre = item.get("genre") or []
            year = YEAR.search(str(item.get("datePublished", "")))
            records.append(_record(match.group(1), item["name"], year.group(1) if year else None,
                                   _number(rating.get("ratingValue")), _votes(rating.get("ratingCount")),
                                   [genre] if isinstance(genre, str) else genre))
    return _unique(records)


# HTML ------------------------------------------------------------------------------------
def _html_item(item, title_el, year_text, rating_el, votes_el, genre_el) -> dict | None:
    link = item.find("a", href=TITLE_ID)
    if link is None or title_el is None:
        return None
    title = RANK_PREFIX.sub("", title_el.get_text(" ", strip=True))
    year = YEAR.search(year_text or "")
    genres = [g.strip() for g in genre_el.get_text().split(",")] if genre_el else []
    votes = votes_el.get("data-value") or votes_el.get_text() if votes_el else None
    return _record(TITLE_ID.search(link["href"]).group(1), title, year.group(1) if year else None,
                   _number(rating_el.get_text()) if rating_el else None, _votes(votes), genres)


def from_html(soup: BeautifulSoup) -> list[dict]:
    records = []
    for item in soup.select("li.ipc-metadata-list-summary-item"):  # 2023- layout
        meta = [m.get_text(strip=True) for m in item.select("[class*=title-metadata-item]")]
        records.append(_html_item(item, item.select_one("h3.ipc-title__text, .ipc-title__text"),
                                  next((m for m in meta if YEAR.fullmatch(m[:4] or "")), None),
                                  item.select_one(".ipc-rating-star--rating"),
                                  item.select_one(".ipc-rating-star--voteCount"), None))
    for item in soup.select("div.lister-item"):  # older search and list pages
        records.append(_html_item(item, item.select_one("h3.lister-item-header a"),
                                  (item.select_one(".lister-item-year") or soup.new_string("")).get_text(),
                                  item.select_one(".ratings-imdb-rating strong"),
                                  item.select_one("span[name=nv]"), item.select_one("span.genre")))
    for row in soup.select("td.titleColumn"):  # the chart before 2023
        parent = row.find_parent("tr") or row
        records.append(_html_item(parent, row.find("a"),
                                  (row.select_one(".secondaryInfo") or soup.new_string("")).get_text(),
                                  parent.select_one("td.imdbRating strong, td.ratingColumn strong"), None, None))
    return _unique(r for r in records if r)


def _unique(records) -> list[dict]:
    seen, result = set(), []
    for record in records:
        if record["id"] not in seen:
            seen.add(record["id"])
            result.append(record)
    return result


def parse_page(html: str | bytes) -> list[dict]:
    """Titles on an IMDb page, one dict each: id, title, year, rating, votes, genres (None if unknown)."""
    soup = BeautifulSoup(html, "html.parser")
    for strategy in (from_next_data, from_json_ld, from_html):
        records = strategy(soup)
        if records:
            return records
    raise PageError("no IMDb titles found on this page")


def to_recommendation(record: dict, source: str) -> Recommendation:
    return Recommendation("movie", record["title"], record["year"], tuple(record["genres"]), record["rating"],
                          record["votes"], source=source, url=f"https://www.imdb.com/title/{record['id']}/",
                          imdb_id=record["id"])


class ImdbPages:
    """Best-effort crawler of IMDb's advanced title search, one genre at a time, cached for a day; a source."""

    name = "imdb pages"
    kind = "movie"
    online = True
    fallback_for = None

    def __init__(self, client: HttpClient, store, base_url: str) -> None:
        self.client, self.store, self.base_url = client, store, base_url.rstrip("/")

    def search_url(self, genre: str) -> str:
        return f"{self.base_url}/search/title/?title_type=feature&genres={genre.lower()}&sort=num_votes,desc"

    def fetch(self, request: SourceRequest) -> SourceResult:
        items, statuses, details = [], [], []
        for genre in request.genres:
            if self.store.cache_get("imdb-pages:blocked"):
                statuses.append(Status.BLOCKED)
                details.append("IMDb asked for a browser challenge recently")
                continue
            result = self.movies(genre)
            if result.status == Status.BLOCKED:
                self.store.cache_put("imdb-pages:blocked", True, BLOCK_MEMORY)
            items += result.items
            statuses.append(result.status)
            details.append(result.detail)
        return SourceResult(items, best_status(statuses), next((d for d in details if d), ""))

    def movies(self, genre: str) -> SourceResult:
        key = f"imdb-pages:{genre.lower()}"
        cached = self.store.cache_get(key)
        if cached is not None:
            return SourceResult([to_recommendation(r, "imdb") for r in cached], Status.CACHED)
        fetched = self.client.get(self.search_url(genre))
        if fetched.status != Status.ONLINE:
            stale = self.store.cache_get(key, allow_stale=True)
            items = [to_recommendation(r, "imdb") for r in stale or []]
            return SourceResult(items, Status.CACHED if stale else fetched.status, fetched.detail)
        try:
            records = parse_page(fetched.body)
        except PageError as error:
            return SourceResult([], Status.ERROR, f"unreadable page: {error}")
        self.store.cache_put(key, records, CACHE_SECONDS)
        return SourceResult([to_recommendation(r, "imdb") for r in records], Status.ONLINE)
