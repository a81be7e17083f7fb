// Test helpers: a simulator on a manual clock, stopped by the test's teardown, and calls to
// it that return the HTTP status and the parsed JSON body.
import type { Teardown } from "@wxtoken/testkit";
import type { SimApp, SimulatorOptions } from "../options.js";
import { isRecord } from "../request.js";
import { type Simulator, startSimulator } from "../simulator.js";

export const APP: SimApp = { appId: "wx1111111111111111", secret: "app-one-secret-0123456789" };
export const OTHER_APP: SimApp = {
  appId: "wx2222222222222222",
  secret: "app-two-secret-9876543210",
};

/** A valid OpenID: 28 characters of [A-Za-z0-9_-]. */
export const OPENID = "oABCDEFGHIJKLMNOPQRSTUVWXY_-";

/** 2025-01-06 12:00 in Beijing. */
export const NOON_BEIJING = Date.UTC(2025, 0, 6, 4, 0, 0);

export interface ManualClock {
  now(): number;
  advance(ms: number): void;
  set(ms: number): void;
}

export function manualClock(start = NOON_BEIJING): ManualClock {
  let current = start;
  return {
    now: () => current,
    advance: (ms) => {
      current += ms;
    },
    set: (ms) => {
      current = ms;
    },
  };
}

/** A simulator with APP and OTHER_APP on 127.0.0.1, closed by `teardown`. */
export async function startTestSimulator(
  teardown: Teardown,
  options: Partial<SimulatorOptions> = {},
): Promise<Simulator> {
  const simulator = await startSimulator({ apps: [APP, OTHER_APP], ...options });
  teardown.add(() => simulator.close());
  return simulator;
}

export interface Answer {
  status: number;
  body: Record<string, unknown>;
}

export interface CallOptions {
  method?: string;
  query?: Record<string, string>;
  /** Sent as a JSON body. */
  json?: unknown;
  /** Sent as an application/x-www-form-urlencoded body. */
  form?: Record<string, string>;
  /** Sent as is. */
  raw?: string;
}

function requestBody(options: CallOptions): { body?: string; type?: string } {
  if (options.json !== undefined) {
    return { body: JSON.stringify(options.json), type: "application/json" };
  }
  if (options.form !== undefined) {
    return {
      body: new URLSearchParams(options.form).toString(),
      type: "application/x-www-form-urlencoded",
    };
  }
  return { body: options.raw };
}

/** Calls `path` and parses the answer, which must be a JSON object. */
export async function call(
  simulator: Simulator,
  path: string,
  options: CallOptions = {},
): Promise<Answer> {
  const url = new URL(path, simulator.url);
  for (const [name, value] of Object.entries(options.query ?? {})) {
    url.searchParams.set(name, value);
  }
  const { body, type } = requestBody(options);
  const response = await fetch(url, {
    method: options.method ?? (body === undefined ? "GET" : "POST"),
    headers: type === undefined ? undefined : { "content-type": type },
    body,
  });
  const parsed: unknown = JSON.parse(await response.text());
  if (!isRecord(parsed)) {
    throw new Error(`${path}: the answer is not a JSON object`);
  }
  return { status: response.status, body: parsed };
}

/** A string field of an answer; throws when it is missing. */
export function text(answer: Answer, field: string): string {
  const value = answer.body[field];
  if (typeof value !== "string") {
    throw new Error(`no string ${field} in ${JSON.stringify(answer.body)}`);
  }
  return value;
}

export function classicToken(simulator: Simulator, app: SimApp = APP): Promise<Answer> {
  return call(simulator, "/cgi-bin/token", {
    query: { grant_type: "client_credential", appid: app.appId, secret: app.secret },
  });
}

export function stableToken(
  simulator: Simulator,
  app: SimApp = APP,
  forceRefresh?: boolean,
): Promise<Answer> {
  return call(simulator, "/cgi-bin/stable_token", {
    json: {
      grant_type: "client_credential",
      appid: app.appId,
      secret: app.secret,
      force_refresh: forceRefresh,
    },
  });
}

/** A valid template message for OPENID, with `changes` applied. */
export function templateMessage(changes: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    touser: OPENID,
    template_id: "tmpl-order-shipped",
    url: "https://example.com/order/1",
    data: { first: { value: "Shipped", color: "#173177" }, keyword1: { value: "A-1" } },
    ...changes,
  };
}

export function sendTemplate(
  simulator: Simulator,
  token: string,
  message: Record<string, unknown> = templateMessage(),
): Promise<Answer> {
  return call(simulator, "/cgi-bin/message/template/send", {
    query: { access_token: token },
    json: message,
  });
}
