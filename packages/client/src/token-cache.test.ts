// The token cache against a TokenService on connect's in-memory router transport: it
// follows WatchToken pushes, answers from memory while fresh, falls back to one GetToken
// at a time, reconnects after a transient end and stops for good on a permanent error.
// Calls are counted by the fake service. No network.
import { once } from "node:events";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type HandlerContext,
} from "@connectrpc/connect";
import {
  type Credential,
  CredentialKind,
  CredentialSchema,
  type GetTokenRequest,
  TokenService,
  type WatchTokenRequest,
} from "@wxtoken/api";
import { ExponentialBackoff } from "cockatiel";
import { afterEach, describe, expect, it } from "vitest";
import { TokenCache } from "./token-cache.js";

const APP = "wxcache0000000001";
const ACCESS = CredentialKind.ACCESS_TOKEN;

/** A TokenService whose credential the test sets, pushes and breaks. */
class FakeTokenService {
  readonly calls = new Map<string, number>();
  private credential: Credential;
  private readonly watchers = new Set<() => void>();
  /** The next WatchToken streams fail with this, once each. */
  private readonly failures: ConnectError[] = [];

  constructor(lifetimeMs: number) {
    this.credential = FakeTokenService.issue(1n, lifetimeMs);
  }

  static issue(generation: bigint, lifetimeMs: number): Credential {
    return create(CredentialSchema, {
      appId: APP,
      kind: ACCESS,
      value: `token-${generation}`,
      generation,
      expiresAt: timestampFromMs(Date.now() + lifetimeMs),
    });
  }

  private count(method: string): void {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
  }

  private check(appId: string): void {
    if (appId !== APP) {
      throw new ConnectError(`app_id: app ${appId} is not configured`, Code.NotFound);
    }
  }

  push(credential: Credential): void {
    this.credential = credential;
    for (const wake of this.watchers) {
      wake();
    }
  }

  failNextStream(error: ConnectError): void {
    this.failures.push(error);
  }

  get current(): Credential {
    return this.credential;
  }

  readonly impl = {
    getToken: (request: GetTokenRequest) => {
      this.count("GetToken");
      this.check(request.appId);
      return { credential: this.credential };
    },
    watchToken: async function* (
      this: FakeTokenService,
      request: WatchTokenRequest,
      context: HandlerContext,
    ) {
      this.count("WatchToken");
      this.check(request.appId);
      const failure = this.failures.shift();
      if (failure !== undefined) {
        throw failure;
      }
      let sent: Credential | undefined;
      while (!context.signal.aborted) {
        if (sent !== this.credential) {
          sent = this.credential;
          yield { credential: sent };
        }
        await new Promise<void>((resolve) => {
          this.watchers.add(resolve);
          context.signal.addEventListener("abort", () => resolve(), { once: true });
        }).finally(() => this.watchers.clear());
      }
    },
  };
}

const lifetimes: AbortController[] = [];
afterEach(() => {
  for (const lifetime of lifetimes.splice(0)) {
    lifetime.abort(new Error("test over"));
  }
});

function cacheOf(service: FakeTokenService, appId = APP, freshnessMarginMs = 10_000) {
  const transport = createRouterTransport((router) =>
    router.service(TokenService, {
      getToken: service.impl.getToken,
      watchToken: service.impl.watchToken.bind(service),
    }),
  );
  const lifetime = new AbortController();
  lifetimes.push(lifetime);
  return new TokenCache(appId, ACCESS, {
    tokens: createClient(TokenService, transport),
    reconnectBackoff: new ExponentialBackoff({ initialDelay: 1, maxDelay: 5 }),
    freshnessMarginMs,
    lifetime: lifetime.signal,
  });
}

describe("a token cache", () => {
  it("sees a refresh within one push, calling nothing but WatchToken", async () => {
    const service = new FakeTokenService(7_200_000);
    const cache = cacheOf(service);
    const first = await cache.ready();
    expect(first.value).toBe("token-1");

    const changed = once(cache, "change");
    service.push(FakeTokenService.issue(2n, 7_200_000));
    const [pushed] = (await changed) as [Credential];
    expect(pushed.generation).toBe(2n);
    expect(cache.current).toBe(pushed);
    expect(Object.fromEntries(service.calls)).toEqual({ WatchToken: 1 });
  });

  it("answers from memory while the credential is fresh: one promise, no call", async () => {
    const service = new FakeTokenService(7_200_000);
    const cache = cacheOf(service);
    await cache.ready();
    const values = await Promise.all(Array.from({ length: 1000 }, () => cache.get()));
    expect(new Set(values)).toEqual(new Set(["token-1"]));
    expect(cache.get()).toBe(cache.get());
    expect(service.calls.get("GetToken")).toBeUndefined();
  });

  it("falls back to one GetToken at a time when the credential is not fresh", async () => {
    const service = new FakeTokenService(60_000);
    // A margin longer than the token's lifetime: nothing cached is ever fresh.
    const cache = cacheOf(service, APP, 3_600_000);
    await cache.ready();
    const concurrent = await Promise.all(Array.from({ length: 10 }, () => cache.get()));
    expect(new Set(concurrent)).toEqual(new Set(["token-1"]));
    expect(service.calls.get("GetToken")).toBe(1);
    await cache.get();
    expect(service.calls.get("GetToken")).toBe(2);
  });

  it("reconnects after a transient end and takes the server's current credential", async () => {
    const service = new FakeTokenService(7_200_000);
    service.failNextStream(new ConnectError("server going away", Code.Unavailable));
    const cache = cacheOf(service);
    const disconnected = once(cache, "disconnect");
    const [error] = (await disconnected) as [ConnectError];
    expect(error.code).toBe(Code.Unavailable);
    expect((await cache.ready()).value).toBe("token-1");
    expect(service.calls.get("WatchToken")).toBe(2);
  });

  it("stops on a permanent error and rejects ready() with it", async () => {
    const service = new FakeTokenService(7_200_000);
    const cache = cacheOf(service, "wxnotconfigured001");
    const failed = once(cache, "fail");
    const error = await cache.ready().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.NotFound);
    expect((await failed)[0]).toBe(error);
    await cache.stopped;
    expect(service.calls.get("WatchToken")).toBe(1);
  });
});
