import fs from "node:fs";
import YAML from "yaml";
import { rulesFile } from "./paths.mjs";

const header = `# Generated from deploy/prometheus/rules/gantry.rules.yaml by
# \`node tests/deploy/sync-prometheusrule.mjs\`. Edit the rules file, not this one: the deploy tests
# fail when the two differ.
`;

/** Reads the Prometheus rules file and returns its rule groups. */
export function readRuleGroups() {
    const document = YAML.parse(fs.readFileSync(rulesFile, "utf8"));
    return document.groups;
}

/** Builds the text of the PrometheusRule object that carries the rule groups of the rules file. */
export function renderPrometheusRule() {
    const object = {
        apiVersion: "monitoring.coreos.com/v1",
        kind: "PrometheusRule",
        metadata: {
            name: "gantry",
            labels: { "app.kubernetes.io/name": "gantry" },
        },
        spec: { groups: readRuleGroups() },
    };
    return header + YAML.stringify(object, { lineWidth: 0 });
}
