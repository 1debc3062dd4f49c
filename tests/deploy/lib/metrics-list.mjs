import fs from "node:fs";
import { metricsListFile } from "./paths.mjs";

/** Reads deploy/metrics.txt into a map from family name to { type, optional }. */
export function readMetricsList() {
    const families = new Map();
    for (const [index, raw] of fs.readFileSync(metricsListFile, "utf8").split("\n").entries()) {
        const line = raw.trim();
        if (line === "" || line.startsWith("#")) {
            continue;
        }
        const [name, type, flag, ...rest] = line.split(/\s+/);
        const valid = ["counter", "gauge", "histogram", "summary"].includes(type)
            && (flag === undefined || flag === "optional") && rest.length === 0;
        if (!valid) {
            throw new Error(`deploy/metrics.txt line ${index + 1} is invalid: "${line}" (expected NAME TYPE [optional])`);
        }
        if (families.has(name)) {
            throw new Error(`deploy/metrics.txt lists ${name} twice`);
        }
        families.set(name, { type, optional: flag === "optional" });
    }
    return families;
}
