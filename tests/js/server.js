// Starts a real `gantry serve` process for the tests and stops it afterwards.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Finds the built gantry.dll: GANTRY_SERVER_DLL, else the Release build, else the Debug build. */
export function serverAssembly() {
  const candidates = [
    process.env.GANTRY_SERVER_DLL,
    path.join(root, 'src/Gantry/bin/Release/net10.0/gantry.dll'),
    path.join(root, 'src/Gantry/bin/Debug/net10.0/gantry.dll'),
  ].filter(Boolean);
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    throw new Error(`gantry.dll not found; build first (tried ${candidates.join(', ')})`);
  }
  return found;
}

/** Lists the GGUF models to test: GANTRY_TEST_MODELS (path-separated), else the shared llama-2 model when present. */
export function testModels() {
  const listed = (process.env.GANTRY_TEST_MODELS ?? '').split(path.delimiter).filter(Boolean);
  const shared = path.resolve(root, '..', 'shared', 'models', 'llama-2-tiny-random.gguf');
  const models = listed.length > 0 ? listed : [shared];
  return models.filter((model) => existsSync(model));
}

/** Starts the server on a free port and resolves once a one-token completion succeeds. */
export async function startServer(model, extraArgs = []) {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'gantry-js-'));
  const args = [serverAssembly(), 'serve', '--model', model, '--model-name', 'test-model',
    '--host', '127.0.0.1', '--port', '0', '--data-dir', dataDir, ...extraArgs];
  const child = spawn('dotnet', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = [];
  const baseURL = await new Promise((resolve, reject) => {
    const onData = (data) => {
      output.push(data.toString());
      const match = /Now listening on: (http:\/\/127\.0\.0\.1:\d+)/.exec(output.join(''));
      if (match) {
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => reject(new Error(`gantry exited with ${code}:\n${output.join('')}`)));
    setTimeout(() => reject(new Error(`gantry did not listen within 90 s:\n${output.join('')}`)), 90_000).unref();
  });
  const deadline = Date.now() + 90_000;
  for (;;) {
    const response = await fetch(`${baseURL}/v1/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'test-model', prompt: 'a', max_tokens: 1 }),
    });
    if (response.ok) {
      break;
    }
    if (Date.now() > deadline) {
      throw new Error(`gantry did not become ready (${response.status}):\n${output.join('')}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return {
    baseURL,
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
