// GET /metrics over HTTP/1.1: the text, and the connection closed after it, so that no
// kept-alive socket holds the last scrape's text until the next one.
import { once } from "node:events";
import { Agent, createServer, type IncomingMessage, request } from "node:http";
import type { AddressInfo } from "node:net";
import { Counter, Registry } from "prom-client";
import { afterAll, describe, expect, it } from "vitest";
import { metricsRoute } from "./metrics-route.js";

const registry = new Registry();
new Counter({ name: "wxtoken_test_total", help: "A test counter", registers: [registry] }).inc();
const server = createServer(metricsRoute(registry));
const listening = once(server.listen(0, "127.0.0.1"), "listening");

afterAll(() => new Promise((resolve) => server.close(resolve)));

describe("metricsRoute", () => {
  it("answers the text and closes the HTTP/1.1 connection after it", async () => {
    await listening;
    const { port } = server.address() as AddressInfo;
    // As a scraper asks: on a connection it would keep for the next scrape.
    const agent = new Agent({ keepAlive: true });
    const sent = request({ host: "127.0.0.1", port, path: "/metrics", agent });
    const closed = new Promise<void>((resolve) =>
      sent.on("socket", (socket) => socket.on("close", () => resolve())),
    );
    sent.end();
    const [response] = (await once(sent, "response")) as [IncomingMessage];
    expect(response.headers.connection).toBe("close");
    let body = "";
    response.setEncoding("utf8").on("data", (chunk: string) => {
      body += chunk;
    });
    await closed;
    agent.destroy();
    expect(response.statusCode).toBe(200);
    expect(body).toContain("wxtoken_test_total 1");
  });
});
