// The simulator's own HTTP API under /__sim/ (stats, reset, faults, Open Platform events), for
// tests whose simulator runs in another process. Its calls are not counted in the stats.
import { parseFault } from "./faults.js";
import {
  OPEN_PLATFORM_ADMIN_PREFIX,
  openPlatformAdminAnswer,
} from "./open-platform/admin-routes.js";
import { jsonReply, type Reply } from "./reply.js";
import type { SimState } from "./sim-state.js";

export const ADMIN_PREFIX = "/__sim/";

const OK = { ok: true };

function injectFault(body: string, state: SimState): Reply {
  try {
    state.faults.add(parseFault(JSON.parse(body)));
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
      return injectFault(body, state);
    case "DELETE /__sim/faults":
      state.faults.clear();
      return jsonReply(OK);
    default:
      return jsonReply({ error: `no admin call ${method} ${path}` }, 404);
  }
}
