// A third-party platform on three replicas and a real etcd: a ticket pushed to a follower's
// callback is used by the leader, which buys one component token for the cluster; an
// `authorized` event received by a follower gives every replica the authorizer's token; a
// refresh's rotated refresh token is stored and used by a later leader; a kill -9 of the
// leader, its restart, and then a stop of the next leader cost no ticket, no component
// token and no authorizer token call while they are valid; a follower refuses the quota
// operations naming the leader; the refresh tokens outlive the loss of an etcd member.
// Counted by the simulator.
import { Code, ConnectError } from "@connectrpc/connect";
import { CredentialKind, type CredentialOwner } from "@wxtoken/api";
import {
  e2e,
  runningProcesses,
  spawnTokenServer,
  Teardown,
  WaitAborted,
  waitFor,
} from "@wxtoken/testkit";
import { OPEN_PLATFORM_ENDPOINTS } from "@wxtoken/wechat";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  adminHeaders,
  agreedLeader,
  ownerValue,
  type Replica,
  startCluster,
  tokenClient,
} from "./testing/cluster.js";
import { connectError } from "./testing/connect-error.js";
import {
  AUTHORIZER_APP_ID,
  authorizerOwner,
  COMPONENT_APP_ID,
  callbackUrl,
  componentOwner,
  openPlatformConfig,
  simPlatforms,
} from "./testing/open-platform-fixture.js";
import { platformsOf } from "./testing/stack.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
const teardown = new Teardown();
afterEach(() => teardown.run());
afterAll(() => expect(runningProcesses()).toBe(0));

const read = (replica: Replica, owner: CredentialOwner) => ownerValue(replica, owner);

describe("Open Platform on three replicas", () => {
  it("uses a ticket a follower received on the leader, and survives leader failures without calls", async () => {
    const cluster = await startCluster({
      teardown,
      sim: { openPlatforms: simPlatforms() },
      config: () => openPlatformConfig(teardown),
    });
    const { sim } = cluster;
    const leader = await agreedLeader(cluster, cluster.replicas);
    const follower = cluster.replicas.find((replica) => replica !== leader);
    if (follower === undefined) {
      throw new Error("no follower");
    }
    await sim.openPlatform.setCallbackUrl(COMPONENT_APP_ID, callbackUrl(follower.httpUrl));
    expect((await sim.openPlatform.pushTicket(COMPONENT_APP_ID)).push.delivered).toBe(true);
    const components = await Promise.all(
      cluster.replicas.map((replica) => read(replica, componentOwner())),
    );
    expect(components[0]).toBeTruthy();
    expect(new Set(components).size).toBe(1);
    expect(sim.stats().componentTokensIssued).toBe(1);

    const authorized = await sim.openPlatform.authorize({
      componentAppId: COMPONENT_APP_ID,
      authorizerAppId: AUTHORIZER_APP_ID,
    });
    expect(authorized.push.delivered).toBe(true);
    const authorizers = await Promise.all(
      cluster.replicas.map((replica) => read(replica, authorizerOwner())),
    );
    expect(authorizers[0]).toBeTruthy();
    expect(new Set(authorizers).size).toBe(1);
    expect(sim.stats().authorizerTokensIssued).toBe(1);
    // A refresh asked of a follower: the leader rotates the refresh token and stores it.
    const refresh = (replica: Replica, staleValue: string) =>
      tokenClient(replica).refreshToken(
        { owner: authorizerOwner(), kind: ACCESS, staleValue },
        { headers: adminHeaders, timeoutMs: 10_000 },
      );
    const refreshed = (await refresh(follower, authorizers[0] ?? "")).credential?.value ?? "";
    expect(refreshed).not.toBe(authorizers[0]);
    expect(sim.stats().authorizerTokensIssued).toBe(2);
    const counts = () => {
      const stats = sim.stats();
      return {
        component: stats.componentTokensIssued,
        authorizer: stats.authorizerTokensIssued,
        pushAsked: stats.calls[OPEN_PLATFORM_ENDPOINTS.startPushTicket] ?? 0,
        tickets: stats.callbackPushes.filter((p) => p.infoType === "component_verify_ticket")
          .length,
      };
    };
    const before = counts();
    // The quota operations are the leader's: a follower names it and calls nothing.
    const platforms = platformsOf(follower);
    for (const asked of [
      () =>
        platforms.getComponentQuota(
          { componentAppId: COMPONENT_APP_ID, authorizerAppId: "", cgiPath: "/cgi-bin/token" },
          { headers: adminHeaders },
        ),
      () =>
        platforms.clearComponentQuota(
          { componentAppId: COMPONENT_APP_ID, authorizerAppId: "", reason: "45009" },
          { headers: adminHeaders },
        ),
    ]) {
      const refused = await connectError(asked());
      expect(refused.code).toBe(Code.FailedPrecondition);
      expect(refused.rawMessage).toContain(leader.id);
    }
    expect(sim.stats().calls["/cgi-bin/openapi/quota/get"]).toBeUndefined();

    // kill -9 of the leader: the next one serves what is stored, calling nothing.
    leader.process.signal("SIGKILL");
    const survivors = cluster.replicas.filter((replica) => replica !== leader);
    const next = await agreedLeader(cluster, survivors);
    for (const replica of survivors) {
      expect(await read(replica, componentOwner())).toBe(components[0]);
      expect(await read(replica, authorizerOwner())).toBe(refreshed);
    }
    // The killed replica restarted on its config: it serves from the store, calling nothing.
    const restartedProcess = spawnTokenServer(["--config", leader.configPath], {
      teardown,
      env: { E2E_SECRET: e2e.secret, E2E_OTHER_SECRET: e2e.otherSecret },
    });
    const ready = await restartedProcess.waitForOutput(/"grpc_port":(\d+),"http_port":(\d+)/);
    const restarted: Replica = {
      ...leader,
      process: restartedProcess,
      grpcUrl: `http://127.0.0.1:${ready[1]}`,
      httpUrl: `http://127.0.0.1:${ready[2]}`,
    };
    expect(await read(restarted, authorizerOwner())).toBe(refreshed);
    expect(await read(restarted, componentOwner())).toBe(components[0]);
    expect(counts()).toEqual(before);

    // A stop of the leader too: another replica leads, still calling nothing.
    await next.process.stop();
    const last = [...survivors.filter((replica) => replica !== next), restarted];
    const lastLeader = await agreedLeader(cluster, last);
    await waitFor(async () => (await read(lastLeader, authorizerOwner())) === refreshed, {
      description: "the last replica serving the authorizer",
    });
    expect(await read(lastLeader, componentOwner())).toBe(components[0]);
    expect(counts()).toEqual(before);
    // The refresh token the first leader stored is the one the simulator accepts now.
    const again = (await refresh(lastLeader, refreshed)).credential?.value;
    expect(again).toBeTruthy();
    expect(again).not.toBe(refreshed);
    expect(sim.stats().authorizerTokensIssued).toBe(before.authorizer + 1);
  });

  it("keeps the rotated refresh tokens through the loss of an etcd member", async () => {
    const cluster = await startCluster({
      teardown,
      etcdMembers: 3,
      sim: { openPlatforms: simPlatforms() },
      config: () => openPlatformConfig(teardown),
    });
    const { sim } = cluster;
    const leader = await agreedLeader(cluster, cluster.replicas);
    await sim.openPlatform.setCallbackUrl(COMPONENT_APP_ID, callbackUrl(leader.httpUrl));
    expect((await sim.openPlatform.pushTicket(COMPONENT_APP_ID)).push.delivered).toBe(true);
    // The component token the ticket buys comes first: an `authorized` callback handled
    // before it exists is not applied (WeChat pushes it again; the simulator does not).
    expect(await read(leader, componentOwner())).toBeTruthy();
    await sim.openPlatform.authorize({
      componentAppId: COMPONENT_APP_ID,
      authorizerAppId: AUTHORIZER_APP_ID,
    });
    // The callback answers before the authorizer is registered: wait until it is served.
    const first = await waitFor(
      async () => (await read(leader, authorizerOwner()).catch(() => "")) || undefined,
      { description: "the leader serving the authorizer after `authorized`" },
    );

    await cluster.etcd.members[0]?.stop("SIGKILL");
    // A refresh on the two members left rotates the refresh token and stores the new one.
    // Losing the member may move the leadership (the leader's lease was kept alive through
    // it): a replica that no longer leads refuses the refresh, writing nothing
    // (UNAVAILABLE), and the caller asks the one that leads.
    const { refresher, second } = await waitFor(
      async () => {
        const current = await agreedLeader(cluster, cluster.replicas);
        try {
          const refreshed = await tokenClient(current).refreshToken(
            { owner: authorizerOwner(), kind: ACCESS, staleValue: first },
            { headers: adminHeaders, timeoutMs: 10_000 },
          );
          return { refresher: current, second: refreshed.credential?.value ?? "" };
        } catch (error) {
          if (ConnectError.from(error).code === Code.Unavailable) {
            return undefined;
          }
          throw new WaitAborted(`the refresh failed: ${String(error)}`);
        }
      },
      { timeoutMs: 30_000, description: "a refresh on the replica that leads" },
    );
    expect(second).not.toBe(first);
    // The next leader reads the rotated refresh token from the store: the simulator, which
    // refuses the old one, issues its next token.
    await refresher.process.stop();
    const survivors = cluster.replicas.filter((replica) => replica !== refresher);
    const next = await agreedLeader(cluster, survivors);
    await waitFor(async () => (await read(next, authorizerOwner())) === second, {
      description: "the next leader serving the refreshed authorizer token",
    });
    const issued = sim.stats().authorizerTokensIssued;
    const third = await tokenClient(next).refreshToken(
      { owner: authorizerOwner(), kind: ACCESS, staleValue: second },
      { headers: adminHeaders, timeoutMs: 10_000 },
    );
    expect(third.credential?.value).toBeTruthy();
    expect(third.credential?.value).not.toBe(second);
    expect(sim.stats().authorizerTokensIssued).toBe(issued + 1);
  });
});
