// A local HTTP server for the client's tests: records each request and answers as told.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { Teardown } from "@wxtoken/testkit";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  body: string;
}

/** Answers one request; it may also never answer, or destroy the socket. */
export type Responder = (request: RecordedRequest, response: ServerResponse) => void;

export interface RecordingServer {
  /** Base URL, e.g. "http://127.0.0.1:41234". */
  url: string;
  requests: RecordedRequest[];
  /** TCP connections accepted so far. */
  connections(): number;
  /** How the following requests are answered (default: `{"errcode":0,"errmsg":"ok"}`). */
  answerWith(responder: Responder): void;
}

/** A responder sending `body` as JSON (or as it is, if a string) with `status`. */
export function answerJson(body: unknown, status = 200): Responder {
  return (_request, response) => {
    response.writeHead(status, { "content-type": "application/json" });
    response.end(typeof body === "string" ? body : JSON.stringify(body));
  };
}

/** Starts a server on 127.0.0.1, port 0; the teardown closes it and its connections. */
export async function startRecordingServer(teardown: Teardown): Promise<RecordingServer> {
  const requests: RecordedRequest[] = [];
  let responder = answerJson({ errcode: 0, errmsg: "ok" });
  let connections = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const url = new URL(request.url ?? "/", "http://local");
      const recorded: RecordedRequest = {
        method: request.method ?? "",
        path: url.pathname,
        query: url.searchParams,
        contentType: request.headers["content-type"],
        body: Buffer.concat(chunks).toString("utf8"),
      };
      requests.push(recorded);
      responder(recorded, response);
    });
  });
  server.on("connection", () => {
    connections += 1;
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  teardown.add(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  const address = server.address();
  if (address === null || typeof address === "string") {
    throw new Error("recording server: no TCP address");
  }
  return {
    url: `http://127.0.0.1:${address.port}`,
    requests,
    connections: () => connections,
    answerWith: (next) => {
      responder = next;
    },
  };
}
