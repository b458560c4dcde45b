// The web page in a real browser (Debian's chromium through playwright-core): create
// a project, upload a take and its DI, run the match, wait for the three flavor cards, play a
// preview and A/B to the reference at the same position; a screenshot is kept.
// usage: node e2e.mjs URL TAKE.wav SCREENSHOT.png
import { chromium } from 'playwright-core';

const [url, take, shot, di] = process.argv.slice(2);
const fail = (msg) => { console.error(`test_browser: ${msg}`); process.exitCode = 1; };

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
    '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'],
});
const errors = [];
let page = null;
try {
  page = await browser.newPage({ viewport: { width: 1100, height: 1400 } });
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('response', (r) => { if (r.status() >= 400) errors.push(`${r.status()} ${r.url()}`); });
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.goto(url);
  await page.fill('#project-name', 'Browser test');
  await page.click('#project-new');
  // the project is open (not only listed: the list is filled before the project is fetched,
  // and a file chosen in between is refused with "Create a project first")
  await page.waitForFunction(() => window.r2r.project && window.r2r.project.name === 'Browser test');
  await page.setInputFiles('#file', take);
  await page.waitForFunction(() => !document.querySelector('#run-match').disabled, null, { timeout: 60000 });
  if (di) { // the player's DI, then the match searches with it
    await page.setInputFiles('#di-file', di);
    await page.waitForFunction(() => document.getElementById('di-info').textContent.includes('DI uploaded'), null,
      { timeout: 60000 });
    // what the DI is played on: asked once a DI is there, r2r judges by default
    const kind = await page.evaluate(() => [document.getElementById('di-kind').hidden,
      document.getElementById('di-guitar').value]);
    if (kind[0] || kind[1] !== 'auto') fail(`DI kind choice: hidden ${kind[0]}, value ${kind[1]}`);
  }
  await page.click('#run-match');
  await page.waitForFunction(() => document.querySelectorAll('#cards .card').length === 3, null, { timeout: 600000 });
  const flavors = await page.$$eval('#cards .card', (cs) => cs.map((c) => c.dataset.flavor));
  if (flavors.join(',') !== 'balanced,brighter,thicker') fail(`cards: ${flavors}`);
  const eqRows = await page.$$eval('#cards .card:first-child table tr', (rs) => rs.length);
  if (eqRows !== 7) fail(`EQ table rows: ${eqRows}`);
  // the DI is the take's own: the card shows the null test of the amp
  const cardText = await page.$eval('#cards .card:first-child', (c) => c.textContent);
  if (!/Null test\s*-?\d/.test(cardText)) fail(`no null test on the balanced card: ${cardText}`);
  // a preview plays, and the reference takes over at the same position
  await page.click('.ab button[data-src="balanced"]');
  await page.click('#play');
  await page.waitForFunction(() => window.r2r.players.balanced.currentTime > 1.0, null, { timeout: 20000 });
  await page.click('.ab button[data-src="reference"]');
  const sync = await page.evaluate(() => {
    const s = window.r2r;
    return { current: s.current, ref: s.players.reference.currentTime, bal: s.players.balanced.currentTime,
      balPaused: s.players.balanced.paused };
  });
  if (sync.current !== 'reference' || !sync.balPaused || Math.abs(sync.ref - sync.bal) > 0.5)
    fail(`A/B switch: ${JSON.stringify(sync)}`);
  await page.waitForFunction(() => window.r2r.players.reference.currentTime > 1.5, null, { timeout: 20000 });
  const spectraDrawn = await page.evaluate(() => {
    const c = document.getElementById('spectra'), d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let lit = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] > 120) lit++;
    return lit;
  });
  if (spectraDrawn < 200) fail(`the spectra plot looks empty (${spectraDrawn} bright pixels)`);
  const hrefs = await page.$$eval('.downloads a', (as) => as.map((a) => a.getAttribute('href')));
  for (const h of hrefs) {
    const r = await page.request.get(new URL(h, url).href);
    if (r.status() !== 200) fail(`download ${h}: ${r.status()}`);
  }
  await page.screenshot({ path: shot, fullPage: true });
  if (errors.length) fail(`page errors: ${errors.join(' | ')}`);
  if (!process.exitCode) console.log(`test_browser: ok (${flavors.length} cards, A/B in sync, screenshot ${shot})`);
} catch (e) {
  // a wait that timed out: say where the page stood, so a failure on CI can be read
  fail(e.message.split('\n')[0]);
  const state = page && await page.evaluate(() => ['source-info', 'task-msg', 'error', 'di-info']
    .map((id) => `${id}: ${document.getElementById(id)?.textContent ?? '-'}`).join(' | ')).catch(() => null);
  if (state) console.error(`test_browser: page state: ${state}`);
  if (errors.length) console.error(`test_browser: page errors: ${errors.join(' | ')}`);
} finally {
  await browser.close();
}
