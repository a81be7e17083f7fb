// CredentialSlot's change delivery: the first subscribers are told at once, the rest a
// slice per turn of the event loop; every one is told once, and one that unsubscribed
// before its turn is not. And the owner every credential of a slot shares.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { type Credential, CredentialKind, CredentialSchema } from "@wxtoken/api";
import { waitFor } from "@wxtoken/testkit";
import { describe, expect, it } from "vitest";
import { ownerOf } from "./credential-identity.js";
import { CredentialSlot } from "./credential-slot.js";

const credential = (generation: bigint): Credential =>
  create(CredentialSchema, {
    value: `token-${generation}`,
    generation,
    expiresAt: timestampFromMs(Date.now() + 60_000),
  });

describe("CredentialSlot", () => {
  it("tells thousands of subscribers of a change in slices, each once, skipping the unsubscribed", async () => {
    const slot = new CredentialSlot("wx-app", CredentialKind.ACCESS_TOKEN);
    const told: number[] = Array.from({ length: 5000 }, () => 0);
    const unsubscribes = told.map((_, i) =>
      slot.subscribe(() => {
        told[i] = (told[i] ?? 0) + 1;
      }),
    );
    expect(slot.apply(credential(1n))).toBe(true);
    const toldAtOnce = told.filter((n) => n === 1).length;
    expect(toldAtOnce).toBeGreaterThan(0);
    expect(toldAtOnce).toBeLessThan(told.length);
    unsubscribes[told.length - 1]?.();
    await waitFor(() => told.slice(0, -1).every((n) => n === 1), {
      description: "every subscriber told",
    });
    expect(told.at(-1)).toBe(0);
    expect(slot.current()?.generation).toBe(1n);
  });

  it("holds a decoded credential with the slot's own owner, the rest of it as decoded", () => {
    const identity = {
      family: "authorizer",
      componentAppId: "wxcomponent0001",
      authorizerAppId: "wxauthorizer001",
    } as const;
    const slot = new CredentialSlot(
      "authorizer:wxcomponent0001:wxauthorizer001",
      CredentialKind.ACCESS_TOKEN,
      undefined,
      identity,
    );
    const stored = { ...credential(1n), owner: ownerOf(identity) };
    const decoded = fromBinary(CredentialSchema, toBinary(CredentialSchema, stored));
    expect(decoded.owner).not.toBe(slot.owner);

    expect(slot.apply(decoded)).toBe(true);
    const held = slot.latest();
    expect(held?.owner).toBe(slot.owner);
    expect(held).toEqual(decoded);
  });

  it("holds an Official Account's credential as it was applied", () => {
    const slot = new CredentialSlot("wx-app", CredentialKind.ACCESS_TOKEN);
    const applied = credential(1n);
    expect(slot.apply(applied)).toBe(true);
    expect(slot.owner).toBeUndefined();
    expect(slot.latest()).toBe(applied);
  });
});
