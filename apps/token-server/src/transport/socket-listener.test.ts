// The listener binds its port at once but serves no connection before the server's start is
// done: one made earlier is closed as soon as it is made, one made after is handed on.
import { connect } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { testPortOptions } from "../testing/port-options.js";
import { listenSockets, type SocketListener } from "./socket-listener.js";

/** What the client of one connection saw: the bytes it read before the connection ended. */
function exchange(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port });
    let read = "";
    socket.on("data", (chunk) => {
      read += chunk.toString();
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(read));
  });
}

describe("listenSockets", () => {
  let listener: SocketListener | undefined;
  afterEach(() => listener?.close(0));

  it("closes connections made before the start is done, and serves those made after", async () => {
    let markStarted = () => {};
    const started = new Promise<void>((resolve) => {
      markStarted = resolve;
    });
    let handed = 0;
    listener = await listenSockets(testPortOptions({ started }), ["h2"], (socket, accepted) => {
      handed += 1;
      accepted();
      socket.end("served");
    });
    expect(await exchange(listener.port)).toBe("");
    expect(handed).toBe(0);
    markStarted();
    await started;
    expect(await exchange(listener.port)).toBe("served");
    expect(handed).toBe(1);
  });
});
