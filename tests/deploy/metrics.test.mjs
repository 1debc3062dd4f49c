import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import YAML from "yaml";
import { familyOf, metricNames } from "./lib/promql.mjs";
import { readMetricsList } from "./lib/metrics-list.mjs";
import { dashboardFile, prometheusRuleFile, repoRoot, rulesFile } from "./lib/paths.mjs";
import { readRuleGroups, renderPrometheusRule } from "./lib/prometheusrule.mjs";
import { renderVariant, single, variants } from "./lib/render.mjs";

// Series that Prometheus itself creates for every target, not the server.
const prometheusSeries = new Set(["up"]);

const families = readMetricsList();
const groups = readRuleGroups();
const rules = groups.flatMap((group) => group.rules);
const recordedNames = new Set(rules.filter((rule) => rule.record).map((rule) => rule.record));
const dashboard = JSON.parse(fs.readFileSync(dashboardFile, "utf8"));

function dashboardPanels() {
    return dashboard.panels.flatMap((panel) => [panel, ...(panel.panels ?? [])]);
}

function dashboardExpressions() {
    const fromPanels = dashboardPanels().flatMap((panel) => (panel.targets ?? []).map((target) => ({
        where: `panel "${panel.title}" target ${target.refId}`,
        expr: target.expr,
    })));
    const fromVariables = dashboard.templating.list
        .filter((variable) => variable.type === "query")
        .map((variable) => ({
            where: `variable ${variable.name}`,
            expr: variable.definition.replace(/^label_values\((.*),\s*[A-Za-z_]+\)$/, "$1"),
        }));
    return [...fromPanels, ...fromVariables];
}

function scaledObjectExpressions() {
    const variant = variants.find((candidate) => candidate.components.includes("components/postgres-replicas"));
    return renderVariant(variant)
        .filter((object) => object.kind === "ScaledObject")
        .flatMap((object) => object.spec.triggers.map((trigger) => ({
            where: `ScaledObject ${object.metadata.name}`,
            expr: trigger.metadata.query,
        })));
}

/** Lists the metric names in an expression that are neither in deploy/metrics.txt nor recorded. */
function unknownMetrics(expression) {
    return metricNames(expression).filter((name) => {
        if (recordedNames.has(name) || prometheusSeries.has(name)) {
            return false;
        }
        return !families.has(familyOf(name, families));
    });
}

describe("metric name extraction", () => {
    it("finds selectors and skips functions, labels and grouping", () => {
        const expression = 'histogram_quantile(0.99, sum by (model, le) (rate(gantry_a_seconds_bucket{model=~"x|y", le!="1"}[5m])))'
            + " / on (model) group_left sum without (pod) (gantry:recorded:ratio) > bool 3 and gantry_b offset 5m";
        assert.deepEqual(metricNames(expression).sort(), ["gantry:recorded:ratio", "gantry_a_seconds_bucket", "gantry_b"]);
    });

    it("maps histogram series to their family", () => {
        const list = new Map([
            ["gantry_h_seconds", { type: "histogram" }],
            ["gantry_total_count", { type: "gauge" }],
        ]);
        assert.equal(familyOf("gantry_h_seconds_bucket", list), "gantry_h_seconds");
        assert.equal(familyOf("gantry_h_seconds_sum", list), "gantry_h_seconds");
        assert.equal(familyOf("gantry_h_seconds_count", list), "gantry_h_seconds");
        assert.equal(familyOf("gantry_total_count", list), "gantry_total_count");
        // _bucket on a name that is not a listed histogram stays unknown.
        assert.equal(familyOf("gantry_total_bucket", list), "gantry_total_bucket");
    });

    it("reports a metric missing from the list", () => {
        assert.deepEqual(unknownMetrics("rate(gantry_not_a_metric_total[5m]) + gantry_requests_waiting"),
            ["gantry_not_a_metric_total"]);
        assert.deepEqual(unknownMetrics("gantry_requests_total_bucket"), ["gantry_requests_total_bucket"]);
    });
});

describe("metric names", () => {
    it("lists the server's families once each with a type", () => {
        assert.equal(families.get("gantry_request_duration_seconds").type, "histogram");
        assert.equal(families.get("gantry_requests_total").type, "counter");
        assert.equal(families.get("gantry_requests_waiting").type, "gauge");
        assert.equal(families.get("gantry_gpu_utilization_ratio").optional, true);
        for (const name of families.keys()) {
            assert.match(name, /^gantry_[a-z0-9_]+$/);
        }
    });

    it("uses only listed metrics in the rules", () => {
        for (const rule of rules) {
            assert.deepEqual(unknownMetrics(rule.expr), [], `rule ${rule.record ?? rule.alert}`);
        }
    });

    it("uses only listed metrics in the dashboard", () => {
        const expressions = dashboardExpressions();
        assert.ok(expressions.length >= 20);
        for (const { where, expr } of expressions) {
            assert.deepEqual(unknownMetrics(expr), [], where);
        }
    });

    it("uses only listed metrics in the autoscaler", () => {
        const expressions = scaledObjectExpressions();
        assert.equal(expressions.length, 1);
        for (const { where, expr } of expressions) {
            assert.deepEqual(unknownMetrics(expr), [], where);
        }
    });

    it("records each name once and uses recorded names only after defining them", () => {
        const records = rules.filter((rule) => rule.record).map((rule) => rule.record);
        assert.equal(new Set(records).size, records.length);
        for (const rule of rules) {
            for (const name of metricNames(rule.expr).filter((candidate) => candidate.includes(":"))) {
                assert.ok(recordedNames.has(name), `rule ${rule.record ?? rule.alert} uses unrecorded ${name}`);
            }
        }
    });
});

describe("rules", () => {
    it("match the alert table of docs/deploy.md", () => {
        const guide = fs.readFileSync(path.join(repoRoot, "docs", "deploy.md"), "utf8");
        const documented = [...guide.matchAll(/^\| `(Gantry[A-Za-z0-9]+)` \|/gm)].map((match) => match[1]).sort();
        const alerts = rules.filter((rule) => rule.alert).map((rule) => rule.alert).sort();
        assert.deepEqual(documented, alerts);
    });

    it("define each expected alert with severity and summary", () => {
        const alerts = rules.filter((rule) => rule.alert).map((rule) => rule.alert).sort();
        assert.deepEqual(alerts, [
            "GantryErrorRatioHigh",
            "GantryFeedbackDownShareHigh",
            "GantryGpuSaturated",
            "GantryModelNotReady",
            "GantryQueueSaturated",
            "GantryRequestLatencyP99High",
            "GantryRequestsRejected",
            "GantryTimeToFirstTokenP99High",
        ]);
        for (const rule of rules.filter((candidate) => candidate.alert)) {
            assert.ok(["info", "warning", "critical"].includes(rule.labels?.severity), `${rule.alert} severity`);
            assert.ok(rule.annotations?.summary, `${rule.alert} summary`);
        }
    });

    it("waits longer than the model load timeout before alerting on a not-ready model", () => {
        const rule = rules.find((candidate) => candidate.alert === "GantryModelNotReady");
        const minutes = Number(/^(\d+)m$/.exec(rule.for)[1]);
        assert.ok(minutes * 60 > 600);
    });

    it("has a unit test file for every alert", () => {
        const testsDir = path.join(repoRoot, "deploy", "prometheus", "tests");
        const text = fs.readdirSync(testsDir).map((file) => fs.readFileSync(path.join(testsDir, file), "utf8")).join("\n");
        for (const rule of rules.filter((candidate) => candidate.alert)) {
            assert.match(text, new RegExp(`alertname: ${rule.alert}\\b`), `no promtool test for ${rule.alert}`);
        }
    });

    it("puts the same groups in the PrometheusRule object", () => {
        const committed = YAML.parse(fs.readFileSync(prometheusRuleFile, "utf8"));
        assert.deepEqual(committed.spec.groups, groups,
            "deploy/kubernetes/base/prometheusrule.yaml is stale: run node tests/deploy/sync-prometheusrule.mjs");
        assert.equal(fs.readFileSync(prometheusRuleFile, "utf8"), renderPrometheusRule());

        const rendered = single(renderVariant(variants[0]), "PrometheusRule", "gantry");
        assert.deepEqual(rendered.spec.groups, groups);
    });
});

describe("dashboard", () => {
    it("queries through the Prometheus datasource variable", () => {
        const variable = dashboard.templating.list.find((candidate) => candidate.name === "datasource");
        assert.equal(variable.type, "datasource");
        assert.equal(variable.query, "prometheus");
        for (const panel of dashboardPanels().filter((candidate) => candidate.type !== "row")) {
            assert.equal(panel.datasource?.uid, "${datasource}", `panel "${panel.title}"`);
            for (const target of panel.targets) {
                assert.equal(target.datasource?.uid, "${datasource}", `panel "${panel.title}" target ${target.refId}`);
            }
        }
    });

    it("shows each required signal", () => {
        const used = new Set(dashboardExpressions().flatMap(({ expr }) => metricNames(expr))
            .map((name) => familyOf(name, families)));
        for (const name of [
            "gantry_request_duration_seconds",
            "gantry_time_to_first_token_seconds",
            "gantry_inter_token_latency_seconds",
            "gantry_generation_tokens_total",
            "gantry_requests_running",
            "gantry_requests_waiting",
            "gantry_kv_cache_usage_ratio",
            "gantry_gpu_utilization_ratio",
            "gantry_feedback_total",
        ]) {
            assert.ok(used.has(name), `dashboard does not show ${name}`);
        }
    });

    it("has unique panel ids and refIds", () => {
        const ids = dashboardPanels().map((panel) => panel.id);
        assert.equal(new Set(ids).size, ids.length);
        for (const panel of dashboardPanels()) {
            const refIds = (panel.targets ?? []).map((target) => target.refId);
            assert.equal(new Set(refIds).size, refIds.length, `panel "${panel.title}"`);
        }
    });
});

// promtool parses PromQL exactly as Prometheus does. scripts/check-deploy.sh installs it; run
// alone, these tests skip when it is absent.
const promtool = spawnSync("promtool", ["--version"], { stdio: "ignore" }).status === 0;

describe("PromQL syntax", { skip: promtool ? false : "promtool is not installed" }, () => {
    it("parses every dashboard and autoscaler expression", () => {
        const expressions = [...dashboardExpressions(), ...scaledObjectExpressions()];
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "gantry-promql-")), "queries.rules.yaml");
        const document = {
            groups: [{
                name: "queries",
                rules: expressions.map(({ expr }, index) => ({
                    record: `gantry_query_${index}`,
                    // Grafana replaces its variables before the query reaches Prometheus.
                    expr: expr.replaceAll("$__rate_interval", "1m").replace(/\$[a-z]+/g, ".*"),
                })),
            }],
        };
        fs.writeFileSync(file, YAML.stringify(document));
        try {
            execFileSync("promtool", ["check", "rules", file], { encoding: "utf8", stdio: "pipe" });
        } catch (error) {
            assert.fail(`promtool rejected a query:\n${error.stdout}${error.stderr}`);
        } finally {
            fs.rmSync(path.dirname(file), { recursive: true, force: true });
        }
    });
});
