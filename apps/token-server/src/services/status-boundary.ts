// The one place where errors below the services become statuses: every method of a
// ServiceImpl, unary or streaming, has what it throws passed through toConnectError, so no
// method needs a try/catch of its own for that.
import type { DescService } from "@bufbuild/protobuf";
import type { ServiceImpl } from "@connectrpc/connect";
import { PushStream } from "./push-stream.js";
import { toConnectError } from "./status.js";

/** Every ServiceImpl method takes the request (or its stream) and the handler context. */
type Method = (request: unknown, context: unknown) => unknown;

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === "object" && value !== null && Symbol.asyncIterator in value;
}

async function* withStatusesIterated(stream: AsyncIterable<unknown>): AsyncGenerator<unknown> {
  try {
    yield* stream;
  } catch (error) {
    throw toConnectError(error);
  }
}

/** What a method returns, with its failures as statuses (a sync answer stays sync). */
function withStatusesReturned(result: unknown): unknown {
  if (result instanceof Promise) {
    return result.catch((error: unknown) => {
      throw toConnectError(error);
    });
  }
  if (result instanceof PushStream) {
    const stream: PushStream<unknown> = result;
    return new PushStream(
      (send) =>
        stream.run(send).catch((error: unknown) => {
          throw toConnectError(error);
        }),
      stream.options,
    );
  }
  return isAsyncIterable(result) ? withStatusesIterated(result) : result;
}

/** `impl` with every method's failures mapped to statuses by the status table. */
export function withStatuses<S extends DescService>(
  service: S,
  impl: ServiceImpl<S>,
): ServiceImpl<S> {
  const methods = impl as unknown as Record<string, Method>;
  const wrapped: Record<string, Method> = {};
  for (const { localName } of service.methods) {
    const method = methods[localName];
    if (method === undefined) {
      continue;
    }
    wrapped[localName] = (request, context) => {
      try {
        return withStatusesReturned(method.call(impl, request, context));
      } catch (error) {
        throw toConnectError(error);
      }
    };
  }
  return wrapped as unknown as ServiceImpl<S>;
}
