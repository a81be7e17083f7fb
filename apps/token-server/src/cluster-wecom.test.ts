// WeCom on three replicas and a real etcd: the leader alone fetches each agent's token and
// both tickets, once; every replica serves two agents their own tokens; a storm of 1,000
// reads and refreshes spread over the replicas stays inside WeCom's hourly limits (the
// counters are cluster-wide), and a kill -9 of the leader costs no call while the
// credentials are valid. Counted by the simulator.
import { createHash } from "node:crypto";
import { Code } from "@connectrpc/connect";
import { CredentialKind, UpstreamErrorSchema } from "@wxtoken/api";
import { runningProcesses, Teardown, waitFor } from "@wxtoken/testkit";
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
import { readContinuously } from "./testing/read-loop.js";
import {
  AGENT_THREE,
  AGENT_TWO,
  owner,
  simApp,
  simCorp,
  wecomConfig,
} from "./testing/wecom-fixture.js";

const ACCESS = CredentialKind.ACCESS_TOKEN;
const CORP_TICKET = CredentialKind.JSAPI_TICKET;
const AGENT_TICKET = CredentialKind.AGENT_CONFIG_TICKET;
const teardown = new Teardown();
afterEach(() => teardown.run());
afterAll(() => expect(runningProcesses()).toBe(0));

const read = (replica: Replica, agentId: number, kind: CredentialKind) =>
  ownerValue(replica, owner(agentId), kind);

describe("WeCom on three replicas", () => {
  it("fetches once on the leader, serves each agent its own token everywhere, and stays inside the hourly limits", async () => {
    const cluster = await startCluster({
      teardown,
      sim: { wecom: simCorp() },
      config: wecomConfig,
    });
    const leader = await agreedLeader(cluster, cluster.replicas);
    const views = await Promise.all(
      cluster.replicas.map(async (replica) => ({
        two: await read(replica, AGENT_TWO, ACCESS),
        three: await read(replica, AGENT_THREE, ACCESS),
        corp: await read(replica, AGENT_TWO, CORP_TICKET),
        agent: await read(replica, AGENT_TWO, AGENT_TICKET),
        agentThree: await read(replica, AGENT_THREE, AGENT_TICKET),
      })),
    );
    const [first] = views;
    expect(first?.two).not.toBe(first?.three);
    for (const view of views) {
      expect(view).toEqual(first);
    }
    const counts = () => {
      const stats = cluster.sim.stats();
      return {
        two: stats.callsByApp[simApp(AGENT_TWO)],
        three: stats.callsByApp[simApp(AGENT_THREE)],
      };
    };
    const once = {
      two: {
        "/cgi-bin/gettoken": 1,
        "/cgi-bin/get_jsapi_ticket": 1,
        "/cgi-bin/ticket/get": 1,
      },
      three: { "/cgi-bin/gettoken": 1, "/cgi-bin/ticket/get": 1 },
    };
    expect(counts()).toEqual(once);

    // 1,000 reads and refreshes of both tickets, over every replica at once.
    const storm = Array.from({ length: 1_000 }, (_, i) => {
      const replica = cluster.replicas[i % 3] as Replica;
      const kind = i % 2 === 0 ? CORP_TICKET : AGENT_TICKET;
      const staleValue = kind === CORP_TICKET ? first?.corp : first?.agent;
      const client = tokenClient(replica);
      const options = { headers: adminHeaders, timeoutMs: 30_000 };
      return i % 4 < 2
        ? client.getToken({ owner: owner(AGENT_TWO), kind }, options)
        : client.refreshToken({ owner: owner(AGENT_TWO), kind, staleValue }, options);
    });
    const answers = await Promise.allSettled(storm);
    for (const answer of answers) {
      if (answer.status === "rejected") {
        expect(String(answer.reason)).toMatch(/allowed this clock hour/);
      }
    }
    const afterStorm = counts();
    expect(afterStorm.two?.["/cgi-bin/get_jsapi_ticket"]).toBeLessThanOrEqual(100);
    expect(afterStorm.two?.["/cgi-bin/ticket/get"]).toBeLessThanOrEqual(100);
    // The other agent, and both tokens, were not touched.
    expect(afterStorm.three).toEqual(once.three);
    expect(afterStorm.two?.["/cgi-bin/gettoken"]).toBe(1);

    // kill -9 of the leader: the next one serves what is stored, calling nothing.
    leader.process.signal("SIGKILL");
    const survivors = cluster.replicas.filter((replica) => replica !== leader);
    const next = await agreedLeader(cluster, survivors);
    await waitFor(async () => (await read(next, AGENT_THREE, AGENT_TICKET)) === first?.agentThree, {
      description: "the new leader serving agent three's ticket",
    });
    expect(await read(next, AGENT_TWO, ACCESS)).toBe(first?.two);
    expect(counts()).toEqual(afterStorm);

    // Every live replica signs both configs with the tickets the simulator issued.
    const simTicket = async (path: string, query: string) => {
      const url = `${cluster.sim.url}${path}?access_token=${encodeURIComponent(first?.two ?? "")}${query}`;
      return String(((await (await fetch(url)).json()) as { ticket: unknown }).ticket);
    };
    const corpTicket = await simTicket("/cgi-bin/get_jsapi_ticket", "");
    const agentTicket = await simTicket("/cgi-bin/ticket/get", "&type=agent_config");
    const url = "https://oa.example.com/page";
    for (const replica of survivors) {
      for (const [agentConfig, ticket] of [
        [false, corpTicket],
        [true, agentTicket],
      ] as const) {
        const signed = await tokenClient(replica).signJsSdk(
          { owner: owner(AGENT_TWO), url, agentConfig },
          { headers: adminHeaders },
        );
        const plain = `jsapi_ticket=${ticket}&noncestr=${signed.nonceStr}&timestamp=${signed.timestamp}&url=${url}`;
        expect(signed.signature).toBe(createHash("sha1").update(plain).digest("hex"));
      }
    }
  });

  it("stops at 60020 on the leader and tells every replica's caller which IP to trust", async () => {
    const cluster = await startCluster({
      teardown,
      sim: { wecom: simCorp({ trustedIps: ["203.0.113.7"] }) },
      config: wecomConfig,
    });
    const leader = await agreedLeader(cluster, cluster.replicas);
    const refused = await connectError(
      tokenClient(leader).getToken(
        { owner: owner(AGENT_TWO), kind: ACCESS },
        { headers: adminHeaders },
      ),
    );
    expect(refused.code).toBe(Code.FailedPrecondition);
    expect(refused.rawMessage).toContain("add 127.0.0.1 to the trusted IPs");
    const gettoken = () => cluster.sim.stats().callsByApp[simApp(AGENT_TWO)]?.["/cgi-bin/gettoken"];
    expect(gettoken()).toBe(1);
    // A follower's caller asks the leader, which passes WeCom's answer on without calling.
    const follower = cluster.replicas.find((replica) => replica !== leader) as Replica;
    const asked = await connectError(
      tokenClient(follower).refreshToken(
        { owner: owner(AGENT_TWO), kind: ACCESS, staleValue: "a-token-wecom-rejected" },
        { headers: adminHeaders, timeoutMs: 10_000 },
      ),
    );
    expect(asked.code).toBe(Code.FailedPrecondition);
    expect(asked.findDetails(UpstreamErrorSchema)[0]?.errcode).toBe(60020);
    expect(asked.rawMessage).toContain("add 127.0.0.1 to the trusted IPs");
    expect(gettoken()).toBe(1);
    // Agent three, trusted, is served everywhere.
    for (const replica of cluster.replicas) {
      expect(await read(replica, AGENT_THREE, ACCESS)).toBeTruthy();
    }
    expect(gettoken()).toBe(1);
  });

  it("keeps serving each agent's token through an etcd outage of two lifetimes, fetched per replica", async () => {
    const cluster = await startCluster({
      teardown,
      sim: { tokenTtlS: 4, renewWindowS: 3, wecom: simCorp() },
      config: (simUrl) => {
        const config = wecomConfig(simUrl);
        // Tokens only: a ticket is the leader's alone, counted durably per hour.
        const [corp] = config.wecom as { agents: { tickets?: string[] }[] }[];
        for (const agent of corp?.agents ?? []) {
          agent.tickets = [];
        }
        return config;
      },
    });
    await agreedLeader(cluster, cluster.replicas);
    for (const replica of cluster.replicas) {
      await read(replica, AGENT_TWO, ACCESS);
    }
    const member = cluster.etcd.members[0];
    if (member === undefined) {
      throw new Error("no etcd member");
    }
    const reader = readContinuously(cluster.replicas, owner(AGENT_TWO), adminHeaders);
    await member.stop();
    const outageStart = Date.now();
    await waitFor(() => Date.now() - outageStart > 8_000, {
      timeoutMs: 10_000,
      intervalMs: 200,
      description: "two lifetimes",
    });
    await member.restart();
    expect(await reader.stop()).toEqual([]);
    expect(
      cluster.replicas.some((r) =>
        /fetched a WeCom token for this replica only/.test(r.process.output()),
      ),
    ).toBe(true);
  });
});
