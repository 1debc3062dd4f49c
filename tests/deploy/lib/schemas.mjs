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

/**
 * Validates an object against the schema of its apiVersion and kind and throws an Error that
 * names the object and every violation.
 * NOTE: the generated schemas accept unknown fields, so a misspelled optional field passes here.
 * The cross-check tests read the fields that matter by their exact names.
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
