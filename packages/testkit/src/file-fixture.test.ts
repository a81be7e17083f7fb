// fileFixture: started once before the file's tests, its per-test teardown run after each
// test, and everything it started stopped after the last.
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { fileFixture } from "./file-fixture.js";

const events: string[] = [];
const fixture = fileFixture({ beforeAll, afterEach, afterAll }, async (teardown) => {
  events.push("started");
  teardown.add(() => events.push("stopped"));
  return { port: 1234 };
});

afterAll(() => {
  expect(events).toEqual(["started", "test 1", "test 1 cleaned", "test 2", "test 2 cleaned"]);
});

describe("fileFixture", () => {
  it("is started once, before the first test", () => {
    events.push("test 1");
    fixture.teardown.add(() => events.push("test 1 cleaned"));
    expect(fixture.value.port).toBe(1234);
  });

  it("runs the per-test teardown after each test, and keeps the fixture", () => {
    events.push("test 2");
    fixture.teardown.add(() => events.push("test 2 cleaned"));
    expect(events).toEqual(["started", "test 1", "test 1 cleaned", "test 2"]);
  });
});
