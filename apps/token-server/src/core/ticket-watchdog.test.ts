// TicketWatchdog with a fake clock on a real (embedded) store: one api_start_push_ticket
// when no ticket is stored, again only after another ticket_stale_after_s, none while a
// fresh one is stored or on a follower; the ages it reports.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterEach, describe, expect, it } from "vitest";
import type { OpenPlatformConfig } from "../config/schema.js";
import { EmbeddedStore } from "../store/embedded.js";
import type { OpenPlatformUpstream } from "./component-source.js";
import { NO_OBSERVER } from "./core-observer.js";
import { OpenPlatformRecords } from "./open-platform-records.js";
import { TicketWatchdog } from "./ticket-watchdog.js";
import { UpstreamGate } from "./upstream-gate.js";

const stores: EmbeddedStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) {
    await store.close();
  }
});

const PLATFORM: OpenPlatformConfig = {
  component_app_id: "wxcomponent0001",
  secret: "component-secret",
  token: "messagetoken",
  encoding_aes_key: "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG",
  tickets: [],
  mode: "proactive",
  ticket_stale_after_s: 1800,
  callback_window_s: 300,
};

function setup(options: { leader?: boolean } = {}) {
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-watchdog-")));
  stores.push(store);
  const clock = { now: Date.UTC(2026, 11, 2, 4, 0, 0) };
  const logger = pino({ level: "silent" });
  const asked: string[] = [];
  const upstream: Pick<OpenPlatformUpstream, "startPushTicket"> = {
    startPushTicket: async ({ componentAppId }) => {
      asked.push(componentAppId);
    },
  };
  const records = new OpenPlatformRecords(store);
  const watchdog = new TicketWatchdog({
    platforms: () => [PLATFORM],
    records,
    gate: UpstreamGate.on(store, { logger, now: () => clock.now, observer: NO_OBSERVER }),
    upstream,
    isLeader: () => options.leader ?? true,
    logger,
    now: () => clock.now,
  });
  return { clock, asked, records, watchdog };
}

describe("TicketWatchdog", () => {
  it("asks for a push when none is stored, then only once per staleness period", async () => {
    const { clock, asked, watchdog } = setup();
    await watchdog.check();
    await watchdog.check();
    expect(asked).toEqual([PLATFORM.component_app_id]);
    expect(watchdog.ages()).toEqual([]);
    clock.now += PLATFORM.ticket_stale_after_s * 1000 + 1;
    await watchdog.check();
    expect(asked).toHaveLength(2);
  });

  it("asks nothing while a fresh ticket is stored, and asks once it grows stale", async () => {
    const { clock, asked, records, watchdog } = setup();
    await records.putTicket(PLATFORM.component_app_id, {
      ticket: "t1",
      createTime: 1,
      receivedAt: clock.now,
    });
    clock.now += 600_000;
    await watchdog.check();
    expect(asked).toEqual([]);
    expect(watchdog.ages()).toEqual([{ componentAppId: PLATFORM.component_app_id, seconds: 600 }]);
    clock.now += PLATFORM.ticket_stale_after_s * 1000;
    await watchdog.check();
    expect(asked).toEqual([PLATFORM.component_app_id]);
  });

  it("leaves the asking to the leader", async () => {
    const { asked, watchdog } = setup({ leader: false });
    await watchdog.check();
    expect(asked).toEqual([]);
  });
});
