import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { kubernetesDir } from "./paths.mjs";

/**
 * The deployments that docs/deploy.md describes: an overlay, optionally with components.
 * Each entry renders to one complete set of objects.
 */
export const variants = [
    { name: "cpu", overlay: "overlays/cpu", components: [] },
    { name: "gpu", overlay: "overlays/gpu", components: [] },
    { name: "cpu+postgres-replicas", overlay: "overlays/cpu", components: ["components/postgres-replicas"] },
    { name: "gpu+postgres-replicas", overlay: "overlays/gpu", components: ["components/postgres-replicas"] },
    { name: "cpu+fluent-bit", overlay: "overlays/cpu", components: ["components/fluent-bit"] },
    {
        name: "gpu+postgres-replicas+fluent-bit",
        overlay: "overlays/gpu",
        components: ["components/postgres-replicas", "components/fluent-bit"],
    },
];

/** Runs `kubectl kustomize` on a directory and returns the parsed objects. */
export function kustomize(directory) {
    const output = execFileSync("kubectl", ["kustomize", directory], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
    return YAML.parseAllDocuments(output).map((document) => {
        if (document.errors.length > 0) {
            throw new Error(`kubectl kustomize ${directory} printed invalid YAML: ${document.errors[0].message}`);
        }
        return document.toJS();
    });
}

/**
 * Renders a variant. Components need a kustomization that lists them, so a variant with
 * components is rendered through a temporary kustomization, the same one a user writes.
 */
export function renderVariant(variant) {
    const overlayDir = path.join(kubernetesDir, variant.overlay);
    if (variant.components.length === 0) {
        return kustomize(overlayDir);
    }

    const directory = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-kustomize-"));
    try {
        const kustomization = {
            apiVersion: "kustomize.config.k8s.io/v1beta1",
            kind: "Kustomization",
            resources: [path.relative(directory, overlayDir)],
            components: variant.components.map((component) =>
                path.relative(directory, path.join(kubernetesDir, component))),
        };
        fs.writeFileSync(path.join(directory, "kustomization.yaml"), YAML.stringify(kustomization));
        return kustomize(directory);
    } finally {
        fs.rmSync(directory, { recursive: true, force: true });
    }
}

/** Returns the single object of a kind (and name, when given), failing when there is not exactly one. */
export function single(objects, kind, name) {
    const matches = objects.filter((object) =>
        object.kind === kind && (name === undefined || object.metadata.name === name));
    if (matches.length !== 1) {
        throw new Error(`expected one ${kind}${name ? ` named ${name}` : ""}, found ${matches.length}`);
    }
    return matches[0];
}
