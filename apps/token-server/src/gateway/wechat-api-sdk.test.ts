// Compatibility: node-webot's wechat-api from npm, unmodified, with its endpoint set to the
// gateway and a wxtoken caller key as its appsecret, against the simulator: token, template
// send, jsapi ticket and signature, media upload and download, and a 40001 storm.
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CredentialKind } from "@wxtoken/api";
import { Teardown } from "@wxtoken/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import WechatAPI from "wechat-api";
import { APP_ID, gatewayToken, KEYS, startGatewayStack } from "../testing/gateway-stack.js";
import { bearer, SECRET, type Stack, TEST_REFRESH, tokensOf } from "../testing/stack.js";

const teardown = new Teardown();
let stack: Stack;
const OPENID = "oUser0000000000000000000001A";
const STORM_SIZE = 50;

beforeAll(async () => {
  stack = await startGatewayStack(teardown, {
    sim: { forceMinIntervalS: 0 },
    config: { refresh: { ...TEST_REFRESH, force_min_interval_s: 0 } },
  });
});
afterAll(() => teardown.run());

/** An SDK instance pointed at the gateway, holding a caller key where the AppSecret was. */
function sdk(): WechatAPI {
  const api = new WechatAPI(APP_ID, KEYS.admin);
  api.endpoint = stack.httpUrl;
  return api;
}

/** A node-style call of the SDK as a promise. */
function call<T>(start: (callback: (error: Error | null, result: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    start((error, result) => (error === null ? resolve(result) : reject(error))),
  );
}

const sendTemplate = (api: WechatAPI) =>
  call<{ errcode: number }>((done) =>
    api.sendTemplate(
      OPENID,
      "tpl-sdk",
      "https://shop.example.com/",
      { first: { value: "hi" } },
      done,
    ),
  );

const tokenCalls = () => {
  const calls = stack.sim.stats().callsByApp[APP_ID] ?? {};
  return calls["/cgi-bin/stable_token"] ?? 0;
};

describe("wechat-api through the gateway", () => {
  it("gets wxtoken's current token and sends a template message with it", async () => {
    const api = sdk();
    const token = await call<{ accessToken: string }>((done) => api.getLatestToken(done));
    expect(token.accessToken).toBe(await gatewayToken(stack));
    expect((await sendTemplate(api)).errcode).toBe(0);
    expect(stack.sim.stats().messages.at(-1)?.accessToken).toBe(token.accessToken);
  });

  it("signs a JS-SDK config with wxtoken's jsapi ticket", async () => {
    const url = "https://shop.example.com/page?x=1";
    const config = await call<{ nonceStr: string; timestamp: string; signature: string }>((done) =>
      sdk().getJsConfig({ debug: false, jsApiList: ["scanQRCode"], url }, done),
    );
    const { credential } = await tokensOf(stack).getToken(
      { appId: APP_ID, kind: CredentialKind.JSAPI_TICKET },
      { headers: bearer(KEYS.admin) },
    );
    const expected = createHash("sha1")
      .update(
        `jsapi_ticket=${credential?.value}&noncestr=${config.nonceStr}&timestamp=${config.timestamp}&url=${url}`,
      )
      .digest("hex");
    expect(config.signature).toBe(expected);
  });

  it("uploads media and downloads it byte for byte", async () => {
    const api = sdk();
    const bytes = randomBytes(200_000);
    const dir = mkdtempSync(join(tmpdir(), "wxtoken-sdk-"));
    teardown.add(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, "photo.jpg");
    writeFileSync(path, bytes);
    const uploaded = await call<{ media_id: string }>((done) =>
      api.uploadMedia(path, "image", done),
    );
    const downloaded = await call<Buffer>((done) => api.getMedia(uploaded.media_id, done));
    expect(Buffer.compare(downloaded, bytes)).toBe(0);
    expect(stack.sim.stats().mediaUploaded).toBe(1);
  });

  it("a 40001 storm from 50 SDK instances costs at most one upstream token call", async () => {
    const apis = Array.from({ length: STORM_SIZE }, sdk);
    await Promise.all(apis.map((api) => call((done) => api.getLatestToken(done))));
    // Someone else forces a new token with the real AppSecret: wxtoken's is now refused.
    const rogue = await fetch(`${stack.sim.url}/cgi-bin/stable_token`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        grant_type: "client_credential",
        appid: APP_ID,
        secret: SECRET,
        force_refresh: true,
      }),
    });
    const { access_token: rogueToken } = (await rogue.json()) as { access_token: string };
    const before = tokenCalls();
    const sends = () => stack.sim.stats().calls["/cgi-bin/message/template/send"] ?? 0;
    const sent = sends();
    const delivered = stack.sim.stats().messages.length;
    const answers = await Promise.all(apis.map(sendTemplate));
    expect(answers.every((answer) => answer.errcode === 0)).toBe(true);
    expect(stack.sim.stats().messages.length - delivered).toBe(STORM_SIZE);
    expect(tokenCalls() - before).toBeLessThanOrEqual(1);
    // The storm happened: sends were refused (and retried once), and wxtoken took the new token.
    expect(sends() - sent).toBeGreaterThan(STORM_SIZE);
    expect(await gatewayToken(stack)).toBe(rogueToken);
  });

  it("the AppSecret never reaches the SDK's process or wxtoken's logs", () => {
    expect(stack.process.output()).not.toContain(SECRET);
    expect(stack.process.output()).not.toContain(KEYS.admin);
  });
});
