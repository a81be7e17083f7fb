// The HTTP front of the simulator: reads each request, sends /__sim/ calls to the admin API,
// and runs every WeChat call through stats, faults and the endpoint handlers.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { setTimeout as delay } from "node:timers/promises";
import { ADMIN_PREFIX, adminAnswer } from "./admin-api.js";
import { callerApp } from "./caller-app.js";
import { faultAnswer } from "./faults.js";
import { jsonReply, type Reply } from "./reply.js";
import { stringParam, toSimRequest } from "./request.js";
import { answer } from "./routes.js";
import type { SimState } from "./sim-state.js";
import { errorBody } from "./wechat-errors.js";

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) {
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function send(response: ServerResponse, reply: Reply): void {
  response.writeHead(reply.status, {
    ...reply.headers,
    "content-type": reply.contentType,
    "content-length": Buffer.byteLength(reply.body),
  });
  response.end(reply.body);
}

export class SimServer {
  private readonly server: Server;
  /** Aborted by close(), ending delayed answers. */
  private readonly closing = new AbortController();

  constructor(private readonly state: SimState) {
    this.server = createServer((request, response) => {
      this.handle(request, response).catch((error: unknown) => {
        console.error("wechat-sim: internal error", error);
        if (response.headersSent) {
          response.destroy();
        } else {
          send(response, jsonReply(errorBody(-1, "system error"), 500));
        }
      });
    });
  }

  /** Listens on `host`:`port` (0: any free port) and returns the port. */
  listen(host: string, port: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(port, host, () => {
        this.server.off("error", reject);
        const address = this.server.address();
        resolve(typeof address === "object" && address !== null ? address.port : port);
      });
    });
  }

  /** Stops listening, drops every connection (keep-alive ones too) and pending answers. */
  close(): Promise<void> {
    this.closing.abort();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    return closed;
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const body = await readBody(request);
    const method = request.method ?? "GET";
    const url = new URL(request.url ?? "/", "http://wechat-sim");
    if (url.pathname.startsWith(ADMIN_PREFIX)) {
      send(response, await adminAnswer(method, url.pathname, body.toString("utf8"), this.state));
      return;
    }
    const { state } = this;
    const call = toSimRequest(
      state.options.now(),
      method,
      url,
      request.headers["content-type"] ?? "",
      body,
      request.socket.remoteAddress,
    );
    const appId = callerApp(call, state);
    state.stats.call(call.path, appId);
    state.options.onCall?.({
      path: call.path,
      appId,
      authorizerAppId: stringParam(call, "authorizer_appid"),
      atMs: call.now,
    });
    const fault = state.faults.take(call.path, appId);
    const reply =
      (fault === undefined ? undefined : faultAnswer(fault)) ?? (await answer(call, state));
    if (fault?.delayMs !== undefined) {
      try {
        await delay(fault.delayMs, undefined, { signal: this.closing.signal });
      } catch {
        return;
      }
    }
    if (reply === "reset") {
      request.socket.destroy();
      return;
    }
    send(response, reply);
  }
}
