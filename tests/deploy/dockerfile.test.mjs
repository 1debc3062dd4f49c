import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { describe, it } from "node:test";
import { repoRoot } from "./lib/paths.mjs";
import { container, environment, podSpec } from "./lib/pod.mjs";
import { renderVariant, variants } from "./lib/render.mjs";

// The Dockerfile cannot be built here (no container engine), so these tests hold it to the
// facts it depends on: the publish command, the executable name, the port and the user.
const dockerfile = fs.readFileSync(path.join(repoRoot, "deploy", "docker", "Dockerfile"), "utf8");
const instructions = dockerfile
    .replace(/\\\n/g, " ")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "" && !line.startsWith("#"));
const stages = instructions.join("\n").split(/^FROM /m).filter((stage) => stage !== "").map((stage) => `FROM ${stage}`);
const runtimeStage = stages.at(-1);

// UID of the `app` user in the mcr.microsoft.com/dotnet images, which $APP_UID holds.
const appUid = 1654;

describe("Dockerfile", () => {
    it("builds with the .NET 10 SDK and runs on the ASP.NET runtime", () => {
        assert.equal(stages.length, 2);
        assert.match(stages[0], /^FROM mcr\.microsoft\.com\/dotnet\/sdk:10\.0 AS build$/m);
        assert.match(runtimeStage, /^FROM mcr\.microsoft\.com\/dotnet\/aspnet:10\.0$/m);
    });

    it("publishes src/Gantry to /app and starts the gantry executable", () => {
        assert.match(stages[0], /^RUN dotnet publish src\/Gantry -c Release -o \/app\b/m);
        assert.match(runtimeStage, /^COPY --from=build \/app \.\/$/m);
        assert.match(runtimeStage, /^WORKDIR \/app$/m);
        assert.match(runtimeStage, /^ENTRYPOINT \["\/app\/gantry"\]$/m);
        assert.match(runtimeStage, /^CMD \["serve"\]$/m);

        const project = fs.readFileSync(path.join(repoRoot, "src", "Gantry", "Gantry.csproj"), "utf8");
        assert.match(project, /<AssemblyName>gantry<\/AssemblyName>/, "the apphost is named after the assembly");
    });

    it("installs the OpenMP runtime that the llama.cpp CPU libraries load", () => {
        const projects = fs.readdirSync(path.join(repoRoot, "src"))
            .flatMap((folder) => {
                const directory = path.join(repoRoot, "src", folder);
                return fs.statSync(directory).isDirectory()
                    ? fs.readdirSync(directory).filter((file) => file.endsWith(".csproj")).map((file) => path.join(directory, file))
                    : [];
            })
            .map((file) => fs.readFileSync(file, "utf8"));
        assert.ok(projects.some((text) => text.includes('Include="LLamaSharp.Backend.Cpu"')));
        assert.match(runtimeStage, /apt-get install -y --no-install-recommends libgomp1/);
    });

    it("listens on the port the manifests probe and runs as their user", () => {
        const objects = renderVariant(variants[0]);
        const configuredPort = environment(objects, container(objects, "gantry")).get("Gantry__Port");
        assert.match(runtimeStage, new RegExp(`^EXPOSE ${configuredPort}$`, "m"));
        assert.match(runtimeStage, new RegExp(`Gantry__Port=${configuredPort}\\b`));
        assert.match(runtimeStage, /Gantry__Host=0\.0\.0\.0\b/);
        assert.match(runtimeStage, /Gantry__DataDir=\/data\b/);

        assert.match(runtimeStage, /^USER \$APP_UID$/m);
        assert.equal(podSpec(objects).securityContext.runAsUser, appUid);
    });

    it("copies only paths that exist and that .dockerignore keeps", () => {
        const ignored = fs.readFileSync(path.join(repoRoot, ".dockerignore"), "utf8")
            .split("\n")
            .map((line) => line.trim())
            .filter((line) => line !== "" && !line.startsWith("#"))
            .map((line) => line.replace(/^\//, "").replace(/\/$/, ""));
        const sources = instructions
            .filter((line) => line.startsWith("COPY ") && !line.startsWith("COPY --from"))
            .flatMap((line) => line.split(/\s+/).slice(1, -1));
        assert.ok(sources.length > 0);
        for (const source of sources) {
            const relative = source.replace(/\/$/, "");
            assert.ok(fs.existsSync(path.join(repoRoot, relative)), `COPY source ${source} does not exist`);
            assert.ok(!ignored.includes(relative), `COPY source ${source} is excluded by .dockerignore`);
        }
        for (const required of ["**/bin/", "**/obj/", ".git"]) {
            assert.ok(ignored.includes(required.replace(/\/$/, "")), `.dockerignore does not exclude ${required}`);
        }
    });
});
