// LazyAgent: the agent made on the first call, closed whichever of use() and close() came first.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { LazyAgent } from "./lazy-agent.js";

const teardown = new Teardown();
afterEach(() => teardown.run());

async function answeringServer(): Promise<string> {
  const server = createServer((_, response) => response.end("ok"));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  teardown.add(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
}

describe("LazyAgent", () => {
  it("makes one agent on the first call and closes it after the calls under way", async () => {
    const url = await answeringServer();
    const lazy = new LazyAgent({ keepAliveTimeout: 4_000 });
    const first = await lazy.use();
    expect(await lazy.use()).toBe(first);
    const answer = await first.request(url, { dispatcher: first.agent });
    expect(await answer.body.text()).toBe("ok");
    await lazy.close();
    expect(first.agent.closed).toBe(true);
  });

  it("closes an agent still being made when close() comes", async () => {
    const lazy = new LazyAgent({});
    const made = lazy.use();
    await lazy.close();
    expect((await made).agent.closed).toBe(true);
  });

  it("refuses calls after close(), as a closed agent does, even when none came before", async () => {
    const url = await answeringServer();
    const lazy = new LazyAgent({});
    await lazy.close();
    const { agent, request } = await lazy.use();
    await expect(request(url, { dispatcher: agent })).rejects.toMatchObject({
      code: "UND_ERR_DESTROYED",
    });
  });
});
