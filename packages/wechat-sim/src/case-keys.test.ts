// Config keys: snake_case to camelCase and back.
import { describe, expect, it } from "vitest";
import { camelCase, camelCaseKeys, snakeCase } from "./case-keys.js";

describe("case keys", () => {
  it("converts both ways", () => {
    expect(camelCase("force_min_interval_s")).toBe("forceMinIntervalS");
    expect(snakeCase("forceMinIntervalS")).toBe("force_min_interval_s");
    expect(snakeCase("appId")).toBe("app_id");
  });

  it("converts keys at every depth, never values", () => {
    expect(
      camelCaseKeys({ token_ttl_s: 6, apps: [{ app_id: "wx_a", unsubscribed_users: ["o_1"] }] }),
    ).toEqual({ tokenTtlS: 6, apps: [{ appId: "wx_a", unsubscribedUsers: ["o_1"] }] });
  });

  it("keeps a key that is an endpoint's path", () => {
    expect(
      camelCaseKeys({
        component_daily_limits: { "/cgi-bin/component/api_create_preauthcode": 2 },
      }),
    ).toEqual({ componentDailyLimits: { "/cgi-bin/component/api_create_preauthcode": 2 } });
  });
});
