import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { declarationOf } from "./schemas.mjs";

const testsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const tsc = path.join(testsDir, "node_modules", "typescript", "bin", "tsc");

/**
 * Type-checks objects against the TypeScript declarations of kubernetes-models and returns the
 * compiler's error lines (empty when all pass). Each error names its file, which is
 * `<prefix><index>-<kind>-<name>.ts` with the object's entry in prefixes. Unlike the JSON schemas, TypeScript rejects
 * unknown properties in an object literal, so this catches a misspelled field such as
 * `readinesProbe` at any depth.
 */
export function unknownFieldErrors(objects, prefixes = []) {
    // The files must sit under tests/deploy so that the compiler resolves node_modules.
    const directory = fs.mkdtempSync(path.join(testsDir, ".typecheck-"));
    try {
        const files = objects.map((object, index) => {
            const { module, name } = declarationOf(object);
            const prefix = prefixes[index] ?? "";
            const file = path.join(directory, `${prefix}${index}-${object.kind}-${object.metadata.name}.ts`);
            const text = `import type { ${name} } from "${module}";\n`
                + `export const object: ${name} = ${JSON.stringify(object, null, 2)};\n`;
            fs.writeFileSync(file, text);
            return file;
        });
        try {
            execFileSync(process.execPath, [
                tsc, "--noEmit", "--strict", "--skipLibCheck", "--pretty", "false",
                "--module", "nodenext", "--moduleResolution", "nodenext", "--target", "es2022",
                ...files,
            ], { cwd: testsDir, encoding: "utf8", stdio: "pipe" });
            return [];
        } catch (error) {
            const output = `${error.stdout ?? ""}${error.stderr ?? ""}`.trim();
            if (output === "") {
                throw error;
            }
            const relativeDirectory = path.relative(testsDir, directory);
            return output.split("\n").map((line) => line.replace(`${relativeDirectory}${path.sep}`, ""));
        }
    } finally {
        fs.rmSync(directory, { recursive: true, force: true });
    }
}
