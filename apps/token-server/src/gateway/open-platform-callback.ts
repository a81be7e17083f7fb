// The third-party platforms' callback ("授权事件接收URL") on listen.http:
// POST /open-platform/COMPONENT_APPID/callback, one path per platform. A message that is
// authentic, this platform's, inside the time window and not seen before is applied and
// answered "success" (so is an authentic event of a kind not handled here); any other is
// refused with 400, nothing stored, and a log line naming the rule (never a secret). One
// that could not be applied is answered 503 so that WeChat pushes it again.

import { CallbackError } from "@wxtoken/wechat";
import type { Logger } from "pino";
import { UnknownAppError } from "../core/errors.js";
import type { OpenPlatforms } from "../core/open-platforms.js";
import { readBody } from "./request-body.js";
import type { GatewayRequest, GatewayResponse } from "./wechat-answer.js";

const CALLBACK_PATH = /^\/open-platform\/([A-Za-z0-9_-]{1,64})\/callback$/;

/** The callback path of platform `componentAppId`. */
export const callbackPath = (componentAppId: string) => `/open-platform/${componentAppId}/callback`;

/** The platform a path is the callback of, or undefined for any other path. */
export function callbackPlatformOf(pathname: string): string | undefined {
  return CALLBACK_PATH.exec(pathname)?.[1];
}

export interface OpenPlatformCallbackDeps {
  platforms: OpenPlatforms;
  logger: Logger;
  maxBodyBytes: number;
}

export class OpenPlatformCallback {
  constructor(private readonly deps: OpenPlatformCallbackDeps) {}

  async handle(
    componentAppId: string,
    url: URL,
    request: GatewayRequest,
    response: GatewayResponse,
  ): Promise<void> {
    if (request.method !== "POST") {
      answer(response, 405, "the callback takes POST");
      return;
    }
    const body = (await readBody(request, this.deps.maxBodyBytes)).toString("utf8");
    const log = { component_app_id: componentAppId };
    try {
      const outcome = await this.deps.platforms.callback(componentAppId, {
        query: url.searchParams,
        body,
      });
      this.deps.logger.info({ ...log, outcome }, "Open Platform callback applied");
      answer(response, 200, "success");
    } catch (error) {
      if (error instanceof CallbackError && error.failure === "unknown_event") {
        this.deps.logger.info({ ...log, problem: error.problem }, "Open Platform callback ignored");
        answer(response, 200, "success");
        return;
      }
      if (error instanceof CallbackError) {
        this.deps.logger.warn(
          { ...log, failure: error.failure, problem: error.problem },
          "Open Platform callback refused: nothing stored",
        );
        answer(response, 400, `refused: ${error.failure}`);
        return;
      }
      if (error instanceof UnknownAppError) {
        this.deps.logger.warn(log, "Open Platform callback for a platform not configured");
        answer(response, 404, "no such platform");
        return;
      }
      // Authentic but not applied (no component token yet, WeChat or the store failed):
      // not "success", so WeChat pushes it again, and its signature is not kept as seen.
      this.deps.logger.error(
        { ...log, err: { name: (error as Error).name, message: (error as Error).message } },
        "Open Platform callback not applied: WeChat will push it again",
      );
      answer(response, 503, "not applied; push again");
    }
  }
}

function answer(response: GatewayResponse, status: number, text: string): void {
  response.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  response.end(text);
}
