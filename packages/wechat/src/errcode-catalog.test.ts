// The errcode catalog: every listed code's class, and the hold durations on fixed dates.
import { describe, expect, it } from "vitest";
import { ENDPOINTS } from "./endpoints.js";
import {
  classifyErrcode,
  ERRCODE_CATALOG,
  type ErrorClass,
  untrustedIpOf,
} from "./errcode-catalog.js";
import { WeChatError } from "./wechat-error.js";

const EXPECTED_CLASSES: Record<ErrorClass, number[]> = {
  retry: [-1],
  refresh_and_retry_once: [40001, 40014, 42001, 41001],
  hold: [45009, 45011, 89501, 89503, 89506, 89507, 45033],
  config: [40002, 43001, 43002, 40013, 40125, 41002, 41004, 40164, 60020],
  caller: [
    301002, 40003, 40007, 40029, 40163, 41008, 40037, 43004, 43101, 47003, 48006, 76003, 76021,
    76022,
  ],
};

const HOUR = 3_600_000;

// The Open Platform's codes, kept apart (see open-platform/component-errcodes.test.ts).
EXPECTED_CLASSES.config.push(61004, 61005, 61006, 61023, 61003);

describe("classifyErrcode", () => {
  for (const [errorClass, errcodes] of Object.entries(EXPECTED_CLASSES)) {
    it.each(errcodes)(`classifies %i as ${errorClass}`, (errcode) => {
      const rule = classifyErrcode(errcode);
      expect(rule.errcode).toBe(errcode);
      expect(rule.errorClass).toBe(errorClass);
      expect(rule.meaning).not.toBe("");
      expect(rule.holdMs !== undefined).toBe(errorClass === "hold");
    });
  }

  it("lists exactly the codes above", () => {
    const byValue = (a: number, b: number): number => a - b;
    const listed = Object.values(EXPECTED_CLASSES).flat().sort(byValue);
    expect([...ERRCODE_CATALOG.keys()].sort(byValue)).toEqual(listed);
  });

  it("treats an unknown errcode as retry", () => {
    expect(classifyErrcode(99999)).toEqual({
      errcode: 99999,
      errorClass: "retry",
      meaning: "unknown errcode",
    });
  });
});

describe("hold durations", () => {
  const holdMs = (errcode: number, now: string): number | undefined =>
    classifyErrcode(errcode).holdMs?.(new Date(now));

  it("45009 holds until 00:00 Beijing time", () => {
    // 23:30 in Beijing: half an hour left.
    expect(holdMs(45009, "2026-03-10T15:30:00.000Z")).toBe(HOUR / 2);
    // 08:00 UTC is 16:00 in Beijing: eight hours left.
    expect(holdMs(45009, "2026-03-10T08:00:00.000Z")).toBe(8 * HOUR);
    // Just after Beijing midnight (16:00 UTC): a whole day.
    expect(holdMs(45009, "2026-03-10T16:00:00.001Z")).toBe(24 * HOUR - 1);
  });

  it("45011 holds until the next minute", () => {
    expect(holdMs(45011, "2026-03-10T10:20:45.500Z")).toBe(14_500);
    expect(holdMs(45011, "2026-03-10T10:20:00.000Z")).toBe(60_000);
  });

  it.each([
    [89501, 60_000],
    [89503, 60_000],
    [89507, HOUR],
    [89506, 24 * HOUR],
  ])("%i holds %i ms whatever the time", (errcode, expected) => {
    expect(holdMs(errcode, "2026-03-10T10:20:45.500Z")).toBe(expected);
    expect(holdMs(errcode, "2026-07-01T23:59:59.999Z")).toBe(expected);
  });
});

describe("WeCom's readings", () => {
  it("40001 on gettoken is a bad corpsecret (config), elsewhere a bad token", () => {
    expect(classifyErrcode(40001, ENDPOINTS.wecomToken).errorClass).toBe("config");
    expect(classifyErrcode(40001, ENDPOINTS.stableToken).errorClass).toBe("refresh_and_retry_once");
  });

  it("40013 is a bad corpid; 40014 and 42001 on a ticket refresh and retry once", () => {
    expect(classifyErrcode(40013, ENDPOINTS.wecomToken).meaning).toContain("corpid");
    for (const errcode of [40014, 42001]) {
      expect(classifyErrcode(errcode, ENDPOINTS.wecomAgentTicket).errorClass).toBe(
        "refresh_and_retry_once",
      );
    }
  });

  it("45009 on a WeCom ticket holds until the next clock hour", () => {
    const rule = classifyErrcode(45009, ENDPOINTS.wecomJsapiTicket);
    expect(rule.holdMs?.(new Date("2026-03-10T10:20:00.000Z"))).toBe(40 * 60_000);
  });

  it("60020 names the IP to add to the trusted IPs", () => {
    const errmsg =
      "not allow to access from your ip, hint: [1700000000_1_abc], from ip: 203.0.113.7, more info at https://open.work.weixin.qq.com/devtool/query?e=60020";
    expect(untrustedIpOf(errmsg)).toBe("203.0.113.7");
    const error = new WeChatError({
      kind: "errcode",
      endpoint: ENDPOINTS.wecomToken,
      errcode: 60020,
      errmsg,
    });
    expect(error.errorClass).toBe("config");
    expect(error.message).toContain("add 203.0.113.7 to the trusted IPs");
  });
});
