// The Open Platform's errcodes: their class in the catalog (none retried) and their remedy.
import { describe, expect, it } from "vitest";
import { classifyErrcode } from "../errcode-catalog.js";
import { WeChatError } from "../wechat-error.js";
import { COMPONENT_REMEDIES, componentRemedyOf } from "./component-errcodes.js";

describe("Open Platform errcodes", () => {
  it.each([
    [61004, "register_ip", "IP not registered"],
    [61005, "await_ticket", "ticket expired"],
    [61006, "await_ticket", "ticket invalid"],
    [61023, "reauthorize", "re-authorize"],
    [61003, "reauthorize", "has not authorized"],
  ])(
    "%i is a configuration error (never retried) with the remedy %s",
    (errcode, remedy, meaning) => {
      const rule = classifyErrcode(errcode);
      expect(rule.errorClass).toBe("config");
      expect(rule.meaning).toContain(meaning);
      const error = new WeChatError({ kind: "errcode", endpoint: "/x", errcode, errmsg: "e" });
      expect(error.errorClass).toBe("config");
      expect(error.retryAfterMs).toBeUndefined();
      expect(componentRemedyOf(error)).toBe(remedy);
    },
  );

  it("has no remedy for other failures", () => {
    expect(COMPONENT_REMEDIES.size).toBe(5);
    const token = new WeChatError({ kind: "errcode", endpoint: "/x", errcode: 40001, errmsg: "" });
    const timeout = new WeChatError({ kind: "timeout", endpoint: "/x", errmsg: "late" });
    expect(componentRemedyOf(token)).toBeUndefined();
    expect(componentRemedyOf(timeout)).toBeUndefined();
    expect(componentRemedyOf(new Error("61023"))).toBeUndefined();
  });
});
