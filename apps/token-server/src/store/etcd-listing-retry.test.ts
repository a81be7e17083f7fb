// EtcdStore.listing on an etcd too busy to answer a page in time: the page is read again
// (a replica's start lists 10,000 credentials while the leader refreshes them all); an
// error that is not recoverable fails the listing at once.
import { BrokenCircuitError } from "cockatiel";
import { type Etcd3, EtcdPermissionDeniedError, GRPCDeadlineExceededError } from "etcd3";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { EtcdStore } from "./etcd.js";

type Answer = Error | { key: string; value: string };

/** A client whose range requests answer `answers` in turn (one entry a page). */
function clientAnswering(answers: Answer[]): { client: Etcd3; ranges: () => number } {
  let ranges = 0;
  const range = async () => {
    const answer = answers[ranges++];
    if (answer === undefined || answer instanceof Error) {
      throw answer ?? new Error("no more answers");
    }
    return {
      header: { revision: "7" },
      more: false,
      kvs: [
        {
          key: Buffer.from(answer.key),
          value: Buffer.from(answer.value),
          mod_revision: "5",
          create_revision: "5",
        },
      ],
    };
  };
  return { client: { kv: { range } } as unknown as Etcd3, ranges: () => ranges };
}

describe("EtcdStore.listing", () => {
  it("reads a page again after etcd let its deadline pass and its circuit breaker opened", async () => {
    const { client, ranges } = clientAnswering([
      new GRPCDeadlineExceededError("4 DEADLINE_EXCEEDED: Deadline exceeded"),
      // etcd3's circuit breaker, open after such failures, refuses the next try itself.
      new BrokenCircuitError("Execution prevented because the circuit breaker is open"),
      { key: "p/credentials/a", value: "x" },
    ]);
    const store = new EtcdStore(client, "p/", pino({ level: "silent" }));

    const listing = await store.listing("credentials/");

    expect(listing.entries.map(({ key }) => key)).toEqual(["credentials/a"]);
    expect(listing.revision).toBe(7n);
    expect(ranges()).toBe(3);
  });

  it("fails at once on an error that trying again would not mend", async () => {
    const { client, ranges } = clientAnswering([
      new EtcdPermissionDeniedError("etcdserver: permission denied"),
      { key: "p/credentials/a", value: "x" },
    ]);
    const store = new EtcdStore(client, "p/", pino({ level: "silent" }));

    await expect(store.listing("credentials/")).rejects.toThrow("permission denied");
    expect(ranges()).toBe(1);
  });
});
