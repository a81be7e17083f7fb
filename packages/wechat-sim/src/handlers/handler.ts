// The shape of an endpoint handler, and of a check that either passes a value on or has
// already decided the answer.
import type { Reply } from "../reply.js";
import type { SimRequest } from "../request.js";
import type { SimState } from "../sim-state.js";

export type Handler = (request: SimRequest, state: SimState) => Reply | Promise<Reply>;

export type Checked<T> = { ok: true; value: T } | { ok: false; reply: Reply };
