// End to end: login codes exchanged without the AppSecret, on the gateway and over gRPC;
// session keys and user tokens appear neither in wxtoken's logs nor in its metrics.
import { Code } from "@connectrpc/connect";
import { CodeService } from "@wxtoken/api";
import { Teardown, waitFor } from "@wxtoken/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectError } from "../testing/connect-error.js";
import {
  APP_ID,
  field,
  KEYS,
  OTHER_APP_ID,
  startGatewayStack,
  wx,
} from "../testing/gateway-stack.js";
import { bearer, clientFor, SECRET, type Stack, transportFor } from "../testing/stack.js";

const teardown = new Teardown();
let stack: Stack;
/** Every secret an answer carried, to grep wxtoken's output for. */
const secrets: string[] = [SECRET, KEYS.coder];

beforeAll(async () => {
  stack = await startGatewayStack(teardown);
});
afterAll(() => teardown.run());

const exchange = (path: string, query: Record<string, string>) =>
  wx(stack, path, {
    query: { appid: APP_ID, secret: KEYS.coder, grant_type: "authorization_code", ...query },
  });

describe("code exchange without the AppSecret", () => {
  it("jscode2session answers WeChat's fields; a used code gets WeChat's errcode", async () => {
    const session = await exchange("/sns/jscode2session", { js_code: "gw-login-1" });
    expect(field(session, "openid")).toMatch(/^o/);
    secrets.push(field(session, "session_key"));
    const again = await exchange("/sns/jscode2session", { js_code: "gw-login-1" });
    expect(again.body.errcode).toBe(40163);
    expect(stack.sim.stats().codesExchanged).toBe(1);
  });

  it("oauth2/access_token answers the user's token fields", async () => {
    const token = await exchange("/sns/oauth2/access_token", { code: "gw-oauth-1" });
    expect(token.body).toMatchObject({ expires_in: 7200, scope: "snsapi_base" });
    secrets.push(field(token, "access_token"), field(token, "refresh_token"));
  });

  it("refuses keys without code.exchange for the app, and missing fields", async () => {
    const cases: [Record<string, string>, number][] = [
      [{ js_code: "c1", secret: KEYS.reader }, 48001],
      [{ js_code: "c1", appid: OTHER_APP_ID }, 48001],
      [{ js_code: "c1", secret: "wrong" }, 40125],
      [{}, 41008],
      [{ js_code: "c1", grant_type: "client_credential" }, 40002],
    ];
    for (const [query, errcode] of cases) {
      expect((await exchange("/sns/jscode2session", query)).body.errcode).toBe(errcode);
    }
  });

  it("CodeService exchanges over gRPC with code.exchange", async () => {
    const codes = clientFor(CodeService, transportFor(stack, "grpc"));
    const headers = bearer(KEYS.coder);
    const session = await codes.exchangeLoginCode(
      { appId: APP_ID, jsCode: "gw-grpc-1" },
      { headers },
    );
    expect(session.openid).toMatch(/^o/);
    secrets.push(session.sessionKey);
    const oauth = await codes.exchangeOAuthCode({ appId: APP_ID, code: "gw-grpc-2" }, { headers });
    expect(oauth.expiresIn).toBe(7200n);
    secrets.push(oauth.accessToken, oauth.refreshToken);
    const used = await connectError(
      codes.exchangeLoginCode({ appId: APP_ID, jsCode: "gw-grpc-1" }, { headers }),
    );
    expect(used.code).toBe(Code.InvalidArgument);
    const bad = await connectError(
      codes.exchangeLoginCode({ appId: APP_ID, jsCode: "a b" }, { headers }),
    );
    expect(bad.code).toBe(Code.InvalidArgument);
    expect(bad.rawMessage).toMatch(/js_code/);
    const denied = await connectError(
      codes.exchangeLoginCode(
        { appId: APP_ID, jsCode: "gw-grpc-3" },
        { headers: bearer(KEYS.reader) },
      ),
    );
    expect(denied.code).toBe(Code.PermissionDenied);
  });

  it("logs and metrics hold no AppSecret, session key or user token", async () => {
    const metrics = await (await fetch(`${stack.httpUrl}/metrics`)).text();
    expect(metrics).toContain("/sns/jscode2session");
    const output = stack.process.output();
    expect(output.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(output).not.toContain(secret);
      expect(metrics).not.toContain(secret);
    }
    // Each exchange, on either door, is in the audit trail with its caller.
    const audited = await waitFor(
      () => {
        const lines = stack.process
          .output()
          .split("\n")
          .filter((line) => line.includes('"audit":"code.exchange"'));
        return lines.length === 4 ? lines : undefined;
      },
      { description: "four code exchanges in the audit trail" },
    );
    expect(audited.filter((line) => line.includes('"via":"gateway"'))).toHaveLength(2);
    expect(audited.every((line) => line.includes('"caller":"coder"'))).toBe(true);
  });
});
