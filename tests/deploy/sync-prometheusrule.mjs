// Rewrites deploy/kubernetes/base/prometheusrule.yaml from deploy/prometheus/rules/gantry.rules.yaml.
import fs from "node:fs";
import { prometheusRuleFile } from "./lib/paths.mjs";
import { renderPrometheusRule } from "./lib/prometheusrule.mjs";

fs.writeFileSync(prometheusRuleFile, renderPrometheusRule());
console.log(`wrote ${prometheusRuleFile}`);
