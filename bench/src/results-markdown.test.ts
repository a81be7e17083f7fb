// RESULTS.md: a row per headline figure with its machine and date, the reasons for missed
// targets, and every run.
import { describe, expect, it } from "vitest";
import { check } from "./result.js";
import { renderResultsMarkdown, type StoredResult } from "./results-markdown.js";

const machine = { cores: 2, cpu: "AMD EPYC", node: "v20.20.2" };
const met: StoredResult = {
  name: "get-token-grpc",
  description: "GetToken against bare grpc-js.",
  runs: [{ label: "wxtoken #1", figures: { "req/s": 26000, "p99 ms": 8.46 } }],
  checks: [check("req/s ratio", 0.925, "×", "≥", 0.9)],
  notes: [],
  machine,
  date: "2026-11-21T05:02:48.136Z",
};
const missed: StoredResult = {
  ...met,
  name: "watch-fanout",
  runs: [{ label: "delay", figures: { "p99 ms": 630.9 } }],
  checks: [check("p99 delay", 630.9, "ms", "≤", 100), check("RSS per stream", 14, "KB", "≤", 20)],
  notes: ["99.00% within 100 ms."],
};

describe("renderResultsMarkdown", () => {
  it("gives every headline figure a row with its target, status, machine and date", () => {
    const markdown = renderResultsMarkdown([met, missed], {});
    expect(markdown).toContain(
      "| get-token-grpc | req/s ratio | 0.925× | ≥ 0.900× | MET | 2 × AMD EPYC, Node v20.20.2 | 2026-11-21 05:02 UTC |",
    );
    expect(markdown).toContain("| watch-fanout | p99 delay | 630.9 ms | ≤ 100.0 ms | **MISSED** |");
    expect(markdown).toContain("| watch-fanout | RSS per stream | 14.0 KB | ≤ 20.0 KB | MET |");
  });

  it("names the allocator the token-servers ran on, where the result recorded it", () => {
    const onJemalloc: StoredResult = { ...met, machine: { ...machine, allocator: "jemalloc" } };
    expect(renderResultsMarkdown([onJemalloc], {})).toContain(
      "| MET | 2 × AMD EPYC, Node v20.20.2, token-server on jemalloc | 2026-11-21 05:02 UTC |",
    );
  });

  it("explains each missed target with its finding, and says so when every target is met", () => {
    const markdown = renderResultsMarkdown([met, missed], {
      "watch-fanout": "The fan-out serializes one message per stream.",
    });
    expect(markdown).toContain("- p99 delay: 630.9 ms, target ≤ 100.0 ms");
    expect(markdown).toContain("The fan-out serializes one message per stream.");
    expect(renderResultsMarkdown([met], {})).toContain("Every target was met.");
    expect(renderResultsMarkdown([missed], {})).toContain(
      "No profile-based explanation recorded yet.",
    );
  });

  it("lists every run under its benchmark, with its notes", () => {
    const markdown = renderResultsMarkdown([met, missed], {});
    expect(markdown).toContain(
      "| run | req/s | p99 ms |\n|---|---|---|\n| wxtoken #1 | 26000 | 8.46 |",
    );
    expect(markdown).toContain("- 99.00% within 100 ms.");
  });
});
