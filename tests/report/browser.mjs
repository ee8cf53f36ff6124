// The HTML report in a real browser:
//   node browser.mjs REPORT.html SCREENSHOT.png DEVICES [--min-plots N] [--predicted] [--anchors] [--measured]
//                    [--check]
//
// Launches Debian's Chromium (/usr/bin/chromium, or $Q4T_CHROMIUM) headless through playwright-core,
// opens the report from file://, waits until report.js says every plot has settled
// (document.body.dataset.rendered), then checks, one line per check:
//   1. no console error and no page error;
//   2. no request other than file: and data: (every other one is aborted and counted);
//   3. every plot container (.q4t-plot[data-plot]) holds an SVG with at least one data mark, there
//      is at least one plot per plottable part of the data (judged here from window.Q4T_REPORT),
//      and at least N plots (--min-plots N; without it 1, or 0 when the data has nothing to plot);
//   4. table#devices has exactly DEVICES body rows;
//   5. where the data has a predicted table (required with --predicted): its heatmaps (plots named
//      predicted/...) each draw at least one rect per kernel x core of the data, every plot title
//      and legend title of theirs says "predicted", and so does the section's heading;
//      where the data has anchors (required with --anchors): table#anchor-comparison has one row per
//      comparison, each with its core, both kernels and ✓/✗ as the data says; with --measured: the
//      predicted-vs-measured plot has marks and table#measured-beside-predicted has rows;
//      for every device whose data has a predict-check record (at least one with --check): its plot
//      (predict-check/<device id>) draws a bar per predicted and per measured figure, its legend names
//      both "predicted" and "measured", its per-kernel table has a row per kernel of the record, its
//      ranking table a row per group with ✓/✗ as the data says, and the section does not say
//      "no measured figure";
//   6. a full-page screenshot is written to SCREENSHOT.png.
// Exits 0 when all pass, 1 otherwise (2 on a usage error).
// playwright-core is looked up from this file's folder, the working directory and NODE_PATH.
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

function usage(msg) {
  if (msg) console.error('browser.mjs: ' + msg);
  console.error('usage: node browser.mjs REPORT.html SCREENSHOT.png DEVICES [--min-plots N]' +
                ' [--predicted] [--anchors] [--measured] [--check]');
  process.exit(2);
}

const argv = process.argv.slice(2);
let minPlots = null; // given: a floor whatever the data; not given: 1 when the data has something to plot
const pos = [];
const want = { predicted: false, anchors: false, measured: false, check: false };
for (let i = 0; i < argv.length; i++) {
  if (['--predicted', '--anchors', '--measured', '--check'].includes(argv[i])) {
    want[argv[i].slice(2)] = true;
  } else if (argv[i] === '--min-plots') {
    if (!/^\d+$/.test(argv[i + 1] || '')) usage('--min-plots takes a number');
    minPlots = Number(argv[++i]);
  } else if (argv[i].startsWith('--min-plots=')) {
    minPlots = Number(argv[i].slice(12));
    if (!Number.isInteger(minPlots) || minPlots < 0) usage('--min-plots takes a number');
  } else pos.push(argv[i]);
}
if (pos.length !== 3 || !/^\d+$/.test(pos[2])) usage();
const [reportPath, shotPath] = pos;
const devices = Number(pos[2]);
if (!fs.existsSync(reportPath)) usage('no such file: ' + reportPath);

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
let chromium;
try {
  const paths = [here, process.cwd(), ...(process.env.NODE_PATH || '').split(path.delimiter).filter(Boolean)];
  ({ chromium } = require(require.resolve('playwright-core', { paths })));
} catch (e) {
  console.error('browser.mjs: playwright-core is not installed (npm ci in tests/report, or NODE_PATH): ' + e.message);
  process.exit(2);
}

const executablePath = process.env.Q4T_CHROMIUM || '/usr/bin/chromium';
const TIMEOUT_MS = Number(process.env.Q4T_REPORT_TIMEOUT_MS || 90000);
const results = [];
function check(ok, what) {
  results.push(ok);
  console.log((ok ? 'ok   ' : 'FAIL ') + what);
}

const consoleErrors = [], consoleWarnings = [], pageErrors = [], requested = [];
const offsite = new Map(); // request (or websocket) -> its URL
const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'q4t-report-chromium-'));
let context;
let exitCode = 1;
try {
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: { width: 1440, height: 1000 },
    deviceScaleFactor: 1,
    offline: false,
    serviceWorkers: 'block',
  });
  // every request that is not file: or data: is aborted and counted
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith('file:') || url.startsWith('data:')) return route.continue();
    offsite.set(route.request(), url);
    return route.abort('blockedbyclient');
  });
  context.on('request', (r) => {
    const url = r.url();
    requested.push(url);
    if (!url.startsWith('file:') && !url.startsWith('data:')) offsite.set(r, url);
  });
  const page = context.pages()[0] || await context.newPage();
  page.on('console', (m) => {
    if (m.type() === 'error') consoleErrors.push(m.text());
    else if (m.type() === 'warning') consoleWarnings.push(m.text());
  });
  page.on('pageerror', (e) => pageErrors.push(String(e && e.stack || e)));
  page.on('websocket', (ws) => offsite.set(ws, ws.url()));

  const url = pathToFileURL(path.resolve(reportPath)).href;
  const t0 = Date.now();
  await page.goto(url, { waitUntil: 'load', timeout: TIMEOUT_MS });
  let rendered = true;
  try {
    await page.waitForFunction(() => document.body && document.body.dataset.rendered !== undefined, null,
                               { timeout: TIMEOUT_MS, polling: 100 });
  } catch (e) {
    rendered = false;
  }
  const ms = Date.now() - t0;
  check(rendered, rendered ? `rendered: report.js settled its plots in ${ms} ms`
                           : `rendered: document.body.dataset.rendered was not set within ${TIMEOUT_MS} ms`);

  // 1. console and page errors
  for (const e of consoleErrors) console.log('     console error: ' + e.slice(0, 500));
  for (const e of pageErrors) console.log('     page error: ' + e.slice(0, 500));
  const warned = new Map();
  for (const w of consoleWarnings) warned.set(w, (warned.get(w) || 0) + 1);
  for (const [w, n] of warned) console.log('     (console warning' + (n > 1 ? ', ' + n + ' times' : '') + ': ' + w.slice(0, 300) + ')');
  check(consoleErrors.length === 0 && pageErrors.length === 0,
        `errors: ${consoleErrors.length} console errors, ${pageErrors.length} page errors`);

  // 2. requests
  for (const u of offsite.values()) console.log('     blocked request: ' + u.slice(0, 300));
  check(offsite.size === 0, `requests: ${requested.length} made, ${offsite.size} not file: or data:`);

  // 3. plots and their data marks
  const info = await page.evaluate(() => {
    // data marks only: groups of Vega's role-mark class (not axes, legends, titles or the frame),
    // and within them the items drawn
    const kinds = ['symbol', 'rect', 'line', 'rule', 'area', 'trail', 'arc'];
    const sel = kinds.map((k) => `g.mark-${k}.role-mark`).join(',');
    const plots = [...document.querySelectorAll('.q4t-plot')].map((el) => {
      const svg = el.querySelector('svg');
      let marks = 0;
      if (svg) {
        for (const g of svg.querySelectorAll(sel)) {
          for (const item of g.children) {
            const role = item.getAttribute('role');
            if (role && role !== 'graphics-symbol' && role !== 'graphics-object') continue;
            if (item.tagName === 'path' && !(item.getAttribute('d') || '').trim()) continue;
            marks++;
          }
        }
      }
      return { name: el.dataset.plot || '', svg: !!svg, marks, failed: el.dataset.failed === 'true' };
    });
    // what the data has to plot, judged here and not by report.js
    const R = window.Q4T_REPORT || {};
    const arr = (x) => (Array.isArray(x) ? x : []);
    let plottable = 0;
    const num = (x) => typeof x === 'number' && isFinite(x) && x > 0;
    for (const d of arr(R.devices)) {
      if (!d || typeof d !== 'object' || d.emulated) continue;
      const shapes = arr(d.tuned && d.tuned.shapes);
      if (shapes.some((s) => s && arr(s.ranked).some((r) => r && num(r.median_s)))) plottable++;
      if (arr(d.sweep && d.sweep.shapes).some((s) => s && arr(s.runs).some((r) => r && num(r.median_s)))) plottable++;
      if (arr(d.runs).some((r) => r && r.breakdown)) plottable++;
      if (arr(d.vs_llama).some((v) => v && arr(v.figures).length)) plottable++;
    }
    if (arr(R.history).some((e) => e && arr(e.points).some((p) => p && typeof p.value === 'number'))) plottable++;
    // the static model: its kernel x core cells, and the anchors' comparison rows
    const obj = (x) => x && typeof x === 'object' && !Array.isArray(x);
    let cells = null;
    if (obj(R.predicted)) {
      const cores = new Set(arr(R.predicted.cores).map((c) => c && c.id));
      cells = 0;
      for (const k of arr(R.predicted.kernels)) {
        for (const [id, p] of Object.entries(obj(k && k.cores) ? k.cores : {}))
          if (cores.has(id) && obj(p) && (typeof p.macs_per_cycle === 'number' || obj(p.instructions_per_step)))
            cells++;
      }
      if (cells) plottable++;
    }
    const texts = (el, sel) => [...el.querySelectorAll(sel)].map((t) => t.textContent.trim()).filter(Boolean);
    const heatmaps = [...document.querySelectorAll('.q4t-plot[data-plot^="predicted/"]')].map((el) => {
      let rects = 0;
      for (const g of el.querySelectorAll('svg g.mark-rect.role-mark'))
        rects += [...g.children].filter((i) => i.tagName === 'path' && (i.getAttribute('d') || '').trim()).length;
      return { name: el.dataset.plot, rects, titles: texts(el, 'svg g.role-title-text text'),
               legends: texts(el, 'svg g.role-legend-title text') };
    });
    const heading = (document.querySelector('section#predicted > h2') || {}).textContent || '';
    let anchors = null;
    if (obj(R.anchors)) {
      const trs = [...document.querySelectorAll('table#anchor-comparison > tbody > tr')].map((tr) => tr.textContent);
      const missing = arr(R.anchors.comparison).filter((c) => obj(c)).filter((c) => {
        const need = [c.core, c.op, c.q4tune && c.q4tune.kernel, c.anchor && c.anchor.kernel,
                      c.anchor && c.anchor.project, c.met === true ? '✓' : c.met === false ? '✗' : null].filter((x) => typeof x === 'string');
        return !trs.some((t) => need.every((n) => t.includes(n)));
      }).map((c) => `${c.core} ${c.op}`);
      anchors = { rows: trs.length, want: arr(R.anchors.comparison).length, missing };
    }
    const measuredRows = document.querySelectorAll('table#measured-beside-predicted > tbody > tr').length;
    // q4tune predict --check, per device that has one: its plot, legend and tables against its record
    const checks = arr(R.devices).filter((d) => obj(d) && obj(d.predict_check)).map((d) => {
      const id = String(d.id), C = d.predict_check;
      const ks = arr(C.kernels).filter((k) => obj(k) && typeof k.name === 'string');
      const figures = ks.reduce((n, k) => n + (typeof k.predicted_macs_per_cycle === 'number') +
                                          (typeof k.measured_macs_per_cycle === 'number'), 0);
      const el = [...document.querySelectorAll('.q4t-plot')].find((p) => p.dataset.plot === 'predict-check/' + id);
      let rects = 0;
      for (const g of el ? el.querySelectorAll('svg g.mark-rect.role-mark') : [])
        rects += [...g.children].filter((i) => i.tagName === 'path' && (i.getAttribute('d') || '').trim()).length;
      const legend = el ? texts(el, 'svg g.role-legend-label text') : [];
      const rowsOf = (what) => {
        const t = [...document.querySelectorAll(`table[data-check="${what}"]`)].find((x) => x.dataset.device === id);
        return t ? [...t.querySelectorAll('tbody > tr')].map((tr) => [...tr.children].map((td) => td.textContent.trim())) : null;
      };
      const kr = rowsOf('kernels'), rr = rowsOf('ranking');
      const missing = ks.filter((k) => !(kr || []).some((r) => r[0] === k.name)).map((k) => k.name);
      const rk = arr(C.ranking).filter(obj);
      const rankMissing = rk.filter((g) => !(rr || []).some((r) => r[0] === g.op && r[1] === g.family &&
        r.includes(g.model_best) && r.includes(g.measured_best) &&
        r[r.length - 1] === (g.within_5pct === true ? '✓' : g.within_5pct === false ? '✗' : '–')))
        .map((g) => `${g.op} ${g.family}`);
      return { id, plot: !!el, rects, figures, legend, kernels: ks.length, kernelRows: kr ? kr.length : null, missing,
               ranking: rk.length, rankingRows: rr ? rr.length : null, rankMissing };
    });
    const pvm = document.querySelector('section#predicted-vs-measured');
    const noFigure = !!pvm && /no measured figure/.test(pvm.textContent);
    const rows = document.querySelectorAll('table#devices > tbody > tr').length;
    const table = !!document.querySelector('table#devices');
    const redLines = [...document.querySelectorAll('.q4t-error')].map((e) => e.textContent);
    return { plots, plottable, rows, table, redLines, dataDevices: arr(R.devices).length,
             cells, heatmaps, heading, anchors, measuredRows, checks, noFigure,
             said: document.body.dataset.plots, failures: document.body.dataset.plotFailures };
  });
  const names = new Set();
  for (const p of info.plots) {
    check(p.svg && p.marks > 0 && !p.failed && p.name !== '' && !names.has(p.name),
          `plot ${p.name || '(no data-plot name)'}: ${p.svg ? 'svg' : 'no svg'}, ${p.marks} data marks` +
          (p.failed ? ', vegaEmbed failed' : '') + (names.has(p.name) ? ', name not unique' : ''));
    names.add(p.name);
  }
  const floor = minPlots !== null ? minPlots : (info.plottable > 0 ? 1 : 0);
  if (info.plots.length === 0 && floor === 0) {
    check(info.plottable === 0, 'plots: none, and the data has nothing to plot');
  } else {
    check(info.plots.length >= floor && info.plots.length >= info.plottable,
          `plots: ${info.plots.length}, at least ${floor}` + (minPlots !== null ? ' (--min-plots)' : '') +
          ` and at least one per plottable part of the data (${info.plottable})`);
  }
  check(String(info.plots.length) === info.said, `plots: report.js counted ${info.said}, the page holds ${info.plots.length}`);
  for (const l of info.redLines) console.log('     red line: ' + l.slice(0, 300));
  check(info.redLines.length === 0, `sections: ${info.redLines.length} could not be drawn`);

  // 4. the device table
  if (devices === 0 && !info.table) check(true, 'devices: no device table, and 0 devices expected');
  else check(info.table && info.rows === devices,
             `devices: table#devices has ${info.table ? info.rows : 'no table and'} body rows, expected ${devices}` +
             ` (the data holds ${info.dataDevices})`);

  // 5. the static model's sections
  if (info.cells !== null || want.predicted) {
    check(info.cells > 0, 'predicted: the data has ' +
          (info.cells === null ? 'no predicted table' : `a predicted table of ${info.cells} kernel x core cells`));
    check(info.heatmaps.length > 0, `predicted: ${info.heatmaps.length} heatmaps (plots named predicted/...)`);
    for (const hm of info.heatmaps) {
      check(hm.rects >= info.cells,
            `predicted heatmap ${hm.name}: ${hm.rects} rect marks drawn, at least one per cell (${info.cells})`);
      const unlabelled = [...hm.titles, ...hm.legends].filter((t) => !/predicted/i.test(t));
      check(hm.titles.length > 0 && hm.legends.length > 0 && unlabelled.length === 0,
            `predicted heatmap ${hm.name}: titles and legend say "predicted" (${hm.titles.length} titles, ` +
            `${hm.legends.length} legend titles` +
            (unlabelled.length ? '; not: ' + unlabelled.join(' | ') : '') + ')');
    }
    check(/predicted/i.test(info.heading), `predicted: the section's heading says so: "${info.heading}"`);
  }
  if (info.anchors !== null || want.anchors) {
    const a = info.anchors || { rows: 0, want: 0, missing: [] };
    check(info.anchors !== null && a.want > 0 && a.rows === a.want && a.missing.length === 0,
          `anchors: table#anchor-comparison has ${a.rows} rows for the data's ${a.want} comparisons` +
          (a.missing.length ? '; no row for ' + a.missing.join(', ') : ''));
  }
  if (want.measured) {
    const p = info.plots.find((x) => x.name === 'predicted-vs-measured');
    check(p && p.marks > 0 && info.measuredRows > 0,
          `predicted vs measured: ${p ? p.marks + ' marks' : 'no plot'}, ` +
          `table#measured-beside-predicted has ${info.measuredRows} rows`);
  }

  if (info.checks.length || want.check) {
    check(info.checks.length > 0, `predict --check: ${info.checks.length} devices with a predict-check record`);
    for (const c of info.checks) {
      check(c.plot && c.figures > 0 && c.rects >= c.figures,
            `predict --check ${c.id}: ${c.plot ? 'plot' : 'no plot'} predict-check/${c.id}, ${c.rects} bars drawn ` +
            `for the record's ${c.figures} predicted and measured figures`);
      check(c.legend.some((t) => /predicted/i.test(t)) && c.legend.some((t) => /measured/i.test(t)),
            `predict --check ${c.id}: the legend names predicted and measured: ${c.legend.join(' | ') || '(no legend)'}`);
      check(c.kernelRows === c.kernels && c.kernels > 0 && c.missing.length === 0,
            `predict --check ${c.id}: the per-kernel table has ${c.kernelRows === null ? 'no table and' : c.kernelRows} rows ` +
            `for the record's ${c.kernels} kernels` + (c.missing.length ? '; no row for ' + c.missing.join(', ') : ''));
      check(c.rankingRows === (c.ranking ? c.ranking : null) && c.rankMissing.length === 0,
            `predict --check ${c.id}: the ranking table has ${c.rankingRows === null ? 'no table and' : c.rankingRows} rows ` +
            `for the record's ${c.ranking} groups` + (c.rankMissing.length ? '; no row (or not ✓/✗ as the data) for ' +
            c.rankMissing.join(', ') : ''));
    }
    check(!info.noFigure, 'predict --check: the section does not say "no measured figure"');
  }

  // 6. screenshot
  try {
    await page.screenshot({ path: shotPath, fullPage: true });
    const size = fs.statSync(shotPath).size;
    check(size > 0, `screenshot: ${shotPath}, ${size} bytes`);
  } catch (e) {
    check(false, 'screenshot: ' + e.message);
  }
  exitCode = results.every(Boolean) ? 0 : 1;
} catch (e) {
  console.log('FAIL the browser: ' + (e && e.message || e));
  exitCode = 1;
} finally {
  if (context) await context.close().catch(() => {});
  fs.rmSync(userDataDir, { recursive: true, force: true });
}
const failed = results.filter((r) => !r).length;
console.log(`report browser test: ${results.length - failed} passed, ${failed} failed`);
process.exit(exitCode);
