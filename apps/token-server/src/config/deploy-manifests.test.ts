// The deployment files under deploy/: the Kubernetes manifests agree with one another, the
// config they mount passes the server's own loader with the env the Deployment provides,
// and the Dockerfile builds in stages and runs the server as a non-root user.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { JEMALLOC_CONF, repoRoot, tokenServerNodeOptions } from "@wxtoken/testkit";
import { describe, expect, it } from "vitest";
import { parseAllDocuments, parse as parseYaml } from "yaml";
import { z } from "zod";
import { parseConfig } from "./load.js";

const k8sDir = join(repoRoot, "deploy", "k8s");
const KUSTOMIZATION = "kustomization.yaml";

// Only the parts of each resource these tests read.
const labelsSchema = z.record(z.string(), z.string());
const headerSchema = z.object({
  kind: z.string(),
  metadata: z.object({ name: z.string(), namespace: z.string().optional() }),
});
const grpcProbeSchema = z.object({ grpc: z.object({ port: z.number() }) });
const containerSchema = z.object({
  args: z.array(z.string()),
  ports: z.array(z.object({ name: z.string(), containerPort: z.number() })),
  env: z.array(
    z.object({
      name: z.string(),
      value: z.string().optional(),
      valueFrom: z
        .object({
          fieldRef: z.object({ fieldPath: z.string() }).optional(),
          secretKeyRef: z.object({ name: z.string(), key: z.string() }).optional(),
        })
        .optional(),
    }),
  ),
  envFrom: z.array(z.object({ secretRef: z.object({ name: z.string() }) })),
  volumeMounts: z.array(z.object({ name: z.string(), mountPath: z.string() })),
  readinessProbe: grpcProbeSchema,
  livenessProbe: grpcProbeSchema,
  securityContext: z.object({
    readOnlyRootFilesystem: z.boolean(),
    allowPrivilegeEscalation: z.boolean(),
  }),
});
const deploymentSchema = z.object({
  spec: z.object({
    replicas: z.number(),
    selector: z.object({ matchLabels: labelsSchema }),
    template: z.object({
      metadata: z.object({ labels: labelsSchema }),
      spec: z.object({
        terminationGracePeriodSeconds: z.number(),
        securityContext: z.object({ runAsNonRoot: z.boolean(), runAsUser: z.number() }),
        containers: z.tuple([containerSchema]),
        volumes: z.array(
          z.object({
            name: z.string(),
            configMap: z
              .object({
                name: z.string(),
                items: z.array(z.object({ key: z.string(), path: z.string() })),
              })
              .optional(),
          }),
        ),
      }),
    }),
  }),
});
const configMapSchema = z.object({
  metadata: z.object({ name: z.string() }),
  data: z.record(z.string(), z.string()),
});
const secretSchema = z.object({
  metadata: z.object({ name: z.string() }),
  stringData: z.record(z.string(), z.string()),
});
const serviceSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    clusterIP: z.string().optional(),
    selector: labelsSchema,
    ports: z.array(
      z.object({ name: z.string(), port: z.number(), targetPort: z.string().optional() }),
    ),
  }),
});
const pdbSchema = z.object({
  spec: z.object({
    minAvailable: z.number().optional(),
    selector: z.object({ matchLabels: labelsSchema }),
  }),
});
const statefulSetSchema = z.object({
  metadata: z.object({ name: z.string() }),
  spec: z.object({
    replicas: z.number(),
    serviceName: z.string(),
    template: z.object({ metadata: z.object({ labels: labelsSchema }) }),
  }),
});

interface Manifest {
  readonly file: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly body: unknown;
}

function readYamlDocuments(file: string): unknown[] {
  return parseAllDocuments(readFileSync(join(k8sDir, file), "utf8")).map((document) => {
    const [error] = document.errors;
    if (error !== undefined) {
      throw new Error(`${file}: ${error.message}`);
    }
    return document.toJS();
  });
}

const manifestFiles = readdirSync(k8sDir).filter(
  (file) => file.endsWith(".yaml") && file !== KUSTOMIZATION,
);
const manifests: Manifest[] = manifestFiles.flatMap((file) =>
  readYamlDocuments(file).map((body) => {
    const { kind, metadata } = headerSchema.parse(body);
    return { file, kind, name: metadata.name, namespace: metadata.namespace, body };
  }),
);

/** The manifests of `kind` whose body `matches`; exactly one is expected. */
function only<T>(
  kind: string,
  schema: z.ZodType<T>,
  matches: (resource: T) => boolean = () => true,
): T {
  const found = manifests
    .filter((manifest) => manifest.kind === kind)
    .map((manifest) => schema.parse(manifest.body))
    .filter(matches);
  const [resource, ...others] = found;
  if (resource === undefined || others.length > 0) {
    throw new Error(`expected one ${kind} under deploy/k8s, found ${found.length}`);
  }
  return resource;
}

/** Whether a label selector picks pods carrying `labels`. */
const selects = (selector: Record<string, string>, labels: Record<string, string>) =>
  Object.keys(selector).length > 0 &&
  Object.entries(selector).every(([key, value]) => labels[key] === value);

const namespace = only("Namespace", headerSchema).metadata.name;
const deployment = only("Deployment", deploymentSchema);
const podSpec = deployment.spec.template.spec;
const podLabels = deployment.spec.template.metadata.labels;
const [container] = podSpec.containers;
const secret = only("Secret", secretSchema);
const configMap = only("ConfigMap", configMapSchema);
const configVolume = podSpec.volumes.find(
  (volume) => volume.configMap?.name === configMap.metadata.name,
);
const configMount = container.volumeMounts.find((mount) => mount.name === configVolume?.name);
const configText = configMap.data["config.yaml"] ?? "";

/** A pod name of the Deployment, as the downward API gives it. */
const POD_NAME = "token-server-6b7f9c5d4-x2x7k";

/** The keys and values of the Secret `name`, which must be under deploy/k8s. */
function secretData(name: string): Record<string, string> {
  if (name !== secret.metadata.name) {
    throw new Error(`the Deployment reads Secret ${name}, which deploy/k8s does not define`);
  }
  return secret.stringData;
}

/** The environment the Deployment gives its container: the Secret's keys and its own entries. */
function deploymentEnv(): Record<string, string> {
  const podFields: Record<string, string> = {
    "metadata.name": POD_NAME,
    "metadata.namespace": namespace,
  };
  const env: Record<string, string> = {};
  for (const { secretRef } of container.envFrom) {
    Object.assign(env, secretData(secretRef.name));
  }
  for (const { name, value, valueFrom } of container.env) {
    const fieldPath = valueFrom?.fieldRef?.fieldPath;
    const keyRef = valueFrom?.secretKeyRef;
    const resolved =
      value ??
      (fieldPath === undefined ? undefined : podFields[fieldPath]) ??
      (keyRef === undefined ? undefined : secretData(keyRef.name)[keyRef.key]);
    if (resolved === undefined) {
      throw new Error(`env ${name}: no value from a source these tests know`);
    }
    env[name] = resolved;
  }
  return env;
}

describe("deploy/k8s", () => {
  it("lists every manifest in kustomization.yaml, namespace first, all in that namespace", () => {
    const [kustomization] = readYamlDocuments(KUSTOMIZATION);
    const { resources } = z.object({ resources: z.array(z.string()) }).parse(kustomization);
    expect(resources[0]).toBe("namespace.yaml");
    expect([...resources].sort()).toEqual([...manifestFiles].sort());
    const outside = manifests.filter((m) => m.kind !== "Namespace" && m.namespace !== namespace);
    expect(outside.map((m) => `${m.file}: ${m.kind} ${m.name}`)).toEqual([]);
  });

  it("runs 3 token-server replicas, probed through grpc.health.v1 on the gRPC port", () => {
    expect(deployment.spec.replicas).toBe(3);
    expect(selects(deployment.spec.selector.matchLabels, podLabels)).toBe(true);
    expect(container.ports).toEqual(
      expect.arrayContaining([
        { name: "grpc", containerPort: 50051 },
        { name: "http", containerPort: 8080 },
      ]),
    );
    expect(container.readinessProbe.grpc.port).toBe(50051);
    expect(container.livenessProbe.grpc.port).toBe(50051);
    // The server resigns and exits within 5 s of SIGTERM.
    expect(podSpec.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(10);
    expect(podSpec.securityContext.runAsNonRoot).toBe(true);
    expect(podSpec.securityContext.runAsUser).toBeGreaterThan(0);
    expect(container.securityContext).toEqual({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
    });
  });

  it("mounts the ConfigMap's config.yaml where --config reads it, and env from the Secret", () => {
    expect(Object.keys(configMap.data)).toContain("config.yaml");
    expect(configMount).toBeDefined();
    const item = configVolume?.configMap?.items.find(({ key }) => key === "config.yaml");
    expect(item).toBeDefined();
    const configFlag = container.args.indexOf("--config");
    expect(container.args[configFlag + 1]).toBe(`${configMount?.mountPath}/${item?.path}`);
    expect(container.envFrom.map(({ secretRef }) => secretRef.name)).toEqual([
      secret.metadata.name,
    ]);
  });

  it("has a PodDisruptionBudget keeping 2 of the Deployment's pods", () => {
    const pdb = only("PodDisruptionBudget", pdbSchema, ({ spec }) =>
      selects(spec.selector.matchLabels, podLabels),
    );
    expect(pdb.spec.minAvailable).toBe(2);
    // Below the replica count, or no node could ever be drained.
    expect(pdb.spec.minAvailable).toBeLessThan(deployment.spec.replicas);
  });

  it("has a Service reaching the Deployment's pods on the gRPC and HTTP ports", () => {
    const service = only("Service", serviceSchema, ({ spec }) => selects(spec.selector, podLabels));
    expect(service.spec.ports).toEqual([
      { name: "grpc", port: 50051, targetPort: "grpc" },
      { name: "http", port: 8080, targetPort: "http" },
    ]);
  });

  it("has a 3-member etcd StatefulSet behind a headless Service, the endpoints of the config", () => {
    const etcd = only("StatefulSet", statefulSetSchema);
    expect(etcd.spec.replicas).toBe(3);
    const peers = only(
      "Service",
      serviceSchema,
      ({ metadata }) => metadata.name === etcd.spec.serviceName,
    );
    expect(peers.spec.clusterIP).toBe("None");
    expect(selects(peers.spec.selector, etcd.spec.template.metadata.labels)).toBe(true);
    const config = parseConfig(parseYaml(configText), deploymentEnv());
    expect(config.store.etcd.endpoints).toEqual(
      [0, 1, 2].map(
        (i) =>
          `http://${etcd.metadata.name}-${i}.${peers.metadata.name}.${namespace}.svc.cluster.local:2379`,
      ),
    );
  });

  it("mounts a config that the server's parseConfig accepts with the Deployment's env", () => {
    const env = deploymentEnv();
    const config = parseConfig(parseYaml(configText), env, configMount?.mountPath);
    expect(config.replica_id).toBe(POD_NAME);
    expect(config.store.kind).toBe("etcd");
    expect(config.listen).toEqual({
      grpc: "0.0.0.0:50051",
      http: "0.0.0.0:8080",
      allow_plaintext: true,
    });
    expect(config.apps.length).toBeGreaterThan(0);
    const secrets = new Set(Object.values(secret.stringData));
    expect(config.apps.filter((app) => !secrets.has(app.secret))).toEqual([]);
  });

  it("uses only ${env:NAME} variables that the Deployment provides", () => {
    const used = Array.from(
      configText.matchAll(/\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g),
      ([, name = ""]) => name,
    );
    expect(used).toContain("POD_NAME");
    const provided = Object.keys(deploymentEnv());
    expect(used.filter((name) => !provided.includes(name))).toEqual([]);
  });
});

/** The Dockerfile's instructions, comments dropped and continued lines joined. */
function dockerInstructions(): { instruction: string; argument: string }[] {
  const text = readFileSync(join(repoRoot, "deploy", "Dockerfile"), "utf8");
  return text
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"))
    .map((line) => {
      const [instruction = "", ...rest] = line.split(/\s+/);
      return { instruction: instruction.toUpperCase(), argument: rest.join(" ") };
    });
}

describe("deploy/Dockerfile", () => {
  it("builds in stages with pnpm deploy and runs the server as a non-root user, on jemalloc", () => {
    const instructions = dockerInstructions();
    const stageStarts = instructions.flatMap(({ instruction }, i) =>
      instruction === "FROM" ? [i] : [],
    );
    expect(stageStarts.length).toBeGreaterThanOrEqual(2);
    expect(
      instructions.some(
        ({ instruction, argument }) =>
          instruction === "RUN" && /\bpnpm\b.*\bdeploy\b.*--prod/.test(argument),
      ),
    ).toBe(true);
    const finalStage = instructions.slice(stageStarts.at(-1));
    const argumentOf = (name: string) =>
      finalStage.findLast(({ instruction }) => instruction === name)?.argument;
    expect(argumentOf("FROM")).toBe("node:20-bookworm-slim");
    const user = argumentOf("USER")?.split(":")[0];
    expect(user).toBeDefined();
    expect(["root", "0"]).not.toContain(user);
    expect(argumentOf("EXPOSE")?.split(" ")).toEqual(["50051", "8080"]);
    expect(JSON.parse(argumentOf("ENTRYPOINT") ?? "null")).toEqual(["node", "dist/main.js"]);
    // The image launches the server with the node options the tests and benchmarks use,
    // on the allocator they preload (@wxtoken/testkit's tokenServerEnv).
    expect(argumentOf("ENV")).toBe(`NODE_OPTIONS="${tokenServerNodeOptions.join(" ")}"`);
    const allocator = finalStage.find(
      ({ instruction, argument }) => instruction === "ENV" && argument.startsWith("LD_PRELOAD="),
    )?.argument;
    const preload = allocator?.match(/^LD_PRELOAD=(\S+)/)?.[1];
    expect(preload).toMatch(/\/libjemalloc\.so\.2$/);
    expect(allocator).toContain(`MALLOC_CONF=${JEMALLOC_CONF}`);
    expect(
      finalStage.some(
        ({ instruction, argument }) =>
          instruction === "RUN" &&
          /apt-get install .*\blibjemalloc2\b/.test(argument) &&
          argument.includes(`ln -s "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" ${preload}`),
      ),
    ).toBe(true);
    expect(JSON.parse(argumentOf("CMD") ?? "null")).toEqual(container.args);
  });
});
