// A fixture the tests of one file share: started before the first test and stopped after
// the last, with a teardown for what each test starts, run after it. It takes the test
// runner's hooks, so the kit depends on no runner.
import { Teardown } from "./teardown.js";

/** The hooks of the test runner (vitest's `beforeAll`, `afterEach`, `afterAll`). */
export interface FileHooks {
  beforeAll(fn: () => Promise<void>): void;
  afterEach(fn: () => Promise<void>): void;
  afterAll(fn: () => Promise<void>): void;
}

export interface FileFixture<T> {
  /** What `start` made; read it inside tests, once the file's hooks have run. */
  readonly value: T;
  /** For what one test starts: run after each test. */
  readonly teardown: Teardown;
}

export function fileFixture<T>(
  hooks: FileHooks,
  start: (teardown: Teardown) => Promise<T>,
): FileFixture<T> {
  const fileTeardown = new Teardown();
  const teardown = new Teardown();
  let started: { value: T } | undefined;
  hooks.beforeAll(async () => {
    started = { value: await start(fileTeardown) };
  });
  hooks.afterEach(() => teardown.run());
  hooks.afterAll(() => fileTeardown.run());
  return {
    get value() {
      if (started === undefined) {
        throw new Error("fileFixture: the fixture starts in beforeAll; read it inside a test");
      }
      return started.value;
    },
    teardown,
  };
}
