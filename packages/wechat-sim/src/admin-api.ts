// The simulator's own HTTP API under /__sim/ (stats, reset, faults, the tokens' lifetime, Open
// Platform events), for tests whose simulator runs in another process. Its calls are not
// counted in the stats.
import { parseFault } from "./faults.js";
import {
  OPEN_PLATFORM_ADMIN_PREFIX,
  openPlatformAdminAnswer,
} from "./open-platform/admin-routes.js";
import { jsonReply, type Reply } from "./reply.js";
import type { SimState } from "./sim-state.js";

export const ADMIN_PREFIX = "/__sim/";

const OK = { ok: true };

/** Applies a JSON body with `apply`, which throws naming what is wrong with it: 400 then. */
function applyJson(body: string, apply: (input: unknown) => void): Reply {
  try {
    apply(JSON.parse(body));
    return jsonReply(OK);
  } catch (error) {
    const message =
      error instanceof SyntaxError
        ? "the body is not JSON"
        : error instanceof Error
          ? error.message
          : String(error);
    return jsonReply({ error: message }, 400);
  }
}

export function adminAnswer(
  method: string,
  path: string,
  body: string,
  state: SimState,
): Reply | Promise<Reply> {
  if (path.startsWith(OPEN_PLATFORM_ADMIN_PREFIX)) {
    return openPlatformAdminAnswer(method, path, body, state);
  }
  switch (`${method} ${path}`) {
    case "GET /__sim/stats":
      return jsonReply(state.stats.snapshot());
    case "POST /__sim/reset":
      state.reset();
      return jsonReply(OK);
    case "POST /__sim/faults":
      return applyJson(body, (input) => state.faults.add(parseFault(input)));
    case "POST /__sim/token-lifetime":
      return applyJson(body, (input) => state.setTokenLifetime(input));
    case "DELETE /__sim/faults":
      state.faults.clear();
      return jsonReply(OK);
    default:
      return jsonReply({ error: `no admin call ${method} ${path}` }, 404);
  }
}
