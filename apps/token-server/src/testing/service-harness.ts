// The service graph for unit tests: a real embedded store in a temp folder, the solo
// coordinator, a scripted WeChat, and clients over connect's in-memory router transport
// (no network). Everything it starts is stopped by the teardown.
import { createHash } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DescService } from "@bufbuild/protobuf";
import { type Client, createClient, createRouterTransport } from "@connectrpc/connect";
import type { Teardown } from "@wxtoken/testkit";
import { OpenPlatformClient } from "@wxtoken/wechat";
import { pino } from "pino";
import { SoloCoordinator } from "../cluster/solo.js";
import { parseConfig } from "../config/load.js";
import { openAuditTrail } from "../security/audit-trail.js";
import { createServiceGraph, type ServiceGraph } from "../service-graph.js";
import { EmbeddedStore } from "../store/embedded.js";
import { sealStore } from "../store/store-sealing.js";
import { connectRoutes } from "../transport/connect.js";
import { FakeUpstream } from "./fake-upstream.js";

export const STABLE_APP = "wxunit00000000001";
export const CLASSIC_APP = "wxunit00000000002";
export const ADMIN_KEY = "unit-admin-key";
export const READER_KEY = "unit-reader-key";
export const REFRESHER_KEY = "unit-refresher-key";
/** status.read on CLASSIC_APP only. */
export const STATUS_KEY = "unit-status-key";

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

/** The audit key of every harness (audit.key_file): tests compute HMACs with it. */
export const AUDIT_KEY = Buffer.alloc(32, 7);

export interface Harness {
  readonly graph: ServiceGraph;
  /** The audit trail's file (audit.destination). */
  readonly auditFile: string;
  readonly upstream: FakeUpstream;
  client<S extends DescService>(service: S): Client<S>;
}

/** A started service graph over a router transport; `config` is merged over the default. */
export async function startServices(
  teardown: Teardown,
  config: Record<string, unknown> = {},
): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), "wxtoken-unit-"));
  const auditFile = join(dir, "audit.log");
  writeFileSync(join(dir, "audit.key"), AUDIT_KEY.toString("base64"));
  const parsed = parseConfig(
    {
      store: { path: join(dir, "store") },
      audit: { destination: auditFile, key_file: join(dir, "audit.key") },
      refresh: { lead_s: 60, passive_min_interval_s: 0 },
      apps: [
        { app_id: STABLE_APP, secret: "${env:UNIT_SECRET}", mode: "stable", tickets: ["jsapi"] },
        { app_id: CLASSIC_APP, secret: "${env:UNIT_SECRET}", mode: "classic" },
      ],
      callers: [
        {
          name: "admin",
          key_sha256: sha256(ADMIN_KEY),
          apps: ["*"],
          permissions: ["token.read", "token.refresh", "message.send", "admin"],
        },
        {
          name: "reader",
          key_sha256: sha256(READER_KEY),
          apps: [CLASSIC_APP],
          permissions: ["token.read"],
        },
        {
          name: "refresher",
          key_sha256: sha256(REFRESHER_KEY),
          apps: [CLASSIC_APP],
          permissions: ["token.refresh"],
        },
        {
          name: "status-board",
          key_sha256: sha256(STATUS_KEY),
          apps: [CLASSIC_APP],
          permissions: ["status.read"],
        },
      ],
      ...config,
    },
    { UNIT_SECRET: "unit-app-secret" },
  );
  const logger = pino({ level: "silent" });
  const { store, sealed, loaded } = await sealStore(
    new EmbeddedStore(parsed.store.path),
    parsed.store.encryption,
    logger,
  );
  const trail = openAuditTrail(parsed.audit, logger);
  const coordinator = new SoloCoordinator("unit");
  const upstream = new FakeUpstream();
  const graph = createServiceGraph({
    config: parsed,
    store,
    coordinator,
    upstream,
    wecomUpstream: upstream,
    // No platform is configured in these unit tests: never called.
    openPlatformUpstream: new OpenPlatformClient({ baseUrl: "http://127.0.0.1:9" }),
    logger,
    audit: trail.audit,
    auditTrail: trail.destination,
    sealed,
  });
  await coordinator.start();
  await graph.start();
  loaded();
  teardown.add(async () => {
    await coordinator.stop();
    graph.stop();
    await graph.flush();
    await store.close();
    trail.destination.close();
  });
  const transport = createRouterTransport(connectRoutes(graph.bindings));
  return { graph, auditFile, upstream, client: (service) => createClient(service, transport) };
}

export const as = (key: string) => ({ headers: { authorization: `Bearer ${key}` } });
