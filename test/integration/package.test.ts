/**
 * The package as the Marketplace gets it: `vsce ls` lists exactly what ships (a file added by
 * mistake fails here), `vsce package` warns of nothing, the icon is a 128×128 PNG, and the
 * manifest has what the Marketplace shows (categories, keywords, a changelog).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { REPO } from '../support/engineHarness';

const run = promisify(execFile);
const VSCE = join(REPO, 'node_modules', '.bin', 'vsce');

/** What ships, and nothing else: the bundles, the media, the manifest and its texts. */
const SHIPPED = [
  'CHANGELOG.md',
  'LICENSE',
  'README.md',
  'dist/cli.js',
  'dist/execa.js',
  'dist/extension.js',
  'dist/keeper.js',
  'dist/main.js',
  'dist/mcp.js',
  'docs/editor-terminal.png',
  'docs/sessions-view.png',
  'docs/worktree-review.png',
  'l10n/bundle.l10n.json',
  'media/icon.png',
  'media/instar.svg',
  'media/skills/instar-session/SKILL.md',
  'media/walkthrough/environment.md',
  'media/walkthrough/job.md',
  'media/walkthrough/keeper.md',
  'media/walkthrough/steer.md',
  'package.json',
  'package.nls.json',
];

/** package.json with its %key% texts replaced by package.nls.json's, as VS Code reads it. */
async function localizedManifest(): Promise<unknown> {
  const texts = JSON.parse(await readFile(join(REPO, 'package.nls.json'), 'utf8')) as Record<string, string>;
  return JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8'), (_, value: unknown) =>
    typeof value === 'string' && /^%[\w.-]+%$/.test(value) ? texts[value.slice(1, -1)] : value,
  );
}

describe('the package', () => {
  it('lists exactly what ships', async () => {
    const { stdout } = await run(VSCE, ['ls', '--no-dependencies'], { cwd: REPO, timeout: 60_000 });
    assert.deepEqual(stdout.trim().split('\n').map((line) => line.trim()).sort(), SHIPPED);
  });

  it('has a walkthrough whose every step shows shipped media, offers a command it has, and is marked done by an event', async () => {
    interface Step { id: string; description: string; media: { markdown?: string; image?: string }; completionEvents: string[] }
    const manifest = (await localizedManifest()) as { contributes: { walkthroughs: { id: string; steps: Step[] }[]; commands: { command: string }[] } };
    const [walkthrough] = manifest.contributes.walkthroughs;
    assert.equal(walkthrough.id, 'instar.start');
    const commands = new Set(manifest.contributes.commands.map((entry) => entry.command));
    const { stdout } = await run(VSCE, ['ls', '--no-dependencies'], { cwd: REPO, timeout: 60_000 });
    const shipped = new Set(stdout.trim().split('\n').map((line) => line.trim()));
    assert.deepEqual(walkthrough.steps.map((step) => step.id), ['environment', 'spawn', 'talk', 'steer', 'job', 'worktree', 'keeper']);
    for (const step of walkthrough.steps) {
      const media = step.media.markdown ?? step.media.image ?? '';
      assert.ok(shipped.has(media), `${step.id}: its media ${media} ships`);
      const buttons = [...step.description.matchAll(/\]\(command:([\w.]+)/g)].map((match) => match[1]);
      for (const command of buttons) assert.ok(commands.has(command) || command === 'workbench.action.openWalkthrough', `${step.id}: ${command} is a command of ours`);
      assert.ok(step.completionEvents.length > 0, step.id);
      for (const event of step.completionEvents) {
        const [kind, what] = event.split(':');
        assert.ok(kind === 'onContext' || (kind === 'onCommand' && commands.has(what)), `${step.id}: ${event}`);
      }
    }
    assert.ok(walkthrough.steps.every((step) => /\]\(command:/.test(step.description)), 'a button on each step');
  });

  it('takes every text a person reads from package.nls.json, each key there used', async () => {
    const manifest = await readFile(join(REPO, 'package.json'), 'utf8');
    const texts = JSON.parse(await readFile(join(REPO, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const used = [...manifest.matchAll(/"%([\w.-]+)%"/g)].map((match) => match[1]);
    assert.ok(used.length > 100, `${used.length} texts`);
    assert.deepEqual(used.filter((key) => typeof texts[key] !== 'string' || texts[key] === ''), [], 'every key has its text');
    assert.deepEqual(Object.keys(texts).filter((key) => !used.includes(key)), [], 'no text is left unused');
    const localized = (await localizedManifest()) as { contributes: { commands: { title: string }[]; configuration: { properties: Record<string, { description?: string; markdownDescription?: string }> } } };
    assert.ok(localized.contributes.commands.every((command) => command.title && !command.title.startsWith('%')));
    for (const [name, setting] of Object.entries(localized.contributes.configuration.properties)) assert.ok(setting.description ?? setting.markdownDescription, `${name} is described`);
  });

  it('packages with no warning, the icon a 128×128 PNG, with categories, keywords and a changelog', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'instar-package-'));
    try {
      const vsix = join(dir, 'instar-sessions.vsix');
      const { stdout, stderr } = await run(VSCE, ['package', '--no-dependencies', '-o', vsix], { cwd: REPO, timeout: 120_000 });
      assert.doesNotMatch(`${stdout}\n${stderr}`, /WARNING|ERROR/i, `${stdout}\n${stderr}`);
      assert.ok((await stat(vsix)).size > 100_000);
      const manifest = JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')) as { icon: string; categories: string[]; keywords: string[]; galleryBanner?: { color: string } };
      const png = await readFile(join(REPO, manifest.icon));
      assert.equal(png.subarray(0, 8).toString('hex'), '89504e470d0a1a0a', 'a PNG');
      assert.deepEqual([png.readUInt32BE(16), png.readUInt32BE(20)], [128, 128], '128×128');
      assert.ok(manifest.categories.includes('AI'), JSON.stringify(manifest.categories));
      assert.ok(manifest.keywords.length >= 5 && manifest.keywords.length <= 30);
      assert.match(manifest.galleryBanner?.color ?? '', /^#[0-9a-f]{6}$/i);
      const changelog = await readFile(join(REPO, 'CHANGELOG.md'), 'utf8');
      assert.match(changelog, /^# Changelog\n[\s\S]*\n## \[Unreleased\]\n[\s\S]*\n## \[\d+\.\d+\.\d+\]/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
