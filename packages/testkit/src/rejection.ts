// The error a promise rejected with, checked to be of the expected class: a test reads the
// failure's fields without a try/catch of its own.

/** Resolves with the rejection of `call`; throws if it resolved or rejected with another class. */
export async function rejectionOf<E extends Error>(
  call: Promise<unknown>,
  errorClass: abstract new (...args: never[]) => E,
): Promise<E> {
  const outcome = await call.then(
    () => ({ rejected: false as const }),
    (reason: unknown) => ({ rejected: true as const, reason }),
  );
  if (!outcome.rejected) {
    throw new Error(`expected a rejection with ${errorClass.name}, but the call succeeded`);
  }
  if (!(outcome.reason instanceof errorClass)) {
    throw new Error(`expected a ${errorClass.name}, got ${String(outcome.reason)}`);
  }
  return outcome.reason;
}
