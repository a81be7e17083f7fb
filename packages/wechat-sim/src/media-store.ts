// Temporary media (/cgi-bin/media/upload): the bytes, content type and file name of each
// upload, by media_id, for /cgi-bin/media/get to give back unchanged.
import { randomToken } from "./random.js";

export interface StoredMedia {
  appId: string;
  type: string;
  fileName: string;
  contentType: string;
  bytes: Uint8Array;
}

/** WeChat's media ids are 64 characters. */
const MEDIA_ID_LENGTH = 64;

export class MediaStore {
  private readonly media = new Map<string, StoredMedia>();

  /** Keeps `media` and returns its new media_id. */
  add(media: StoredMedia): string {
    const mediaId = randomToken(MEDIA_ID_LENGTH);
    this.media.set(mediaId, media);
    return mediaId;
  }

  /** The media of `appId` with this id, or undefined (another app's is not found either). */
  get(appId: string, mediaId: string): StoredMedia | undefined {
    const found = this.media.get(mediaId);
    return found?.appId === appId ? found : undefined;
  }
}
