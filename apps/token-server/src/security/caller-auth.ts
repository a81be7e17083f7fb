// Caller authentication and per-app permissions. A caller is known by its bearer key
// (`authorization: Bearer <key>`, checked in constant time against the SHA-256 of each key
// in the config), by its client-certificate identity (`callers[].identity`, mTLS), or by
// both when it has both. Keys are never logged or echoed.
import { createHash, timingSafeEqual } from "node:crypto";
import { Code } from "@connectrpc/connect";
import type { CallerConfig, Permission } from "../config/schema.js";
import { AuthFailure, authRefusal } from "./auth-failure.js";
import { noPeerIdentities, type PeerIdentities } from "./peer-identity.js";

export interface Caller {
  readonly name: string;
  readonly permissions: ReadonlySet<Permission>;
  /** App ids this caller may use, or "*" for all. */
  readonly apps: ReadonlySet<string> | "*";
  /** Its key's fingerprint (from key_sha256), for the failure log; none without a key. */
  readonly keyFingerprint?: string | undefined;
}

interface KnownCaller extends Caller {
  /** The certificate identity the caller must present, if any. */
  readonly identity: string | undefined;
}

const sha256 = (text: string): Buffer => createHash("sha256").update(text).digest();
export const sha256Hex = (text: string): string => sha256(text).toString("hex");

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const MAX_VERIFIED = 1_000;

/** The key of an `authorization: Bearer <key>` value, or undefined. */
export const bearerKey = (authorization: string | null): string | undefined =>
  authorization?.match(BEARER)?.[1];

/** Hex characters of the key's SHA-256 shown: enough to tell keys apart, too few to search. */
const FINGERPRINT_CHARS = 8;

/** The first characters of the SHA-256 of the key presented (or of the whole value when it is no bearer key). */
export function keyFingerprint(authorization: string | null): string | undefined {
  if (authorization === null) {
    return undefined;
  }
  return sha256Hex(bearerKey(authorization) ?? authorization).slice(0, FINGERPRINT_CHARS);
}

export class CallerAuth {
  /** Callers with a key, by the key's SHA-256. */
  private byKey: { digest: Buffer; caller: KnownCaller }[] = [];
  /** Callers known by their certificate alone, by identity. */
  private byIdentity = new Map<string, KnownCaller>();
  /** Identities of callers that need their key as well. */
  private keyedIdentities = new Set<string>();
  /**
   * Authorization values already verified, so the hot path neither parses nor hashes;
   * bounded, since a caller may vary the spelling of a valid value.
   */
  private readonly verified = new Map<string, KnownCaller>();

  constructor(callers: readonly CallerConfig[]) {
    this.replace(callers);
  }

  /** Takes a new list of callers (a config reload): from the next call on. */
  replace(callers: readonly CallerConfig[]): void {
    this.verified.clear();
    this.byKey = [];
    this.byIdentity = new Map();
    this.keyedIdentities = new Set();
    for (const config of callers) {
      const caller: KnownCaller = {
        name: config.name,
        permissions: new Set(config.permissions),
        apps: config.apps.includes("*") ? "*" : new Set(config.apps),
        identity: config.identity,
        keyFingerprint: config.key_sha256?.slice(0, FINGERPRINT_CHARS),
      };
      if (config.key_sha256 !== undefined) {
        this.byKey.push({ digest: Buffer.from(config.key_sha256, "hex"), caller });
        if (config.identity !== undefined) {
          this.keyedIdentities.add(config.identity);
        }
      } else if (config.identity !== undefined) {
        this.byIdentity.set(config.identity, caller);
      }
    }
  }

  /**
   * The caller presenting `authorization` and the client certificate with `identities`,
   * or UNAUTHENTICATED.
   */
  authenticate(
    authorization: string | null,
    identities: PeerIdentities = noPeerIdentities,
  ): Caller {
    const known = this.verified.get(authorization ?? "");
    if (known !== undefined) {
      return this.withIdentity(known, identities);
    }
    const key = bearerKey(authorization);
    if (authorization === null || key === undefined) {
      return this.byCertificate(identities);
    }
    const digest = sha256(key);
    // Every digest is compared, each in constant time: no early exit tells how far a guess got.
    let caller: KnownCaller | undefined;
    for (const entry of this.byKey) {
      if (timingSafeEqual(entry.digest, digest)) {
        caller = entry.caller;
      }
    }
    if (caller === undefined) {
      throw authRefusal(
        "authorization: the key is not known",
        Code.Unauthenticated,
        new AuthFailure(
          "unknown_key",
          undefined,
          digest.toString("hex").slice(0, FINGERPRINT_CHARS),
        ),
      );
    }
    if (this.verified.size >= MAX_VERIFIED) {
      this.verified.clear();
    }
    this.verified.set(authorization, caller);
    return this.withIdentity(caller, identities);
  }

  /** `caller`, if it needs no certificate or `identities` hold its identity. */
  private withIdentity(caller: KnownCaller, identities: PeerIdentities): Caller {
    if (caller.identity !== undefined && !identities().includes(caller.identity)) {
      throw authRefusal(
        `caller ${caller.name} must present its client certificate (identity ${caller.identity})`,
        Code.Unauthenticated,
        new AuthFailure("wrong_identity", caller.name, caller.keyFingerprint),
      );
    }
    return caller;
  }

  /** The caller known by its certificate alone, for a call without a key. */
  private byCertificate(identities: PeerIdentities): Caller {
    const presented = identities();
    for (const identity of presented) {
      const caller = this.byIdentity.get(identity);
      if (caller !== undefined) {
        return caller;
      }
    }
    if (presented.length === 0) {
      throw authRefusal(
        "authorization: expected metadata 'authorization: Bearer <key>'",
        Code.Unauthenticated,
        new AuthFailure("missing_key"),
      );
    }
    const keyed = presented.some((identity) => this.keyedIdentities.has(identity));
    throw authRefusal(
      keyed
        ? "authorization: this client certificate's caller also needs its key ('authorization: Bearer <key>')"
        : `the client certificate (${presented.join(", ")}) is not a configured caller`,
      Code.Unauthenticated,
      new AuthFailure(keyed ? "missing_key" : "unknown_identity"),
    );
  }

  /** The caller of a call, or undefined: for the audit of a refused call. */
  callerOf(authorization: string | null, identities?: PeerIdentities): Caller | undefined {
    try {
      return this.authenticate(authorization, identities);
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
        new AuthFailure("no_permission", caller.name, caller.keyFingerprint),
      );
    }
    if (appId !== undefined && !this.canSee(caller, appId)) {
      throw authRefusal(
        `caller ${caller.name} may not use app ${appId}`,
        Code.PermissionDenied,
        new AuthFailure("no_permission", caller.name, caller.keyFingerprint),
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
