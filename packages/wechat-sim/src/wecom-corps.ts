// The WeCom (企业微信) corps the simulator plays: each secret of a corp (an agent's or a
// named one) with its own token, WeCom's trusted-IP rule, and the hourly ticket limits
// (400 a corp and 100 an app per clock hour).
import type { ResolvedOptions, SimWecomSecret } from "./options.js";
import { PeriodCounter } from "./period-counter.js";

const HOUR_MS = 3_600_000;

export interface WecomApp {
  corpId: string;
  /** The agent id as text, or the secret's name. */
  name: string;
  agentId: number | undefined;
  secret: string;
  trustedIps: readonly string[] | undefined;
  /** What the simulator's tokens, stats and faults know the app by: "wecom:CORP:NAME". */
  owner: string;
}

/** Which hourly limit refused a ticket call, if any. */
export type HourlyVerdict = "ok" | "corp" | "app";

const ownerOf = (corpId: string, name: string) => `wecom:${corpId}:${name}`;

export class WecomCorps {
  private readonly corps = new Set<string>();
  private readonly byOwner = new Map<string, WecomApp>();
  private readonly hourly = new PeriodCounter();

  constructor(private readonly options: ResolvedOptions) {
    for (const corp of options.wecom) {
      this.corps.add(corp.corpId);
      for (const secret of corp.secrets) {
        const app = appOf(corp.corpId, secret);
        this.byOwner.set(app.owner, app);
      }
    }
  }

  hasCorp(corpId: string): boolean {
    return this.corps.has(corpId);
  }

  /** The app whose secret this is, in this corp. */
  bySecret(corpId: string, secret: string): WecomApp | undefined {
    return [...this.byOwner.values()].find((app) => app.corpId === corpId && app.secret === secret);
  }

  /** The app a token owner names, or undefined for an Official Account's. */
  byTokenOwner(owner: string): WecomApp | undefined {
    return this.byOwner.get(owner);
  }

  /**
   * Counts one ticket call of `app` to `endpoint` in the current clock hour, unless the
   * app's limit (or with `corpLimited`, the corp's) is used up.
   */
  takeTicketCall(
    app: WecomApp,
    endpoint: string,
    now: number,
    options: { corpLimited: boolean },
  ): HourlyVerdict {
    const hour = Math.floor(now / HOUR_MS);
    const appKey = `${app.owner} ${endpoint}`;
    const corpKey = `wecom:${app.corpId} ${endpoint}`;
    if (
      options.corpLimited &&
      this.hourly.count(corpKey, hour) >= this.options.wecomCorpHourlyTicketLimit
    ) {
      return "corp";
    }
    if (this.hourly.count(appKey, hour) >= this.options.wecomAppHourlyTicketLimit) {
      return "app";
    }
    this.hourly.add(corpKey, hour);
    this.hourly.add(appKey, hour);
    return "ok";
  }
}

function appOf(corpId: string, secret: SimWecomSecret): WecomApp {
  const name = secret.name ?? String(secret.agentId);
  return {
    corpId,
    name,
    agentId: secret.agentId,
    secret: secret.secret,
    trustedIps: secret.trustedIps,
    owner: ownerOf(corpId, name),
  };
}
