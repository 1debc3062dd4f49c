// The OpenAI-compatible routes driven by the official openai npm package.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import path from 'node:path';
import OpenAI from 'openai';
import { startServer, testModels } from './server.js';

const models = testModels();
if (models.length === 0) {
  test('openai SDK tests', { skip: 'no test model: set GANTRY_TEST_MODELS or lay shared/models beside the repository' });
}

for (const model of models) {
  describe(`openai npm SDK against ${path.basename(model)}`, () => {
    let server;
    let client;

    before(async () => {
      server = await startServer(model, ['--context-size', '256']);
      client = new OpenAI({ apiKey: 'test-key', baseURL: `${server.baseURL}/v1`, maxRetries: 0 });
    });

    after(async () => {
      await server?.stop();
    });

    test('chat completion returns text, finish reason and usage', async () => {
      const completion = await client.chat.completions.create({
        model: 'test-model',
        messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hello!' }],
        max_tokens: 6,
        temperature: 0,
      });

      assert.match(completion.id, /^chatcmpl-/);
      assert.equal(completion.object, 'chat.completion');
      assert.equal(completion.choices[0].message.role, 'assistant');
      assert.ok(['stop', 'length'].includes(completion.choices[0].finish_reason));
      assert.ok(completion.usage.completion_tokens >= 1);
      assert.ok(completion.usage.completion_tokens <= 6);
      assert.equal(completion.usage.total_tokens, completion.usage.prompt_tokens + completion.usage.completion_tokens);
    });

    test('streamed chat carries the role first, then text, finish reason, usage', async () => {
      const request = {
        model: 'test-model',
        messages: [{ role: 'user', content: [{ type: 'text', text: 'Stream ' }, { type: 'text', text: 'please.' }] }],
        max_tokens: 12,
        temperature: 0,
        ignore_eos: true,
      };
      const whole = await client.chat.completions.create(request);
      const stream = await client.chat.completions.create({ ...request, stream: true, stream_options: { include_usage: true } });

      const chunks = [];
      for await (const chunk of stream) {
        chunks.push(chunk);
      }

      assert.equal(chunks[0].choices[0].delta.role, 'assistant');
      const text = chunks.map((chunk) => chunk.choices[0]?.delta?.content ?? '').join('');
      assert.equal(text, whole.choices[0].message.content);
      const finish = chunks.filter((chunk) => chunk.choices[0]?.finish_reason);
      assert.equal(finish.length, 1);
      assert.equal(finish[0].choices[0].finish_reason, 'length');
      const usage = chunks.at(-1).usage;
      assert.equal(chunks.at(-1).choices.length, 0);
      assert.equal(usage.completion_tokens, 12);
    });

    test('text completion with a stop string ends before it', async () => {
      const request = { model: 'test-model', prompt: 'Once upon a time', max_tokens: 24, temperature: 0, ignore_eos: true };
      const full = (await client.completions.create(request)).choices[0].text;
      const stop = full.slice(Math.floor(full.length / 2), Math.floor(full.length / 2) + 3);

      const stopped = await client.completions.create({ ...request, stop: [stop] });

      assert.equal(stopped.object, 'text_completion');
      assert.equal(stopped.choices[0].text, full.slice(0, full.indexOf(stop)));
      assert.equal(stopped.choices[0].finish_reason, 'stop');
    });

    test('streamed text completion adds up to the whole completion', async () => {
      const request = { model: 'test-model', prompt: ['Write:'], max_tokens: 10, temperature: 0, ignore_eos: true };
      const whole = await client.completions.create(request);

      const stream = await client.completions.create({ ...request, stream: true });
      let text = '';
      let finish = null;
      for await (const chunk of stream) {
        text += chunk.choices[0]?.text ?? '';
        finish = chunk.choices[0]?.finish_reason ?? finish;
      }

      assert.equal(text, whole.choices[0].text);
      assert.equal(finish, 'length');
    });

    test('models list contains the served model', async () => {
      const list = await client.models.list();

      assert.deepEqual(list.data.map((entry) => entry.id), ['test-model']);
    });

    test('errors surface as APIError with status and OpenAI error fields', async () => {
      await assert.rejects(
        client.chat.completions.create({ model: 'missing', messages: [{ role: 'user', content: 'hi' }] }),
        (error) => error instanceof OpenAI.NotFoundError && error.code === 'model_not_found' && error.param === 'model');
      await assert.rejects(
        client.chat.completions.create({ model: 'test-model', messages: [{ role: 'user', content: 'hi' }], n: 2 }),
        (error) => error instanceof OpenAI.BadRequestError && error.param === 'n');
      await assert.rejects(
        client.completions.create({ model: 'test-model', prompt: 'hi', max_tokens: 1000 }),
        (error) => error instanceof OpenAI.BadRequestError && error.code === 'context_length_exceeded'
          && /256 tokens/.test(error.message) && /1000 in the completion/.test(error.message));
    });
  });
}
