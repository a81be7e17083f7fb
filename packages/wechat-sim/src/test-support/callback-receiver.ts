// A third-party platform's callback for the simulator's tests: a real HTTP server on port 0
// that opens every push with @wxtoken/wechat (signature, decryption, AppId) and answers
// "success", or refuses it and records why.
import { createServer } from "node:http";
import type { Teardown } from "@wxtoken/testkit";
import {
  CallbackError,
  type ComponentEvent,
  MessageCrypto,
  type MessageCryptoOptions,
  openComponentCallback,
} from "@wxtoken/wechat";

export interface CallbackReceiver {
  /** E.g. "http://127.0.0.1:PORT/wechat/callback". */
  url: string;
  /** Events opened, in order. */
  events: ComponentEvent[];
  /** Pushes refused, with the CallbackError's failure. */
  refusals: string[];
}

export async function startCallbackReceiver(
  teardown: Teardown,
  platform: MessageCryptoOptions,
): Promise<CallbackReceiver> {
  const crypto = new MessageCrypto(platform);
  const events: ComponentEvent[] = [];
  const refusals: string[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const query = new URL(request.url ?? "/", "http://receiver").searchParams;
      try {
        const opened = openComponentCallback(crypto, {
          query,
          body: Buffer.concat(chunks).toString("utf8"),
        });
        events.push(opened.event);
        response.end("success");
      } catch (error) {
        refusals.push(error instanceof CallbackError ? error.failure : String(error));
        response.writeHead(400).end("refused");
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  teardown.add(
    () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { url: `http://127.0.0.1:${port}/wechat/callback`, events, refusals };
}
