// The spacing of paced calls at the gate, on a fake clock: calls of paced work leave
// 1/ceiling s apart however they arrived (a budget counted in a real store first), calls
// of other work leave at once, the paced context lasts through the work's awaits, and a
// call of work abandoned while it waited (the replica stopped leading) is not made. The
// paced context's AsyncLocalStorage is on only while paced work runs: node's promise hooks,
// which then mark every promise made with its async ids, are off again once none does.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setImmediate as nextTurn } from "node:timers/promises";
import { busiestWindow, waitFor } from "@wxtoken/testkit";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../store/embedded.js";
import { CallSpacing, DELIVERY_ALLOWANCE_MS } from "./call-spacing.js";
import { NO_OBSERVER } from "./core-observer.js";
import { RefreshAbandonedError } from "./errors.js";
import { UpstreamGate } from "./upstream-gate.js";

/** A spacing at `callsPerSecond` on a clock that moves only when told; waits are recorded. */
function spacingOf(callsPerSecond: number) {
  const clock = { now: 1_000_000 };
  const waits: number[] = [];
  const releases: (() => void)[] = [];
  const spacing = new CallSpacing({
    callsPerSecond,
    now: () => clock.now,
    wait: (ms) => {
      waits.push(ms);
      return new Promise<void>((resolve) => releases.push(resolve));
    },
  });
  return { spacing, clock, waits, releases };
}

const stores: EmbeddedStore[] = [];
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

/**
 * An upstream gate with `spacing` on a real embedded store, and a budgeted token call
 * through it that records the apps whose calls were made.
 */
async function gateOf(spacing: CallSpacing) {
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-spacing-")));
  stores.push(store);
  const gate = UpstreamGate.on(store, {
    observer: NO_OBSERVER,
    logger: pino({ level: "silent" }),
    spacing,
  });
  await gate.holds.start();
  const made: string[] = [];
  const call = (appId: string) =>
    gate.call({ appId, endpoint: "/cgi-bin/token", budget: 10 }, async () => {
      made.push(appId);
      return appId;
    });
  return { call, made };
}

describe("CallSpacing", () => {
  it("gives the calls of paced work turns 1.1/ceiling s apart, in the order asked", () => {
    const { spacing, clock, waits } = spacingOf(100);
    const turns = spacing.run(() => [spacing.turn(), spacing.turn(), spacing.turn()]);
    expect(turns[0]).toBeUndefined();
    // A window of 100 turns is 1 s and the delivery allowance: 11 ms a turn.
    expect(waits).toEqual([11, 22]);
    // Past the last turn given, the next call leaves at once.
    clock.now += 50;
    expect(spacing.run(() => spacing.turn())).toBeUndefined();
  });

  it("lets no more calls out in any second than the ceiling when turns come late together", async () => {
    const { spacing, clock, waits, releases } = spacingOf(2);
    const given: number[] = [];
    const take = async () => {
      const turn = spacing.turn();
      if (turn !== undefined) {
        await turn;
      }
      given.push(clock.now);
    };
    const calls = spacing.run(() => Promise.all([take(), take(), take(), take()]));
    // Turns at +0, +550, +1100 and +1650 ms (a window of 2 is 1.1 s): the first leaves at once.
    expect(waits).toEqual([550, 1_100, 1_650]);
    // The event loop stalls: the second and third turns' timers fire together at +1500.
    clock.now += 1_500;
    releases[0]?.();
    releases[1]?.();
    await waitFor(() => given.length === 3, { description: "the turns held by the stall" });
    // The fourth's time comes at +1650, but two calls left at +1500: it waits for +2600.
    clock.now += 150;
    releases[2]?.();
    await waitFor(() => waits.length === 4, { description: "the fourth turn held back" });
    expect(waits[3]).toBe(950);
    clock.now += 950;
    releases[3]?.();
    await calls;
    expect(given.map((at) => at - 1_000_000)).toEqual([0, 1_500, 1_500, 2_600]);
  });

  it("keeps the ceiling where calls arrive when some reach WeChat late after their turn", async () => {
    const { spacing, clock, waits, releases } = spacingOf(2);
    const arrivals: number[] = [];
    for (let call = 0; call < 7; call++) {
      const turn = spacing.run(() => spacing.turn());
      if (turn !== undefined) {
        clock.now += waits.at(-1) ?? 0;
        releases.at(-1)?.();
        await turn;
      }
      // Every third call is held up on its way, as long as the allowance (a GC pause).
      arrivals.push(clock.now + (call % 3 === 0 ? DELIVERY_ALLOWANCE_MS : 0));
    }
    // Turns 1/ceiling s apart would have let 3 arrive in the second after the first.
    expect(busiestWindow(arrivals)).toBe(2);
  });

  it("lets calls of other work leave at once, without taking a turn", () => {
    const { spacing, waits } = spacingOf(100);
    expect(spacing.turn()).toBeUndefined();
    expect(spacing.turn()).toBeUndefined();
    expect(spacing.run(() => spacing.turn())).toBeUndefined();
    expect(waits).toEqual([]);
  });

  it("holds a paced call at the gate until its turn, after its budget is counted", async () => {
    const { spacing, waits, releases } = spacingOf(100);
    const { call, made } = await gateOf(spacing);
    // Two refreshes started together: each counts its budget in the store, then calls.
    const both = spacing.run(() =>
      Promise.all([call("wxspaced00000001"), call("wxspaced00000002")]),
    );
    await waitFor(() => waits.length === 1, { description: "the second call held for its turn" });
    expect(waits).toEqual([11]);
    expect(made).toHaveLength(1);
    // Unpaced work (a caller's passive refresh) passes meanwhile.
    expect(await call("wxunpaced0000001")).toBe("wxunpaced0000001");
    expect(made).toHaveLength(2);
    releases[0]?.();
    expect(await both).toEqual(["wxspaced00000001", "wxspaced00000002"]);
    expect(made).toHaveLength(3);
    expect(made[1]).toBe("wxunpaced0000001");
  });

  it("does not make a held call whose work was abandoned while it waited", async () => {
    const { spacing, clock, waits, releases } = spacingOf(100);
    const { call, made } = await gateOf(spacing);
    let leading = true;
    const abandoned = () => !leading;
    const first = spacing.run(() => call("wxspaced00000001"), abandoned);
    const second = spacing.run(() => call("wxspaced00000002"), abandoned);
    await waitFor(() => waits.length === 1, { description: "the second call held for its turn" });
    expect(await first).toBe("wxspaced00000001");
    // The replica stops leading while the second call waits for its turn.
    leading = false;
    releases[0]?.();
    await expect(second).rejects.toBeInstanceOf(RefreshAbandonedError);
    // Nor does a later call of abandoned work whose turn has come.
    clock.now += 50;
    await expect(spacing.run(() => call("wxspaced00000003"), abandoned)).rejects.toBeInstanceOf(
      RefreshAbandonedError,
    );
    expect(made).toEqual(["wxspaced00000001"]);
  });

  it("keeps the paced context of work still running when other paced work ends", async () => {
    const { spacing, waits } = spacingOf(100);
    let resume = () => {};
    const resumed = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const long = spacing.run(async () => {
      await resumed;
      return spacing.turn() !== undefined;
    });
    expect(await spacing.run(async () => spacing.turn())).toBeUndefined();
    resume();
    // Its turn comes an interval after the short work's: it is still paced.
    expect(await long).toBe(true);
    expect(waits).toEqual([11]);
  });

  it("turns node's promise hooks off once no paced work runs", async () => {
    /** Whether node's async hooks marked a promise made now (its async ids). */
    const promisesHooked = () => Object.getOwnPropertySymbols(Promise.resolve()).length > 0;
    expect(promisesHooked()).toBe(false);
    const { spacing, releases } = spacingOf(100);
    const first = spacing.run(async () => {
      await spacing.turn();
      return promisesHooked();
    });
    const second = spacing.run(async () => {
      await spacing.turn();
      return promisesHooked();
    });
    expect(await first).toBe(true);
    releases[0]?.();
    expect(await second).toBe(true);
    // Node turns them off on the microtask queue after the last storage is disabled.
    await nextTurn();
    expect(promisesHooked()).toBe(false);
  });
});
