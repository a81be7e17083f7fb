// The part of node-webot's wechat-api (plain JavaScript, no types of its own) that the
// gateway's compatibility tests drive.
declare module "wechat-api" {
  type Callback<T> = (error: (Error & { code?: number }) | null, result: T) => void;

  interface AccessToken {
    accessToken: string;
    expireTime: number;
  }

  interface JsConfig {
    appId: string;
    timestamp: string;
    nonceStr: string;
    signature: string;
  }

  class WechatAPI {
    constructor(appid: string, appsecret: string);
    /** Where every call goes, "https://api.weixin.qq.com" by default. */
    endpoint: string;
    getLatestToken(callback: Callback<AccessToken>): void;
    sendTemplate(
      openid: string,
      templateId: string,
      url: string,
      data: Record<string, { value: string }>,
      callback: Callback<{ errcode: number; msgid: number }>,
    ): void;
    getJsConfig(
      param: { debug: boolean; jsApiList: string[]; url: string },
      callback: Callback<JsConfig>,
    ): void;
    uploadMedia(filepath: string, type: string, callback: Callback<{ media_id: string }>): void;
    getMedia(mediaId: string, callback: Callback<Buffer>): void;
  }

  export default WechatAPI;
}
