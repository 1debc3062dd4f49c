import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, it } from "node:test";
import { podSpec } from "./lib/pod.mjs";
import { renderVariant, variants } from "./lib/render.mjs";

// Runs the cpu overlay's fetch-model script with this machine's sh and curl on file:// URLs, with
// /models pointed at a temporary directory. The container runs the same script under busybox sh.
const fetchModel = podSpec(renderVariant(variants[0])).initContainers.find((candidate) => candidate.name === "fetch-model");
const script = fetchModel.args[0];
const tools = ["sh", "curl", "sha256sum"].every((tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0);

function setup() {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "gantry-fetch-model-"));
    const models = path.join(root, "models");
    fs.mkdirSync(models);
    const source = path.join(root, "source.gguf");
    fs.writeFileSync(source, "GGUF test payload\n");
    const digest = crypto.createHash("sha256").update(fs.readFileSync(source)).digest("hex");
    return { root, models, source, digest };
}

function run({ models, source }, sha256) {
    const result = spawnSync("sh", ["-c", script.replaceAll("/models/", `${models}/`)], {
        encoding: "utf8",
        env: { ...process.env, MODEL_URL: `file://${source}`, MODEL_FILE: "model.gguf", MODEL_SHA256: sha256 },
        timeout: 60_000,
    });
    return { status: result.status, output: `${result.stdout}${result.stderr}`, files: fs.readdirSync(models).sort() };
}

describe("fetch-model init container", { skip: tools ? false : "sh, curl or sha256sum is missing" }, () => {
    it("downloads the file when it is absent", (t) => {
        const context = setup();
        t.after(() => fs.rmSync(context.root, { recursive: true, force: true }));

        const result = run(context, "");

        assert.equal(result.status, 0, result.output);
        assert.deepEqual(result.files, ["model.gguf"]);
        assert.equal(fs.readFileSync(path.join(context.models, "model.gguf"), "utf8"), "GGUF test payload\n");
    });

    it("keeps a file that is already present", (t) => {
        const context = setup();
        t.after(() => fs.rmSync(context.root, { recursive: true, force: true }));
        fs.writeFileSync(path.join(context.models, "model.gguf"), "earlier download\n");

        const result = run(context, context.digest);

        assert.equal(result.status, 0, result.output);
        assert.match(result.output, /model file present/);
        assert.equal(fs.readFileSync(path.join(context.models, "model.gguf"), "utf8"), "earlier download\n");
    });

    it("accepts a download with the expected digest", (t) => {
        const context = setup();
        t.after(() => fs.rmSync(context.root, { recursive: true, force: true }));

        const result = run(context, context.digest);

        assert.equal(result.status, 0, result.output);
        assert.deepEqual(result.files, ["model.gguf"]);
    });

    it("deletes a download with another digest", (t) => {
        const context = setup();
        t.after(() => fs.rmSync(context.root, { recursive: true, force: true }));

        const result = run(context, "0".repeat(64));

        assert.equal(result.status, 1, result.output);
        assert.match(result.output, /does not match MODEL_SHA256/);
        assert.deepEqual(result.files, []);
    });

    it("fails without a file when the URL is missing", (t) => {
        const context = setup();
        t.after(() => fs.rmSync(context.root, { recursive: true, force: true }));
        fs.rmSync(context.source);

        const result = run(context, "");

        assert.notEqual(result.status, 0, result.output);
        assert.ok(!result.files.includes("model.gguf"));
    });
});
