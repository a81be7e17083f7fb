// Message requests checked against WeChat's rules before any upstream call; each failure
// is INVALID_ARGUMENT naming the field and the rule.
import { toBinary } from "@bufbuild/protobuf";
import {
  MiniProgramState,
  type SendSubscribeMessageRequest,
  SendSubscribeMessageRequestSchema,
  type SendTemplateMessageRequest,
  SendTemplateMessageRequestSchema,
} from "@wxtoken/api";
import type { SubscribeMessage, TemplateMessage } from "@wxtoken/wechat";
import { invalid, requireHttpUrl } from "./validation.js";

export const MAX_REQUEST_BYTES = 64 * 1024;
const OPENID = /^[A-Za-z0-9_-]{28}$/;
const DATA_KEY = /^[A-Za-z0-9_]{1,64}$/;
const COLOR = /^#[0-9A-Fa-f]{6}$/;
const MAX_VALUE_CHARS = 200;
const MAX_PATH_CHARS = 1024;
const LANGS = new Set(["zh_CN", "en_US", "zh_HK", "zh_TW"]);
const STATES: Record<MiniProgramState, SubscribeMessage["miniprogramState"]> = {
  [MiniProgramState.UNSPECIFIED]: undefined,
  [MiniProgramState.FORMAL]: "formal",
  [MiniProgramState.TRIAL]: "trial",
  [MiniProgramState.DEVELOPER]: "developer",
};

function checkCommon(
  request: { toUser: string; templateId: string; clientMsgId: string },
  size: number,
): void {
  if (size > MAX_REQUEST_BYTES) {
    throw invalid("request", `must be at most ${MAX_REQUEST_BYTES} bytes (got ${size})`);
  }
  if (!OPENID.test(request.toUser)) {
    throw invalid("to_user", "must be an OpenID: 28 characters of [A-Za-z0-9_-]");
  }
  if (request.templateId === "" || request.templateId.length > 128) {
    throw invalid("template_id", "must be 1 to 128 characters");
  }
  if (request.clientMsgId.length > 128) {
    throw invalid("client_msg_id", "must be at most 128 characters");
  }
}

function checkData(data: Record<string, { value: string; color?: string }>): void {
  const entries = Object.entries(data);
  if (entries.length === 0) {
    throw invalid("data", "must hold at least one keyword");
  }
  for (const [key, { value, color }] of entries) {
    if (!DATA_KEY.test(key)) {
      throw invalid(
        `data[${JSON.stringify(key.slice(0, 64))}]`,
        "keys must be 1 to 64 characters of [A-Za-z0-9_]",
      );
    }
    if ([...value].length > MAX_VALUE_CHARS) {
      throw invalid(`data.${key}.value`, `must be at most ${MAX_VALUE_CHARS} characters`);
    }
    if (color !== undefined && color !== "" && !COLOR.test(color)) {
      throw invalid(`data.${key}.color`, "must be #RRGGBB");
    }
  }
}

function checkPath(path: string, field: string): void {
  if (path.length > MAX_PATH_CHARS) {
    throw invalid(field, `must be at most ${MAX_PATH_CHARS} characters`);
  }
}

export function templateMessageOf(request: SendTemplateMessageRequest): TemplateMessage {
  checkCommon(request, toBinary(SendTemplateMessageRequestSchema, request).length);
  if (request.url !== "") {
    requireHttpUrl(request.url, "url");
  }
  const { miniprogram } = request;
  if (miniprogram !== undefined) {
    if (miniprogram.appId === "" || miniprogram.appId.length > 64) {
      throw invalid("miniprogram.app_id", "must be the Mini Program's AppID, 1 to 64 characters");
    }
    checkPath(miniprogram.pagePath, "miniprogram.page_path");
  }
  const data = Object.fromEntries(
    Object.entries(request.data).map(([key, { value, color }]) => [
      key,
      color === "" ? { value } : { value, color },
    ]),
  );
  checkData(data);
  return {
    toUser: request.toUser,
    templateId: request.templateId,
    url: request.url === "" ? undefined : request.url,
    miniprogram: miniprogram && { appId: miniprogram.appId, pagePath: miniprogram.pagePath },
    data,
  };
}

export function subscribeMessageOf(request: SendSubscribeMessageRequest): SubscribeMessage {
  checkCommon(request, toBinary(SendSubscribeMessageRequestSchema, request).length);
  checkPath(request.page, "page");
  if (request.lang !== "" && !LANGS.has(request.lang)) {
    throw invalid("lang", "must be zh_CN, en_US, zh_HK or zh_TW");
  }
  if (!(request.miniprogramState in STATES)) {
    throw invalid("miniprogram_state", "must be FORMAL, TRIAL or DEVELOPER");
  }
  const data = Object.fromEntries(
    Object.entries(request.data).map(([key, { value }]) => [key, { value }]),
  );
  checkData(data);
  return {
    toUser: request.toUser,
    templateId: request.templateId,
    page: request.page === "" ? undefined : request.page,
    data,
    miniprogramState: STATES[request.miniprogramState],
    lang: request.lang === "" ? undefined : request.lang,
  };
}
