/**
 * The defaults package.json declares are the ones the core takes when nothing is set: the keeper,
 * the CLI and the tests read settings with no VS Code to fill in package.json's defaults.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { readSettings } from '../../src/core/settings/instarSettings';
import { REPO } from '../support/engineHarness';

interface Property {
  default?: unknown;
}

function declaredDefaults(): Map<string, unknown> {
  const manifest = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { contributes: { configuration: { properties: Record<string, Property> } | { properties: Record<string, Property> }[] } };
  const sections = [manifest.contributes.configuration].flat();
  const defaults = new Map<string, unknown>();
  for (const section of sections) {
    for (const [key, property] of Object.entries(section.properties)) {
      assert.ok(key.startsWith('instar.'), `${key}: every setting is under instar.`);
      assert.ok('default' in property, `${key}: declares its default`);
      defaults.set(key.slice('instar.'.length), property.default);
    }
  }
  return defaults;
}

describe('the settings', () => {
  it('default in the core to what package.json declares', () => {
    const defaults = declaredDefaults();
    const read: string[] = [];
    const unset = readSettings((key) => {
      read.push(key);
      return undefined;
    });
    assert.deepEqual(readSettings((key) => defaults.get(key)), unset);
    const undeclared = read.filter((key) => !defaults.has(key));
    assert.deepEqual(undeclared, [], 'every setting the core reads is declared in package.json');
    const unread = [...defaults.keys()].filter((key) => !read.includes(key));
    assert.deepEqual(unread, [], 'every declared setting is read by the core');
  });
});
