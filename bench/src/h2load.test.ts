// Reading h2load's summary and per-request log.
import { describe, expect, it } from "vitest";
import { parseH2loadLog, parseH2loadSummary } from "./h2load.js";

const SUMMARY = `finished in 6.00s, 8568.40 req/s, 1.66MB/s
requests: 42842 total, 42842 started, 42842 done, 42830 succeeded, 12 failed, 2 errored, 0 timeout
status codes: 42830 2xx, 0 3xx, 10 4xx, 0 5xx
`;

describe("parseH2loadSummary", () => {
  it("reads req/s, and counts non-2xx answers and errored requests as failed", () => {
    expect(parseH2loadSummary(SUMMARY)).toEqual({
      requestsPerSecond: 8568.4,
      succeeded: 42830,
      failed: 12,
    });
  });

  it("refuses output it does not understand", () => {
    expect(() => parseH2loadSummary("invalid URI")).toThrow(/unexpected output/);
  });
});

describe("parseH2loadLog", () => {
  it("reads each request's duration in ms", () => {
    expect(parseH2loadLog("1763700000000000\t200\t4309\n1763700000000100\t200\t12444\n")).toEqual([
      4.309, 12.444,
    ]);
  });
});
