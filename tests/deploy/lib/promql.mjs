// Extracts metric names from PromQL expressions without a full parser. Good enough for the
// expressions in deploy/: it removes strings, label matchers, range selectors, grouping clauses
// and numbers, and then every remaining identifier that is not a function, keyword or number is a
// metric name.

const keywords = new Set([
    "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "offset",
    "and", "or", "unless", "inf", "nan",
]);

/** Returns the metric names (including recording-rule names) that an expression selects. */
export function metricNames(expression) {
    const stripped = expression
        .replace(/"(?:[^"\\]|\\.)*"/g, '""')
        .replace(/'(?:[^'\\]|\\.)*'/g, "''")
        .replace(/\{[^}]*\}/g, " ")
        .replace(/\[[^\]]*\]/g, " ")
        .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, " ")
        // Numbers and durations such as 0.99, 1e3 and 5m.
        .replace(/(?<![A-Za-z0-9_:])[0-9][0-9A-Za-z_.]*/g, " ");
    const names = new Set();
    for (const match of stripped.matchAll(/[A-Za-z_:][A-Za-z0-9_:]*/g)) {
        const name = match[0];
        const next = stripped.slice(match.index + name.length).trimStart();
        const isFunction = next.startsWith("(");
        if (!isFunction && !keywords.has(name.toLowerCase())) {
            names.add(name);
        }
    }
    return [...names];
}

/**
 * Maps a series name to its metric family: a histogram's _bucket, _sum and _count series belong
 * to the histogram, every other name is its own family.
 * @param {string} name series name used in an expression
 * @param {Map<string, {type: string}>} families the families of deploy/metrics.txt
 */
export function familyOf(name, families) {
    for (const suffix of ["_bucket", "_sum", "_count"]) {
        if (name.endsWith(suffix)) {
            const base = name.slice(0, -suffix.length);
            if (families.get(base)?.type === "histogram") {
                return base;
            }
        }
    }
    return name;
}
