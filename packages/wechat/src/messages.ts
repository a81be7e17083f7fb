// Template and subscribe messages, and their JSON bodies under WeChat's field names.

export interface TemplateMessage {
  /** The recipient's openid. */
  toUser: string;
  templateId: string;
  url?: string;
  miniprogram?: { appId: string; pagePath: string };
  data: Record<string, { value: string; color?: string }>;
}

export interface SubscribeMessage {
  /** The recipient's openid. */
  toUser: string;
  templateId: string;
  page?: string;
  data: Record<string, { value: string }>;
  miniprogramState?: "formal" | "trial" | "developer";
  lang?: string;
}

/** The body of POST /cgi-bin/message/template/send (JSON.stringify drops absent options). */
export function templateMessageBody(message: TemplateMessage): Record<string, unknown> {
  const { miniprogram } = message;
  return {
    touser: message.toUser,
    template_id: message.templateId,
    url: message.url,
    miniprogram: miniprogram && { appid: miniprogram.appId, pagepath: miniprogram.pagePath },
    data: message.data,
  };
}

/** The body of POST /cgi-bin/message/subscribe/send (JSON.stringify drops absent options). */
export function subscribeMessageBody(message: SubscribeMessage): Record<string, unknown> {
  return {
    touser: message.toUser,
    template_id: message.templateId,
    page: message.page,
    data: message.data,
    miniprogram_state: message.miniprogramState,
    lang: message.lang,
  };
}
