import { single } from "./render.mjs";

/** Returns the pod template spec of the gantry Deployment. */
export function podSpec(objects) {
    return single(objects, "Deployment", "gantry").spec.template.spec;
}

/** Returns a container of the gantry pod by name, failing when it is absent. */
export function container(objects, name) {
    const found = podSpec(objects).containers.find((candidate) => candidate.name === name);
    if (found === undefined) {
        throw new Error(`the gantry pod has no container ${name}`);
    }
    return found;
}

/**
 * Resolves a container's environment as Kubernetes does: envFrom ConfigMaps first, then env
 * entries, which win. Values from a ConfigMap key are looked up; secret references are returned
 * as { secretKeyRef } objects.
 */
export function environment(objects, target) {
    const configMap = (name) => single(objects, "ConfigMap", name).data ?? {};
    const variables = new Map();
    for (const source of target.envFrom ?? []) {
        if (source.configMapRef) {
            for (const [key, value] of Object.entries(configMap(source.configMapRef.name))) {
                variables.set(key, value);
            }
        }
    }
    for (const variable of target.env ?? []) {
        if (variable.value !== undefined) {
            variables.set(variable.name, variable.value);
        } else if (variable.valueFrom?.configMapKeyRef) {
            const reference = variable.valueFrom.configMapKeyRef;
            const value = configMap(reference.name)[reference.key];
            if (value === undefined) {
                throw new Error(`${variable.name} refers to missing key ${reference.key} of ConfigMap ${reference.name}`);
            }
            variables.set(variable.name, value);
        } else if (variable.valueFrom?.secretKeyRef) {
            variables.set(variable.name, { secretKeyRef: variable.valueFrom.secretKeyRef });
        } else {
            variables.set(variable.name, variable.valueFrom);
        }
    }
    return variables;
}

/** Returns the container port number that a probe or Service port refers to, by number or name. */
export function containerPort(target, port) {
    if (typeof port === "number") {
        return port;
    }
    const named = (target.ports ?? []).find((candidate) => candidate.name === port);
    if (named === undefined) {
        throw new Error(`container ${target.name} has no port named ${port}`);
    }
    return named.containerPort;
}

/** Returns a probe's time budget in seconds: failureThreshold x periodSeconds. */
export function probeBudgetSeconds(probe) {
    return (probe.failureThreshold ?? 3) * (probe.periodSeconds ?? 10);
}

/** Returns the seconds of a container's preStop sleep, or 0 when it has none. */
export function preStopSeconds(target) {
    return target.lifecycle?.preStop?.sleep?.seconds ?? 0;
}

/** Parses a Kubernetes CPU quantity ("500m", "4") into cores. */
export function cpuCores(quantity) {
    const text = String(quantity);
    return text.endsWith("m") ? Number(text.slice(0, -1)) / 1000 : Number(text);
}
