import path from "node:path";
import { fileURLToPath } from "node:url";

/** Repository root, two levels above tests/deploy. */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export const deployDir = path.join(repoRoot, "deploy");
export const kubernetesDir = path.join(deployDir, "kubernetes");
export const rulesFile = path.join(deployDir, "prometheus", "rules", "gantry.rules.yaml");
export const prometheusRuleFile = path.join(kubernetesDir, "base", "prometheusrule.yaml");
export const dashboardFile = path.join(deployDir, "grafana", "gantry-dashboard.json");
export const metricsListFile = path.join(deployDir, "metrics.txt");
