// Which protocol a cleartext connection speaks, by its first bytes: HTTP/2 with prior
// knowledge starts with the 24-byte connection preface, anything else is HTTP/1.1. The
// preface may arrive over several TCP segments, so bytes are read until it is decidable.
import type { Socket } from "node:net";

const PREFACE = Buffer.from("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", "latin1");

export type CleartextProtocol = "http1" | "http2";

/**
 * Reads `socket` until its first bytes are the HTTP/2 preface or differ from it, puts
 * them back, and calls `handOff` with the socket paused.
 */
export function sniffProtocol(socket: Socket, handOff: (protocol: CleartextProtocol) => void) {
  let received: Buffer = Buffer.alloc(0);
  const onData = (chunk: Buffer) => {
    received = received.length === 0 ? chunk : Buffer.concat([received, chunk]);
    const length = Math.min(received.length, PREFACE.length);
    const prefaceSoFar = received.subarray(0, length).equals(PREFACE.subarray(0, length));
    if (prefaceSoFar && length < PREFACE.length) {
      return;
    }
    socket.off("data", onData);
    socket.pause();
    socket.unshift(received);
    handOff(prefaceSoFar ? "http2" : "http1");
  };
  socket.on("data", onData);
}
