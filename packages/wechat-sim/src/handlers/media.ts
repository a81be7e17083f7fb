// POST /cgi-bin/media/upload (multipart, field "media") and GET /cgi-bin/media/get: temporary
// media kept by media_id and given back byte for byte with its content type and file name.
import { bytesReply, jsonReply } from "../reply.js";
import { wechatError } from "../wechat-errors.js";
import { authenticate } from "./access-token.js";
import type { Handler } from "./handler.js";

const MEDIA_TYPES = new Set(["image", "voice", "video", "thumb"]);

export const uploadMedia: Handler = async (request, state) => {
  const caller = authenticate(request, state);
  if (!caller.ok) {
    return caller.reply;
  }
  const type = request.query.get("type") ?? "";
  if (!MEDIA_TYPES.has(type)) {
    return wechatError(40097, { detail: "type" });
  }
  const form = await new Response(request.bytes, {
    headers: { "content-type": request.contentType },
  })
    .formData()
    .catch(() => undefined);
  const file = form?.get("media");
  if (!(file instanceof Blob)) {
    return wechatError(41005);
  }
  const mediaId = state.media.add({
    appId: caller.value.app.appId,
    type,
    fileName: file instanceof File ? file.name : "media",
    contentType: file.type || "application/octet-stream",
    bytes: new Uint8Array(await file.arrayBuffer()),
  });
  state.stats.mediaUploaded();
  return jsonReply({ type, media_id: mediaId, created_at: Math.floor(request.now / 1000) });
};

export const getMedia: Handler = (request, state) => {
  const caller = authenticate(request, state);
  if (!caller.ok) {
    return caller.reply;
  }
  const media = state.media.get(caller.value.app.appId, request.query.get("media_id") ?? "");
  if (media === undefined) {
    return wechatError(40007);
  }
  return bytesReply(media.bytes, media.contentType, {
    "content-disposition": `attachment; filename="${media.fileName.replace(/["\\\r\n]/g, "_")}"`,
  });
};
