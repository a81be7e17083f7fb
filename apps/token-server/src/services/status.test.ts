// The status table against every entry of the errcode catalog and every core error: no
// code a caller can never fix becomes UNAVAILABLE (which tells clients to retry).
import { Code } from "@connectrpc/connect";
import { UpstreamErrorSchema } from "@wxtoken/api";
import { ERRCODE_CATALOG, WeChatError } from "@wxtoken/wechat";
import { describe, expect, it } from "vitest";
import {
  BudgetExhaustedError,
  ForceRefusedError,
  PassiveRefreshTooSoonError,
  SendInProgressError,
  SendOutcomeUnknownError,
  StoreUnavailableError,
  UnknownAppError,
} from "../core/errors.js";
import { codeForUpstream, toConnectError } from "./status.js";

/** The statuses each class of the catalog may map to. */
const ALLOWED: Record<string, Code[]> = {
  retry: [Code.Unavailable],
  refresh_and_retry_once: [Code.Unavailable],
  hold: [Code.ResourceExhausted, Code.FailedPrecondition],
  config: [Code.FailedPrecondition],
  caller: [Code.InvalidArgument, Code.FailedPrecondition],
};

const errcode = (code: number) =>
  new WeChatError({ kind: "errcode", endpoint: "/cgi-bin/x", errcode: code, errmsg: "m" });

describe("the status table", () => {
  it.each([...ERRCODE_CATALOG.values()])(
    "maps errcode $errcode ($errorClass) to a status its class allows",
    (rule) => {
      expect(ALLOWED[rule.errorClass]).toContain(codeForUpstream(errcode(rule.errcode)));
    },
  );

  it.each([48006, 76003, 76021, 76022])("never answers UNAVAILABLE for caller code %i", (code) => {
    expect([Code.InvalidArgument, Code.FailedPrecondition]).toContain(
      codeForUpstream(errcode(code)),
    );
  });

  it("answers RESOURCE_EXHAUSTED for the quota codes, with the hold's retry_after", () => {
    const error = toConnectError(errcode(45009));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.findDetails(UpstreamErrorSchema)[0]?.retryAfter).toBeDefined();
    expect(codeForUpstream(errcode(45011))).toBe(Code.ResourceExhausted);
  });

  it.each([
    [new BudgetExhaustedError("b", { retryAfterMs: 1_000 }), Code.ResourceExhausted],
    [new ForceRefusedError("f", { retryAfterMs: 1_000 }), Code.ResourceExhausted],
    [new PassiveRefreshTooSoonError("p", { retryAfterMs: 1_000 }), Code.ResourceExhausted],
    [new SendInProgressError("i"), Code.Aborted],
    [new SendOutcomeUnknownError("u"), Code.FailedPrecondition],
    [new StoreUnavailableError("s"), Code.Unavailable],
    [new UnknownAppError("wx1"), Code.NotFound],
  ])("maps %s to its status, with retry_after where it has one", (error, code) => {
    const status = toConnectError(error);
    expect(status.code).toBe(code);
    expect(status.findDetails(UpstreamErrorSchema)[0]?.retryAfter !== undefined).toBe(
      error.retryAfterMs !== undefined,
    );
  });

  it("hides an unknown error behind INTERNAL, keeping it as the cause", () => {
    const cause = new Error("secret-ish detail");
    const status = toConnectError(cause);
    expect(status.code).toBe(Code.Internal);
    expect(status.rawMessage).toBe("internal error");
    expect(status.cause).toBe(cause);
  });
});
