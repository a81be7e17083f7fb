"""Recognising WeChat's answer that an access_token was rejected (errcode 40001, 40014 or
42001), so that Client.with_access_token refreshes it and retries once."""

from __future__ import annotations

from typing import Any, Mapping

TOKEN_REJECTED_ERRCODES = frozenset({40001, 40014, 42001})


def is_token_rejected(response: Any) -> bool:
    """True if ``response`` is a WeChat JSON answer (a mapping) rejecting its access_token."""
    if not isinstance(response, Mapping):
        return False
    errcode = response.get("errcode")
    return isinstance(errcode, int) and errcode in TOKEN_REJECTED_ERRCODES


class WeChatTokenRejected(Exception):
    """What a with_access_token callback raises when WeChat rejected the token it was given."""

    def __init__(self, errcode: int, errmsg: str = "") -> None:
        suffix = f" ({errmsg})" if errmsg else ""
        super().__init__(f"WeChat rejected the access_token: errcode {errcode}{suffix}")
        self.errcode = errcode
        self.errmsg = errmsg

    @classmethod
    def from_response(cls, response: Mapping[str, Any]) -> "WeChatTokenRejected":
        return cls(int(response["errcode"]), str(response.get("errmsg", "")))
