// answerClientError: node's answer to a request refused before it is read, none once a
// response has begun, the socket closed either way; a slowloris timeout counted and logged.
import type { Duplex } from "node:stream";
import { describe, expect, it } from "vitest";
import { type LimitName, LimitRefusals } from "../observability/limit-refusals.js";
import { answerClientError } from "./client-error.js";

function setup() {
  const counted: LimitName[] = [];
  const lines: unknown[] = [];
  const refusals = new LimitRefusals({
    logger: { warn: (line: unknown) => lines.push(line) },
    counter: { inc: ({ limit }) => counted.push(limit) },
  });
  return { counted, lines, answer: answerClientError(refusals, 1_000) };
}

/** A socket that has written `bytesWritten` bytes so far; what is written to it, and its end. */
function socket(bytesWritten = 0) {
  const written: string[] = [];
  const ended: { error?: Error } = {};
  const duplex = {
    writable: true,
    bytesWritten,
    remoteAddress: "10.0.0.7",
    write: (chunk: string) => written.push(chunk),
    destroy: (error: Error) => {
      ended.error = error;
    },
  };
  return { duplex: duplex as unknown as Duplex, written, ended };
}

const failure = (code: string) => Object.assign(new Error(code), { code });

describe("answerClientError", () => {
  it("answers 408 to headers that did not arrive in time, counted and logged as handshake_timeout", () => {
    const { counted, lines, answer } = setup();
    const { duplex, written, ended } = socket();
    const error = failure("ERR_HTTP_REQUEST_TIMEOUT");
    answer(error, duplex);
    expect(written).toEqual(["HTTP/1.1 408 Request Timeout\r\nConnection: close\r\n\r\n"]);
    expect(ended.error).toBe(error);
    expect(counted).toEqual(["handshake_timeout"]);
    expect(lines).toEqual([
      {
        limit: "handshake_timeout",
        subject: "10.0.0.7",
        timeout_ms: 1_000,
        waiting_for: "headers",
      },
    ]);
  });

  it.each([
    ["HPE_HEADER_OVERFLOW", "431 Request Header Fields Too Large"],
    ["HPE_CHUNK_EXTENSIONS_OVERFLOW", "413 Payload Too Large"],
    ["HPE_INVALID_METHOD", "400 Bad Request"],
  ])("answers %s with %s, counting nothing", (code, status) => {
    const { counted, answer } = setup();
    const { duplex, written, ended } = socket();
    answer(failure(code), duplex);
    expect(written).toEqual([`HTTP/1.1 ${status}\r\nConnection: close\r\n\r\n`]);
    expect(ended.error?.message).toBe(code);
    expect(counted).toEqual([]);
  });

  it("writes nothing once a response has begun on the connection, and closes it", () => {
    const { answer } = setup();
    const { duplex, written, ended } = socket(512);
    answer(failure("HPE_INVALID_METHOD"), duplex);
    expect(written).toEqual([]);
    expect(ended.error?.message).toBe("HPE_INVALID_METHOD");
  });
});
