import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isInstarError } from '../../src/core/util/errors';
import { validateArgs, validateModel, validateName, validatePermissionMode, validateText } from '../../src/core/sessions/validation';

const refused = (fn: () => unknown, pattern: RegExp) =>
  assert.throws(fn, (error: unknown) => {
    assert.ok(isInstarError(error, 'invalid-input'), `expected invalid-input, got ${String(error)}`);
    assert.match((error as Error).message, pattern);
    return true;
  });

describe('session names', () => {
  it('accepts lower-case letters, digits and dashes up to 64 characters', () => {
    for (const name of ['a', '0', 'research', 'job-nightly-2026', '9lives', 'a-', 'x'.repeat(64)]) assert.equal(validateName(name), name);
  });

  it('refuses every other name with the rule in the message', () => {
    const cases: unknown[] = ['', 'Upper', 'with space', 'a.b', 'a:b', '-leading', 'x'.repeat(65), 'tab\tname', 'é', 'a/b', 'a;b', '$(x)', undefined, 42, null];
    for (const name of cases) refused(() => validateName(name), /1 to 64 characters of lower-case letters a-z, digits 0-9 and "-", starting with a letter or digit/);
  });

  it('shortens a huge name in the message', () => {
    refused(() => validateName('A'.repeat(100_000)), /100000 characters/);
  });
});

describe('models', () => {
  it('defaults to sonnet and takes aliases and full ids', () => {
    assert.equal(validateModel(undefined), 'sonnet');
    assert.equal(validateModel(''), 'sonnet');
    for (const model of ['opus', 'sonnet', 'haiku', 'claude-sonnet-4-5-20250929', 'claude-opus-4-1', 'us.anthropic.claude-sonnet-4-5-v1:0', 'claude-sonnet-4-5@20250929']) {
      assert.equal(validateModel(model), model);
    }
  });

  it('refuses other values, naming the aliases', () => {
    for (const model of ['gpt', 'Opus ', 'claude sonnet', '$(x)', '-m', 42]) refused(() => validateModel(model), /opus, sonnet, haiku/);
  });
});

describe('permission modes', () => {
  it('defaults to bypassPermissions', () => {
    assert.equal(validatePermissionMode(undefined), 'bypassPermissions');
    assert.equal(validatePermissionMode('default'), 'default');
  });
  it('refuses unknown modes, listing the allowed ones', () => {
    refused(() => validatePermissionMode('yolo'), /bypassPermissions, default, acceptEdits, plan/);
  });
});

describe('texts', () => {
  it('keeps shell metacharacters, quotes and newlines as they are', () => {
    const text = `$(touch pwned); "q" 'q' \\ \n\ttab \`x\` | & > < * ? ~ #`;
    assert.equal(validateText(text, 'prompt', 1024), text);
  });
  it('refuses a NUL byte, saying where it is', () => {
    refused(() => validateText('ab\0c', 'prompt', 1024), /NUL byte \(at character 2\)/);
  });
  it('refuses text over the limit, counting UTF-8 bytes', () => {
    refused(() => validateText('é'.repeat(600), 'prompt', 1024), /1200 bytes; at most 1024 bytes \(1 KiB\)/);
    assert.equal(validateText('x'.repeat(1024 * 1024), 'prompt', 1024 * 1024).length, 1024 * 1024);
    refused(() => validateText('x'.repeat(1024 * 1024 + 1), 'prompt', 1024 * 1024), /at most 1048576 bytes \(1 MiB\)/);
  });
  it('refuses arguments that are not a list of strings', () => {
    refused(() => validateArgs('--verbose'), /list of strings/);
    refused(() => validateArgs([1]), /list of strings/);
    assert.deepEqual(validateArgs(['--verbose', 'a b']), ['--verbose', 'a b']);
  });
});
