// Awaits a call that must fail, and returns its ConnectError.
import { ConnectError } from "@connectrpc/connect";
import { expect } from "vitest";

export async function connectError(call: Promise<unknown>): Promise<ConnectError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConnectError);
  return error as ConnectError;
}
