// EtcdLeader on a real etcd: the lease calls its reaper makes (remaining time in whole
// seconds and the granted TTL, -1 once gone; a revocation that finds the lease gone says
// so), and a follower taking over from a leader that died without resigning, never before
// that leader's lease expired.
import { type EtcdCluster, startEtcd, Teardown } from "@wxtoken/testkit";
import { Etcd3 } from "etcd3";
import { pino } from "pino";
import { afterAll, beforeAll, expect, it } from "vitest";
import { EtcdLeader, etcdLeases } from "./etcd-leader.js";

const teardown = new Teardown();
const PREFIX = "wxtoken-leader-test/";
let etcd: EtcdCluster;
let client: Etcd3;

beforeAll(async () => {
  etcd = await startEtcd({ teardown });
  client = new Etcd3({ hosts: etcd.endpoints });
  teardown.add(() => client.close());
}, 60_000);
afterAll(() => teardown.run());

it("reads a lease's remaining whole seconds and TTL, revokes it once, then reads it gone", async () => {
  const leases = etcdLeases(client);
  const { ID } = await client.leaseClient.leaseGrant({ TTL: 30 });
  const live = await leases.timeToLive(ID);
  expect(live.remainingS).toBeGreaterThanOrEqual(29);
  expect(live.grantedS).toBe(30);
  expect(await leases.revoke(ID)).toBe(true);
  expect((await leases.timeToLive(ID)).remainingS).toBe(-1);
  expect(await leases.revoke(ID)).toBe(false);
});

it("takes over from a leader that died without resigning, after its lease expired", async () => {
  // The dead leader: a campaign key on a lease no one keeps alive, as kill -9 leaves it.
  const grantedBefore = Date.now();
  const { ID } = await client.leaseClient.leaseGrant({ TTL: 2 });
  await client.put(`${PREFIX}election/leader/${ID}`).value("dead-replica").lease(ID).exec();
  const lines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => lines.push(line) });
  const follower = new EtcdLeader({
    client,
    prefix: PREFIX,
    replicaId: "follower",
    leaseTtlS: 2,
    logger,
  });
  teardown.add(() => follower.stop());
  const elected = new Promise<number>((resolve) =>
    follower.onLeadershipChange((leading) => leading && resolve(Date.now())),
  );
  await follower.start();
  expect(await elected).toBeGreaterThanOrEqual(grantedBefore + 2_000);
  expect(follower.leaderId()).toBe("follower");
  // Revoked by the follower, or by etcd's own loop when it came first (its 500 ms tick
  // can fall within the follower's last read); never earlier than the lease's expiry.
  const revoked = lines.find((line) => line.includes("revoked the leader's expired lease"));
  if (revoked !== undefined) {
    expect(JSON.parse(revoked)).toMatchObject({ leader: "dead-replica" });
    expect(JSON.parse(revoked).time).toBeGreaterThanOrEqual(grantedBefore + 2_000);
  }
}, 30_000);
