// The status page on listen.http: /status and its script and style, static files read once
// at start from the package's static/ folder. The page holds no data; its script reads
// AdminService.ListApps with the key the operator enters. A strict CSP lets it load only
// its own files and call only this server.
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Http2ServerRequest, Http2ServerResponse } from "node:http2";
import { PACKAGE_ROOT } from "../package-root.js";

type Route = (
  request: IncomingMessage | Http2ServerRequest,
  response: ServerResponse | Http2ServerResponse,
) => void;

/** The page's own files only, calls to this origin only, no framing, no forms elsewhere. */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  // The empty data: icon keeps browsers from asking for /favicon.ico (the WeChat gateway's).
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const FILES = [
  { path: "/status", file: "status.html", type: "text/html; charset=utf-8" },
  { path: "/status/status.js", file: "status.js", type: "text/javascript; charset=utf-8" },
  { path: "/status/status.css", file: "status.css", type: "text/css; charset=utf-8" },
] as const;

const STATIC_DIR = new URL("static/", PACKAGE_ROOT);

function staticRoute(body: Buffer, type: string): Route {
  return (request, response) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    response.writeHead(200, {
      "content-type": type,
      "content-length": body.length,
      "content-security-policy": STATUS_PAGE_CSP,
      "x-content-type-options": "nosniff",
      "referrer-policy": "no-referrer",
      "cache-control": "no-cache",
    });
    response.end(request.method === "HEAD" ? "" : body);
  };
}

/** The routes of the status page, by exact path. */
export function statusPageRoutes(): Record<string, Route> {
  return Object.fromEntries(
    FILES.map(({ path, file, type }) => [
      path,
      staticRoute(readFileSync(new URL(file, STATIC_DIR)), type),
    ]),
  );
}
