"""Structured logs: one JSON object per line (or text), with the object's namespace/name and
outcome, and every registered secret scrubbed."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any

from .redact import scrub

_STD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        ref = getattr(record, "k8s_ref", None)  # kopf's per-object loggers
        if isinstance(ref, dict):
            out["namespace"] = ref.get("namespace")
            out["name"] = ref.get("name")
        for key, value in vars(record).items():
            if key not in _STD and not key.startswith("k8s_") and key != "settings":
                out[key] = value
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return scrub(json.dumps(out, default=str))


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        ref = getattr(record, "k8s_ref", None)
        if isinstance(ref, dict) and ref.get("name"):
            text = f"{text} [{ref.get('namespace')}/{ref.get('name')}]"
        return scrub(text)


def configure(fmt: str = "json", *, verbose: bool = False) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    # Also in verbose mode: botocore's DEBUG output prints API responses, and DescribeUserPoolClient's carries
    # the Cognito-side client secret.
    for noisy in ("httpx", "httpcore", "kubernetes", "urllib3", "asyncio", "botocore", "boto3", "s3transfer"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    if not verbose:
        logging.getLogger("kopf.objects").setLevel(logging.WARNING)
