// High availability on a real etcd with three token-server processes: one refresher,
// failover on kill -9 and SIGTERM, fencing of a deposed leader, cluster-wide single
// flight, an etcd outage, and the loss of one etcd member.
import { timestampMs } from "@bufbuild/protobuf/wkt";
import { AdminService, CredentialKind, MessageService } from "@wxtoken/api";
import { runningProcesses, Teardown, waitFor } from "@wxtoken/testkit";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  adminHeaders,
  agreedLeader,
  getToken,
  leaderSeenBy,
  type Replica,
  replicasSeenBy,
  startCluster,
  tokenClient,
} from "./testing/cluster.js";
import { readContinuously } from "./testing/read-loop.js";
import { APP_ID, clientFor, OTHER_APP_ID, transportFor } from "./testing/stack.js";

const LEASE_TTL_S = 2;
let teardown = new Teardown();

afterEach(async () => {
  await teardown.run();
  teardown = new Teardown();
});
afterAll(() => expect(runningProcesses()).toBe(0));

describe("a three-replica cluster on etcd", () => {
  it("has exactly one replica calling WeChat, once per token lifetime", async () => {
    const cluster = await startCluster({
      teardown,
      sim: { tokenTtlS: 4, renewWindowS: 3, overlapS: 2 },
    });
    const leader = await agreedLeader(cluster, cluster.replicas);
    await waitFor(() => (cluster.sim.stats().tokensIssuedByApp[APP_ID] ?? 0) >= 4, {
      timeoutMs: 30_000,
      description: "four stable tokens issued",
    });
    const stats = cluster.sim.stats();
    expect(stats.callsByApp[APP_ID]?.["/cgi-bin/stable_token"]).toBe(
      stats.tokensIssuedByApp[APP_ID],
    );
    const refreshers = cluster.replicas.filter((r) =>
      r.process.output().includes('"msg":"credential refreshed"'),
    );
    expect(refreshers.map((r) => r.id)).toEqual([leader.id]);
    // Every replica serves the leader's latest token from memory.
    const latest = await getToken(leader, APP_ID);
    await waitFor(async () => {
      const values = await Promise.all(cluster.replicas.map((r) => getToken(r, APP_ID)));
      return values.every((c) => c.generation >= latest.generation);
    });
  });

  it("fails over within lease_ttl_s + 1 s of a kill -9, without a failed read or an upstream call", async () => {
    const cluster = await startCluster({ teardown, leaseTtlS: LEASE_TTL_S });
    const leader = await agreedLeader(cluster, cluster.replicas);
    const survivors = cluster.replicas.filter((r) => r !== leader);
    // Every credential fetched before the kill, and held by the survivors: APP_ID's jsapi
    // ticket is fetched after its token.
    await waitFor(() =>
      Promise.all(
        survivors.flatMap((r) => [
          getToken(r, APP_ID),
          getToken(r, APP_ID, CredentialKind.JSAPI_TICKET),
          getToken(r, OTHER_APP_ID),
        ]),
      ),
    );
    const callsBefore = cluster.sim.stats().calls;
    const reader = readContinuously(survivors, APP_ID, adminHeaders);

    leader.process.signal("SIGKILL");
    const next = await agreedLeader(cluster, survivors, (LEASE_TTL_S + 1) * 1000);
    await waitFor(() => reader.reads() > 20);
    expect(await reader.stop()).toEqual([]);
    expect(survivors).toContain(next);
    expect(cluster.sim.stats().calls).toEqual(callsBefore);
  });

  it("fails over within 1 s when the leader gets SIGTERM and resigns", async () => {
    const cluster = await startCluster({ teardown, leaseTtlS: 5 });
    const leader = await agreedLeader(cluster, cluster.replicas);
    const survivors = cluster.replicas.filter((r) => r !== leader);
    const ids = (replicas: Replica[]) => JSON.stringify(replicas.map((r) => r.id).sort());
    await waitFor(
      async () =>
        JSON.stringify(await replicasSeenBy(survivors[0] ?? leader)) === ids(cluster.replicas),
      {
        description: "ListApps naming the three replicas in the election",
      },
    );
    const stopped = leader.process.stop("SIGTERM");
    await agreedLeader(cluster, survivors, 1_000);
    expect((await stopped).code).toBe(0);
    expect(leader.process.output()).toMatch(/"msg":"resigned"/);
    // The resigned replica leaves the election at once, not when its lease (5 s) expires.
    expect(JSON.stringify(await replicasSeenBy(survivors[1] ?? leader))).toBe(ids(survivors));
  });

  it("rejects the write of a leader deposed while stopped, keeps the new leader's value, and steps it down", async () => {
    const cluster = await startCluster({ teardown, leaseTtlS: LEASE_TTL_S });
    const old = await agreedLeader(cluster, cluster.replicas);
    const others = cluster.replicas.filter((r) => r !== old);
    const stale = await getToken(old, OTHER_APP_ID);
    const issued = () => cluster.sim.stats().calls["/cgi-bin/token"] ?? 0;
    const before = issued();
    // The old leader's refresh reaches WeChat, whose answer is delayed past the stop.
    cluster.sim.inject({ endpoint: "/cgi-bin/token", delayMs: 3_000 });
    const inFlight = tokenClient(old)
      .refreshToken(
        { appId: OTHER_APP_ID, kind: CredentialKind.ACCESS_TOKEN, staleValue: stale.value },
        { headers: adminHeaders },
      )
      .catch((error: unknown) => error);
    await waitFor(() => issued() === before + 1, {
      description: "the old leader's call reaching WeChat",
    });
    old.process.signal("SIGSTOP");

    const next = await agreedLeader(cluster, others);
    const refreshed = await tokenClient(next).refreshToken(
      { appId: OTHER_APP_ID, kind: CredentialKind.ACCESS_TOKEN, staleValue: stale.value },
      { headers: adminHeaders, timeoutMs: 5_000 },
    );
    expect(refreshed.refreshed).toBe(true);
    await waitFor(() => cluster.sim.stats().messages !== undefined && issued() === before + 2);

    old.process.signal("SIGCONT");
    await inFlight;
    await waitFor(() => /no longer leads/.test(old.process.output()), {
      description: "the old leader fenced out",
    });
    await waitFor(async () => (await leaderSeenBy(old)) === next.id, {
      description: "the old leader stepping down",
    });
    for (const replica of cluster.replicas) {
      await waitFor(
        async () => (await getToken(replica, OTHER_APP_ID)).value === refreshed.credential?.value,
        {
          description: `${replica.id} serving the new leader's token`,
        },
      );
    }
  });

  it("makes one upstream call for 1000 concurrent RefreshToken calls spread over the replicas", async () => {
    const cluster = await startCluster({ teardown });
    await agreedLeader(cluster, cluster.replicas);
    const stale = await getToken(cluster.replicas[0] as Replica, OTHER_APP_ID);
    await Promise.all(
      cluster.replicas.map((r) =>
        waitFor(async () => (await getToken(r, OTHER_APP_ID)).value === stale.value),
      ),
    );
    const before = cluster.sim.stats().calls["/cgi-bin/token"] ?? 0;
    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) =>
        tokenClient(cluster.replicas[i % 3] as Replica).refreshToken(
          { appId: OTHER_APP_ID, kind: CredentialKind.ACCESS_TOKEN, staleValue: stale.value },
          { headers: adminHeaders, timeoutMs: 10_000 },
        ),
      ),
    );
    expect(cluster.sim.stats().calls["/cgi-bin/token"]).toBe(before + 1);
    // Every caller gets the one new token; a caller whose replica had it already gets it
    // with refreshed: false.
    expect(new Set(results.map((r) => r.credential?.value))).toEqual(
      new Set([results.find((r) => r.refreshed)?.credential?.value]),
    );
  });

  it("sends a message once per client_msg_id, whichever replicas the repeats reach", async () => {
    const cluster = await startCluster({ teardown });
    await agreedLeader(cluster, cluster.replicas);
    const request = {
      appId: APP_ID,
      toUser: "oUser0000000000000000000001A",
      templateId: "tpl-cluster",
      data: { first: { value: "hello" } },
      clientMsgId: "cluster-order-1",
    };
    const sends = await Promise.all(
      cluster.replicas.map((replica) =>
        clientFor(MessageService, transportFor(replica, "grpc")).sendTemplateMessage(request, {
          headers: adminHeaders,
          timeoutMs: 10_000,
        }),
      ),
    );
    expect(cluster.sim.stats().messages).toHaveLength(1);
    expect(new Set(sends.map((s) => s.msgId)).size).toBe(1);
    expect(sends.filter((s) => s.deduplicated)).toHaveLength(2);
  });

  it("keeps serving valid stable tokens through an etcd outage of two lifetimes, then converges", async () => {
    const cluster = await startCluster({
      teardown,
      sim: { tokenTtlS: 4, renewWindowS: 3, overlapS: 2 },
    });
    await agreedLeader(cluster, cluster.replicas);
    await Promise.all(cluster.replicas.map((r) => getToken(r, APP_ID)));
    const member = cluster.etcd.members[0];
    if (member === undefined) {
      throw new Error("no etcd member");
    }
    const reader = readContinuously(cluster.replicas, APP_ID, adminHeaders);
    await member.stop();
    const outageStart = Date.now();
    // ListApps answers from memory on every replica, and says since when the store is gone.
    for (const replica of cluster.replicas) {
      const listed = await waitFor(
        async () => {
          const answer = await clientFor(AdminService, transportFor(replica, "grpc")).listApps(
            {},
            { headers: adminHeaders, timeoutMs: 2_000 },
          );
          return answer.storeUnreachableSince === undefined ? undefined : answer;
        },
        { description: `${replica.id}'s ListApps saying the store is unreachable` },
      );
      expect(listed.apps.map((app) => app.appId)).toEqual([APP_ID, OTHER_APP_ID]);
      expect(
        listed.storeUnreachableSince && timestampMs(listed.storeUnreachableSince),
      ).toBeGreaterThanOrEqual(outageStart - 1_000);
    }
    await waitFor(() => Date.now() - outageStart > 8_000, {
      timeoutMs: 10_000,
      intervalMs: 200,
      description: "two lifetimes",
    });
    await member.restart();
    expect(await reader.stop()).toEqual([]);
    expect(
      cluster.replicas.some((r) =>
        /fetched a stable token for this replica only/.test(r.process.output()),
      ),
    ).toBe(true);

    const leader = await agreedLeader(cluster, cluster.replicas, 20_000);
    await waitFor(
      async () => {
        const seen = await Promise.all(cluster.replicas.map((r) => getToken(r, APP_ID)));
        return new Set(seen.map((c) => `${c.value}/${c.generation}`)).size === 1;
      },
      { timeoutMs: 20_000, description: "one credential on every replica" },
    );
    expect(cluster.replicas).toContain(leader);
  });

  it("goes on when one member of a three-member etcd cluster dies", async () => {
    const cluster = await startCluster({ teardown, etcdMembers: 3 });
    await agreedLeader(cluster, cluster.replicas);
    const stale = await getToken(cluster.replicas[0] as Replica, OTHER_APP_ID);
    await cluster.etcd.members[0]?.stop("SIGKILL");
    const refreshed = await tokenClient(cluster.replicas[1] as Replica).refreshToken(
      { appId: OTHER_APP_ID, kind: CredentialKind.ACCESS_TOKEN, staleValue: stale.value },
      { headers: adminHeaders, timeoutMs: 10_000 },
    );
    for (const replica of cluster.replicas) {
      await waitFor(
        async () => (await getToken(replica, OTHER_APP_ID)).value === refreshed.credential?.value,
        {
          timeoutMs: 15_000,
          description: `${replica.id} serving the refreshed token`,
        },
      );
    }
  });
});
