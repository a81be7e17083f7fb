// The names other tools rely on (ARCHITECTURE §6) are what the generated code carries.
import { create, fromBinary, fromJson, toBinary, toJson } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import {
  AdminService,
  CodeService,
  CredentialKind,
  CredentialSchema,
  MessageService,
  OpenPlatformService,
  SendTemplateMessageRequestSchema,
  TokenService,
  UpstreamErrorSchema,
} from "./index.js";

describe("wxtoken.v1 contract", () => {
  it("serves the methods under their stable gRPC paths and kinds", () => {
    const methods = (service: {
      typeName: string;
      methods: { name: string; methodKind: string }[];
    }) => service.methods.map((m) => `/${service.typeName}/${m.name}:${m.methodKind}`);
    expect(methods(TokenService)).toEqual([
      "/wxtoken.v1.TokenService/GetToken:unary",
      "/wxtoken.v1.TokenService/RefreshToken:unary",
      "/wxtoken.v1.TokenService/WatchToken:server_streaming",
      "/wxtoken.v1.TokenService/SignJsSdk:unary",
    ]);
    expect(methods(MessageService)).toEqual([
      "/wxtoken.v1.MessageService/SendTemplateMessage:unary",
      "/wxtoken.v1.MessageService/SendSubscribeMessage:unary",
    ]);
    expect(methods(AdminService)).toEqual([
      "/wxtoken.v1.AdminService/ListApps:unary",
      "/wxtoken.v1.AdminService/ForceRefresh:unary",
      "/wxtoken.v1.AdminService/RevokeLeakedToken:server_streaming",
      "/wxtoken.v1.AdminService/ClearQuota:unary",
      "/wxtoken.v1.AdminService/GetUpstreamQuota:unary",
      "/wxtoken.v1.AdminService/ResolveMessage:unary",
      "/wxtoken.v1.AdminService/CheckAuditValue:unary",
      "/wxtoken.v1.AdminService/ResealStore:unary",
    ]);
    expect(methods(CodeService)).toEqual([
      "/wxtoken.v1.CodeService/ExchangeLoginCode:unary",
      "/wxtoken.v1.CodeService/ExchangeOAuthCode:unary",
    ]);
    expect(methods(OpenPlatformService)).toEqual([
      "/wxtoken.v1.OpenPlatformService/CreateAuthorizationUrl:unary",
      "/wxtoken.v1.OpenPlatformService/CompleteAuthorization:unary",
      "/wxtoken.v1.OpenPlatformService/ListAuthorizers:unary",
      "/wxtoken.v1.OpenPlatformService/ReconcileAuthorizers:unary",
      "/wxtoken.v1.OpenPlatformService/ClearComponentQuota:unary",
      "/wxtoken.v1.OpenPlatformService/GetComponentQuota:unary",
    ]);
  });

  it("round-trips a 512-character credential in binary and JSON with its contract names", () => {
    const credential = create(CredentialSchema, {
      appId: "wx0000000000000001",
      kind: CredentialKind.ACCESS_TOKEN,
      value: "t".repeat(512),
      expiresAt: timestampFromMs(Date.UTC(2026, 0, 1, 2)),
      fetchedAt: timestampFromMs(Date.UTC(2026, 0, 1, 0)),
      generation: 7n,
    });
    expect(fromBinary(CredentialSchema, toBinary(CredentialSchema, credential))).toEqual(
      credential,
    );
    const json = toJson(CredentialSchema, credential);
    expect(json).toMatchObject({
      appId: "wx0000000000000001",
      kind: "CREDENTIAL_KIND_ACCESS_TOKEN",
      expiresAt: "2026-01-01T02:00:00Z",
      generation: "7",
    });
    expect(fromJson(CredentialSchema, json)).toEqual(credential);
  });

  it("carries WeChat's template message fields and the upstream error detail", () => {
    const request = fromJson(SendTemplateMessageRequestSchema, {
      appId: "wx1",
      toUser: "o".repeat(28),
      templateId: "tpl",
      url: "https://example.com",
      miniprogram: { appId: "wxmini", pagePath: "pages/index" },
      data: { first: { value: "hi", color: "#173177" } },
      clientMsgId: "order-1",
    });
    expect(request.data.first?.color).toBe("#173177");
    expect(request.miniprogram?.pagePath).toBe("pages/index");
    const detail = fromJson(UpstreamErrorSchema, { errcode: 45009, rid: "abc", retryAfter: "60s" });
    expect(detail.retryAfter?.seconds).toBe(60n);
  });
});
