// Renders the Marketplace icon (media/icon.png, 128×128) from the activity bar's glyph
// (media/instar.svg): four session panes, each with a prompt, on a dark rounded tile. Run once
// when the glyph changes: node scripts/make-icon.mjs (needs Chromium: ./scripts/vscode-test-env.sh).
import { readFile } from 'node:fs/promises';
import { chromium } from 'playwright-core';

const glyph = (await readFile(new URL('../media/instar.svg', import.meta.url), 'utf8'))
  .replace('width="24" height="24"', 'width="96" height="96"')
  .replace('stroke="currentColor"', 'stroke="#e8ecff"')
  .replace('stroke-width="1.6"', 'stroke-width="1.5"');
const html = `<!doctype html><html><body style="margin:0;background:transparent">
<div style="width:128px;height:128px;border-radius:24px;background:linear-gradient(135deg,#3b4cca,#1b1f3b);display:flex;align-items:center;justify-content:center">${glyph}</div>
</body></html>`;
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox', '--headless', '--disable-gpu'] });
try {
  const page = await browser.newPage({ viewport: { width: 128, height: 128 }, deviceScaleFactor: 1 });
  await page.setContent(html);
  await page.screenshot({ path: new URL('../media/icon.png', import.meta.url).pathname, omitBackground: true, clip: { x: 0, y: 0, width: 128, height: 128 } });
} finally {
  await browser.close();
}
