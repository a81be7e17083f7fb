// Runs cleanup steps in reverse order of registration, all of them, even when some fail.

export type CleanupStep = () => unknown;

export class Teardown {
  private steps: CleanupStep[] = [];

  /** Registers a step; the last one added runs first. */
  add(step: CleanupStep): void {
    this.steps.push(step);
  }

  /** Runs and forgets every step. Throws an AggregateError if any failed. */
  async run(): Promise<void> {
    const steps = this.steps.reverse();
    this.steps = [];
    const errors: unknown[] = [];
    for (const step of steps) {
      try {
        await step();
      } catch (error) {
        errors.push(error);
      }
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, `teardown: ${errors.length} step(s) failed`);
    }
  }
}
