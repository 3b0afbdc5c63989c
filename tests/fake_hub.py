"""A Hugging Face Hub on a loopback port, speaking the parts of its HTTP API that huggingface_hub's model_info,
hf_hub_download and snapshot_download use: repo info with file sizes, the file tree, HEAD for a file's metadata,
and GET with byte ranges (how the client resumes a partial download). Every request is recorded, so tests can see what was
fetched, and none reaches the real Hub.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote, urlparse

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class FakeHub:
    repos: dict[str, dict[str, bytes]]  # repo id -> path -> content
    gated: set[str] = field(default_factory=set)
    cut_once: set[str] = field(default_factory=set)  # 'repo/path': the first download stops half-way (connection closed)
    down: set[str] = field(default_factory=set)  # 'repo/path': answered 404 while listed here
    requests: list[tuple[str, str, str]] = field(default_factory=list)  # (method, path, Range header)
    url: str = ""

    def downloads(self) -> list[str]:
        """Paths of the files whose content was sent, as 'repo/path'."""
        return [path for method, path, _ in self.requests if method == "GET" and "/resolve/" in path]


def etag(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


@contextmanager
def serve(hub: FakeHub) -> Iterator[FakeHub]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args) -> None:  # quiet
            pass

        def do_GET(self) -> None:
            self.answer(with_body=True)

        def do_HEAD(self) -> None:
            self.answer(with_body=False)

        def answer(self, *, with_body: bool) -> None:
            path = unquote(urlparse(self.path).path)
            hub.requests.append((self.command, path, self.headers.get("Range", "")))
            if path.startswith("/api/models/") and "/tree/" in path:
                self.tree(path.removeprefix("/api/models/").split("/tree/")[0])
            elif path.startswith("/api/models/"):
                self.repo_info(path.removeprefix("/api/models/").split("/revision/")[0])
            elif "/resolve/" in path:
                repo, _, rest = path.lstrip("/").partition("/resolve/")
                self.file(repo, rest.partition("/")[2], with_body=with_body)
            else:
                self.error(404, "RepoNotFound")

        def repo_info(self, repo: str) -> None:
            if repo not in hub.repos:
                return self.error(404, "RepoNotFound")
            if repo in hub.gated:
                return self.error(403, "GatedRepo")
            siblings = [{"rfilename": name, "size": len(content), "blobId": etag(content)} for name, content in hub.repos[repo].items()]
            self.send(200, json.dumps({"id": repo, "modelId": repo, "sha": COMMIT, "siblings": siblings}).encode(), {})

        def tree(self, repo: str) -> None:
            if repo not in hub.repos:
                return self.error(404, "RepoNotFound")
            files = [{"type": "file", "path": name, "size": len(content), "oid": etag(content)} for name, content in hub.repos[repo].items()]
            self.send(200, json.dumps(files).encode(), {})

        def file(self, repo: str, name: str, *, with_body: bool) -> None:
            content = hub.repos.get(repo, {}).get(name)
            if content is None or f"{repo}/{name}" in hub.down:
                return self.error(404, "EntryNotFound")
            headers = {"X-Repo-Commit": COMMIT, "ETag": f'"{etag(content)}"'}
            start = int(self.headers["Range"].removeprefix("bytes=").split("-")[0]) if self.headers.get("Range") else 0
            if start:
                headers["Content-Range"] = f"bytes {start}-{len(content) - 1}/{len(content)}"
            if with_body and f"{repo}/{name}" in hub.cut_once:
                hub.cut_once.discard(f"{repo}/{name}")
                self.send_response(200)
                for header, value in {**headers, "Content-Length": str(len(content))}.items():
                    self.send_header(header, value)
                self.end_headers()
                self.wfile.write(content[: len(content) // 2])
                self.close_connection = True
                return
            self.send(206 if start else 200, content[start:], headers, with_body=with_body)

        def error(self, status: int, code: str) -> None:
            self.send(status, json.dumps({"error": code}).encode(), {"X-Error-Code": code, "X-Error-Message": code})

        def send(self, status: int, body: bytes, headers: dict[str, str], *, with_body: bool = True) -> None:
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if with_body:
                self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    hub.url = f"http://127.0.0.1:{server.server_address[1]}"
    try:
        yield hub
    finally:
        server.shutdown()
        server.server_close()
