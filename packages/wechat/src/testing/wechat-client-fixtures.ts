// What the WeChatClient tests share: a client on a recording server, and the WeChatError a
// call failed with.
import { rejectionOf, type Teardown } from "@wxtoken/testkit";
import { WeChatClient, type WeChatClientOptions } from "../wechat-client.js";
import { WeChatError } from "../wechat-error.js";
import { type RecordingServer, startRecordingServer } from "./recording-server.js";

/** A recording server and a client of it (base URL + `suffix`), both stopped by `teardown`. */
export async function startClientOnRecordingServer(
  teardown: Teardown,
  options: Omit<WeChatClientOptions, "baseUrl"> = {},
  suffix = "",
): Promise<{ server: RecordingServer; client: WeChatClient }> {
  const server = await startRecordingServer(teardown);
  const client = new WeChatClient({ ...options, baseUrl: `${server.url}${suffix}` });
  teardown.add(() => client.close());
  return { server, client };
}

/** The WeChatError a call failed with; throws if it did not fail with one. */
export const failure = (call: Promise<unknown>): Promise<WeChatError> =>
  rejectionOf(call, WeChatError);
