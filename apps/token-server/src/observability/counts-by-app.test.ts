// CountsByApp shown by a scrapeCounter: each app's series with its own combinations of the
// other labels only, under prom-client's counter type, counted as prom-client counts.
import { Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { CountsByApp } from "./counts-by-app.js";
import { scrapeCounter } from "./scrape-gauge.js";

describe("CountsByApp", () => {
  it("shows each app's counts by the combinations it had, as a counter", async () => {
    const registry = new Registry();
    const counts = new CountsByApp(["endpoint", "outcome"] as const);
    scrapeCounter({
      name: "wxtoken_test_calls_total",
      help: "Calls by app",
      labelNames: ["app_id", "endpoint", "outcome"],
      registry,
      read: () => counts.values(),
    });
    counts.inc("wxa", { endpoint: "/cgi-bin/token", outcome: "ok" });
    counts.inc("wxb", { endpoint: "/cgi-bin/ticket/getticket", outcome: "errcode" });
    counts.inc("wxa", { endpoint: "/cgi-bin/token", outcome: "ok" });
    counts.inc("wxb", { endpoint: "/cgi-bin/token", outcome: "ok" });

    expect(await registry.metrics()).toBe(
      [
        "# HELP wxtoken_test_calls_total Calls by app",
        "# TYPE wxtoken_test_calls_total counter",
        'wxtoken_test_calls_total{app_id="wxa",endpoint="/cgi-bin/token",outcome="ok"} 2',
        'wxtoken_test_calls_total{app_id="wxb",endpoint="/cgi-bin/token",outcome="ok"} 1',
        'wxtoken_test_calls_total{app_id="wxb",endpoint="/cgi-bin/ticket/getticket",outcome="errcode"} 1',
        "",
      ].join("\n"),
    );
  });
});
