// The upstream gate on three replicas and a real etcd: a 45009 hold survives the leader's
// kill -9 (the new leader makes no token call) and every replica answers RefreshToken
// with it; a follower hears the leader's failure at once; every replica reloads its own
// config and the leader alone fetches an added app. Counted by the simulator.

import { readFileSync, writeFileSync } from "node:fs";
import { setTimeout as observe } from "node:timers/promises";
import { Code } from "@connectrpc/connect";
import { AdminService, CredentialKind, UpstreamErrorSchema } from "@wxtoken/api";
import { e2e, e2eSimApps, runningProcesses, Teardown, waitFor } from "@wxtoken/testkit";
import { nextBeijingMidnight } from "@wxtoken/wechat";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  adminHeaders,
  agreedLeader,
  getToken,
  type Replica,
  startCluster,
  tokenClient,
} from "./testing/cluster.js";
import { connectError } from "./testing/connect-error.js";
import { APP_ID, clientFor, OTHER_APP_ID, transportFor } from "./testing/stack.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
const STABLE = "/cgi-bin/stable_token";
const CLASSIC = "/cgi-bin/token";
const teardown = new Teardown();
afterEach(() => teardown.run());
afterAll(() => expect(runningProcesses()).toBe(0));

describe("the upstream gate on three replicas", () => {
  it("keeps a 45009 hold across a kill -9 of the leader: no token call, RESOURCE_EXHAUSTED everywhere", async () => {
    const cluster = await startCluster({
      teardown,
      sim: { tokenTtlS: 4, renewWindowS: 3, overlapS: 2 },
    });
    const leader = await agreedLeader(cluster, cluster.replicas);
    await Promise.all(cluster.replicas.map((r) => getToken(r, APP_ID)));
    cluster.sim.inject({ endpoint: STABLE, appId: APP_ID, errcode: 45009, count: 1_000 });
    await waitFor(() => /"errcode":45009.*upstream hold/.test(leader.process.output()), {
      timeoutMs: 10_000,
      description: "the leader's refresh meeting 45009",
    });
    const held = cluster.sim.stats().callsByApp[APP_ID]?.[STABLE] ?? 0;

    leader.process.signal("SIGKILL");
    const survivors = cluster.replicas.filter((r) => r !== leader);
    await agreedLeader(cluster, survivors);
    const untilMidnight = nextBeijingMidnight(new Date()).getTime() - Date.now();
    for (const replica of survivors) {
      // The value WeChat would be rejecting; once it has expired under the hold, GetToken
      // itself answers with the hold, and any stale value meets it.
      const current = await tokenClient(replica)
        .getToken({ appId: APP_ID, kind: ACCESS }, { headers: adminHeaders })
        .then(({ credential }) => credential?.value ?? "expired")
        .catch(() => "expired");
      const refused = await connectError(
        tokenClient(replica).refreshToken(
          { appId: APP_ID, kind: ACCESS, staleValue: current },
          { headers: adminHeaders, timeoutMs: 10_000 },
        ),
      );
      expect(refused.code).toBe(Code.ResourceExhausted);
      const detail = refused.findDetails(UpstreamErrorSchema)[0];
      expect(detail?.errcode).toBe(45009);
      expect(Number(detail?.retryAfter?.seconds ?? 0n) * 1000).toBeGreaterThan(
        untilMidnight - 60_000,
      );
    }
    // An observation window spanning the token's whole lifetime under the new leader.
    await observe(5_000);
    expect(cluster.sim.stats().callsByApp[APP_ID]?.[STABLE] ?? 0).toBe(held);
  });

  it("answers a follower's RefreshToken with the leader's failure as soon as the leader has it", async () => {
    const cluster = await startCluster({ teardown });
    const leader = await agreedLeader(cluster, cluster.replicas);
    const follower = cluster.replicas.find((r) => r !== leader);
    if (follower === undefined) {
      throw new Error("no follower");
    }
    const stale = await getToken(follower, OTHER_APP_ID);
    cluster.sim.inject({ endpoint: CLASSIC, appId: OTHER_APP_ID, errcode: 40164 });
    const refused = await connectError(
      tokenClient(follower).refreshToken(
        { appId: OTHER_APP_ID, kind: ACCESS, staleValue: stale.value },
        { headers: adminHeaders, timeoutMs: 20_000 },
      ),
    );
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.findDetails(UpstreamErrorSchema)[0]?.errcode).toBe(40164);
  });

  it("reloads every replica's own config on SIGHUP; the leader alone fetches the app added", async () => {
    const added = "wxe2e0000000000003";
    const cluster = await startCluster({
      teardown,
      sim: { apps: [...e2eSimApps, { appId: added, secret: e2e.otherSecret }] },
    });
    await agreedLeader(cluster, cluster.replicas);
    for (const replica of cluster.replicas) {
      const config = JSON.parse(readFileSync(replica.configPath, "utf8")) as {
        apps: Record<string, unknown>[];
      };
      config.apps.push({ app_id: added, secret: "${env:E2E_OTHER_SECRET}", mode: "classic" });
      writeFileSync(replica.configPath, JSON.stringify(config));
      replica.process.signal("SIGHUP");
    }
    for (const replica of cluster.replicas) {
      await waitFor(() => getToken(replica, added).catch(() => undefined), {
        description: `${replica.id} serving the added app`,
      });
    }
    expect(cluster.sim.stats().callsByApp[added]?.[CLASSIC]).toBe(1);

    // One follower's file drifts from the leader's: its ListApps says so, the leader's not.
    const leader = await agreedLeader(cluster, cluster.replicas);
    const drifted = cluster.replicas.find((r) => r !== leader);
    if (drifted === undefined) {
      throw new Error("no follower");
    }
    const config = JSON.parse(readFileSync(drifted.configPath, "utf8")) as {
      apps: Record<string, unknown>[];
    };
    config.apps = config.apps.map((app) =>
      app.app_id === added ? { ...app, daily_budget: 7 } : app,
    );
    writeFileSync(drifted.configPath, JSON.stringify(config));
    drifted.process.signal("SIGHUP");
    const differs = (replica: Replica) =>
      clientFor(AdminService, transportFor(replica, "grpc"))
        .listApps({}, { headers: adminHeaders })
        .then(({ apps }) => apps.find((app) => app.appId === added)?.configDiffersFromLeader);
    await waitFor(async () => (await differs(drifted)) === true, {
      description: "the drifted follower saying its config differs from the leader's",
    });
    expect(await differs(leader)).toBe(false);
  });
});
