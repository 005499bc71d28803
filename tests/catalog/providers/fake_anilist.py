"""A local AniList over HTTP: the GraphQL endpoint (in AniList's documented
shape) and an image host, on a loopback port, for the integration and
browser tests. Nothing else in the tests talks HTTP to a provider."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from tests.catalog.conftest import image_bytes


def _media(base: str) -> list[dict]:
    return [
        {
            "id": 1,
            "idMal": 1,
            "title": {"romaji": "Cowboy Bebop", "english": "Cowboy Bebop", "native": "カウボーイビバップ"},
            "description": "Enter a world in the distant future, where Bounty Hunters roam the solar system.<br>",
            "startDate": {"year": 1998},
            "seasonYear": 1998,
            "coverImage": {"extraLarge": f"{base}/images/bebop.png", "large": f"{base}/images/bebop-small.png"},
        },
        {
            "id": 5,
            "idMal": 5,
            "title": {
                "romaji": "Cowboy Bebop: Tengoku no Tobira",
                "english": "Cowboy Bebop: The Movie",
                "native": None,
            },
            "description": "Another day, another bounty.",
            "startDate": {"year": 2001},
            "seasonYear": None,
            "coverImage": {"extraLarge": "http://127.0.0.1:9/elsewhere/cover.png", "large": None},
        },
        {
            "id": 30,
            "idMal": 30,
            "title": {"romaji": "Shinseiki Evangelion", "english": "Neon Genesis Evangelion", "native": None},
            "description": "A teenage boy is recruited to pilot a giant robot.",
            "startDate": {"year": 1995},
            "seasonYear": 1995,
            "coverImage": {"extraLarge": f"{base}/images/redirect.png", "large": None},
        },
    ]


class FakeAniList:
    def __init__(self) -> None:
        self.down = False
        self.images_down = False
        self.requests: list[str] = []
        self.image_requests: list[str] = []
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def _send(self, status: int, body: bytes, content_type: str, headers: dict | None = None) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                payload = json.loads(self.rfile.read(length) or b"{}")
                fake.requests.append(payload.get("query", ""))
                if fake.down:
                    return self._send(503, b"<html>Service Unavailable</html>", "text/html")
                query, variables = payload.get("query", ""), payload.get("variables") or {}
                media = _media(fake.base)
                if "Media(id" in query:
                    found = [m for m in media if m["id"] == variables.get("id")]
                    if not found:
                        body = {"errors": [{"message": "Not Found.", "status": 404}], "data": {"Media": None}}
                        return self._send(404, json.dumps(body).encode(), "application/json")
                    return self._send(200, json.dumps({"data": {"Media": found[0]}}).encode(), "application/json")
                search = (variables.get("search") or "").lower()
                page = [m for m in media if not search or any(search in (t or "").lower() for t in m["title"].values())]
                body = {"data": {"Page": {"pageInfo": {"hasNextPage": False}, "media": page}}}
                return self._send(200, json.dumps(body).encode(), "application/json")

            def do_GET(self):
                fake.image_requests.append(self.path)
                if fake.images_down:
                    return self._send(503, b"busy", "text/plain")
                if self.path == "/images/redirect.png":
                    return self._send(302, b"", "text/plain", {"Location": "http://127.0.0.1:9/x.png"})
                if self.path.startswith("/images/") and self.path.endswith(".png"):
                    return self._send(200, image_bytes(size=(300, 450), color=(20, 120, 200)), "image/png")
                return self._send(404, b"not found", "text/plain")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FakeAniList:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()
