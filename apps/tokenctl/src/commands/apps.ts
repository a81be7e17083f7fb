// tokenctl apps: every configured app (a WeChat AppID, a WeCom app with its corp and
// agent, a third-party platform's component token or one of its authorizers) with its mode,
// credentials, holds, today's calls by endpoint against WeChat's limits, its budget, this
// hour's hourly limits and last error; then the replica that answered, the leader, the
// replicas and the config version.
import { durationMs } from "@bufbuild/protobuf/wkt";
import {
  type AppStatus,
  type ListAppsResponse,
  ListAppsResponseSchema,
  TokenMode,
} from "@wxtoken/api";
import { targetName } from "@wxtoken/client";
import type { Command } from "../command.js";
import { kindName } from "../credential-kind.js";
import { fieldLines, time } from "../output.js";
import { upstreamErrorText } from "../upstream-error.js";

type Field = [label: string, value: string];

function ownerFields(app: AppStatus): Field[] {
  const owner = app.owner?.owner;
  switch (owner?.case) {
    case "wecom":
      return [
        ["wecom_corp", owner.value.corpId],
        ["wecom_agent", owner.value.app],
      ];
    case "component":
      return [["component", owner.value.componentAppId]];
    case "authorizer":
      return [
        ["component", owner.value.componentAppId],
        ["authorizer", owner.value.authorizerAppId],
      ];
    default:
      return [["mode", TokenMode[app.mode].toLowerCase()]];
  }
}

function limitFields(app: AppStatus): Field[] {
  const budget = app.budget;
  return [
    ["upstream_calls_today", app.upstreamCallsToday.toString()],
    ...app.usage.map(
      ({ endpoint, calls, dailyLimit }): Field => [
        `${endpoint} today`,
        dailyLimit === 0 ? `${calls}` : `${calls} of ${dailyLimit}`,
      ],
    ),
    ...(budget === undefined || budget.dailyBudget === 0
      ? []
      : [[`budget ${budget.endpoint}`, `${budget.used} of ${budget.dailyBudget} today`] as Field]),
    ...app.hourlyLimits.map(
      ({ endpoint, scope, used, limit }): Field => [
        `${endpoint} this hour`,
        `${used} of ${limit} (${scope})`,
      ],
    ),
  ];
}

function appLines(app: AppStatus): string[] {
  const error = app.lastError;
  return [
    targetName(app),
    ...fieldLines([
      ...ownerFields(app),
      ...app.credentials.map(
        (credential): Field => [
          kindName(credential.kind),
          `generation ${credential.generation}, expires_at ${time(credential.expiresAt)}`,
        ],
      ),
      ...app.holds.map(
        (hold): Field => [
          `hold ${hold.endpoint}`,
          `errcode ${hold.errcode} until ${time(hold.until)}`,
        ],
      ),
      ["last_refresh_at", time(app.lastRefreshAt)],
      [
        "last_error",
        error === undefined ? "-" : `${upstreamErrorText(error)} at ${time(app.lastErrorAt)}`,
      ],
      ...limitFields(app),
      ...(app.configDiffersFromLeader
        ? [["config", "differs from the leader's: reconcile the files"] as Field]
        : []),
    ]).map((line) => `  ${line}`),
  ];
}

function clusterLines(response: ListAppsResponse): string[] {
  const leader = response.leaderId === "" ? "none" : response.leaderId;
  return [
    `replica ${response.replicaId}, leader ${leader}`,
    ...fieldLines([
      ["replicas", response.replicas.length === 0 ? "-" : response.replicas.join(", ")],
      [
        "config_version",
        `${response.configVersion || "-"}, loaded at ${time(response.configLoadedAt)}${
          response.configReloadRefused ? " (the last reload was refused)" : ""
        }`,
      ],
      [
        "refresh_lead",
        response.refreshLead === undefined ? "-" : `${durationMs(response.refreshLead) / 1000} s`,
      ],
      ...(response.storeUnreachableSince === undefined
        ? []
        : [["store_unreachable_since", time(response.storeUnreachableSince)] as Field]),
    ]),
  ];
}

export const apps: Command = {
  summary: "list every app's status: credentials, usage, limits, owners, replicas (admin)",
  flags: [],
  async run({ client, output }) {
    const response = await client.admin.listApps({});
    output.print(ListAppsResponseSchema, response, () => [
      ...response.apps.flatMap(appLines),
      ...clusterLines(response),
    ]);
  },
};
