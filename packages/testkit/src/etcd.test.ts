// The test kit's etcd: a real server that starts, serves etcd3 and leaves nothing behind.
import { Etcd3 } from "etcd3";
import { afterEach, describe, expect, it } from "vitest";
import { startEtcd } from "./etcd.js";
import { processExists, runningProcesses } from "./spawn.js";
import { Teardown } from "./teardown.js";

describe("startEtcd", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("serves etcd3 puts and gets on a loopback port, and stops without a trace", async () => {
    const etcd = await startEtcd({ teardown });
    expect(etcd.endpoints[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const client = new Etcd3({ hosts: etcd.endpoints });
    try {
      await client.put("wxtoken/testkit").value("hello");
      expect(await client.get("wxtoken/testkit").string()).toBe("hello");
    } finally {
      client.close();
    }
    const pid = etcd.members[0]?.process().pid ?? 0;
    expect(processExists(pid)).toBe(true);
    await etcd.stop();
    expect(processExists(pid)).toBe(false);
    expect(runningProcesses()).toBe(0);
  });

  it("keeps data across a member restart", async () => {
    const etcd = await startEtcd({ teardown });
    const client = new Etcd3({ hosts: etcd.endpoints });
    try {
      await client.put("k").value("v1");
      await etcd.members[0]?.restart();
      expect(await client.get("k").string()).toBe("v1");
    } finally {
      client.close();
    }
  });

  it("runs a 3-member cluster that survives the loss of one member", async () => {
    const etcd = await startEtcd({ members: 3, teardown });
    expect(new Set(etcd.endpoints).size).toBe(3);
    const client = new Etcd3({ hosts: etcd.endpoints });
    try {
      await etcd.members[0]?.stop("SIGKILL");
      await client.put("k").value("after-loss");
      expect(await client.get("k").string()).toBe("after-loss");
    } finally {
      client.close();
    }
  });
});
