// End to end, sends in flight when the server is killed: WeChat got them, so after the
// restart every repeat of their client_msg_id is refused at once as "outcome unknown"
// and none is delivered again, until an operator resolves it with
// AdminService.ResolveMessage. Deliveries are counted by the simulator.
import { Code } from "@connectrpc/connect";
import { ResolveMessageRequest_Resolution } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { connectError } from "./testing/connect-error.js";
import {
  ADMIN_KEY,
  APP_ID,
  adminOf,
  bearer,
  messagesOf,
  type Stack,
  startStack,
  startTokenServerProcess,
} from "./testing/stack.js";

const TEMPLATE = "/cgi-bin/message/template/send";
const IN_FLIGHT = 10;
const headers = bearer(ADMIN_KEY);
const teardown = new Teardown();
afterEach(() => teardown.run());

const template = (clientMsgId: string) => ({
  appId: APP_ID,
  toUser: `oCrash${"0".repeat(22)}`,
  templateId: "TPL-crash",
  data: { first: { value: "shipped" } },
  clientMsgId,
});

describe("a crash during sends", () => {
  it("never delivers a send in flight again, and lets an operator resolve it", async () => {
    const first = await startStack({ teardown });
    await messagesOf(first).sendTemplateMessage(template("warm-up"), { headers });
    first.sim.inject({ endpoint: TEMPLATE, delayMs: 10_000, count: IN_FLIGHT });
    const ids = Array.from({ length: IN_FLIGHT }, (_, i) => `crash-${i}`);
    for (const id of ids) {
      messagesOf(first)
        .sendTemplateMessage(template(id), { headers })
        .catch(() => undefined);
    }
    await waitFor(() => first.sim.stats().messages.length === IN_FLIGHT + 1, {
      description: "WeChat receiving every send in flight",
    });
    first.process.signal("SIGKILL");
    await first.process.exited;

    const restarted = await startTokenServerProcess(first.sim.url, {
      teardown,
      storePath: first.storePath,
    });
    const stack: Stack = { ...first, ...restarted };
    for (const id of ids) {
      const repeat = await connectError(
        messagesOf(stack).sendTemplateMessage(template(id), { headers }),
      );
      // The embedded store has one writer: a claim of the run before is a dead sender's.
      expect(repeat.code).toBe(Code.FailedPrecondition);
      expect(repeat.rawMessage).toMatch(/may or may not have reached WeChat/);
    }
    expect(stack.sim.stats().messages).toHaveLength(IN_FLIGHT + 1);

    const resend = await adminOf(stack).resolveMessage(
      {
        appId: APP_ID,
        clientMsgId: "crash-0",
        resolution: ResolveMessageRequest_Resolution.RESEND,
        reason: "the user never got it",
      },
      { headers },
    );
    expect(resend.resolved).toBe(true);
    const again = await messagesOf(stack).sendTemplateMessage(template("crash-0"), { headers });
    expect(again.deduplicated).toBe(false);
    expect(stack.sim.stats().messages).toHaveLength(IN_FLIGHT + 2);

    await adminOf(stack).resolveMessage(
      {
        appId: APP_ID,
        clientMsgId: "crash-1",
        resolution: ResolveMessageRequest_Resolution.SENT,
        msgId: 777n,
        reason: "seen in the user's chat",
      },
      { headers },
    );
    const settled = await messagesOf(stack).sendTemplateMessage(template("crash-1"), { headers });
    expect(settled).toMatchObject({ msgId: 777n, deduplicated: true });
    expect(stack.sim.stats().messages).toHaveLength(IN_FLIGHT + 2);
    await stack.process.waitForOutput(/"audit":"admin.resolve_message"/);
  });
});
