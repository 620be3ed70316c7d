/**
 * The instar-session skill: what it teaches is what the CLI, the MCP server and docs/api.md
 * offer (checked against each other), and installing, updating and removing it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { ApiClient } from '../../src/cli/apiClient';
import { createInstarMcpServer } from '../../src/core/mcp/instarMcp';
import { installSkill, removeSkill, skillDir, skillState } from '../../src/core/agent/skillFiles';
import { runCli } from '../../src/cli/instarCli';
import { REPO } from '../support/engineHarness';

const SKILL = join(REPO, 'media', 'skills', 'instar-session', 'SKILL.md');

/** What `instar <args>` prints on stdout (help texts need no API). */
async function cliOut(args: string[]): Promise<string> {
  let out = '';
  await runCli(args, { env: {}, cwd: tmpdir(), out: (text) => (out += `${text}\n`), err: () => undefined, stdin: async () => '' });
  return out;
}

describe('the instar-session skill', () => {
  it('is a Claude Code skill: front matter with its name and a description', async () => {
    const text = await readFile(SKILL, 'utf8');
    const front = /^---\nname: (.+)\ndescription: (.+)\n---\n/.exec(text);
    assert.ok(front, 'front matter');
    assert.equal(front[1], 'instar-session');
    assert.ok(front[2].length > 50 && front[2].length < 1024);
  });

  it('says what the CLI and docs/api.md say: each command and option it uses exists, each route it names is documented', async () => {
    const skill = await readFile(SKILL, 'utf8');
    const docs = await readFile(join(REPO, 'docs', 'api.md'), 'utf8');
    const help = await cliOut(['--help']);
    const uses = [...skill.matchAll(/\binstar ([a-z]+)((?: [^`|\n]*)?)/g)];
    const commands = new Set(uses.map((use) => use[1]));
    assert.ok(commands.size >= 10, `the skill teaches ${[...commands].join(', ')}`);
    for (const command of commands) {
      assert.match(help, new RegExp(`^  instar ${command}\\b`, 'm'), `instar ${command} is not a command of the CLI`);
      assert.match(docs, new RegExp(`\\| \`instar ${command}\\b`), `instar ${command} is not in docs/api.md`);
    }
    for (const use of uses) {
      const usage = await cliOut([use[1], '--help']);
      for (const option of use[2].matchAll(/--([a-z-]+)/g)) {
        assert.ok(usage.includes(`--${option[1]}`), `instar ${use[1]} takes no --${option[1]} (the skill says: ${use[0]})`);
        assert.ok(docs.includes(`--${option[1]}`), `--${option[1]} is not in docs/api.md`);
      }
    }
    // Routes, with the skill's names of sessions and labels as the docs' placeholders.
    const routes = [...skill.matchAll(/(GET|POST|DELETE) (\/[a-z/:{}]+)|\$INSTAR_SERVER_URL(\/[a-z/]+)/g)].map((match) => (match[2] ?? match[3]).replace(/\/(helper|survey)(?=\/|$)/g, (_, word) => (word === 'survey' ? '/:label' : '/:name')));
    assert.ok(routes.length >= 6);
    for (const route of new Set(routes)) assert.ok(docs.includes(route), `${route} (named in the skill) is not in docs/api.md`);
    // The exit statuses agree.
    const exits = /Exit status of `instar`: (.*?)\n\n/s.exec(skill)![1].replace(/\s+/g, ' ');
    assert.ok(help.replace(/\s+/g, ' ').includes(exits.replace(/\.$/, '')), `the skill's exit statuses (${exits}) are not the CLI's`);
    assert.ok(docs.replace(/\s+/g, ' ').includes(exits.replace(/\.$/, '')), `the skill's exit statuses (${exits}) are not those of docs/api.md`);
  });

  it("names the MCP server's tools as the server lists them", async () => {
    const skill = await readFile(SKILL, 'utf8');
    const named = new Set([...skill.matchAll(/mcp__instar__([a-z]+)/g)].map((match) => match[1]));
    const server = createInstarMcpServer(new ApiClient({}, tmpdir()), 'test');
    const client = new Client({ name: 'skill-test', version: '0' });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await Promise.all([server.connect(serverSide), client.connect(clientSide)]);
    try {
      const { tools } = await client.listTools();
      assert.deepEqual([...named].sort(), tools.map((tool) => tool.name).sort(), 'every tool named, and only those');
      const spawn = tools.find((tool) => tool.name === 'spawn')!;
      const fields = /`mcp__instar__spawn` \(([^)]*)\)/.exec(skill)![1].split(/,\s+/);
      assert.deepEqual(fields.sort(), Object.keys(spawn.inputSchema.properties ?? {}).sort(), "spawn's fields as its schema has them");
    } finally {
      await client.close();
    }
  });

  it('installs into a scope, updates in place, leaves an unchanged copy alone, and removes only itself', async () => {
    const home = await mkdtemp(join(tmpdir(), 'instar-skill-'));
    try {
      const dir = skillDir('workspace', { workspace: join(home, 'project'), home });
      assert.equal(dir, join(home, 'project', '.claude', 'skills', 'instar-session'));
      assert.equal(skillDir('user', { home }), join(home, '.claude', 'skills', 'instar-session'));
      assert.throws(() => skillDir('workspace', { home }), /no workspace folder/);
      assert.equal(await skillState(dir, SKILL), 'absent');
      assert.equal(await installSkill(dir, SKILL), 'installed');
      assert.equal(await readFile(join(dir, 'SKILL.md'), 'utf8'), await readFile(SKILL, 'utf8'));
      assert.equal((await stat(join(dir, 'SKILL.md'))).mode & 0o777, 0o644);
      assert.equal(await installSkill(dir, SKILL), 'unchanged');
      await writeFile(join(dir, 'SKILL.md'), 'an older version');
      assert.equal(await skillState(dir, SKILL), 'outdated');
      assert.equal(await installSkill(dir, SKILL), 'updated');
      assert.equal(await skillState(dir, SKILL), 'current');
      // A file of the user's beside it stays, and so does the folder holding it.
      await writeFile(join(dir, 'notes.md'), 'mine');
      assert.equal(await removeSkill(dir), true);
      assert.equal(await readFile(join(dir, 'notes.md'), 'utf8'), 'mine');
      assert.equal(await skillState(dir, SKILL), 'absent');
      assert.equal(await removeSkill(dir), false);
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});
