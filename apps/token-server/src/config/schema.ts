// The token-server's configuration: keys, defaults and rules (ARCHITECTURE §6), in zod.
import { z } from "zod";

/** The port of a host:port the hostPort rule accepted. */
const portOf = (address: string) => Number(address.slice(address.lastIndexOf(":") + 1));
/** Hosts that listen on every address, so on any other host's too. */
const WILDCARD_HOSTS = new Set(["0.0.0.0", "[::]", "::"]);
const HOST_PORT_RULE = "must be host:port, e.g. 127.0.0.1:50051";
const hostPort = z
  .string({ error: `${HOST_PORT_RULE}, a string` })
  .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, HOST_PORT_RULE)
  .refine((address) => portOf(address) <= 65_535, {
    error: "the port must be 0 to 65535 (0: any free port)",
  });

export const PERMISSIONS = [
  "token.read",
  "token.refresh",
  "message.send",
  "admin",
  "code.exchange",
  "wechat.call",
  "status.read",
  "open_platform.admin",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const TICKET_TYPES = ["jsapi", "wx_card"] as const;
export type TicketType = (typeof TICKET_TYPES)[number];

/** No tickets: one frozen list shared by every credential that keeps none. */
const NO_TICKETS: readonly never[] = Object.freeze([]);

/** The tickets a credential keeps, of `types`; none by default. Read-only (the default is shared). */
const ticketList = <const T extends readonly [string, ...string[]]>(types: T) =>
  z
    .array(z.enum(types))
    .readonly()
    .default(() => NO_TICKETS);

/** Limits on MessageService sends for one app. */
const sendLimitsSchema = z
  .object({
    rate_per_s: z.number().positive().default(100),
    burst: z.number().int().min(1).default(200),
    concurrency: z.number().int().min(1).default(32),
  })
  .strict();

/** The send limits of every app that sets none: one frozen object, shared. */
const DEFAULT_SEND_LIMITS = Object.freeze(sendLimitsSchema.parse({}));

const appFields = z
  .object({
    app_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters of [A-Za-z0-9_-]"),
    /** Resolved from `${env:NAME}` or `secret_file` by the loader; never a literal. */
    secret: z.string().min(1, "must not be empty"),
    mode: z.enum(["stable", "classic"]).default("stable"),
    tickets: ticketList(TICKET_TYPES),
    /**
     * Token-endpoint calls allowed per UTC+8 day; past it only an operator's ForceRefresh
     * calls upstream. Default: 80% of WeChat's limit (1600 classic, 400000 stable).
     */
    daily_budget: z.number().int().min(1).optional(),
    /** Limits on MessageService sends for this app. */
    send_limits: sendLimitsSchema.default(() => DEFAULT_SEND_LIMITS),
  })
  .strict();

/**
 * An app's config laid out as one object, its mode one of two constants: zod adds each field
 * to an empty object, and V8 keeps those past the fourth outside it, with the mode's own copy
 * of its text, ~50 bytes more per app at 10,000 apps. The fields in the schema's order.
 */
const appSchema = appFields.transform(
  ({ app_id, secret, mode, tickets, daily_budget, send_limits }): z.output<typeof appFields> => ({
    app_id,
    secret,
    mode: mode === "classic" ? "classic" : "stable",
    tickets,
    daily_budget,
    send_limits,
  }),
);

/** The tickets a WeCom app may keep: the corp jsapi_ticket (wx.config) and the agent ticket (wx.agentConfig). */
export const WECOM_TICKET_TYPES = ["jsapi", "agent_config"] as const;
export type WecomTicketType = (typeof WECOM_TICKET_TYPES)[number];

const wecomSecret = {
  /** Resolved from `${env:NAME}` or `secret_file` by the loader; never a literal. */
  secret: z.string().min(1, "must not be empty"),
};

const wecomCorpSchema = z
  .object({
    corp_id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters of [A-Za-z0-9_-]"),
    /** The corp's apps (agents), each with its own secret and token. */
    agents: z
      .array(
        z
          .object({
            agent_id: z.number().int().min(1).max(2_147_483_647),
            ...wecomSecret,
            tickets: ticketList(WECOM_TICKET_TYPES),
          })
          .strict(),
      )
      .default([]),
    /** Secrets without an agent id (contacts, customer contact ...), named by the user. */
    secrets: z
      .array(
        z
          .object({
            name: z
              .string()
              .regex(
                /^[a-z][a-z0-9_-]{0,63}$/,
                "must be 1-64 characters of [a-z0-9_-] starting with a letter (agent ids are numbers)",
              ),
            ...wecomSecret,
          })
          .strict(),
      )
      .default([]),
  })
  .strict()
  .refine((corp) => corp.agents.length + corp.secrets.length > 0, {
    message: "must list at least one of agents and secrets",
  });

const appIdRule = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,64}$/, "must be 1-64 characters of [A-Za-z0-9_-]");

/** A third-party platform (开放平台): its component credentials and its authorizers' tokens. */
const openPlatformSchema = z
  .object({
    component_app_id: appIdRule,
    /** The component_appsecret; `${env:NAME}` or `secret_file`, never a literal. */
    secret: z.string().min(1, "must not be empty"),
    /** The message verification Token; `${env:NAME}` or `token_file`. */
    token: z.string().regex(/^[A-Za-z0-9]{3,32}$/, "must be 3 to 32 letters or digits"),
    /** The 43-character EncodingAESKey; `${env:NAME}` or `encoding_aes_key_file`. */
    encoding_aes_key: z
      .string()
      .regex(/^[A-Za-z0-9]{43}$/, "must be the 43-character EncodingAESKey (letters and digits)"),
    /** The tickets kept for every authorizer, besides its authorizer_access_token. */
    tickets: ticketList(TICKET_TYPES),
    /**
     * How authorizer tokens are kept: "proactive" refreshes each before it expires (the
     * only mode so far).
     */
    mode: z.enum(["proactive"]).default("proactive"),
    /** No component_verify_ticket for this long: a warning and api_start_push_ticket. */
    ticket_stale_after_s: z.number().int().min(60).max(43_200).default(1_800),
    /** A callback whose timestamp is further than this from now is refused as a replay. */
    callback_window_s: z.number().int().min(10).max(3_600).default(300),
  })
  .strict();

const callerSchema = z
  .object({
    name: z.string().min(1, "must not be empty"),
    key_sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, "must be the lowercase hex SHA-256 of the caller's key")
      .optional(),
    /**
     * The caller's client-certificate identity (mTLS): "CN=<common name>" matches the
     * subject's CN, anything else a URI SAN (e.g. a SPIFFE ID). With key_sha256 too, the
     * caller needs both.
     */
    identity: z
      .string()
      .regex(
        /^(CN=.+|[A-Za-z][A-Za-z0-9+.-]*:\S+)$/,
        "must be CN=<common name> or a URI such as spiffe://example.org/ns/app/sa/orders",
      )
      .optional(),
    /**
     * What the caller may use: AppIDs, "wecom:CORP_ID:AGENT_ID" or "wecom:CORP_ID:NAME" (a
     * WeCom app or named secret), "wecom:CORP_ID:*" (every one of the corp), or "*".
     */
    apps: z.array(z.string().min(1)).min(1, "must list app ids or '*'"),
    permissions: z.array(z.enum(PERMISSIONS)).min(1, "must grant at least one permission"),
  })
  .strict()
  .refine((caller) => caller.key_sha256 !== undefined || caller.identity !== undefined, {
    message: "must set key_sha256, identity, or both",
    path: ["key_sha256"],
  });

/** A number of seconds a limit allows; 0 turns the limit off. */
const seconds = (fallback: number) => z.number().min(0).max(86_400).default(fallback);

/** Bounds on what one client can hold: see docs/operations.md "Limits". */
const limitsSchema = z
  .object({
    /** A connection must finish its TLS handshake and first request headers within this. */
    handshake_timeout_s: seconds(10),
    /** A connection with no call in progress is closed after this long. */
    idle_timeout_s: seconds(300),
    /** Open connections per port; unset: what the file-descriptor limit leaves, at most 10000. */
    max_connections: z.number().int().min(1).max(1_000_000).optional(),
    /** Concurrent calls (HTTP/2 streams) per connection. */
    max_streams_per_connection: z.number().int().min(1).max(100_000).default(1_000),
    /** Concurrent WatchToken streams per caller. */
    watch_streams_per_caller: z.number().int().min(1).max(1_000_000).default(500),
    /** Messages queued for a stream that does not read, before it ends with RESOURCE_EXHAUSTED. */
    stream_buffer_messages: z.number().int().min(1).max(100_000).default(64),
    /** The largest request message, in bytes. */
    max_message_bytes: z
      .number()
      .int()
      .min(1_024)
      .max(64 * 1_048_576)
      .default(1_048_576),
  })
  .strict()
  .prefault({});

/** Server TLS for both ports; with client_ca_file, clients must present a certificate. */
const listenTlsSchema = z
  .object({
    cert_file: z.string().min(1),
    key_file: z.string().min(1),
    client_ca_file: z.string().min(1).optional(),
  })
  .strict();

export const configSchema = z
  .object({
    replica_id: z.string().min(1).optional(),
    listen: z
      .object({
        grpc: hostPort.default("127.0.0.1:50051"),
        http: hostPort.default("127.0.0.1:8080"),
        tls: listenTlsSchema.optional(),
        /** Serve without TLS on a non-loopback address (behind a TLS-terminating proxy, say). */
        allow_plaintext: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    store: z
      .object({
        kind: z.enum(["embedded", "etcd"]).default("embedded"),
        path: z.string().min(1).default(".wxtoken/store"),
        etcd: z
          .object({
            endpoints: z.array(z.url()).min(1).default(["http://127.0.0.1:2379"]),
            prefix: z.string().min(1).default("wxtoken/"),
            lease_ttl_s: z.number().int().min(1).max(60).default(5),
            /** How long a replica starting waits for etcd to answer before it exits 1. */
            connect_timeout_s: z.number().int().min(1).max(3_600).default(60),
            /** Client TLS to etcd: the CA of etcd's certificate, and a client certificate for its client-cert auth. */
            tls: z
              .object({
                ca_file: z.string().min(1),
                cert_file: z.string().min(1).optional(),
                key_file: z.string().min(1).optional(),
              })
              .strict()
              .refine((tls) => (tls.cert_file === undefined) === (tls.key_file === undefined), {
                message: "set cert_file and key_file together, or neither",
              })
              .optional(),
            /** etcd's own authentication; the password is resolved from ${env:NAME} or password_file. */
            username: z.string().min(1).optional(),
            password: z.string().min(1).optional(),
          })
          .strict()
          .prefault({}),
        /** Sealing at rest: key files of 32 random bytes; the first seals, every one opens. */
        encryption: z
          .object({
            key_files: z.array(z.string().min(1)).min(1, "must list at least one key file"),
          })
          .strict()
          .optional(),
      })
      .strict()
      .prefault({}),
    /** The audit trail: where its lines go, and the key its token hashes (HMAC-SHA256) use. */
    audit: z
      .object({
        /** "stdout" or a file path (appended to, created 0600). */
        destination: z.string().min(1).default("stdout"),
        key_file: z.string().min(1).optional(),
      })
      .strict()
      .prefault({}),
    wechat: z
      .object({
        base_url: z.url().default("https://api.weixin.qq.com"),
        /** WeCom's host, for the WeCom apps' tokens, tickets and proxied calls. */
        wecom_base_url: z.url().default("https://qyapi.weixin.qq.com"),
        timeout_ms: z.number().int().min(100).max(60_000).default(5_000),
      })
      .strict()
      .prefault({}),
    refresh: z
      .object({
        /** Refresh when this many seconds (or fewer) are left; WeChat renews stable tokens in their last 300 s. */
        lead_s: z.number().min(1).max(3600).default(300),
        /** Backoff after a retryable failure: first delay and cap, in ms. */
        retry_initial_ms: z.number().int().min(1).default(500),
        retry_max_ms: z.number().int().min(1).default(30_000),
        /** Forced stable_token refreshes allowed per UTC+8 day, and their minimum spacing. */
        force_daily_limit: z.number().int().min(0).max(20).default(20),
        force_min_interval_s: z.number().min(0).default(30),
        /**
         * A passive refresh (RefreshToken, a rejected token on a send) of a value fetched
         * less than this many seconds ago is refused with RESOURCE_EXHAUSTED, not sent
         * upstream: one misbehaving caller cannot spend the daily quota.
         */
        passive_min_interval_s: z.number().min(0).max(3600).default(30),
        /**
         * The leader's own fetches (first fetches first, then refreshes come due) started
         * per second, at most, over every credential: tokens fetched together (their
         * expiries coincide) are refreshed spread over time, one every 1.1 / this s (a
         * tenth of a second of each window left for delivery: docs/operations.md). Needs
         * 0.9 × lead_s > 1.1 × credentials / this, or refreshes queue past expiry (a
         * warning says so). Passive and operator refreshes are not paced.
         */
        max_upstream_calls_per_second: z.number().min(0.1).max(10_000).default(100),
      })
      .strict()
      .prefault({}),
    gateway: z
      .object({
        /** The largest request or answer body the WeChat proxy passes, in bytes (10 MiB). */
        max_body_bytes: z
          .number()
          .int()
          .min(1_024)
          .max(1_073_741_824)
          .default(10 * 1_048_576),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(["fatal", "error", "warn", "info", "debug", "trace"]).default("info"),
      })
      .strict()
      .prefault({}),
    /** OpenTelemetry traces: exported over OTLP/HTTP when `endpoint` is set; off when not. */
    otel: z
      .object({
        /** The collector's OTLP/HTTP traces URL, e.g. http://otel-collector:4318/v1/traces. */
        endpoint: z
          .url({
            protocol: /^https?$/,
            error: "must be an http:// or https:// URL, e.g. http://otel-collector:4318/v1/traces",
          })
          .optional(),
        /** The service.name of the spans. */
        service_name: z.string().min(1, "must not be empty").default("wxtoken"),
      })
      .strict()
      .prefault({}),
    limits: limitsSchema,
    /** V8's heap tuning (read at start): see docs/operations.md "Memory at scale". */
    memory: z
      .object({
        /**
         * How far past what is live the old generation may grow after a full GC, in percent;
         * unset: V8's default (up to 4× for a process that allocates fast).
         */
        heap_growing_percent: z.number().int().min(10).max(400).optional(),
        /**
         * V8's allocation-site pretenuring: off unless true. With it, a site whose objects
         * survived once (10,000 credentials decoded at start or in a refresh round) allocates
         * in the old generation from then on, per call too.
         */
        allocation_site_pretenuring: z.boolean().default(false),
        /**
         * V8 drops the baseline (Sparkplug) code of a function not run in 5 full GCs, as it
         * does bytecode: on unless false. Without it, code a burst compiled (a refresh round
         * of 10,000 credentials) stays for the life of the process.
         */
        flush_baseline_code: z.boolean().default(true),
        /**
         * One full GC when the process goes quiet after a burst grew its young generation
         * or promoted garbage, so that V8 gives those pages back: on unless false.
         */
        collect_when_idle: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    apps: z.array(appSchema).default([]),
    /** WeCom (企业微信) corps, their apps (agents) and named secrets. */
    wecom: z.array(wecomCorpSchema).default([]),
    /** Third-party platforms (开放平台); their authorizers are registered at run time. */
    open_platforms: z.array(openPlatformSchema).default([]),
    callers: z.array(callerSchema).default([]),
  })
  .strict()
  .superRefine((config, ctx) => {
    const { grpc, http } = config.listen;
    const hostOf = (address: string) => address.slice(0, address.lastIndexOf(":"));
    const hosts = [hostOf(grpc), hostOf(http)];
    const sameHost = hosts[0] === hosts[1] || hosts.some((host) => WILDCARD_HOSTS.has(host));
    if (portOf(grpc) !== 0 && portOf(grpc) === portOf(http) && sameHost) {
      ctx.addIssue({
        code: "custom",
        path: ["listen", "http"],
        message: `must be another port than listen.grpc (${grpc}): each front door has its own`,
      });
    }
    const { etcd } = config.store;
    const https = etcd.endpoints.some((endpoint) => endpoint.startsWith("https:"));
    if (https && etcd.tls === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["store", "etcd", "tls", "ca_file"],
        message: "is required for https endpoints: the CA that signed etcd's certificate",
      });
    }
    if (!https && etcd.tls !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["store", "etcd", "endpoints"],
        message: "must be https:// when store.etcd.tls is set",
      });
    }
    if ((etcd.username === undefined) !== (etcd.password === undefined)) {
      ctx.addIssue({
        code: "custom",
        path: ["store", "etcd", etcd.username === undefined ? "username" : "password"],
        message:
          "must be set with the other: store.etcd.username and password (or password_file) go together",
      });
    }
    if (
      config.apps.length === 0 &&
      config.wecom.length === 0 &&
      config.open_platforms.length === 0
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["apps"],
        message:
          "must configure at least one app (or a WeCom corp under wecom, or a platform under open_platforms)",
      });
    }
    const seen = new Set<string>();
    const claim = (key: string, path: (string | number)[], message: string) => {
      if (seen.has(key)) {
        ctx.addIssue({ code: "custom", path, message });
      }
      seen.add(key);
    };
    config.wecom.forEach((corp, i) => {
      const prefix = `wecom:${corp.corp_id}:`;
      claim(`${prefix}*`, ["wecom", i, "corp_id"], "is configured twice");
      corp.agents.forEach((agent, j) => {
        claim(
          `${prefix}${agent.agent_id}`,
          ["wecom", i, "agents", j, "agent_id"],
          "is configured twice in this corp",
        );
      });
      corp.secrets.forEach((secret, j) => {
        claim(
          `${prefix}${secret.name}`,
          ["wecom", i, "secrets", j, "name"],
          "is configured twice in this corp",
        );
      });
    });
    config.open_platforms.forEach((platform, i) => {
      claim(
        `component:${platform.component_app_id}`,
        ["open_platforms", i, "component_app_id"],
        "is configured twice",
      );
      // Its authorizers are known only at run time: a grant names them all or one by AppID.
      seen.add(`authorizer:${platform.component_app_id}:*`);
    });
    config.apps.forEach((app, i) => {
      if (seen.has(app.app_id)) {
        ctx.addIssue({
          code: "custom",
          path: ["apps", i, "app_id"],
          message: "is configured twice",
        });
      }
      seen.add(app.app_id);
    });
    config.callers.forEach((caller, i) => {
      if (caller.identity !== undefined && config.listen.tls?.client_ca_file === undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["callers", i, "identity"],
          message:
            "needs listen.tls.client_ca_file: only a verified client certificate has an identity",
        });
      }
      caller.apps.forEach((appId, j) => {
        if (appId !== "*" && !seen.has(appId) && !seen.has(authorizerGrantOf(appId))) {
          ctx.addIssue({
            code: "custom",
            path: ["callers", i, "apps", j],
            message: `names app ${appId}, which is not configured`,
          });
        }
      });
    });
  });

/** "authorizer:PLATFORM:*" for a grant of one authorizer of PLATFORM, else "". */
function authorizerGrantOf(appId: string): string {
  const parts = appId.split(":");
  return parts.length === 3 &&
    parts[0] === "authorizer" &&
    /^[A-Za-z0-9_-]{1,64}$/.test(parts[2] ?? "")
    ? `authorizer:${parts[1]}:*`
    : "";
}

export type Config = z.infer<typeof configSchema>;
export type AppConfig = Config["apps"][number];
export type CallerConfig = Config["callers"][number];
export type ListenTlsConfig = NonNullable<Config["listen"]["tls"]>;
export type LimitsConfig = Config["limits"];
export type WecomCorpConfig = Config["wecom"][number];
export type OpenPlatformConfig = Config["open_platforms"][number];
