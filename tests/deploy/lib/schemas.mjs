import { PodDisruptionBudget } from "kubernetes-models/policy/v1/PodDisruptionBudget";
import { Deployment } from "kubernetes-models/apps/v1/Deployment";
import { ConfigMap } from "kubernetes-models/v1/ConfigMap";
import { PersistentVolumeClaim } from "kubernetes-models/v1/PersistentVolumeClaim";
import { Secret } from "kubernetes-models/v1/Secret";
import { Service } from "kubernetes-models/v1/Service";
import { ServiceAccount } from "kubernetes-models/v1/ServiceAccount";
import { PrometheusRule } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule";
import { ServiceMonitor } from "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor";
import { ScaledObject } from "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject";

// Models that kubernetes-models 5.1.0 generates from the Kubernetes OpenAPI document, and that
// @kubernetes-models/prometheus-operator and @kubernetes-models/keda generate from the CRDs.
// A kind missing here fails the test instead of going unchecked.
const models = [
    ConfigMap,
    Deployment,
    PersistentVolumeClaim,
    PodDisruptionBudget,
    PrometheusRule,
    ScaledObject,
    Secret,
    Service,
    ServiceAccount,
    ServiceMonitor,
];

const modelsByType = new Map(models.map((model) => [`${model.apiVersion}/${model.kind}`, model]));

// Module of each model's TypeScript declaration, for typecheck.mjs.
const declarationModules = new Map([
    ["v1/ConfigMap", "kubernetes-models/v1/ConfigMap"],
    ["apps/v1/Deployment", "kubernetes-models/apps/v1/Deployment"],
    ["v1/PersistentVolumeClaim", "kubernetes-models/v1/PersistentVolumeClaim"],
    ["policy/v1/PodDisruptionBudget", "kubernetes-models/policy/v1/PodDisruptionBudget"],
    ["monitoring.coreos.com/v1/PrometheusRule", "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/PrometheusRule"],
    ["keda.sh/v1alpha1/ScaledObject", "@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject"],
    ["v1/Secret", "kubernetes-models/v1/Secret"],
    ["v1/Service", "kubernetes-models/v1/Service"],
    ["v1/ServiceAccount", "kubernetes-models/v1/ServiceAccount"],
    ["monitoring.coreos.com/v1/ServiceMonitor", "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor"],
]);

/** Returns the module and interface name that declare an object's type, e.g. IDeployment. */
export function declarationOf(object) {
    const type = `${object.apiVersion}/${object.kind}`;
    const module = declarationModules.get(type);
    if (module === undefined) {
        throw new Error(`no declaration for ${type} (object ${object.metadata?.name}); add it to schemas.mjs`);
    }
    return { module, name: `I${object.kind}` };
}

/**
 * Validates an object against the schema of its apiVersion and kind and throws an Error that
 * names the object and every violation.
 * The generated schemas accept unknown fields; typecheck.mjs rejects those.
 */
export function validateObject(object) {
    const type = `${object.apiVersion}/${object.kind}`;
    const model = modelsByType.get(type);
    if (model === undefined) {
        throw new Error(`no schema for ${type} (object ${object.metadata?.name}); add its model to schemas.mjs`);
    }
    try {
        new model(object).validate();
    } catch (error) {
        throw new Error(`${type} ${object.metadata?.name} is invalid: ${error.message}`);
    }
}
