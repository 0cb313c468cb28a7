"""File uploads in the Slack Web API stand-in, the way Slack does them since `files.upload` was retired:

1. `files.getUploadURLExternal` (filename, length) answers an `upload_url` and a `file_id`;
2. the client POSTs the file's bytes to that URL (Slack's answers `200 OK - <length>`);
3. `files.completeUploadExternal` (files=[{id, title}], channel_id, initial_comment, thread_ts) shares the
   files in the channel. A file whose bytes never arrived, an id the stub never issued or one already
   completed is `file_not_found`; a length that doesn't match the bytes is refused at the upload.

The upload URL is served by the stub on `/upload/<file_id>` and recorded as calls of method "upload", so a
test can `slack.fail("upload", status=500)` or `drop=True` like any Web API method.
A mixin of `SlackAPIStub`: every method here runs with the stub's lock held (the upload takes it itself).
"""

from __future__ import annotations

import copy
import threading
from typing import TYPE_CHECKING, Any

from refbot.playground.slack_base import Call, SlackAPIError, invalid_arguments

UPLOAD_PATH = "/upload/"
MAX_FILE_BYTES = 1_000_000_000  # Slack's limit is 1 GB per file


class FileUploadMethods:
    _lock: threading.RLock
    _uploads: dict[str, dict[str, Any]]

    if TYPE_CHECKING:  # provided by WebAPIMethods / SlackAPIStub
        @property
        def url(self) -> str:
            ...

        def _new_id(self, prefix: str) -> str:
            ...

        def _resolve_channel(self, channel: Any, *, for_posting: bool) -> str:
            ...

        def _channel(self, channel_id: str) -> dict[str, Any]:
            ...

        def _next_ts(self) -> str:
            ...

        def _json(self, call: Call, status: int, body: dict[str, Any],
                  headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
            ...

        def _record(self, call: Call) -> None:
            ...


    def _file_handlers(self) -> dict[str, Any]:
        return {
            "files.getUploadURLExternal": self._files_get_upload_url_external,
            "files.completeUploadExternal": self._files_complete_upload_external,
        }

    def _files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        filename = str(args.get("filename") or "").strip()
        if not filename:
            raise invalid_arguments("missing required field: filename")
        try:
            length = int(args.get("length"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise invalid_arguments("missing required field: length") from None
        if length < 1 or length > MAX_FILE_BYTES:
            raise SlackAPIError("invalid_length" if length < 1 else "file_size_exceeded")
        file_id = self._new_id("F")
        self._uploads[file_id] = {"id": file_id, "name": filename, "length": length, "data": None,
                                  "alt_txt": args.get("alt_txt"), "completed": False}
        return {"upload_url": f"{self.url}{UPLOAD_PATH}{file_id}", "file_id": file_id}

    def _serve_upload(self, call: Call, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        """Step 2: the bytes POSTed to an upload URL. Answers plain text like Slack's file servers."""
        file_id = call.args["id"]
        with self._lock:
            upload = self._uploads.get(file_id)
            if upload is None or upload["completed"]:
                status, text = 404, "Not Found"
            elif len(raw) != upload["length"]:
                status, text = 400, f"length mismatch: expected {upload['length']}, got {len(raw)}"
            else:
                upload["data"] = bytes(raw)
                status, text = 200, f"OK - {len(raw)}"
        call.status, call.response = status, {"ok": status == 200, "bytes": len(raw), "body": text}
        self._record(call)
        return status, {"Content-Type": "text/plain; charset=utf-8"}, text.encode()

    def _files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        files = args.get("files")
        if isinstance(files, str):
            import json

            try:
                files = json.loads(files)
            except json.JSONDecodeError:
                raise SlackAPIError("invalid_arguments") from None
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) and f.get("id") for f in files):
            raise invalid_arguments("files must be a non-empty list of {id, title}")
        channel = None
        if args.get("channel_id") or args.get("channels"):
            target = str(args.get("channel_id") or str(args.get("channels")).split(",")[0])
            channel = self._resolve_channel(target, for_posting=False)
            info = self._channel(channel)
            if info.get("is_archived"):
                raise SlackAPIError("is_archived")
            if not info.get("is_im") and not info.get("is_member"):
                raise SlackAPIError("not_in_channel")
        for f in files:
            upload = self._uploads.get(str(f["id"]))
            if upload is None or upload["data"] is None or upload["completed"]:
                raise SlackAPIError("file_not_found")
        shared = []
        ts = self._next_ts() if channel else None
        for f in files:
            upload = self._uploads[str(f["id"])]
            upload.update(completed=True, title=f.get("title") or upload["name"], channel=channel, ts=ts,
                          thread_ts=args.get("thread_ts"), initial_comment=args.get("initial_comment"))
            shared.append({"id": upload["id"], "name": upload["name"], "title": upload["title"],
                           "size": upload["length"]})
        return {"files": shared}

    # -- queries ------------------------------------------------------------------------------------

    def files_in(self, channel: str) -> list[dict[str, Any]]:
        """Files shared in `channel` (id) by completeUploadExternal, oldest first: id, name, title, data
        (bytes), initial_comment, thread_ts."""
        with self._lock:
            return [copy.deepcopy(u) for u in self._uploads.values() if u["completed"] and u.get("channel") == channel]
