// Caller authentication (`authorization: Bearer <key>`, checked against the SHA-256 of
// each key in the config) and per-app permissions. Keys are never logged or echoed.
import { createHash } from "node:crypto";
import { Code } from "@connectrpc/connect";
import type { CallerConfig, Permission } from "../config/schema.js";
import { AuthFailure, authRefusal } from "./auth-failure.js";

export interface Caller {
  readonly name: string;
  readonly permissions: ReadonlySet<Permission>;
  /** App ids this caller may use, or "*" for all. */
  readonly apps: ReadonlySet<string> | "*";
}

export const sha256Hex = (text: string): string => createHash("sha256").update(text).digest("hex");

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const MAX_VERIFIED = 1_000;

/** The key of an `authorization: Bearer <key>` value, or undefined. */
export const bearerKey = (authorization: string | null): string | undefined =>
  authorization?.match(BEARER)?.[1];

export class CallerAuth {
  private readonly byHash = new Map<string, Caller>();
  /**
   * Authorization values already verified, so the hot path neither parses nor hashes;
   * bounded, since a caller may vary the spelling of a valid value.
   */
  private readonly verified = new Map<string, Caller>();

  constructor(callers: readonly CallerConfig[]) {
    this.replace(callers);
  }

  /** Takes a new list of callers (a config reload): from the next call on. */
  replace(callers: readonly CallerConfig[]): void {
    this.byHash.clear();
    this.verified.clear();
    for (const caller of callers) {
      this.byHash.set(caller.key_sha256, {
        name: caller.name,
        permissions: new Set(caller.permissions),
        apps: caller.apps.includes("*") ? "*" : new Set(caller.apps),
      });
    }
  }

  /** The caller presenting `authorization`, or UNAUTHENTICATED. */
  authenticate(authorization: string | null): Caller {
    const known = this.verified.get(authorization ?? "");
    if (known !== undefined) {
      return known;
    }
    const key = bearerKey(authorization);
    if (authorization === null || key === undefined) {
      throw authRefusal(
        "authorization: expected metadata 'authorization: Bearer <key>'",
        Code.Unauthenticated,
        new AuthFailure("missing_key"),
      );
    }
    const caller = this.byHash.get(sha256Hex(key));
    if (caller === undefined) {
      throw authRefusal(
        "authorization: the key is not known",
        Code.Unauthenticated,
        new AuthFailure("unknown_key"),
      );
    }
    if (this.verified.size >= MAX_VERIFIED) {
      this.verified.clear();
    }
    this.verified.set(authorization, caller);
    return caller;
  }

  /** The caller presenting `authorization`, or undefined: for the audit of a refused call. */
  callerOf(authorization: string | null): Caller | undefined {
    try {
      return this.authenticate(authorization);
    } catch {
      return undefined;
    }
  }

  /**
   * PERMISSION_DENIED unless `caller` holds `permission` (or one of a list) for `appId` (or
   * for every app when omitted).
   */
  authorize(caller: Caller, permission: Permission | readonly Permission[], appId?: string): void {
    const accepted: readonly Permission[] =
      typeof permission === "string" ? [permission] : permission;
    if (!accepted.some((one) => caller.permissions.has(one))) {
      throw authRefusal(
        `caller ${caller.name} lacks the permission ${accepted.join(" or ")}`,
        Code.PermissionDenied,
        new AuthFailure("no_permission", caller.name),
      );
    }
    if (appId !== undefined && !this.canSee(caller, appId)) {
      throw authRefusal(
        `caller ${caller.name} may not use app ${appId}`,
        Code.PermissionDenied,
        new AuthFailure("no_permission", caller.name),
      );
    }
  }

  /**
   * Whether `caller` may see the credentials of `appId` (a key: an AppID, or a family's
   * "wecom:CORP:APP") at all: listed exactly, or under a listed "FAMILY:ID:*", or "*".
   */
  canSee(caller: Caller, appId: string): boolean {
    if (caller.apps === "*" || caller.apps.has(appId)) {
      return true;
    }
    const { apps } = caller;
    const parts = appId.split(":");
    return parts.slice(1).some((_, i) => apps.has(`${parts.slice(0, i + 1).join(":")}:*`));
  }
}
