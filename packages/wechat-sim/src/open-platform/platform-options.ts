// The simulator's third-party platforms (开放平台): what a test configures for each, checked
// with zod, with WeChat's defaults (a ticket pushed every 10 minutes, valid 12 hours).
import { z } from "zod";

export interface SimOpenPlatform {
  componentAppId: string;
  /** The platform's AppSecret (component_appsecret). */
  secret: string;
  /** The message verification Token (3 to 32 letters or digits). */
  token: string;
  /** The 43-character EncodingAESKey. */
  encodingAesKey: string;
  /** The authorization-event URL WeChat pushes to; also settable through the admin API. */
  callbackUrl?: string;
  /** Seconds between ticket pushes; default 600; 0: only on demand (admin API, start_push_ticket). */
  ticketPushIntervalS?: number;
  /** How long a ticket is valid; default 43200 (12 h). */
  ticketTtlS?: number;
  /** expires_in of the platform's component tokens; default the simulator's tokenTtlS (7200). */
  componentTokenTtlS?: number;
  /** Whether each api_authorizer_token call rotates the refresh token; default true. */
  rotateRefreshTokens?: boolean;
}

export const openPlatformSchema = z.strictObject({
  componentAppId: z.string().min(1),
  secret: z.string().min(1),
  token: z.string().regex(/^[A-Za-z0-9]{3,32}$/, "must be 3 to 32 letters or digits"),
  encodingAesKey: z.string().regex(/^[A-Za-z0-9]{43}$/, "must be 43 letters or digits"),
  callbackUrl: z.url({ protocol: /^https?$/ }).optional(),
  ticketPushIntervalS: z.number().int().min(0).default(600),
  ticketTtlS: z.number().int().min(1).default(43_200),
  componentTokenTtlS: z.number().int().min(1).optional(),
  rotateRefreshTokens: z.boolean().default(true),
});

export type OpenPlatformSettings = z.output<typeof openPlatformSchema>;

export const openPlatformsSchema = z
  .array(openPlatformSchema)
  .default([])
  .refine(
    (platforms) =>
      new Set(platforms.map((platform) => platform.componentAppId)).size === platforms.length,
    { message: "component app ids must be unique" },
  );
