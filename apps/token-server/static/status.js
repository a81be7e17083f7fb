// The status page's script: reads AdminService.ListApps over Connect JSON every few seconds
// with the key entered (kept in sessionStorage: this tab only) and draws it with DOM calls
// only (no innerHTML: every text from the server is set as text). No token value is ever
// part of ListApps.

(() => {
  const LIST_APPS = "wxtoken.v1.AdminService/ListApps";
  const KEY_ITEM = "wxtoken.status.key";
  const POLL_MS = 2000;

  const form = document.getElementById("key-form");
  const keyInput = document.getElementById("key");
  const forget = document.getElementById("forget");
  const hint = document.getElementById("hint");
  const errorBox = document.getElementById("error");
  const cluster = document.getElementById("cluster");
  const apps = document.getElementById("apps");

  let key = sessionStorage.getItem(KEY_ITEM) ?? "";
  let timer;
  let generation = 0;

  /** An element with a class and children (strings become text). */
  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    for (const child of children) {
      if (child !== undefined && child !== null) {
        node.append(child);
      }
    }
    return node;
  }

  const KIND_NAMES = {
    CREDENTIAL_KIND_ACCESS_TOKEN: "access_token",
    CREDENTIAL_KIND_JSAPI_TICKET: "jsapi_ticket",
    CREDENTIAL_KIND_WX_CARD_TICKET: "wx_card_ticket",
    CREDENTIAL_KIND_AGENT_CONFIG_TICKET: "agent_config_ticket",
  };
  const MODE_NAMES = { TOKEN_MODE_STABLE: "stable", TOKEN_MODE_CLASSIC: "classic" };
  const number = new Intl.NumberFormat("en");

  /** "1h 58m", "4m 05s", "12s"; negative durations are "−12s". */
  function duration(ms) {
    const sign = ms < 0 ? "−" : "";
    let s = Math.floor(Math.abs(ms) / 1000);
    const d = Math.floor(s / 86400);
    s -= d * 86400;
    const h = Math.floor(s / 3600);
    s -= h * 3600;
    const m = Math.floor(s / 60);
    s -= m * 60;
    const pad = (n) => String(n).padStart(2, "0");
    if (d > 0) return `${sign}${d}d ${h}h`;
    if (h > 0) return `${sign}${h}h ${pad(m)}m`;
    if (m > 0) return `${sign}${m}m ${pad(s)}s`;
    return `${sign}${s}s`;
  }

  const ms = (timestamp) => (timestamp === undefined ? undefined : Date.parse(timestamp));
  /** A protobuf JSON Duration ("300s") in ms. */
  const durationMs = (d) => (d === undefined ? 0 : Number.parseFloat(d) * 1000);
  const clock = (t) => new Date(t).toLocaleString();

  /** A time shown relative to now, with the exact time on hover. */
  function when(timestamp, { future } = { future: false }) {
    const t = ms(timestamp);
    if (t === undefined) {
      return el("span", "muted", "never");
    }
    const text = future ? `in ${duration(t - Date.now())}` : `${duration(Date.now() - t)} ago`;
    const node = el("time", "", text);
    node.dateTime = timestamp;
    node.title = clock(t);
    return node;
  }

  /** A bar of `used` out of `limit` with its numbers; `label` names it, `shown` is its visible name. */
  function bar(label, used, limit, shown = label) {
    const share = limit > 0 ? used / limit : 0;
    const level = share >= 0.8 ? "high" : share >= 0.5 ? "mid" : "low";
    const fill = el("span", `fill ${level}`);
    fill.style.width = `${Math.min(100, share * 100)}%`;
    if (used > 0) {
      fill.style.minWidth = "2px";
    }
    const track = el("span", "track", fill);
    track.setAttribute("role", "meter");
    track.setAttribute("aria-label", label);
    track.setAttribute("aria-valuemin", "0");
    track.setAttribute("aria-valuemax", String(limit));
    track.setAttribute("aria-valuenow", String(used));
    let percent = "";
    if (limit > 0) {
      percent =
        used > 0 && share < 0.0001
          ? " (<0.01%)"
          : ` (${(share * 100).toFixed(share < 0.01 ? 2 : 0)}%)`;
    }
    const figures =
      limit > 0
        ? `${number.format(used)} / ${number.format(limit)}${percent}`
        : `${number.format(used)} (no known limit)`;
    const name = el("span", "bar-label", shown);
    name.title = label;
    return el("div", "bar", name, track, el("span", "figures", figures));
  }

  function fact(term, ...value) {
    return el("div", "fact", el("dt", "", term), el("dd", "", ...value));
  }

  function drawCluster(status) {
    const leader = status.leaderId ?? "";
    const replicas = status.replicas ?? [];
    const replicaList = el("ul", "replicas");
    for (const id of replicas) {
      const item = el("li", id === leader ? "leader" : "", id);
      if (id === leader) item.append(el("span", "badge ok", "leader"));
      if (id === status.replicaId) item.append(el("span", "badge", "answering"));
      replicaList.append(item);
    }
    const store =
      status.storeUnreachableSince === undefined
        ? el("span", "ok-text", "reachable")
        : el("span", "bad-text", "unreachable since ", when(status.storeUnreachableSince));
    const config = el(
      "span",
      "",
      el("code", "", status.configVersion ?? ""),
      " loaded ",
      when(status.configLoadedAt),
    );
    if (status.configReloadRefused) {
      config.append(el("span", "badge bad", "last reload refused"));
    }
    const updated = el("span", "", new Date().toLocaleTimeString());
    updated.id = "updated";
    cluster.replaceChildren(
      el(
        "dl",
        "facts",
        fact(
          "Leader",
          leader === "" ? el("span", "bad-text", "no leader") : el("strong", "", leader),
        ),
        fact("Replicas", replicas.length === 0 ? el("span", "muted", "unknown") : replicaList),
        fact("Config version", config),
        fact("Refresh lead", duration(durationMs(status.refreshLead))),
        fact("Store", store),
        fact("Updated", updated, el("span", "live", "live")),
      ),
    );
  }

  function drawCredentials(app, leadMs) {
    const body = el("tbody");
    for (const credential of app.credentials ?? []) {
      const expires = ms(credential.expiresAt);
      let expiry;
      if (expires === undefined) {
        expiry = el("span", "muted", "not fetched");
      } else {
        const left = expires - Date.now();
        const level = left <= 0 ? "bad-text" : left <= leadMs ? "warn-text" : "";
        expiry = el("span", level, left <= 0 ? `expired ${duration(-left)} ago` : duration(left));
        expiry.title = clock(expires);
      }
      body.append(
        el(
          "tr",
          "",
          el("td", "", el("code", "", KIND_NAMES[credential.kind] ?? credential.kind)),
          el("td", "num", credential.generation ?? "0"),
          el("td", "", expiry),
          el("td", "", when(credential.fetchedAt)),
        ),
      );
    }
    const head = el(
      "thead",
      "",
      el(
        "tr",
        "",
        el("th", "", "Credential"),
        el("th", "num", "Generation"),
        el("th", "", "Expires in"),
        el("th", "", "Fetched"),
      ),
    );
    return el("table", "credentials", head, body);
  }

  function drawHolds(app) {
    const holds = app.holds ?? [];
    if (holds.length === 0) {
      return el("p", "no-holds muted", "No holds");
    }
    const list = el("ul", "holds");
    list.setAttribute("aria-label", "holds");
    for (const hold of holds) {
      list.append(
        el(
          "li",
          "hold",
          el("strong", "", `Hold ${hold.errcode ?? 0}`),
          " on ",
          el("code", "", hold.endpoint ?? ""),
          ", lifts ",
          when(hold.until, { future: true }),
          hold.errmsg ? el("span", "errmsg", hold.errmsg) : undefined,
        ),
      );
    }
    return list;
  }

  function drawQuota(app) {
    const section = el("div", "quota");
    const budget = app.budget;
    if (budget !== undefined) {
      section.append(
        bar(
          `Budget ${budget.endpoint ?? ""}`,
          budget.used ?? 0,
          budget.dailyBudget ?? 0,
          "Daily budget",
        ),
      );
    }
    for (const usage of app.usage ?? []) {
      section.append(bar(usage.endpoint ?? "", usage.calls ?? 0, usage.dailyLimit ?? 0));
    }
    if ((app.usage ?? []).length === 0) {
      section.append(el("p", "muted", "No upstream calls today"));
    }
    return section;
  }

  /**
   * Who the credentials belong to, when not a WeChat AppID: a WeCom app, a third-party
   * platform itself, or an account authorized to one. Its name as a request writes it, its
   * badge and the facts that say it.
   */
  function ownerOf(app) {
    const { wecom, component, authorizer } = app.owner ?? {};
    const code = (text) => el("code", "", text ?? "");
    if (wecom !== undefined) {
      return {
        name: `wecom:${wecom.corpId ?? ""}:${wecom.app ?? ""}`,
        badge: "WeCom",
        facts: [fact("Corp", code(wecom.corpId)), fact("Agent", code(wecom.app))],
      };
    }
    if (component !== undefined) {
      return {
        name: `component:${component.componentAppId ?? ""}`,
        badge: "Open Platform",
        facts: [fact("Platform", code(component.componentAppId))],
      };
    }
    if (authorizer !== undefined) {
      return {
        name: `authorizer:${authorizer.componentAppId ?? ""}:${authorizer.authorizerAppId ?? ""}`,
        badge: "Authorizer",
        facts: [
          fact("Platform", code(authorizer.componentAppId)),
          fact("Authorizer", code(authorizer.authorizerAppId)),
        ],
      };
    }
    return undefined;
  }

  /** This clock hour's calls against each hourly limit (WeCom's tickets), as bars. */
  function drawHourly(app) {
    const limits = app.hourlyLimits ?? [];
    if (limits.length === 0) {
      return undefined;
    }
    const section = el("div", "quota hourly");
    for (const limit of limits) {
      const endpoint = limit.endpoint ?? "";
      const scope = limit.scope ?? "";
      section.append(
        bar(
          `${endpoint} per ${scope} this hour`,
          limit.used ?? 0,
          limit.limit ?? 0,
          `${scope} · ${endpoint}`,
        ),
      );
    }
    return el("div", "", el("h3", "", "This hour"), section);
  }

  function drawApp(app, leadMs) {
    const owner = ownerOf(app);
    const name = owner?.name ?? app.appId ?? "";
    const title = el(
      "h2",
      "",
      name,
      el("span", "badge", owner?.badge ?? MODE_NAMES[app.mode] ?? "unknown mode"),
      (app.holds ?? []).length > 0 ? el("span", "badge bad", "held") : undefined,
      app.configDiffersFromLeader
        ? el("span", "badge warn", "config differs from the leader's")
        : undefined,
    );
    const error = app.lastError;
    const lastError =
      error === undefined
        ? el("span", "muted", "none")
        : el(
            "span",
            "bad-text",
            `${error.errcode ?? 0} ${error.errmsg ?? ""}`,
            error.endpoint ? el("code", "", ` ${error.endpoint}`) : undefined,
            " ",
            when(app.lastErrorAt),
          );
    const facts = el(
      "dl",
      "facts small",
      ...(owner?.facts ?? []),
      fact("Last refresh", when(app.lastRefreshAt)),
      fact("Last error", lastError),
      fact("Upstream calls today", number.format(app.upstreamCallsToday ?? 0)),
    );
    const article = el(
      "article",
      "app",
      title,
      facts,
      el(
        "div",
        "columns",
        el("div", "", drawCredentials(app, leadMs), drawHolds(app)),
        el("div", "", el("h3", "", "Today (UTC+8)"), drawQuota(app), drawHourly(app)),
      ),
    );
    article.setAttribute("aria-label", `app ${name}`);
    return article;
  }

  function draw(status) {
    const leadMs = durationMs(status.refreshLead);
    drawCluster(status);
    const list = status.apps ?? [];
    apps.replaceChildren(
      ...(list.length === 0
        ? [el("p", "muted", "This key sees no apps.")]
        : list.map((app) => drawApp(app, leadMs))),
    );
    errorBox.hidden = true;
    cluster.hidden = false;
    apps.hidden = false;
    hint.hidden = true;
    forget.hidden = false;
  }

  /** Shows `message` and nothing of what an earlier key saw. */
  function fail(message) {
    errorBox.textContent = message;
    errorBox.hidden = false;
    cluster.hidden = true;
    apps.hidden = true;
    cluster.replaceChildren();
    apps.replaceChildren();
  }

  async function poll(run) {
    let retry = true;
    try {
      const response = await fetch(LIST_APPS, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "connect-protocol-version": "1",
          authorization: `Bearer ${key}`,
        },
        body: "{}",
        cache: "no-store",
        credentials: "omit",
      });
      const body = await response.json().catch(() => ({}));
      if (run !== generation) return;
      if (response.ok) {
        draw(body);
      } else if (body.code === "unauthenticated" || body.code === "permission_denied") {
        retry = false;
        forgetKey();
        hint.hidden = false;
        fail(`The key was refused (${body.code.replace("_", " ")}): ${body.message ?? ""}`);
      } else {
        fail(`ListApps failed (${body.code ?? response.status}): ${body.message ?? ""}; retrying`);
      }
    } catch (error) {
      if (run !== generation) return;
      fail(`Cannot reach the server: ${error.message}; retrying`);
    }
    if (retry && run === generation) {
      timer = setTimeout(() => poll(run), POLL_MS);
    }
  }

  function start() {
    clearTimeout(timer);
    generation += 1;
    void poll(generation);
  }

  function forgetKey() {
    clearTimeout(timer);
    generation += 1;
    key = "";
    sessionStorage.removeItem(KEY_ITEM);
    forget.hidden = true;
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    key = keyInput.value.trim();
    keyInput.value = "";
    sessionStorage.setItem(KEY_ITEM, key);
    start();
  });
  forget.addEventListener("click", () => {
    forgetKey();
    fail("Key forgotten.");
    errorBox.hidden = true;
    hint.hidden = false;
  });

  if (key !== "") {
    start();
  }
})();
