// The paths of the WeChat endpoints the simulator serves.

export const TOKEN_PATH = "/cgi-bin/token";
export const STABLE_TOKEN_PATH = "/cgi-bin/stable_token";
export const TICKET_PATH = "/cgi-bin/ticket/getticket";
export const TEMPLATE_SEND_PATH = "/cgi-bin/message/template/send";
export const SUBSCRIBE_SEND_PATH = "/cgi-bin/message/subscribe/send";
export const CLEAR_QUOTA_PATH = "/cgi-bin/clear_quota/v2";
export const QUOTA_GET_PATH = "/cgi-bin/openapi/quota/get";
