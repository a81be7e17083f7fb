// The WeCom source through the upstream gate on a real (embedded) store: the ticket calls
// counted per clock hour against the app's and the corp's limits, refused past them
// without calling upstream, and allowed again from the next clock hour; 40001 on
// gettoken is a configuration error. The upstream is the core's scripted fake.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialKind } from "@wxtoken/api";
import { rejectionOf } from "@wxtoken/testkit";
import { WeChatError } from "@wxtoken/wechat";
import pino from "pino";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../store/embedded.js";
import { FakeUpstream } from "../testing/fake-upstream.js";
import { NO_OBSERVER } from "./core-observer.js";
import { BudgetExhaustedError } from "./errors.js";
import { UpstreamGate } from "./upstream-gate.js";
import type { WecomAppConfig } from "./wecom-apps.js";
import { WecomSource } from "./wecom-source.js";

const HOUR = 3_600_000;
const stores: EmbeddedStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) {
    await store.close();
  }
});

function agent(app: string): WecomAppConfig {
  return {
    corp_id: "ww0000000000000001",
    app,
    agent_id: Number(app),
    secret: `secret-${app}`,
    tickets: ["jsapi", "agent_config"],
  };
}

function setup() {
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-wecom-")));
  stores.push(store);
  const clock = { now: Date.UTC(2026, 11, 2, 4, 59, 0) };
  const logger = pino({ level: "silent" });
  const gate = UpstreamGate.on(store, {
    logger,
    now: () => clock.now,
    observer: NO_OBSERVER,
  });
  const upstream = new FakeUpstream();
  const source = (app: string) =>
    new WecomSource({ read: () => agent(app) }, { wecomUpstream: upstream, gate });
  return { clock, upstream, source };
}

describe("WecomSource", () => {
  it("refuses the 101st agent ticket of an app this hour without calling, and allows it the next hour", async () => {
    const { clock, upstream, source } = setup();
    const two = source("1000002");
    for (let i = 0; i < 100; i++) {
      await two.ticket(CredentialKind.AGENT_CONFIG_TICKET, "token");
    }
    const refused = await rejectionOf(
      two.ticket(CredentialKind.AGENT_CONFIG_TICKET, "token"),
      BudgetExhaustedError,
    );
    expect(refused.retryAfterMs).toBe(60_000);
    expect(upstream.count("wecom_agent_ticket")).toBe(100);
    // Another app of the corp has its own 100.
    await source("1000003").ticket(CredentialKind.AGENT_CONFIG_TICKET, "token");
    expect(upstream.count("wecom_agent_ticket")).toBe(101);
    clock.now += HOUR;
    await two.ticket(CredentialKind.AGENT_CONFIG_TICKET, "token");
    expect(upstream.count("wecom_agent_ticket")).toBe(102);
  });

  it("counts the corp jsapi_ticket of every app against the corp's 400", async () => {
    const { upstream, source } = setup();
    for (const app of ["1", "2", "3", "4"]) {
      for (let i = 0; i < 100; i++) {
        await source(app).ticket(CredentialKind.JSAPI_TICKET, "token");
      }
    }
    const refused = await rejectionOf(
      source("5").ticket(CredentialKind.JSAPI_TICKET, "token"),
      BudgetExhaustedError,
    );
    expect(refused.message).toContain("wecom:ww0000000000000001 has made its 400 calls");
    expect(upstream.count("wecom_jsapi_ticket")).toBe(400);
    expect(source("5").hourlyLimits()).toEqual([
      {
        endpoint: "/cgi-bin/get_jsapi_ticket",
        scope: "wecom:ww0000000000000001",
        over: "corp",
        limit: 400,
      },
      {
        endpoint: "/cgi-bin/get_jsapi_ticket",
        scope: "wecom:ww0000000000000001:5",
        over: "app",
        limit: 100,
      },
      {
        endpoint: "/cgi-bin/ticket/get",
        scope: "wecom:ww0000000000000001:5",
        over: "app",
        limit: 100,
      },
    ]);
  });

  it("reads 40001 on gettoken as a bad secret: a configuration error", async () => {
    const { upstream, source } = setup();
    upstream.script("wecom_token", { errcode: 40001 });
    const error = await rejectionOf(source("1000002").accessToken(), WeChatError);
    expect(error.errorClass).toBe("config");
  });
});
