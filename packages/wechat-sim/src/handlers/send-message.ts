// POST /cgi-bin/message/template/send and /cgi-bin/message/subscribe/send: the same checks
// (openid, template id, data, subscription) and a recorded delivery with a new msgid.
import { SUBSCRIBE_SEND_PATH, TEMPLATE_SEND_PATH } from "../endpoints.js";
import { jsonReply } from "../reply.js";
import { isRecord } from "../request.js";
import type { MessageEndpoint } from "../stats.js";
import { wechatError } from "../wechat-errors.js";
import { authenticateJsonPost } from "./access-token.js";
import type { Handler } from "./handler.js";

/** An OpenID: 28 characters of [A-Za-z0-9_-]. */
const OPENID = /^[A-Za-z0-9_-]{28}$/;

/** The longest data value WeChat accepts, in characters. */
const MAX_VALUE_LENGTH = 200;

/** The first data field that is not `{ value: string }` within the length limit. */
function invalidDataField(data: unknown): string | undefined {
  if (!isRecord(data)) {
    return "data";
  }
  for (const [key, field] of Object.entries(data)) {
    if (
      !isRecord(field) ||
      typeof field.value !== "string" ||
      [...field.value].length > MAX_VALUE_LENGTH
    ) {
      return `data.${key}.value`;
    }
  }
  return undefined;
}

/** A send handler; `unsubscribed` is the errcode for a user who does not take messages. */
function messageSender(endpoint: MessageEndpoint, unsubscribed: 43004 | 43101): Handler {
  return (request, state) => {
    const post = authenticateJsonPost(request, state);
    if (!post.ok) {
      return post.reply;
    }
    const { body } = post.value;
    const { app, token } = post.value.caller;
    const { touser, template_id: templateId } = body;
    if (typeof touser !== "string" || !OPENID.test(touser)) {
      return wechatError(40003);
    }
    if (
      typeof templateId !== "string" ||
      templateId === "" ||
      (app.templates !== undefined && !app.templates.includes(templateId))
    ) {
      return wechatError(40037);
    }
    const invalid = invalidDataField(body.data);
    if (invalid !== undefined) {
      return wechatError(47003, { detail: `${invalid} invalid` });
    }
    if (app.unsubscribedUsers?.includes(touser) === true) {
      return wechatError(unsubscribed);
    }
    const msgId = state.nextMsgId();
    state.stats.delivered({
      endpoint,
      appId: app.appId,
      toUser: touser,
      templateId,
      msgId,
      body,
      accessToken: token,
    });
    return jsonReply({ errcode: 0, errmsg: "ok", msgid: msgId });
  };
}

export const sendTemplateMessage = messageSender(TEMPLATE_SEND_PATH, 43004);

export const sendSubscribeMessage = messageSender(SUBSCRIBE_SEND_PATH, 43101);
