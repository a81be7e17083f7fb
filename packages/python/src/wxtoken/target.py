"""Which credential a request names: a WeChat AppID, or a WeCom app — "wecom:CORP_ID:APP"
(APP an agent id, or a named secret such as contacts), as tokenctl's --app and the
TypeScript SDK write it, or a CredentialOwner made by wecom_owner() — and the request fields
(app_id or owner) that say it."""

from __future__ import annotations

from typing import Any, Dict, Optional, Tuple, Union

from wxtoken.v1 import token_pb2

CredentialOwner = token_pb2.CredentialOwner

WECOM_PREFIX = "wecom:"


def wecom_owner(corp_id: str, app: Union[str, int]) -> CredentialOwner:
    """The owner naming app ``app`` (an agent id, or a secret's name) of WeCom corp ``corp_id``."""
    if not corp_id or not str(app):
        raise ValueError("wecom_owner: corp_id and app must not be empty")
    return CredentialOwner(wecom=token_pb2.WecomApp(corp_id=corp_id, app=str(app)))


def owner_name(owner: CredentialOwner) -> str:
    """"wecom:CORP_ID:APP" for a WeCom owner."""
    return f"{WECOM_PREFIX}{owner.wecom.corp_id}:{owner.wecom.app}"


def parse_target(name: str) -> Union[str, CredentialOwner]:
    """An AppID as it is, or "wecom:CORP_ID:APP" as its owner; ValueError when malformed."""
    if not name.startswith(WECOM_PREFIX):
        return name
    parts = name.split(":")
    if len(parts) != 3 or not parts[1] or not parts[2]:
        raise ValueError(f'"{name}" is not a WeCom app: write wecom:CORP_ID:AGENT_ID or wecom:CORP_ID:NAME')
    return wecom_owner(parts[1], parts[2])


def request_target(
    app_id: Optional[str], owner: Optional[CredentialOwner]
) -> Tuple[str, Dict[str, Any]]:
    """The credential's name (for caches and threads) and the request fields naming it, from
    a method's ``app_id`` (an AppID or "wecom:CORP_ID:APP") or ``owner``: exactly one."""
    if (app_id is None or app_id == "") == (owner is None):
        raise ValueError("give app_id (an AppID or wecom:CORP_ID:APP) or owner, not both")
    target = parse_target(app_id) if owner is None else owner
    if isinstance(target, str):
        return target, {"app_id": target}
    if not target.HasField("wecom"):
        raise ValueError("owner: only a WeCom owner (wecom_owner(corp_id, app)) is known")
    return owner_name(target), {"owner": target}
