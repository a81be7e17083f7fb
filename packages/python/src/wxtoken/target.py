"""Which credential a request names, as tokenctl's --app and the TypeScript SDK write it: a
WeChat AppID; a WeCom app "wecom:CORP_ID:APP" (APP an agent id, or a named secret such as
contacts); a third-party platform's own token "component:COMPONENT_APPID"; or an account
authorized to it "authorizer:COMPONENT_APPID:AUTHORIZER_APPID" — or a CredentialOwner made by
wecom_owner(), component_owner() or authorizer_owner() — and the request fields (app_id or
owner) that say it."""

from __future__ import annotations

from typing import Any, Callable, Dict, List, Optional, Tuple, Union

from wxtoken.v1 import token_pb2

CredentialOwner = token_pb2.CredentialOwner

WECOM_PREFIX = "wecom:"


def wecom_owner(corp_id: str, app: Union[str, int]) -> CredentialOwner:
    """The owner naming app ``app`` (an agent id, or a secret's name) of WeCom corp ``corp_id``."""
    if not corp_id or not str(app):
        raise ValueError("wecom_owner: corp_id and app must not be empty")
    return CredentialOwner(wecom=token_pb2.WecomApp(corp_id=corp_id, app=str(app)))


def component_owner(component_app_id: str) -> CredentialOwner:
    """The owner naming third-party platform ``component_app_id`` (its component_access_token)."""
    if not component_app_id:
        raise ValueError("component_owner: component_app_id must not be empty")
    return CredentialOwner(
        component=token_pb2.OpenPlatformComponent(component_app_id=component_app_id)
    )


def authorizer_owner(component_app_id: str, authorizer_app_id: str) -> CredentialOwner:
    """The owner naming account ``authorizer_app_id`` authorized to platform ``component_app_id``
    (its authorizer_access_token)."""
    if not component_app_id or not authorizer_app_id:
        raise ValueError("authorizer_owner: component_app_id and authorizer_app_id must not be empty")
    return CredentialOwner(
        authorizer=token_pb2.OpenPlatformAuthorizer(
            component_app_id=component_app_id, authorizer_app_id=authorizer_app_id
        )
    )


# Each prefixed name: its parts after the prefix, how to write it, and the owner it names.
_FAMILIES: Dict[str, Tuple[int, str, Callable[..., CredentialOwner]]] = {
    "wecom": (2, "a WeCom app: write wecom:CORP_ID:AGENT_ID or wecom:CORP_ID:NAME", wecom_owner),
    "component": (1, "a third-party platform: write component:COMPONENT_APPID", component_owner),
    "authorizer": (
        2,
        "an authorizer: write authorizer:COMPONENT_APPID:AUTHORIZER_APPID",
        authorizer_owner,
    ),
}


def owner_name(owner: CredentialOwner) -> str:
    """The owner's name: "wecom:CORP_ID:APP", "component:COMPONENT_APPID" or
    "authorizer:COMPONENT_APPID:AUTHORIZER_APPID"; ValueError for an empty owner."""
    family = owner.WhichOneof("owner")
    if family == "wecom":
        return f"{WECOM_PREFIX}{owner.wecom.corp_id}:{owner.wecom.app}"
    if family == "component":
        return f"component:{owner.component.component_app_id}"
    if family == "authorizer":
        return f"authorizer:{owner.authorizer.component_app_id}:{owner.authorizer.authorizer_app_id}"
    raise ValueError(
        "owner: give wecom_owner(...), component_owner(...) or authorizer_owner(...)"
    )


def parse_target(name: str) -> Union[str, CredentialOwner]:
    """An AppID as it is, or a prefixed name as its owner; ValueError when malformed."""
    prefix, separator, rest = name.partition(":")
    family = _FAMILIES.get(prefix) if separator else None
    if family is None:
        return name
    count, form, make = family
    parts: List[str] = rest.split(":")
    if len(parts) != count or not all(parts):
        raise ValueError(f'"{name}" is not {form}')
    return make(*parts)


def request_target(
    app_id: Optional[str], owner: Optional[CredentialOwner]
) -> Tuple[str, Dict[str, Any]]:
    """The credential's name (for caches and threads) and the request fields naming it, from
    a method's ``app_id`` (an AppID or a prefixed name) or ``owner``: exactly one."""
    if (app_id is None or app_id == "") == (owner is None):
        raise ValueError(
            "give app_id (an AppID, wecom:CORP_ID:APP, component:COMPONENT_APPID or "
            "authorizer:COMPONENT_APPID:AUTHORIZER_APPID) or owner, not both"
        )
    target = parse_target(app_id) if owner is None else owner
    if isinstance(target, str):
        return target, {"app_id": target}
    return owner_name(target), {"owner": target}
