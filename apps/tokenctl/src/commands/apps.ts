// tokenctl apps: every configured app's mode, credentials, calls today and last error,
// and which replica leads.
import { type AppStatus, ListAppsResponseSchema, TokenMode } from "@wxtoken/api";
import type { Command } from "../command.js";
import { ownerName } from "../credential-fields.js";
import { kindName } from "../credential-kind.js";
import { fieldLines, time } from "../output.js";
import { upstreamErrorText } from "../upstream-error.js";

function appLines(app: AppStatus): string[] {
  const error = app.lastError;
  return [
    ownerName(app),
    ...fieldLines([
      ["mode", TokenMode[app.mode].toLowerCase()],
      ...app.credentials.map((credential): [string, string] => [
        kindName(credential.kind),
        `generation ${credential.generation}, expires_at ${time(credential.expiresAt)}`,
      ]),
      ["last_refresh_at", time(app.lastRefreshAt)],
      [
        "last_error",
        error === undefined ? "-" : `${upstreamErrorText(error)} at ${time(app.lastErrorAt)}`,
      ],
      ["upstream_calls_today", app.upstreamCallsToday.toString()],
      ...app.hourlyLimits.map(({ endpoint, scope, used, limit }): [string, string] => [
        `${endpoint} this hour`,
        `${used} of ${limit} (${scope})`,
      ]),
    ]).map((line) => `  ${line}`),
  ];
}

export const apps: Command = {
  flags: [],
  async run({ client, output }) {
    const response = await client.admin.listApps({});
    output.print(ListAppsResponseSchema, response, () => [
      ...response.apps.flatMap(appLines),
      `replica ${response.replicaId}, leader ${response.leaderId === "" ? "none" : response.leaderId}`,
    ]);
  },
};
