import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { kustomize, renderVariant, single, variants } from "./lib/render.mjs";
import { validateObject } from "./lib/schemas.mjs";
import { unknownFieldErrors } from "./lib/typecheck.mjs";
import {
    container,
    containerPort,
    cpuCores,
    environment,
    podSpec,
    preStopSeconds,
    probeBudgetSeconds,
} from "./lib/pod.mjs";
import { kubernetesDir } from "./lib/paths.mjs";
import path from "node:path";

// The server's probe endpoints and port, as the Gantry HTTP contract defines them:
// GET /health/ready (also /health), /health/live and /health/startup on port 8000.
const probeEndpoints = {
    startupProbe: "/health/startup",
    readinessProbe: "/health/ready",
    livenessProbe: "/health/live",
};
const serverPort = 8000;
const defaultModelLoadTimeoutSeconds = 600;
const defaultDrainTimeoutSeconds = 30;
const defaultMaxQueue = 64;
const gantryLabels = { "app.kubernetes.io/name": "gantry", "app.kubernetes.io/component": "server" };

const rendered = variants.map((variant) => ({ variant, objects: renderVariant(variant) }));

function gantryEnvironment(objects) {
    return environment(objects, container(objects, "gantry"));
}

function allContainers(objects) {
    const spec = podSpec(objects);
    return [...(spec.initContainers ?? []), ...spec.containers];
}

function matches(selector, labels) {
    return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

for (const { variant, objects } of rendered) {
    describe(`variant ${variant.name}`, () => {
        it("validates every object against its schema", () => {
            assert.ok(objects.length > 0);
            for (const object of objects) {
                validateObject(object);
            }
        });

        it("has unique kind and name pairs", () => {
            const keys = objects.map((object) => `${object.kind}/${object.metadata.name}`);
            assert.deepEqual(keys.filter((key, index) => keys.indexOf(key) !== index), []);
        });

        it("probes the server's health endpoints on port 8000", () => {
            const gantry = container(objects, "gantry");
            for (const [probe, endpoint] of Object.entries(probeEndpoints)) {
                assert.ok(gantry[probe], `gantry container has no ${probe}`);
                assert.equal(gantry[probe].httpGet?.path, endpoint, `${probe} path`);
                assert.equal(containerPort(gantry, gantry[probe].httpGet.port), serverPort, `${probe} port`);
            }
            assert.equal(Number(gantryEnvironment(objects).get("Gantry__Port")), serverPort);
            assert.equal(gantryEnvironment(objects).get("Gantry__Host"), "0.0.0.0");
        });

        it("gives startup more time than the model load timeout", () => {
            const configured = gantryEnvironment(objects).get("Gantry__ModelLoadTimeout");
            const loadTimeout = configured === undefined ? defaultModelLoadTimeoutSeconds : Number(configured);
            const budget = probeBudgetSeconds(container(objects, "gantry").startupProbe);
            assert.ok(Number.isFinite(loadTimeout), `Gantry__ModelLoadTimeout is not a number: ${configured}`);
            assert.ok(budget > loadTimeout, `startup budget ${budget} s is not above the load timeout ${loadTimeout} s`);
        });

        it("gives termination more time than preStop plus drain", () => {
            const configured = gantryEnvironment(objects).get("Gantry__DrainTimeout");
            const drain = configured === undefined ? defaultDrainTimeoutSeconds : Number(configured);
            const gantry = container(objects, "gantry");
            const grace = podSpec(objects).terminationGracePeriodSeconds;
            assert.ok(preStopSeconds(gantry) > 0, "gantry has no preStop sleep");
            assert.ok(grace > preStopSeconds(gantry) + drain,
                `grace ${grace} s is not above preStop ${preStopSeconds(gantry)} s + drain ${drain} s`);

            // Other containers serve Gantry (vLLM) or ship its logs (Fluent Bit): they must stay up
            // until Gantry's drain ends and still stop within the grace period.
            for (const other of podSpec(objects).containers.filter((candidate) => candidate.name !== "gantry")) {
                const pause = preStopSeconds(other);
                assert.ok(pause > preStopSeconds(gantry) + drain, `${other.name} stops before Gantry has drained`);
                assert.ok(grace > pause, `${other.name} preStop ${pause} s does not fit in the grace period ${grace} s`);
            }
        });

        it("hardens the pod and every container", () => {
            const spec = podSpec(objects);
            assert.equal(spec.securityContext.seccompProfile?.type, "RuntimeDefault");
            assert.equal(spec.automountServiceAccountToken, false);
            for (const target of allContainers(objects)) {
                const context = target.securityContext ?? {};
                assert.equal(context.allowPrivilegeEscalation, false, `${target.name} allowPrivilegeEscalation`);
                assert.equal(context.readOnlyRootFilesystem, true, `${target.name} readOnlyRootFilesystem`);
                assert.deepEqual(context.capabilities?.drop, ["ALL"], `${target.name} capabilities`);
                assert.equal(context.capabilities?.add, undefined, `${target.name} adds capabilities`);
                assert.notEqual(context.privileged, true, `${target.name} is privileged`);
            }

            // Only the Fluent Bit sidecar runs as root, to read the kubelet's root-owned log files.
            assert.equal(spec.securityContext.runAsNonRoot, true);
            assert.ok(spec.securityContext.runAsUser > 0);
            for (const target of allContainers(objects).filter((candidate) => candidate.name !== "fluent-bit")) {
                assert.notEqual(target.securityContext.runAsUser, 0, `${target.name} runs as root`);
                assert.notEqual(target.securityContext.runAsNonRoot, false, `${target.name} allows root`);
            }
        });

        it("mounts a writable emptyDir at /tmp for gantry", () => {
            const spec = podSpec(objects);
            const mount = container(objects, "gantry").volumeMounts.find((candidate) => candidate.mountPath === "/tmp");
            assert.ok(mount, "gantry has no /tmp mount");
            assert.notEqual(mount.readOnly, true);
            const volume = spec.volumes.find((candidate) => candidate.name === mount.name);
            assert.ok(volume?.emptyDir, "/tmp is not an emptyDir");
        });

        it("sets requests and a memory limit on every container", () => {
            for (const target of allContainers(objects)) {
                assert.ok(target.resources?.requests?.cpu, `${target.name} has no CPU request`);
                assert.ok(target.resources?.requests?.memory, `${target.name} has no memory request`);
                assert.ok(target.resources?.limits?.memory, `${target.name} has no memory limit`);
            }
        });

        it("selects the gantry pods from Service, PDB and spread rules", () => {
            const deployment = single(objects, "Deployment", "gantry");
            const podLabels = deployment.spec.template.metadata.labels;
            assert.ok(matches(gantryLabels, podLabels));
            assert.ok(matches(deployment.spec.selector.matchLabels, podLabels));

            const service = single(objects, "Service", "gantry");
            assert.ok(matches(service.spec.selector, podLabels));
            const servicePort = service.spec.ports.find((port) => port.name === "http");
            assert.equal(servicePort.port, serverPort);
            assert.equal(containerPort(container(objects, "gantry"), servicePort.targetPort), serverPort);

            const budget = single(objects, "PodDisruptionBudget", "gantry");
            assert.ok(matches(budget.spec.selector.matchLabels, podLabels));

            const spec = podSpec(objects);
            const constraints = spec.topologySpreadConstraints ?? [];
            assert.ok(constraints.some((constraint) => constraint.topologyKey === "kubernetes.io/hostname"));
            for (const constraint of constraints) {
                assert.ok(matches(constraint.labelSelector.matchLabels, podLabels));
            }
        });

        it("scrapes /metrics on the Service's http port", () => {
            const monitor = single(objects, "ServiceMonitor", "gantry");
            const service = single(objects, "Service", "gantry");
            assert.ok(matches(monitor.spec.selector.matchLabels, service.metadata.labels));
            assert.deepEqual(monitor.spec.endpoints.map((endpoint) => [endpoint.port, endpoint.path]), [["http", "/metrics"]]);
            single(objects, "PrometheusRule", "gantry");
        });

        it("keeps queue thresholds below the configured max queue", () => {
            const configured = gantryEnvironment(objects).get("Gantry__MaxQueue");
            const maxQueue = configured === undefined ? defaultMaxQueue : Number(configured);
            const rule = single(objects, "PrometheusRule", "gantry").spec.groups
                .flatMap((group) => group.rules)
                .find((candidate) => candidate.alert === "GantryQueueSaturated");
            const threshold = Number(/>\s*([0-9.]+)\s*$/.exec(rule.expr.trim())[1]);
            assert.ok(threshold < maxQueue, `GantryQueueSaturated fires at ${threshold}, max queue is ${maxQueue}`);

            for (const scaler of objects.filter((object) => object.kind === "ScaledObject")) {
                for (const trigger of scaler.spec.triggers) {
                    assert.ok(Number(trigger.metadata.threshold) < maxQueue);
                }
            }
        });
    });
}

describe("SQLite variants", () => {
    for (const { variant, objects } of rendered.filter(({ variant }) => !variant.components.includes("components/postgres-replicas"))) {
        it(`${variant.name} runs one replica on the data claim`, () => {
            const deployment = single(objects, "Deployment", "gantry");
            assert.equal(deployment.spec.replicas, 1);
            assert.equal(deployment.spec.strategy.type, "Recreate");
            const data = podSpec(objects).volumes.find((volume) => volume.name === "data");
            assert.equal(data.persistentVolumeClaim?.claimName, "gantry-data");
            single(objects, "PersistentVolumeClaim", "gantry-data");
            assert.equal(container(objects, "gantry").volumeMounts.find((mount) => mount.name === "data").mountPath,
                gantryEnvironment(objects).get("Gantry__DataDir"));
            assert.equal(gantryEnvironment(objects).get("Gantry__Database"), undefined);
            assert.equal(objects.filter((object) => object.kind === "ScaledObject").length, 0);
        });
    }
});

describe("PostgreSQL replica variants", () => {
    for (const { variant, objects } of rendered.filter(({ variant }) => variant.components.includes("components/postgres-replicas"))) {
        it(`${variant.name} reads the database from a Secret and scales with KEDA`, () => {
            const deployment = single(objects, "Deployment", "gantry");
            assert.equal(deployment.spec.replicas, undefined, "a fixed replica count fights the autoscaler");
            assert.equal(deployment.spec.strategy.type, "RollingUpdate");
            assert.equal(deployment.spec.strategy.rollingUpdate.maxUnavailable, 0);

            const database = gantryEnvironment(objects).get("Gantry__Database");
            assert.deepEqual(database, { secretKeyRef: { name: "gantry-postgres", key: "connection-string" } });
            assert.equal(objects.filter((object) => object.metadata.name === "gantry-data").length, 0);
            const data = podSpec(objects).volumes.find((volume) => volume.name === "data");
            assert.ok(data.emptyDir);
            assert.equal(data.persistentVolumeClaim, undefined);

            const models = single(objects, "PersistentVolumeClaim", "gantry-models");
            assert.deepEqual(models.spec.accessModes, ["ReadWriteMany"]);

            const scaler = single(objects, "ScaledObject", "gantry");
            assert.equal(scaler.spec.scaleTargetRef.name, deployment.metadata.name);
            assert.ok(scaler.spec.minReplicaCount >= 2);
            assert.ok(scaler.spec.maxReplicaCount > scaler.spec.minReplicaCount);
            const [trigger] = scaler.spec.triggers;
            assert.equal(trigger.type, "prometheus");
            assert.match(trigger.metadata.query, /\bgantry_requests_waiting\b/);
        });
    }
});

describe("CPU overlay", () => {
    const { objects } = rendered.find(({ variant }) => variant.name === "cpu");

    it("loads the model file that the init container downloads", () => {
        const fetch = podSpec(objects).initContainers.find((candidate) => candidate.name === "fetch-model");
        const source = environment(objects, fetch);
        const model = gantryEnvironment(objects).get("Gantry__Model");
        assert.equal(model, `/models/${source.get("MODEL_FILE")}`);
        assert.match(source.get("MODEL_URL"), /^https:\/\/.+\.gguf$/);
        assert.match(model, /\.gguf$/);

        const fetchMount = fetch.volumeMounts.find((mount) => mount.mountPath === "/models");
        const gantryMount = container(objects, "gantry").volumeMounts.find((mount) => mount.mountPath === "/models");
        assert.equal(fetchMount.name, gantryMount.name);
        assert.equal(gantryMount.readOnly, true);
        const volume = podSpec(objects).volumes.find((candidate) => candidate.name === gantryMount.name);
        assert.equal(volume.persistentVolumeClaim.claimName, "gantry-models");
        assert.equal(gantryEnvironment(objects).get("Gantry__Upstream"), undefined);
    });

    it("runs no more llama.cpp threads than requested cores", () => {
        const threads = Number(gantryEnvironment(objects).get("Gantry__Threads"));
        const cores = cpuCores(container(objects, "gantry").resources.requests.cpu);
        assert.ok(threads >= 1);
        assert.ok(threads <= cores, `${threads} threads on ${cores} requested cores`);
    });
});

describe("GPU overlay", () => {
    const { objects } = rendered.find(({ variant }) => variant.name === "gpu");

    it("runs vLLM on one GPU beside Gantry in upstream mode", () => {
        const vllm = container(objects, "vllm");
        assert.match(vllm.image, /^vllm\/vllm-openai:v[0-9]/);
        assert.equal(String(vllm.resources.limits["nvidia.com/gpu"]), "1");
        assert.equal(String(vllm.resources.requests["nvidia.com/gpu"]), "1");
        assert.equal(container(objects, "gantry").resources.limits["nvidia.com/gpu"], undefined);
        assert.equal(gantryEnvironment(objects).get("Gantry__Model"), undefined);
    });

    it("points Gantry at vLLM's port and served model name", () => {
        const vllm = container(objects, "vllm");
        const variables = environment(objects, vllm);
        const argument = (flag) => {
            const found = vllm.args.find((candidate) => candidate.startsWith(`--${flag}=`));
            assert.ok(found, `vllm has no --${flag}`);
            // Kubernetes expands $(NAME) from the container's environment.
            return found.slice(flag.length + 3).replace(/\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (_, name) => variables.get(name));
        };
        const upstream = new URL(gantryEnvironment(objects).get("Gantry__Upstream"));
        assert.equal(upstream.hostname, "127.0.0.1");
        assert.equal(upstream.hostname, argument("host"));
        assert.equal(upstream.port, argument("port"));
        assert.equal(gantryEnvironment(objects).get("Gantry__UpstreamModel"), argument("served-model-name"));
        assert.ok(argument("model").length > 0);
    });

    it("keeps GPU pods apart and tolerates GPU taints", () => {
        const spec = podSpec(objects);
        const podLabels = single(objects, "Deployment", "gantry").spec.template.metadata.labels;
        const terms = spec.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution;
        const hostTerm = terms.find((term) => term.podAffinityTerm.topologyKey === "kubernetes.io/hostname");
        assert.ok(hostTerm, "no anti-affinity by node");
        assert.equal(hostTerm.weight, 100);
        assert.ok(matches(hostTerm.podAffinityTerm.labelSelector.matchLabels, podLabels));
        assert.ok(spec.tolerations.some((toleration) => toleration.key === "nvidia.com/gpu"));
    });

    it("gives vLLM a startup budget at least as long as Gantry's load timeout", () => {
        const loadTimeout = Number(gantryEnvironment(objects).get("Gantry__ModelLoadTimeout"));
        assert.ok(probeBudgetSeconds(container(objects, "vllm").startupProbe) >= loadTimeout);
    });
});

describe("Fluent Bit component", () => {
    const { objects } = rendered.find(({ variant }) => variant.name === "cpu+fluent-bit");

    it("reads only this pod's gantry log files, read-only", () => {
        const sidecar = container(objects, "fluent-bit");
        const config = Object.values(single(objects, "ConfigMap", sidecar.volumeMounts
            .map((mount) => podSpec(objects).volumes.find((volume) => volume.name === mount.name))
            .find((volume) => volume.configMap).configMap.name).data).join("\n");
        assert.match(config, /Path\s+\/var\/log\/pods\/\$\{POD_NAMESPACE\}_\$\{POD_NAME\}_\$\{POD_UID\}\/gantry\/\*\.log/);
        assert.match(config, /Name\s+loki/);
        assert.match(config, /Key_Name\s+log/);
        assert.equal(gantryEnvironment(objects).get("Gantry__LogFormat"), "json");

        const variables = environment(objects, sidecar);
        for (const name of ["POD_NAMESPACE", "POD_NAME", "POD_UID", "LOKI_HOST", "LOKI_PORT"]) {
            assert.ok(variables.has(name), `fluent-bit has no ${name}`);
        }

        const logMount = sidecar.volumeMounts.find((mount) => mount.mountPath === "/var/log/pods");
        assert.equal(logMount.readOnly, true);
        const logVolume = podSpec(objects).volumes.find((volume) => volume.name === logMount.name);
        assert.equal(logVolume.hostPath.path, "/var/log/pods");
    });
});

describe("base", () => {
    it("renders alone without a model", () => {
        const objects = kustomize(path.join(kubernetesDir, "base"));
        for (const object of objects) {
            validateObject(object);
        }
        assert.equal(gantryEnvironment(objects).get("Gantry__Model"), undefined);
        assert.equal(gantryEnvironment(objects).get("Gantry__ModelLoadTimeout"), "600");
        assert.equal(gantryEnvironment(objects).get("Gantry__DrainTimeout"), "30");
    });
});

describe("field names", () => {
    it("contain no unknown field in any variant", () => {
        const objects = rendered.flatMap(({ objects }) => objects);
        const prefixes = rendered.flatMap(({ variant, objects }) => objects.map(() => `${variant.name}:`));
        assert.deepEqual(unknownFieldErrors(objects, prefixes), []);
    });

    it("reject a misspelled nested field", () => {
        const objects = renderVariant(variants[0]);
        const deployment = structuredClone(single(objects, "Deployment", "gantry"));
        const gantry = deployment.spec.template.spec.containers.find((candidate) => candidate.name === "gantry");
        gantry.readinesProbe = gantry.readinessProbe;
        const errors = unknownFieldErrors([deployment]);
        assert.equal(errors.length, 1);
        assert.match(errors[0], /^0-Deployment-gantry\.ts.*'"readinesProbe"' does not exist in type 'IContainer'/);
    });
});

describe("schema validation", () => {
    it("rejects an invalid Deployment", () => {
        const objects = renderVariant(variants[0]);
        const deployment = structuredClone(single(objects, "Deployment", "gantry"));
        deployment.spec.template.spec.containers[0].ports[0].containerPort = "eight thousand";
        assert.throws(() => validateObject(deployment), /containerPort must be integer/);
    });

    it("rejects a ScaledObject with a numeric threshold", () => {
        const objects = renderVariant(variants[2]);
        const scaler = structuredClone(single(objects, "ScaledObject", "gantry"));
        scaler.spec.triggers[0].metadata.threshold = 8;
        assert.throws(() => validateObject(scaler), /threshold must be string/);
    });

    it("rejects a kind without a schema", () => {
        assert.throws(() => validateObject({ apiVersion: "example.com/v1", kind: "Widget", metadata: { name: "w" } }),
            /no schema for example.com\/v1\/Widget/);
    });
});
