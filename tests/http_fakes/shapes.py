"""Response bodies in the real shapes of the X API v2, YouTube Data API v3 and Mastodon."""

from __future__ import annotations

from typing import Any


def x_tweet(tweet_id: int, *, author: str = "2244994945", minute: int = 0,
            text: str | None = None, likes: int = 1) -> dict[str, Any]:
    """One tweet as recent search returns it with Pantau's tweet.fields."""
    return {
        "id": str(tweet_id),
        "text": text if text is not None else f"laporan warga nomor {tweet_id} ke @polres_jaksel",
        "author_id": author,
        "conversation_id": str(tweet_id),
        "created_at": f"2024-10-31T15:{minute:02d}:00.000Z",
        "lang": "in",
        "edit_history_tweet_ids": [str(tweet_id)],
        "public_metrics": {"retweet_count": 0, "reply_count": 0, "like_count": likes,
                           "quote_count": 0, "bookmark_count": 0, "impression_count": 10 * likes},
        "entities": {"mentions": [{"start": 0, "end": 14, "username": "polres_jaksel",
                                   "id": "1120004567890123777"}]},
    }


X_USERS = [
    {"id": "2244994945", "name": "Warga Jaksel", "username": "wargajaksel", "verified": False,
     "created_at": "2021-08-17T03:45:00.000Z",
     "public_metrics": {"followers_count": 120, "following_count": 80, "tweet_count": 900,
                        "listed_count": 0}},
    {"id": "1120004567890123777", "name": "Polres Metro Jakarta Selatan",
     "username": "polres_jaksel", "verified": True,
     "public_metrics": {"followers_count": 410000, "following_count": 300, "tweet_count": 52000,
                        "listed_count": 400}},
]


def x_page(tweets: list[dict[str, Any]], *, next_token: str | None = None) -> dict[str, Any]:
    """A recent-search page: data, includes.users, meta (newest_id, oldest_id, next_token)."""
    if not tweets:
        return {"meta": {"result_count": 0}}
    meta: dict[str, Any] = {"newest_id": tweets[0]["id"], "oldest_id": tweets[-1]["id"],
                            "result_count": len(tweets)}
    if next_token:
        meta["next_token"] = next_token
    return {"data": tweets, "includes": {"users": X_USERS}, "meta": meta}


def youtube_thread(comment_id: str, *, video: str = "dQw4w9WgXcQ", second: int = 0,
                   text: str | None = "Terima kasih pak polisi, gercep!",
                   replies: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """A commentThread resource with part=snippet,replies."""
    snippet: dict[str, Any] = {
        "channelId": "UCxyz", "videoId": video,
        "textDisplay": (text or "").replace("!", "&#33;"),
        "authorDisplayName": "@wargabaik", "authorProfileImageUrl": "https://yt3.ggpht.com/a",
        "authorChannelUrl": "http://www.youtube.com/@wargabaik",
        "authorChannelId": {"value": "UCauthor123"},
        "canRate": True, "viewerRating": "none", "likeCount": 7,
        "publishedAt": f"2024-11-01T10:00:{second:02d}Z",
        "updatedAt": f"2024-11-01T10:00:{second:02d}Z",
    }
    if text is not None:
        snippet["textOriginal"] = text
    thread: dict[str, Any] = {
        "kind": "youtube#commentThread", "etag": "e", "id": comment_id,
        "snippet": {"channelId": "UCxyz", "videoId": video,
                    "topLevelComment": {"kind": "youtube#comment", "etag": "e", "id": comment_id,
                                        "snippet": snippet},
                    "canReply": True, "totalReplyCount": len(replies or []), "isPublic": True},
    }
    if replies:
        thread["replies"] = {"comments": replies}
    return thread


def youtube_reply(reply_id: str, parent: str, *, video: str = "dQw4w9WgXcQ") -> dict[str, Any]:
    """A reply comment inside a thread's ``replies.comments``."""
    return {"kind": "youtube#comment", "etag": "e", "id": f"{parent}.{reply_id}",
            "snippet": {"channelId": "UCxyz", "videoId": video, "textDisplay": "setuju",
                        "textOriginal": "setuju", "parentId": parent,
                        "authorDisplayName": "@polresmetrojakartaselatan",
                        "authorChannelId": {"value": "UCpolres"}, "likeCount": 2,
                        "publishedAt": "2024-11-01T11:00:00Z", "updatedAt": "2024-11-01T11:00:00Z"}}


def youtube_page(items: list[dict[str, Any]], *, next_token: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"kind": "youtube#commentThreadListResponse", "etag": "e",
                            "pageInfo": {"totalResults": len(items), "resultsPerPage": 100},
                            "items": items}
    if next_token:
        body["nextPageToken"] = next_token
    return body


def youtube_channel(channel_id: str, *, subscribers: str | None = "1520",
                    published: str | None = "2015-06-01T08:00:00Z") -> dict[str, Any]:
    """A channel resource with part=snippet,statistics (counts are strings in the real API;
    ``subscribers=None`` is a channel that hides its count)."""
    statistics: dict[str, Any] = {"viewCount": "48211", "videoCount": "12",
                                  "hiddenSubscriberCount": subscribers is None}
    if subscribers is not None:
        statistics["subscriberCount"] = subscribers
    snippet: dict[str, Any] = {"title": "Warga Baik", "description": "", "customUrl": "@wargabaik",
                               "thumbnails": {}, "country": "ID"}
    if published is not None:
        snippet["publishedAt"] = published
    return {"kind": "youtube#channel", "etag": "e", "id": channel_id, "snippet": snippet,
            "statistics": statistics}


def youtube_channels(items: list[dict[str, Any]]) -> dict[str, Any]:
    """A ``channels.list`` answer (ids the API does not know are simply absent)."""
    return {"kind": "youtube#channelListResponse", "etag": "e",
            "pageInfo": {"totalResults": len(items), "resultsPerPage": len(items)},
            "items": items}


def youtube_error(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message,
                      "errors": [{"message": message, "domain": "youtube.quota", "reason": reason}]}}


def mastodon_status(status_id: int, *, tag: str = "polri", minute: int = 0) -> dict[str, Any]:
    """A status as /api/v1/timelines/tag/:hashtag returns it."""
    return {
        "id": str(status_id), "created_at": f"2024-11-01T08:{minute:02d}:00.000Z",
        "in_reply_to_id": None, "in_reply_to_account_id": None, "sensitive": False,
        "spoiler_text": "", "visibility": "public", "language": "id",
        "uri": f"https://mastodon.example/users/warga/statuses/{status_id}",
        "url": f"https://mastodon.example/@warga/{status_id}",
        "replies_count": 1, "reblogs_count": 2, "favourites_count": 3,
        "content": f'<p>Polisi sigap &amp; ramah di <a href="https://mastodon.example/tags/{tag}" '
                   f'class="mention hashtag" rel="tag">#<span>{tag}</span></a></p><p>baris kedua</p>',
        "reblog": None,
        "account": {"id": "109", "username": "warga", "acct": "warga@mastodon.example",
                    "display_name": "Warga", "bot": False, "followers_count": 42},
        "media_attachments": [{"id": "1", "type": "image",
                               "url": "https://files.mastodon.example/a.jpg"}],
        "mentions": [], "tags": [{"name": tag, "url": f"https://mastodon.example/tags/{tag}"}],
        "emojis": [], "card": None, "poll": None,
    }


def rss_item(guid: str | None, title: str, *, description: str = "", link: str | None = None,
             pub_date: str | None = "Sun, 01 Dec 2024 05:30:00 +0700") -> str:
    """One RSS 2.0 ``<item>`` as news portals write it (the description often holds HTML)."""
    parts = [f"<title>{title}</title>"]
    if link is not None:
        parts.append(f"<link>{link}</link>")
    if description:
        parts.append(f"<description><![CDATA[{description}]]></description>")
    if guid is not None:
        parts.append(f'<guid isPermaLink="false">{guid}</guid>')
    if pub_date is not None:
        parts.append(f"<pubDate>{pub_date}</pubDate>")
    return "<item>" + "".join(parts) + "</item>"


def rss_feed(items: list[str], *, title: str = "Kabar Polri Terkini", language: str = "id",
             encoding: str = "utf-8", declare: bool = True) -> bytes:
    """An RSS 2.0 document in ``encoding`` (declared in the XML declaration unless not
    ``declare``)."""
    head = f'<?xml version="1.0" encoding="{encoding}"?>' if declare else ""
    body = (f'{head}<rss version="2.0"><channel><title>{title}</title>'
            f"<link>https://news.example.co.id/</link><language>{language}</language>"
            + "".join(items) + "</channel></rss>")
    return body.encode(encoding)


def atom_feed(entries: list[tuple[str, str, str, str | None]], *,
              title: str = "Berita Hukum") -> bytes:
    """An Atom 1.0 feed of (id, title, summary, updated or None) entries."""
    parts = []
    for entry_id, entry_title, summary, updated in entries:
        when = f"<updated>{updated}</updated>" if updated else ""
        parts.append(f"<entry><id>{entry_id}</id><title>{entry_title}</title>"
                     f'<link href="https://portal.example.id/{entry_id.rsplit(":", 1)[-1]}"/>'
                     f'<summary type="html">{summary}</summary>{when}</entry>')
    return ('<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
            f"<title>{title}</title><id>urn:portal</id><updated>2024-12-01T00:00:00Z</updated>"
            + "".join(parts) + "</feed>").encode("utf-8")
