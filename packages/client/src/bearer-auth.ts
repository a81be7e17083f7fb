// The interceptor that authenticates every call with `authorization: Bearer <key>`.
import type { Interceptor } from "@connectrpc/connect";

export function bearerAuth(apiKey: string): Interceptor {
  const authorization = `Bearer ${apiKey}`;
  return (next) => (request) => {
    request.header.set("authorization", authorization);
    return next(request);
  };
}
