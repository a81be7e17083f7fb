// The README's TypeScript SDK snippet, made runnable against a test stack: its demo app and
// gRPC address replaced, WeChat's host sent to the simulator, and its results printed.

/** The first ```ts block after `heading` in `markdown`. */
export function snippetAfter(markdown: string, heading: string): string {
  const start = markdown.indexOf(heading);
  if (start < 0) {
    throw new Error(`no heading "${heading}"`);
  }
  const block = /```ts\n([\s\S]*?)```/.exec(markdown.slice(start));
  if (block?.[1] === undefined) {
    throw new Error(`no \`\`\`ts block after "${heading}"`);
  }
  return block[1];
}

export const DEMO_APP_ID = "wxdemo0000000001";
export const DEMO_GRPC_URL = "http://127.0.0.1:50051";
export const WECHAT_ORIGIN = "https://api.weixin.qq.com";

export interface RunnableOptions {
  appId: string;
  grpcUrl: string;
  simUrl: string;
  /** The JSON body the snippet's `body` stands for. */
  body: unknown;
}

/**
 * An ES module running `snippet` as written, except for the app id and address, with
 * `fetch` to WeChat's origin going to the simulator; its last line of output is the JSON
 * of `{ token, sent }`.
 */
export function runnableSnippet(snippet: string, options: RunnableOptions): string {
  for (const needed of [DEMO_APP_ID, DEMO_GRPC_URL, WECHAT_ORIGIN, "await wx.close()"]) {
    if (!snippet.includes(needed)) {
      throw new Error(`the README's snippet no longer contains ${needed}`);
    }
  }
  const adapted = snippet
    .replaceAll(DEMO_APP_ID, options.appId)
    .replaceAll(DEMO_GRPC_URL, options.grpcUrl);
  const preamble = [
    "const wechatFetch = globalThis.fetch;",
    "globalThis.fetch = (url, init) =>",
    `  wechatFetch(String(url).replace(${JSON.stringify(WECHAT_ORIGIN)}, ${JSON.stringify(options.simUrl)}), init);`,
    `const body = ${JSON.stringify(JSON.stringify(options.body))};`,
  ];
  // Import declarations are hoisted, so the preamble may stand before them.
  return [...preamble, adapted, "console.log(JSON.stringify({ token, sent }));", ""].join("\n");
}
