// countingOversized: connect-es's refusal of a message above readMaxBytes is told to the
// limit's counter and answered naming limits.max_message_bytes; any other end is left alone.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { countingOversized } from "./message-size-limit.js";

function setup() {
  const told: [string, string][] = [];
  const hook = countingOversized(
    (peer, method) => {
      told.push([peer, method]);
      return "the request message is larger than limits.max_message_bytes = 1024";
    },
    "10.0.0.7:5000",
    "/wxtoken.v1.TokenService/GetToken?connect=v1",
  );
  return { told, hook };
}

describe("countingOversized", () => {
  it("tells of a message above readMaxBytes, and has its answer name the limit", () => {
    const { told, hook } = setup();
    const refusal = new ConnectError(
      "message size 2048 is larger than configured readMaxBytes 1024",
      Code.ResourceExhausted,
    );
    hook(refusal);
    expect(told).toEqual([["10.0.0.7:5000", "/wxtoken.v1.TokenService/GetToken"]]);
    expect(refusal.code).toBe(Code.ResourceExhausted);
    expect(refusal.rawMessage).toBe(
      "the request message is larger than limits.max_message_bytes = 1024",
    );
    expect(refusal.message).toBe(`[resource_exhausted] ${refusal.rawMessage}`);
  });

  it.each([
    ["a call that ended well", undefined],
    [
      "another RESOURCE_EXHAUSTED",
      new ConnectError("limits.watch_streams_per_caller = 3", Code.ResourceExhausted),
    ],
    ["another failure", new ConnectError("readMaxBytes", Code.InvalidArgument)],
    ["an error that is no ConnectError", new Error("readMaxBytes")],
  ])("leaves %s alone", (_, reason) => {
    const { told, hook } = setup();
    hook(reason);
    expect(told).toEqual([]);
  });
});
