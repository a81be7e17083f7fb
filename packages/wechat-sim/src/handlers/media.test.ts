// Temporary media: a multipart upload given back byte for byte, for its own app only.
import { randomBytes } from "node:crypto";
import { Teardown } from "@wxtoken/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { OTHER_APP, stableToken, startTestSimulator, text } from "../test-support/sim-fixture.js";

describe("media upload and download", () => {
  const teardown = new Teardown();
  afterEach(() => teardown.run());

  it("gives back the uploaded bytes, content type and file name", async () => {
    const simulator = await startTestSimulator(teardown);
    const token = text(await stableToken(simulator), "access_token");
    const bytes = randomBytes(70_000);
    const form = new FormData();
    form.set("media", new Blob([bytes], { type: "image/png" }), "photo.png");
    const uploaded = await fetch(
      `${simulator.url}/cgi-bin/media/upload?access_token=${token}&type=image`,
      { method: "POST", body: form },
    );
    const answer = (await uploaded.json()) as { media_id: string; type: string };
    expect(answer.type).toBe("image");

    const got = await fetch(
      `${simulator.url}/cgi-bin/media/get?access_token=${token}&media_id=${answer.media_id}`,
    );
    expect(got.headers.get("content-type")).toBe("image/png");
    expect(got.headers.get("content-disposition")).toBe('attachment; filename="photo.png"');
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
    expect(simulator.stats().mediaUploaded).toBe(1);

    const otherToken = text(await stableToken(simulator, OTHER_APP), "access_token");
    const foreign = await fetch(
      `${simulator.url}/cgi-bin/media/get?access_token=${otherToken}&media_id=${answer.media_id}`,
    );
    expect(((await foreign.json()) as { errcode: number }).errcode).toBe(40007);
  });
});
