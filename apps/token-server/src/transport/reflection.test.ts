// Server reflection against a real token-server process: `buf curl` lists, describes and
// calls the services with the schema from reflection alone, over v1 and v1alpha; a raw
// reflection client checks that the files are the real ones, with their imports.
import { Teardown } from "@wxtoken/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bufCurl, type ReflectProtocol, startBufCurl } from "../testing/buf-curl.js";
import { askReflection, type ReflectionVersion } from "../testing/reflection-client.js";
import { ADMIN_KEY, APP_ID, type Stack, startStack } from "../testing/stack.js";

const teardown = new Teardown();
let stack: Stack;
beforeAll(async () => {
  stack = await startStack({ teardown });
});
afterAll(() => teardown.run());

const auth = ["-H", `authorization: Bearer ${ADMIN_KEY}`];
const tokenRequest = JSON.stringify({ app_id: APP_ID, kind: "CREDENTIAL_KIND_ACCESS_TOKEN" });

describe.each([
  ["grpc-v1", "v1"],
  ["grpc-v1alpha", "v1alpha"],
] as const satisfies readonly (readonly [ReflectProtocol, ReflectionVersion])[])(
  "reflection %s",
  (reflectProtocol, version) => {
    const curl = (path: string | undefined, args: readonly string[]) =>
      bufCurl({ grpcUrl: stack.grpcUrl, reflectProtocol, teardown, path, args });

    it("buf curl lists every method of every service", async () => {
      const methods = (await curl(undefined, ["--list-methods"])).trim().split("\n").sort();
      expect(methods).toEqual(
        expect.arrayContaining([
          "grpc.health.v1.Health/Check",
          "wxtoken.v1.AdminService/ListApps",
          "wxtoken.v1.MessageService/SendTemplateMessage",
          "wxtoken.v1.TokenService/GetToken",
          "wxtoken.v1.TokenService/RefreshToken",
          "wxtoken.v1.TokenService/WatchToken",
        ]),
      );
    });

    it("buf curl calls GetToken and ListApps", async () => {
      const token = JSON.parse(
        await curl("/wxtoken.v1.TokenService/GetToken", [...auth, "-d", tokenRequest]),
      ) as { credential: { appId: string; value: string; expiresAt: string } };
      expect(token.credential.appId).toBe(APP_ID);
      expect(token.credential.value).toMatch(/\S/);
      // A google.protobuf.Timestamp, rendered from its own file's descriptor.
      expect(new Date(token.credential.expiresAt).getTime()).toBeGreaterThan(Date.now());

      const apps = JSON.parse(
        await curl("/wxtoken.v1.AdminService/ListApps", [...auth, "-d", "{}"]),
      ) as { apps: { appId: string }[]; leaderId: string };
      expect(apps.apps.map((app) => app.appId)).toContain(APP_ID);
      expect(apps.leaderId).not.toBe("");
    });

    it("buf curl streams WatchToken, the current credential first", async () => {
      const watch = startBufCurl({
        grpcUrl: stack.grpcUrl,
        reflectProtocol,
        teardown,
        path: "/wxtoken.v1.TokenService/WatchToken",
        args: [...auth, "-d", tokenRequest],
      });
      await watch.waitForOutput(new RegExp(`"appId": "${APP_ID}"[\\s\\S]*"value": "\\S+"`));
      await watch.stop();
    });

    it("serves token.proto by name with its real package and imports, each resolvable", async () => {
      const { files } = await askReflection(stack.grpcUrl, version, {
        file_by_filename: "wxtoken/v1/token.proto",
      });
      const [token, ...imports] = files ?? [];
      expect(token?.name).toBe("wxtoken/v1/token.proto");
      expect(token?.package).toBe("wxtoken.v1");
      expect(token?.service.map((service) => service.name)).toEqual(["TokenService"]);
      // Every import (transitively) comes along, so a client can build the registry.
      const sent = new Set(files?.map((file) => file.name));
      for (const file of files ?? []) {
        for (const dependency of file.dependency) {
          expect(sent).toContain(dependency);
        }
      }
      expect(token?.dependency).toContain("google/protobuf/timestamp.proto");
      expect(imports.map((file) => file.name)).toEqual(
        expect.arrayContaining(token?.dependency ?? []),
      );
    });

    it.each([
      ["wxtoken.v1.TokenService", "wxtoken/v1/token.proto"],
      ["wxtoken.v1.TokenService.GetToken", "wxtoken/v1/token.proto"],
      ["wxtoken.v1.AdminService", "wxtoken/v1/admin.proto"],
      ["wxtoken.v1.MessageService", "wxtoken/v1/message.proto"],
      ["wxtoken.v1.UpstreamError", "wxtoken/v1/token.proto"],
      ["grpc.health.v1.Health", "grpc/health/v1/health.proto"],
      ["google.protobuf.Timestamp", "google/protobuf/timestamp.proto"],
      ["google.protobuf.Duration", "google/protobuf/duration.proto"],
      ["google.rpc.Status", "google/rpc/status.proto"],
    ])("finds %s in %s", async (symbol, fileName) => {
      const { files } = await askReflection(stack.grpcUrl, version, {
        file_containing_symbol: symbol,
      });
      expect(files?.[0]?.name).toBe(fileName);
    });

    it("lists the services and answers NOT_FOUND for what it does not have", async () => {
      expect(
        (await askReflection(stack.grpcUrl, version, { list_services: "" })).services?.sort(),
      ).toEqual([
        "grpc.health.v1.Health",
        "wxtoken.v1.AdminService",
        "wxtoken.v1.CodeService",
        "wxtoken.v1.MessageService",
        "wxtoken.v1.OpenPlatformService",
        "wxtoken.v1.TokenService",
      ]);
      for (const question of [
        { file_by_filename: "wxtoken/v1/nothing.proto" },
        { file_containing_symbol: "wxtoken.v1.Nothing" },
        { all_extension_numbers_of_type: "wxtoken.v1.Nothing" },
      ]) {
        expect((await askReflection(stack.grpcUrl, version, question)).error?.code).toBe(5);
      }
      expect(
        (
          await askReflection(stack.grpcUrl, version, {
            all_extension_numbers_of_type: "wxtoken.v1.GetTokenRequest",
          })
        ).extensionNumbers,
      ).toEqual([]);
    });
  },
);
