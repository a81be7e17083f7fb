// Bad input gets the status that tells the caller what to do, on both front doors of a
// real token-server: raw HTTP/1.1 requests to the Connect port, raw gRPC frames over
// node:http2 to both ports that serve gRPC, and Connect clients on both.
import { connect as connectHttp2 } from "node:http2";
import { create, toBinary } from "@bufbuild/protobuf";
import { Code } from "@connectrpc/connect";
import { CredentialKind, GetTokenRequestSchema, TokenService } from "@wxtoken/api";
import { Teardown } from "@wxtoken/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hasControlCharacter } from "../security/control-characters.js";
import { connectError } from "../testing/connect-error.js";
import {
  ADMIN_KEY,
  APP_ID,
  bearer,
  clientFor,
  type Front,
  type Stack,
  startStack,
  transportFor,
} from "../testing/stack.js";

const teardown = new Teardown();
let stack: Stack;

beforeAll(async () => {
  stack = await startStack({ teardown });
});

afterAll(() => teardown.run());

const FRONTS: Front[] = ["grpc", "connect"];
const GET_TOKEN = "/wxtoken.v1.TokenService/GetToken";
const validRequest = Buffer.from(
  toBinary(
    GetTokenRequestSchema,
    create(GetTokenRequestSchema, { appId: APP_ID, kind: CredentialKind.ACCESS_TOKEN }),
  ),
);

/** The body of a Connect error response. */
interface ConnectErrorJson {
  code?: string;
  message?: string;
}

/** A POST to the Connect port over HTTP/1.1: the status and the error JSON. */
async function postConnect(
  path: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
): Promise<{ status: number; headers: Headers; error: ConnectErrorJson }> {
  const response = await fetch(`${stack.httpUrl}${path}`, {
    method: "POST",
    headers: { ...bearer(ADMIN_KEY), ...headers },
    body,
  });
  const error = (await response.json()) as ConnectErrorJson;
  return { status: response.status, headers: response.headers, error };
}

/** A gRPC length-prefixed message: the flag byte, the length, the payload. */
function frame(payload: Buffer, options: { compressed: boolean; length?: number }): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt8(options.compressed ? 1 : 0, 0);
  header.writeUInt32BE(options.length ?? payload.length, 1);
  return Buffer.concat([header, payload]);
}

/** The native gRPC port (grpc-js) or the HTTP port (connect-node), which serves gRPC too. */
type GrpcPort = "native" | "http";

/** Sends `body` as the request stream of a gRPC call to `port`; the status it ended with. */
async function rawGrpc(
  port: GrpcPort,
  body: Buffer,
  headers: Record<string, string> = {},
): Promise<{ code: number; message: string }> {
  const session = connectHttp2(port === "native" ? stack.grpcUrl : stack.httpUrl);
  try {
    const stream = session.request({
      ":method": "POST",
      ":path": GET_TOKEN,
      "content-type": "application/grpc",
      te: "trailers",
      ...bearer(ADMIN_KEY),
      ...headers,
    });
    const status = new Promise<{ code: number; message: string }>((resolve, reject) => {
      let fields: Record<string, unknown> = {};
      const keep = (received: Record<string, unknown>) => {
        if (received["grpc-status"] !== undefined) {
          fields = received;
        }
      };
      stream.on("response", keep);
      stream.on("trailers", keep);
      stream.on("error", reject);
      stream.on("close", () =>
        resolve({
          code: Number(fields["grpc-status"]),
          message: decodeURIComponent(String(fields["grpc-message"] ?? "")),
        }),
      );
      stream.resume();
    });
    stream.end(body);
    return await status;
  } finally {
    session.close();
  }
}

describe("the Connect port", () => {
  it("answers a body that is not protobuf with INVALID_ARGUMENT (HTTP 400), not 500", async () => {
    const { status, error } = await postConnect(
      GET_TOKEN,
      { "content-type": "application/proto" },
      new Uint8Array([0xff, 0xff, 0xff]),
    );
    expect(status).toBe(400);
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toMatch(/^parse binary: /);
  });

  it("answers an unknown Content-Encoding with UNIMPLEMENTED and the encodings it accepts, as the Connect spec says", async () => {
    const { status, headers, error } = await postConnect(
      GET_TOKEN,
      { "content-type": "application/json", "content-encoding": "zstd" },
      "{}",
    );
    expect(status).toBe(501);
    expect(error.code).toBe("unimplemented");
    expect(error.message).toContain('unknown compression "zstd"');
    expect(headers.get("accept-encoding")).toBe("gzip,br");
  });

  it("refuses unknown enum names in JSON as INVALID_ARGUMENT naming the field, the enum and the value", async () => {
    const kind = await postConnect(
      GET_TOKEN,
      { "content-type": "application/json" },
      JSON.stringify({ appId: APP_ID, kind: "NOPE" }),
    );
    expect(kind.status).toBe(400);
    expect(kind.error).toEqual({
      code: "invalid_argument",
      message:
        'cannot decode field wxtoken.v1.GetTokenRequest.kind from JSON: expected a value of enum wxtoken.v1.CredentialKind, got "NOPE"',
    });
    const state = await postConnect(
      "/wxtoken.v1.MessageService/SendSubscribeMessage",
      { "content-type": "application/json" },
      JSON.stringify({
        appId: APP_ID,
        toUser: "o".repeat(28),
        templateId: "tpl",
        data: { thing1: { value: "x" } },
        miniprogramState: "MINI_PROGRAM_STATE_BOGUS",
      }),
    );
    expect(state.status).toBe(400);
    expect(state.error.message).toBe(
      'cannot decode field wxtoken.v1.SendSubscribeMessageRequest.miniprogram_state from JSON: expected a value of enum wxtoken.v1.MiniProgramState, got "MINI_PROGRAM_STATE_BOGUS"',
    );
    expect(stack.sim.stats().messages).toEqual([]);
  });

  it("refuses unknown JSON fields as INVALID_ARGUMENT naming the key, where they were dropped", async () => {
    const { status, error } = await postConnect(
      GET_TOKEN,
      { "content-type": "application/json" },
      JSON.stringify({ appId: APP_ID, kind: "CREDENTIAL_KIND_ACCESS_TOKEN", knd: 2 }),
    );
    expect(status).toBe(400);
    expect(error).toEqual({
      code: "invalid_argument",
      message: 'cannot decode message wxtoken.v1.GetTokenRequest from JSON: key "knd" is unknown',
    });
  });
});

describe("the Connect port's JSON errors", () => {
  it.each([
    ['{"appId":\u001b[31m}', "Unexpected token '\\u001b'"],
    ['{"ap\\u001bpId":"x"}', 'key "ap\\u001bpId" is unknown'],
    ['{"kind":"NO\\u0085PE"}', 'got "NO\\u0085PE"'],
  ])("escape the control characters they quote from %j", async (body, quoted) => {
    const { status, error } = await postConnect(
      GET_TOKEN,
      { "content-type": "application/json" },
      body,
    );
    expect(status).toBe(400);
    expect(error.code).toBe("invalid_argument");
    expect(error.message).toContain(quoted);
    expect(hasControlCharacter(error.message ?? "")).toBe(false);
  });
});

/** What each port answers, in its own words, to the malformed frames below. */
const FRAME_MESSAGES: Record<GrpcPort, { garbage: string; truncated: string; compressed: string }> =
  {
    native: {
      garbage: "request: not a valid wxtoken.v1.GetTokenRequest in protobuf binary: premature EOF",
      truncated: `Received no complete request message for unary method ${GET_TOKEN}`,
      compressed:
        "Received a message with the Compressed-Flag set but no grpc-encoding other than identity",
    },
    http: {
      garbage: "parse binary: premature EOF",
      truncated: "protocol error: incomplete envelope",
      compressed: "received compressed envelope, but do not know how to decompress",
    },
  };

describe.each<GrpcPort>(["native", "http"])("gRPC frames to the %s port", (port) => {
  const messages = FRAME_MESSAGES[port];

  it("are read when well-formed (the baseline of the cases below)", async () => {
    expect(await rawGrpc(port, frame(validRequest, { compressed: false }))).toMatchObject({
      code: 0,
    });
  });

  it("of garbage protobuf are INVALID_ARGUMENT naming the problem", async () => {
    expect(
      await rawGrpc(port, frame(Buffer.from([0xff, 0xff, 0xff]), { compressed: false })),
    ).toEqual({ code: Code.InvalidArgument, message: messages.garbage });
  });

  it("truncated are INVALID_ARGUMENT (saying the method is unary)", async () => {
    const truncated = frame(validRequest.subarray(0, 3), {
      compressed: false,
      length: validRequest.length,
    });
    expect(await rawGrpc(port, truncated)).toEqual({
      code: Code.InvalidArgument,
      message: messages.truncated,
    });
  });

  it("with the Compressed-Flag set and no grpc-encoding are INTERNAL, as gRPC's compression spec says", async () => {
    const noEncoding: Record<string, string>[] = [{}, { "grpc-encoding": "identity" }];
    for (const headers of noEncoding) {
      expect(await rawGrpc(port, frame(validRequest, { compressed: true }), headers)).toEqual({
        code: Code.Internal,
        message: messages.compressed,
      });
    }
  });
});

describe.each(FRONTS)("over %s", (front) => {
  const tokens = () => clientFor(TokenService, transportFor(stack, front));

  it.each([
    ["https://shop.example.com/a b", "url: must not hold spaces or control characters"],
    ["https://shop.example.com/a\u0007", "url: must not hold spaces or control characters"],
    ["https://user:pass@shop.example.com/", "url: must not hold user information"],
    ["https://shop.example.com/?q=%zz", "url: must use % only in percent escapes"],
  ])("SignJsSdk refuses %j as INVALID_ARGUMENT naming url and the rule", async (url, rule) => {
    const error = await connectError(
      tokens().signJsSdk({ appId: APP_ID, url }, { headers: bearer(ADMIN_KEY) }),
    );
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.rawMessage).toMatch(new RegExp(`^${rule.replace(/[?%]/g, "\\$&")}`));
  });

  it("escapes control characters it quotes from the request, for a call and for a stream", async () => {
    const request = { appId: "wx\u001b[31mred\r\nforged", kind: CredentialKind.ACCESS_TOKEN };
    const options = { headers: bearer(ADMIN_KEY) };
    const refusals = [
      await connectError(tokens().getToken(request, options)),
      await connectError(
        (async () => {
          for await (const _ of tokens().watchToken(request, options)) {
            // Refused before any message.
          }
        })(),
      ),
    ];
    for (const error of refusals) {
      expect(error.code).toBe(Code.NotFound);
      expect(error.rawMessage).toBe(
        "app_id: app wx\\u001b[31mred\\u000d\\u000aforged is not configured",
      );
    }
  });
});
