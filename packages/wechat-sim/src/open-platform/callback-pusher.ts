// Pushes one event to a platform's callback URL as WeChat does: sealed (encrypted, signed),
// POSTed as XML with timestamp, nonce, encrypt_type and msg_signature in the query. The
// callback must answer "success"; every push and its outcome goes into the stats.
import { randomInt } from "node:crypto";
import { type ComponentEvent, sealComponentCallback } from "@wxtoken/wechat";
import type { CallbackPush, StatsRecorder } from "../stats.js";
import type { SimPlatform } from "./sim-platform.js";

const PUSH_TIMEOUT_MS = 5_000;
const ANSWER_CHARS = 200;

export type PushResult = Pick<CallbackPush, "delivered" | "status" | "answer">;

export const NOT_PUSHED: PushResult = {
  delivered: false,
  status: 0,
  answer: "no callback URL is registered",
};

export async function pushEvent(
  platform: SimPlatform,
  event: ComponentEvent,
  deps: { stats: StatsRecorder; now: number; signal: AbortSignal },
): Promise<PushResult> {
  const url = platform.callbackUrl;
  if (url === undefined) {
    return NOT_PUSHED;
  }
  const sealed = sealComponentCallback(platform.crypto, event, {
    timestamp: String(Math.floor(deps.now / 1000)),
    nonce: String(randomInt(100_000_000, 999_999_999)),
  });
  const target = new URL(url);
  for (const [name, value] of sealed.query) {
    target.searchParams.set(name, value);
  }
  const result = await post(target, sealed.body, deps.signal);
  deps.stats.pushed({
    componentAppId: platform.componentAppId,
    infoType: event.infoType,
    authorizerAppId: "authorizerAppId" in event ? event.authorizerAppId : "",
    ...result,
  });
  return result;
}

async function post(url: URL, body: string, signal: AbortSignal): Promise<PushResult> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "text/xml" },
      body,
      signal: AbortSignal.any([signal, AbortSignal.timeout(PUSH_TIMEOUT_MS)]),
    });
    const answer = (await response.text()).slice(0, ANSWER_CHARS);
    return {
      delivered: response.status === 200 && answer === "success",
      status: response.status,
      answer,
    };
  } catch (error) {
    return {
      delivered: false,
      status: 0,
      answer: error instanceof Error ? error.message : String(error),
    };
  }
}
