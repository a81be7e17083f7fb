// OpenPlatformRecords on a real (embedded) store: the newest ticket wins whichever order
// they arrive in, a msg_signature is seen once, and an authorizer's record is replaced only
// as its update says.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EmbeddedStore } from "../store/embedded.js";
import { OpenPlatformRecords } from "./open-platform-records.js";

const stores: EmbeddedStore[] = [];
afterEach(async () => {
  for (const store of stores.splice(0)) {
    await store.close();
  }
});

function records(): OpenPlatformRecords {
  const store = new EmbeddedStore(mkdtempSync(join(tmpdir(), "wxtoken-op-records-")));
  stores.push(store);
  return new OpenPlatformRecords(store);
}

const PLATFORM = "wxcomponent0001";

describe("OpenPlatformRecords", () => {
  it("keeps the newest ticket whatever order the pushes arrive in", async () => {
    const r = records();
    expect(await r.ticket(PLATFORM)).toBeUndefined();
    expect(await r.putTicket(PLATFORM, { ticket: "t2", createTime: 200, receivedAt: 1 })).toBe(
      true,
    );
    // An older push delivered late (another replica, a retry) does not replace it.
    expect(await r.putTicket(PLATFORM, { ticket: "t1", createTime: 100, receivedAt: 2 })).toBe(
      false,
    );
    expect((await r.ticket(PLATFORM))?.ticket).toBe("t2");
    expect(await r.putTicket(PLATFORM, { ticket: "t3", createTime: 300, receivedAt: 3 })).toBe(
      true,
    );
    expect((await r.ticket(PLATFORM))?.ticket).toBe("t3");
    expect(await r.ticket("wxotherplatform")).toBeUndefined();
  });

  it("sees a msg_signature once within its time to live", async () => {
    const r = records();
    expect(await r.firstSight(PLATFORM, "abc", 60_000)).toBe(true);
    expect(await r.firstSight(PLATFORM, "abc", 60_000)).toBe(false);
    expect(await r.firstSight("wxotherplatform", "abc", 60_000)).toBe(true);
  });

  it("writes an authorizer's record only when the update returns one", async () => {
    const r = records();
    const record = {
      componentAppId: PLATFORM,
      authorizerAppId: "wxauthorizer01",
      refreshToken: "refresh-1",
      funcInfo: [1],
      authorizedAt: 1,
      status: "authorized" as const,
    };
    await r.updateAuthorizer(PLATFORM, "wxauthorizer01", () => record);
    expect(await r.updateAuthorizer(PLATFORM, "wxauthorizer01", () => undefined)).toBeUndefined();
    await r.updateAuthorizer(PLATFORM, "wxauthorizer01", (current) =>
      current === undefined ? undefined : { ...current, refreshToken: "refresh-2" },
    );
    expect(await r.authorizers(PLATFORM)).toEqual([{ ...record, refreshToken: "refresh-2" }]);
  });

  it("updates many authorizers from one listing, reading again one changed since", async () => {
    const r = records();
    const record = (authorizerAppId: string, refreshToken: string) => ({
      componentAppId: PLATFORM,
      authorizerAppId,
      refreshToken,
      funcInfo: [],
      authorizedAt: 1,
      status: "authorized" as const,
    });
    await r.updateAuthorizer(PLATFORM, "wxa", () => record("wxa", "rt-a1"));
    await r.updateAuthorizer(PLATFORM, "wxb", () => record("wxb", "rt-b1"));
    const listed = await r.listAuthorizers(PLATFORM);
    // Changed after the listing (a refresh rotated it): the update sees the new record.
    await r.updateAuthorizer(PLATFORM, "wxb", () => record("wxb", "rt-b2"));
    const seen: (string | undefined)[] = [];
    const ids = ["wxa", "wxb", ...Array.from({ length: 100 }, (_, i) => `wxnew${i}`)];

    const written = await r.updateAuthorizers(PLATFORM, ids, listed, (id, current) => {
      seen.push(current?.refreshToken);
      return record(id, `${current?.refreshToken ?? "rt"}+`);
    });

    expect(written).toHaveLength(102);
    expect((await r.authorizer(PLATFORM, "wxa"))?.refreshToken).toBe("rt-a1+");
    expect((await r.authorizer(PLATFORM, "wxb"))?.refreshToken).toBe("rt-b2+");
    expect((await r.authorizer(PLATFORM, "wxnew99"))?.refreshToken).toBe("rt+");
    expect(seen).toContain("rt-b1"); // tried on the listed record, refused by its revision
    expect(await r.authorizers(PLATFORM)).toHaveLength(102);
  });
});
