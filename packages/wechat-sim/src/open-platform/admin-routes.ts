// The admin API's Open Platform calls under /__sim/open-platform/: push a ticket, make an
// account authorize or withdraw, register a callback URL. Each answers once the push is done.
import { z } from "zod";
import { describeIssues } from "../options.js";
import { jsonReply, type Reply } from "../reply.js";
import type { SimState } from "../sim-state.js";
import { OpenPlatformError } from "./open-platforms.js";

export const OPEN_PLATFORM_ADMIN_PREFIX = "/__sim/open-platform/";

const platformBody = z.strictObject({ componentAppId: z.string().min(1) });
const authorizerBody = platformBody.extend({ authorizerAppId: z.string().min(1) });
const authorizeBody = authorizerBody.extend({
  funcInfo: z.array(z.number().int().min(1)).optional(),
  preAuthCode: z.string().min(1).optional(),
});
const callbackBody = platformBody.extend({ callbackUrl: z.url({ protocol: /^https?$/ }) });

const ACTIONS: Record<string, (body: unknown, state: SimState) => Promise<unknown>> = {
  "push-ticket": (body, state) =>
    state.openPlatforms.pushTicket(platformBody.parse(body).componentAppId),
  authorize: (body, state) => state.openPlatforms.authorize(authorizeBody.parse(body)),
  unauthorize: (body, state) => state.openPlatforms.unauthorize(authorizerBody.parse(body)),
  "callback-url": async (body, state) => {
    const { componentAppId, callbackUrl } = callbackBody.parse(body);
    await state.openPlatforms.setCallbackUrl(componentAppId, callbackUrl);
    return { ok: true };
  },
};

export async function openPlatformAdminAnswer(
  method: string,
  path: string,
  body: string,
  state: SimState,
): Promise<Reply> {
  const action = ACTIONS[path.slice(OPEN_PLATFORM_ADMIN_PREFIX.length)];
  if (method !== "POST" || action === undefined) {
    return jsonReply({ error: `no admin call ${method} ${path}` }, 404);
  }
  try {
    return jsonReply(await action(JSON.parse(body), state));
  } catch (error) {
    return jsonReply({ error: adminProblem(error) }, 400);
  }
}

function adminProblem(error: unknown): string {
  if (error instanceof SyntaxError) {
    return "the body is not JSON";
  }
  if (error instanceof z.ZodError) {
    return describeIssues(error, (key) => key);
  }
  return error instanceof OpenPlatformError ? error.message : String(error);
}
