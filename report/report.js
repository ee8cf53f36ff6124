/* q4tune report: the page script that `q4tune report` inlines into its one HTML file.
 *
 * Plain browser JavaScript, no modules, no build step, no network. It runs after the UMD
 * builds of vega, vega-lite and vega-embed (globals vega, vegaLite, vegaEmbed) and renders
 * window.Q4T_REPORT into <div id="app">. Every plot is vegaEmbed(el, spec, {renderer: 'svg',
 * actions: false}) in a <div class="q4t-plot" data-plot="NAME">; when all of them have
 * settled, document.body.dataset.rendered holds their number (tests/report/browser.mjs waits
 * for it). Text from the data only ever goes through textContent or setAttribute.
 *
 * Data contract, window.Q4T_REPORT (schema "q4tune-report-data", schema_version 1):
 *   generated, q4tune_version, q4tune_commit       strings
 *   inputs[]    {path, kind, status: used|superseded|skipped|error, note}
 *   devices[]   {id, device (the files' "device" object), emulated: null | string,
 *                dates[] (created dates of its files), notes[] (free text),
 *                roofline: null | {created, threads, read_gbs_1t, read_gbs_all,
 *                                  int8_peaks[] {isa, gops_1t, gops_all}},
 *                tuned: null | tuned-v1 document, sweep: null | sweep document
 *                (shapes[] {op, M, N, K, what, runs[] as in tuned}), runs[] (run v1 or v2
 *                documents), vs_llama[] (vs-llama v1), accuracy[] (accuracy v1),
 *                verify: null | {created, emulated, kernels[] {name, op, tile, isa[], status,
 *                                 reason, shapes, worst_err_over_tol}, optional passed, failed,
 *                                 not_runnable (verify-v1) and vec[] {name, status, reason}},
 *                predict_check: null | predict-check-v1 document (q4tune predict --check CORE: core,
 *                                 clock_ghz, median_abs_error_pct, kernels[], ranking[]; the latest)}
 *               samples arrays may be left out of every document; any document may carry an
 *               optional "_path" (the file it came from), shown beside it.
 *   history[]   {device, figure, unit, better: lower|higher,
 *                points[] {created, commit, label, value, low, high, p, significant}}
 *   predicted   null | predicted-v1 document (the static model, of no device: the latest one)
 *   anchors     null | anchors-v1 document (the anchors' comparison, of no device: the latest one)
 * Missing fields (older schemas) are shown as "–"; a section that still fails says so in
 * red and calls console.error.
 */
(function () {
  'use strict';

  var plots = [];          // promises of vegaEmbed, one per plot
  var plotNames = {};      // data-plot names in use, to keep them unique

  // ---------------------------------------------------------------- DOM and formatting

  function h(tag, attrs) {
    var e = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        var v = attrs[k];
        if (v === null || v === undefined || v === false) return;
        if (k === 'class') e.className = v;
        else e.setAttribute(k, v === true ? '' : String(v));
      });
    }
    for (var i = 2; i < arguments.length; i++) append(e, arguments[i]);
    return e;
  }

  function append(e, kid) {
    if (kid === null || kid === undefined || kid === false) return;
    if (Array.isArray(kid)) { kid.forEach(function (k) { append(e, k); }); return; }
    e.appendChild(kid instanceof Node ? kid : document.createTextNode(String(kid)));
  }

  function isNum(x) { return typeof x === 'number' && isFinite(x); }

  // 3 significant figures, thousands separated; '–' for what is missing
  function sig(x, n) {
    if (!isNum(x)) return '–';
    if (x === 0) return '0';
    var a = Math.abs(x);
    if (a >= 1e15 || a < 1e-5) return x.toPrecision(n || 3);
    return Number(x.toPrecision(n || 3)).toLocaleString('en-US', { maximumFractionDigits: 20 });
  }

  function pct(frac) { return isNum(frac) ? (frac * 100).toFixed(1) + '%' : '–'; }
  function us(s) { return isNum(s) ? sig(s * 1e6) : '–'; }
  function str(x) { return x === null || x === undefined || x === '' ? '–' : String(x); }
  function arr(x) { return Array.isArray(x) ? x : []; }

  function bytes(b) {
    if (!isNum(b)) return '–';
    var u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'], i = 0;
    while (b >= 1024 && i < u.length - 1) { b /= 1024; i++; }
    return sig(b) + ' ' + u[i];
  }

  function date(iso) {
    if (typeof iso !== 'string' || !iso) return '–';
    var m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})/.exec(iso);
    return m ? m[1] + ' ' + m[2] + ' UTC' : iso;
  }

  function day(iso) {
    return typeof iso === 'string' && /^\d{4}-\d{2}-\d{2}/.test(iso) ? iso.slice(0, 10) : str(iso);
  }

  function shapeName(s) {
    return str(s.op) + ' ' + str(s.M) + '×' + str(s.N) + '×' + str(s.K) + (s.what ? ' (' + s.what + ')' : '');
  }

  // "gemm_q4_sve_i8mm_8xvl" -> "sve"; the ISA family colours the marks everywhere
  var FAMILIES = ['ref', 'avx2', 'avxvnni', 'avx512vnni', 'neon', 'sdot', 'i8mm', 'sve', 'sme', 'sme2'];
  var FAMILY_COLOURS = ['#8c8c8c', '#1f77b4', '#17becf', '#9467bd', '#ff7f0e', '#2ca02c', '#d62728',
                        '#e377c2', '#bcbd22', '#8c564b'];
  function family(kernel) {
    var m = /^(?:gemv|gemm)_q4_([a-z0-9]+)/.exec(String(kernel || ''));
    return m ? m[1] : 'other';
  }
  function familyScale(fams) {
    var dom = [], range = [];
    FAMILIES.forEach(function (f, i) { if (fams.indexOf(f) >= 0) { dom.push(f); range.push(FAMILY_COLOURS[i]); } });
    fams.forEach(function (f) { if (dom.indexOf(f) < 0) { dom.push(f); range.push('#333333'); } });
    return { domain: dom, range: range };
  }
  function uniq(xs) { var o = []; xs.forEach(function (x) { if (o.indexOf(x) < 0) o.push(x); }); return o; }

  function shortKernel(k) { return String(k || '?').replace(/^(gemv|gemm)_q4_/, ''); }
  // task tiles: 0 is the default (all of M; an equal share of N per thread)
  function tiles(c) {
    if (!c.task_rows && !c.task_cols) return 'default tiles';
    return 'tiles ' + (c.task_rows || 'def') + 'x' + (c.task_cols || 'def');
  }
  function configText(c) {
    if (!c) return '–';
    return shortKernel(c.kernel) + ' · ' + str(c.threads) + 't ' + str(c.mask) + ' · ' + str(c.binding) +
      ' · ' + str(c.schedule) + ' · ' + tiles(c);
  }

  // ---------------------------------------------------------------- building blocks

  function para(cls, text) { return h('p', { class: cls }, text); }
  function none(text) { return para('q4t-none', text); }
  function badge(cls, text) { return h('span', { class: 'q4t-badge ' + cls }, text); }

  function table(head, rows, attrs) {
    var t = h('table', attrs || { class: 'q4t-table' });
    t.appendChild(h('thead', null, h('tr', null, head.map(function (c) { return h('th', null, c); }))));
    var b = h('tbody');
    rows.forEach(function (r) {
      var tr = h('tr');
      r.forEach(function (c) {
        if (c && typeof c === 'object' && !(c instanceof Node) && !Array.isArray(c) && 'cell' in c)
          tr.appendChild(h('td', { class: c.cls || null }, c.cell));
        else tr.appendChild(h('td', null, c));
      });
      b.appendChild(tr);
    });
    t.appendChild(b);
    return h('div', { class: 'q4t-scroll' }, t);
  }

  function details(summary, body, open) {
    return h('details', { open: !!open }, h('summary', null, summary), body);
  }

  function sourceNote(doc) {
    return doc && typeof doc._path === 'string' ? h('span', { class: 'q4t-path' }, doc._path) : null;
  }

  function failure(where, err) {
    var msg = err && err.message ? err.message : String(err);
    console.error('q4tune report: ' + where + ' could not be drawn: ' + msg, err);
    return h('p', { class: 'q4t-error' }, where + ': this section could not be drawn: ' + msg);
  }

  // runs fn(), which returns nodes; a throw becomes the red line
  function guarded(where, fn) {
    try { return fn(); } catch (e) { return failure(where, e); }
  }

  var VEGA_CONFIG = {
    font: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
    background: 'white',
    view: { stroke: '#d0d4da' },
    axis: { labelFontSize: 10, titleFontSize: 11, titleFontWeight: 600, gridColor: '#eceef1', domainColor: '#888', tickColor: '#888' },
    legend: { labelFontSize: 10, titleFontSize: 11, symbolSize: 60 },
    title: { fontSize: 12, fontWeight: 600, anchor: 'start', offset: 6 },
    point: { size: 50 }
  };

  // a plot; the caller emits it only when it has points
  function plot(name, spec) {
    var base = name, i = 2;
    while (plotNames[name]) name = base + ' #' + (i++);
    plotNames[name] = true;
    var el = h('div', { class: 'q4t-plot', 'data-plot': name });
    spec.config = VEGA_CONFIG;
    if (!spec.description) spec.description = name;
    var p;
    try {
      if (typeof vegaEmbed !== 'function') throw new Error('vega-embed is not loaded');
      p = Promise.resolve(vegaEmbed(el, spec, { renderer: 'svg', actions: false, mode: 'vega-lite' }));
    } catch (e) { p = Promise.reject(e); }
    plots.push(p.then(function () { return true; }, function (e) {
      el.appendChild(failure('plot ' + name, e));
      el.dataset.failed = 'true';
      return false;
    }));
    return el;
  }

  function grid(items, cls) { return h('div', { class: 'q4t-grid' + (cls ? ' ' + cls : '') }, items); }
  function card(title, kids) { return h('div', { class: 'q4t-card' }, h('h4', null, title), kids); }

  function section(id, title, intro, fn) {
    var s = h('section', { id: id, class: 'q4t-section' }, h('h2', null, title));
    if (intro) s.appendChild(para('q4t-intro', intro));
    append(s, guarded(title, fn));
    return s;
  }

  // per device, a sub-heading and its content; a throw stays within the device
  function perDevice(devs, where, fn) {
    if (!devs.length) return none('no device in the inputs');
    return devs.map(function (d) {
      var body = guarded(where + ', ' + devId(d), function () { return fn(d); });
      return h('div', { class: 'q4t-device' }, h('h3', null, devId(d), d.emulated ? [' ', badge('q4t-emu', 'emulated: no timings')] : null), body);
    });
  }

  function devId(d) { return str(d.id || (d.device && d.device.id)); }

  // ---------------------------------------------------------------- 1. header

  function header(R) {
    var devs = arr(R.devices), inputs = arr(R.inputs);
    var counts = {};
    inputs.forEach(function (i) { counts[i.status] = (counts[i.status] || 0) + 1; });
    var meta = 'generated ' + date(R.generated) + ' · q4tune ' + str(R.q4tune_version) +
      (R.q4tune_commit ? ' (' + R.q4tune_commit + ')' : '') + ' · ' + devs.length +
      (devs.length === 1 ? ' device' : ' devices') + ' · ' + inputs.length + ' input files';
    var hd = h('header', { class: 'q4t-header' }, h('h1', null, 'q4tune report'), para('q4t-meta', meta));
    if (R.schema !== undefined && R.schema !== 'q4tune-report-data')
      hd.appendChild(failure('header', new Error('data schema is "' + R.schema + '", expected q4tune-report-data')));
    var notUsed = inputs.filter(function (i) { return i.status !== 'used'; });
    var used = inputs.filter(function (i) { return i.status === 'used'; });
    var parts = ['used', 'superseded', 'skipped', 'error'].filter(function (k) { return counts[k]; })
      .map(function (k) { return counts[k] + ' ' + k; });
    Object.keys(counts).forEach(function (k) {
      if (['used', 'superseded', 'skipped', 'error'].indexOf(k) < 0) parts.push(counts[k] + ' ' + k);
    });
    if (inputs.length) {
      var rows = notUsed.map(function (i) {
        return [h('code', null, str(i.path)), str(i.kind), { cell: str(i.status), cls: 'q4t-st-' + String(i.status) }, str(i.note)];
      });
      var body = [];
      body.push(notUsed.length ? table(['file', 'kind', 'status', 'why'], rows)
                               : none('every input file was used'));
      if (used.length) {
        body.push(details(used.length + ' files used', table(['file', 'kind', 'note'], used.map(function (i) {
          return [h('code', null, str(i.path)), str(i.kind), str(i.note)];
        }))));
      }
      hd.appendChild(details('inputs: ' + parts.join(', '), body, !!counts.error));
    } else {
      hd.appendChild(none('no input files were read'));
    }
    var toc = [['devices', 'Devices'], ['roofline', 'Roofline'], ['ranking', 'Ranking per shape'],
               ['transformer', 'Transformer'], ['history', 'History'], ['sweeps', 'Sweeps'],
               ['correctness', 'Correctness'], ['predicted', 'Predicted'], ['predicted-vs-measured', 'Predicted vs measured'],
               ['anchors', 'Arm anchors']];
    hd.appendChild(h('nav', { class: 'q4t-toc' }, toc.map(function (t) { return h('a', { href: '#' + t[0] }, t[1]); })));
    return hd;
  }

  // ---------------------------------------------------------------- 2. devices

  function devices(devs) {
    if (!devs.length) return none('no device in the inputs: the report has nothing to show');
    var rows = devs.map(function (d) {
      var dv = d.device || {}, rf = d.roofline;
      var idCell = [h('strong', null, devId(d))];
      if (d.emulated) idCell.push(h('br'), badge('q4t-emu', 'emulated: no timings'), h('div', { class: 'q4t-small' }, String(d.emulated)));
      var cpu = [str(dv.cpu_model), h('div', { class: 'q4t-small' }, str(dv.cpu_kinds)),
                 h('div', { class: 'q4t-small' }, str(dv.cores) + ' cores, ' + str(dv.pus) + ' PUs')];
      var feats = arr(dv.features).length ? h('span', { class: 'q4t-chips' }, arr(dv.features).map(function (f) { return h('span', { class: 'q4t-chip' }, f); })) : '–';
      var vb = [];
      vb.push('SVE ' + (isNum(dv.sve_vector_bits) && dv.sve_vector_bits > 0 ? dv.sve_vector_bits : '–'));
      vb.push(h('br'), 'SME ' + (isNum(dv.sme_streaming_vector_bits) && dv.sme_streaming_vector_bits > 0 ? dv.sme_streaming_vector_bits : '–'));
      var bw = rf ? [sig(rf.read_gbs_1t) + ' / ' + sig(rf.read_gbs_all),
                     h('div', { class: 'q4t-small' }, 'all = ' + str(rf.threads) + ' threads')] : '–';
      var peaks = rf && arr(rf.int8_peaks).length ? arr(rf.int8_peaks).map(function (p) {
        return h('div', null, h('span', { class: 'q4t-small' }, str(p.isa) + ': '), sig(p.gops_1t) + ' / ' + sig(p.gops_all));
      }) : '–';
      var sys = [h('div', null, 'memory ' + bytes(dv.memory_bytes || null) + ', LLC ' + bytes(dv.largest_cache_bytes || null)),
                 h('div', { class: 'q4t-small' }, str(dv.os)),
                 h('div', { class: 'q4t-small' }, str(dv.compiler) + (dv.compiler_flags ? ' ' + dv.compiler_flags : ''))];
      var ver = [str(dv.q4tune_version), dv.q4tune_commit ? h('div', { class: 'q4t-small' }, h('code', null, dv.q4tune_commit)) : null];
      var ds = uniq(arr(d.dates).map(day)).sort();
      var dates = ds.length ? (ds.length <= 4 ? ds.map(function (x) { return h('div', null, x); })
                                            : [h('div', null, ds[0] + ' …'), h('div', null, ds[ds.length - 1]),
                                               h('div', { class: 'q4t-small' }, ds.length + ' days')]) : '–';
      return [idCell, cpu, str(dv.arch), feats, vb, bw, peaks, sys, ver, dates];
    });
    var out = [table(['device', 'CPU, kinds, cores', 'arch', 'features', 'vector bits', 'read GB/s 1t / all',
                      'int8 peak GOPS 1t / all', 'system', 'q4tune', 'dates'], rows,
                     { id: 'devices', class: 'q4t-table q4t-devices' })];
    var noted = devs.filter(function (d) { return arr(d.notes).length; });
    if (noted.length) {
      out.push(h('div', { class: 'q4t-notes' }, noted.map(function (d) {
        return h('div', null, h('strong', null, devId(d)), h('ul', null, arr(d.notes).map(function (n) { return h('li', null, String(n)); })));
      })));
    }
    return out;
  }

  // ---------------------------------------------------------------- 3. roofline

  function tunedPoints(tuned) {
    var pts = [];
    arr(tuned && tuned.shapes).forEach(function (s) {
      var runs = [];
      if (s.winner) runs.push({ r: s.winner, winner: true });
      arr(s.ranked).forEach(function (r) {
        if (s.winner && JSON.stringify(r.config) === JSON.stringify(s.winner.config) && r.median_s === s.winner.median_s) return;
        runs.push({ r: r, winner: false });
      });
      runs.forEach(function (x) {
        var r = x.r, c = r.config || {};
        if (!isNum(r.gops) || !isNum(r.gbps) || r.gops <= 0 || r.gbps <= 0) return;
        pts.push({ x: r.gops / r.gbps, y: r.gops, gbps: r.gbps, median_us: r.median_s * 1e6,
                   kernel: str(c.kernel), family: family(c.kernel), op: str(s.op), shape: shapeName(s),
                   threads: c.threads, mask: str(c.mask), binding: str(c.binding), winner: x.winner ? 'winner' : 'runner-up' });
      });
    });
    return pts;
  }

  function roofline(d) {
    if (d.emulated) return none('emulated: no timings, so no roofline');
    var pts = tunedPoints(d.tuned), rf = d.roofline, out = [];
    if (!d.tuned) out.push(none('no tuned record for this device: no measured configurations to place'));
    else if (!arr(d.tuned.shapes).length) out.push(none('the tuned record has no shapes'));
    else if (!pts.length) out.push(none('the tuned record has no configuration with GOPS and GB/s'));
    if (!rf) out.push(none('no roofline record for this device' + (pts.length ? ': the ceilings are not drawn' : '')));
    if (!pts.length) return out;

    var xs = pts.map(function (p) { return p.x; }), ys = pts.map(function (p) { return p.y; });
    var xlo = Math.min.apply(null, xs) / 2, xhi = Math.max.apply(null, xs) * 2;
    var peaks = rf ? arr(rf.int8_peaks).filter(function (p) { return isNum(p.gops_all) && p.gops_all > 0; }) : [];
    var top = Math.max.apply(null, ys.concat(peaks.map(function (p) { return p.gops_all; })));
    var lines = [], labels = [];
    var bw = rf && isNum(rf.read_gbs_all) && rf.read_gbs_all > 0 ? rf.read_gbs_all : null;
    if (bw) {
      // the diagonal up to the highest peak (or past the points when no peak is known)
      var xe = Math.min(xhi, (peaks.length ? top : top * 1.5) / bw);
      if (xe > xlo) {
        lines.push({ ceiling: 'bandwidth', x: xlo, y: bw * xlo }, { ceiling: 'bandwidth', x: xe, y: bw * xe });
        var xm = Math.sqrt(xlo * xe);
        labels.push({ x: xm, y: bw * xm, label: 'read ' + sig(bw) + ' GB/s', side: 'left' });
      }
    }
    peaks.forEach(function (p, i) {
      var x0 = bw ? Math.max(xlo, p.gops_all / bw) : xlo;
      if (x0 >= xhi) return;
      lines.push({ ceiling: 'peak ' + i, x: x0, y: p.gops_all }, { ceiling: 'peak ' + i, x: xhi, y: p.gops_all });
      labels.push({ x: x0 * 1.08, y: p.gops_all, label: str(p.isa) + ': ' + sig(p.gops_all) + ' GOPS', side: 'right' });
    });
    var allY = ys.concat(lines.map(function (l) { return l.y; }));
    var ylo = Math.min.apply(null, allY) / 1.5, yhi = Math.max.apply(null, allY) * 1.6;
    var fams = familyScale(uniq(pts.map(function (p) { return p.family; })));
    var xEnc = { field: 'x', type: 'quantitative', scale: { type: 'log', domain: [xlo, xhi], nice: false },
                 axis: { title: 'operations per byte (GOPS / GB/s)', grid: true } };
    var yEnc = { field: 'y', type: 'quantitative', scale: { type: 'log', domain: [ylo, yhi], nice: false },
                 axis: { title: 'GOPS', grid: true } };
    var layers = [];
    if (lines.length) {
      layers.push({ data: { values: lines }, mark: { type: 'line', color: '#6b7280', strokeDash: [5, 3], strokeWidth: 1.5, clip: true },
                    encoding: { x: xEnc, y: yEnc, detail: { field: 'ceiling' } } });
      [['left', 'right', -4, -4], ['right', 'left', 0, -6]].forEach(function (t) {
        var v = labels.filter(function (l) { return l.side === t[0]; });
        if (v.length) layers.push({ data: { values: v }, mark: { type: 'text', align: t[1], dx: t[2], dy: t[3], fontSize: 10, color: '#4b5563', clip: true },
                                    encoding: { x: xEnc, y: yEnc, text: { field: 'label' } } });
      });
    }
    layers.push({ data: { values: pts }, mark: { type: 'point', filled: true, opacity: 0.85, size: 55, clip: true },
                  encoding: { x: xEnc, y: yEnc,
                              color: { field: 'family', type: 'nominal', title: 'ISA family', scale: fams },
                              shape: { field: 'op', type: 'nominal', title: 'op', scale: { domain: ['gemv', 'gemm'], range: ['circle', 'triangle-up'] } },
                              stroke: { condition: { test: "datum.winner === 'winner'", value: '#111' }, value: null },
                              tooltip: [{ field: 'kernel' }, { field: 'shape' }, { field: 'threads' }, { field: 'mask' },
                                        { field: 'binding' }, { field: 'winner', title: 'rank' },
                                        { field: 'y', title: 'GOPS', format: ',.3r' }, { field: 'gbps', title: 'GB/s', format: ',.3r' },
                                        { field: 'x', title: 'ops/byte', format: ',.3r' }, { field: 'median_us', title: 'median µs', format: ',.3r' }] } });
    out.push(plot('roofline/' + devId(d), { width: 640, height: 380, layer: layers,
      title: { text: devId(d) + ': every ranked configuration of the tuned shapes',
               subtitle: !rf ? 'no roofline record: points only'
                 : 'ceilings: ' + (bw ? 'read bandwidth on all ' + str(rf.threads) + ' threads' : 'no read bandwidth') +
                   (peaks.length ? ', int8 peaks on all threads' : ', no int8 peak recorded') } }));
    if (rf && rf.source) out.push(para('q4t-small', 'ceilings: ' + rf.source));
    var sorted = pts.slice().sort(function (a, b) { return a.shape < b.shape ? -1 : a.shape > b.shape ? 1 : a.median_us - b.median_us; });
    out.push(details('the ' + pts.length + ' points as a table', table(
      ['shape', 'kernel', 'threads', 'mask', 'binding', 'rank', 'median µs', 'GOPS', 'GB/s', 'ops/byte'],
      sorted.map(function (p) { return [p.shape, h('code', null, p.kernel), str(p.threads), p.mask, p.binding, p.winner,
                                        sig(p.median_us), sig(p.y), sig(p.gbps), sig(p.x)]; }))));
    return out;
  }

  // ---------------------------------------------------------------- 4. ranking per shape

  function rankingShape(d, s) {
    var rows = [], seen = {};
    var ranked = arr(s.ranked).slice();
    if (s.winner && !ranked.some(function (r) { return JSON.stringify(r.config) === JSON.stringify(s.winner.config); }))
      ranked.unshift(s.winner);
    ranked.forEach(function (r, i) {
      var c = r.config || {};
      var isW = s.winner && JSON.stringify(c) === JSON.stringify(s.winner.config);
      var label = (isW ? '★ ' : (i + 1) + '. ') + configText(c);
      while (seen[label]) label += ' ';
      seen[label] = true;
      if (!isNum(r.median_s)) return;
      rows.push({ label: label, median_us: r.median_s * 1e6,
                  lo_us: isNum(r.ci_low_s) ? r.ci_low_s * 1e6 : r.median_s * 1e6,
                  hi_us: isNum(r.ci_high_s) ? r.ci_high_s * 1e6 : r.median_s * 1e6,
                  kernel: str(c.kernel), family: family(c.kernel), winner: isW ? 'winner' : 'runner-up',
                  stage: r.stage, n: r.n, gops: r.gops, gbps: r.gbps,
                  ci: isNum(r.ci_level) ? (r.ci_level * 100).toFixed(1) + '%' : '–' });
    });
    var kids = [];
    var flags = [];
    if (s.complete === false) flags.push(badge('q4t-warn', 'incomplete: the budget ran out, selection does not use this shape'));
    if (flags.length) kids.push(h('div', null, flags));
    if (rows.length) {
      var fams = familyScale(uniq(rows.map(function (r) { return r.family; })));
      var yEnc = { field: 'label', type: 'nominal', sort: null, axis: { title: null, labelLimit: 300, labelFontSize: 9.5 } };
      var tip = [{ field: 'kernel' }, { field: 'label', title: 'configuration' }, { field: 'median_us', title: 'median µs', format: ',.3r' },
                 { field: 'lo_us', title: 'CI low µs', format: ',.3r' }, { field: 'hi_us', title: 'CI high µs', format: ',.3r' },
                 { field: 'ci', title: 'CI level' }, { field: 'stage' }, { field: 'n' },
                 { field: 'gops', title: 'GOPS', format: ',.3r' }, { field: 'gbps', title: 'GB/s', format: ',.3r' }];
      kids.push(plot('ranking/' + devId(d) + '/' + shapeName(s), {
        width: 220, height: { step: 16 }, data: { values: rows },
        encoding: { y: yEnc },
        layer: [
          { mark: { type: 'bar', height: { band: 0.7 } },
            encoding: { x: { field: 'median_us', type: 'quantitative', title: 'median µs per call (CI whiskers)' },
                        color: { field: 'family', type: 'nominal', scale: fams, legend: null },
                        opacity: { condition: { test: "datum.winner === 'winner'", value: 1 }, value: 0.55 },
                        tooltip: tip } },
          { mark: { type: 'rule', color: '#111', strokeWidth: 1.2 },
            encoding: { x: { field: 'lo_us', type: 'quantitative' }, x2: { field: 'hi_us' }, tooltip: tip } },
          { mark: { type: 'text', align: 'left', dx: 4, fontSize: 9, color: '#374151' },
            encoding: { x: { field: 'hi_us', type: 'quantitative' }, text: { field: 'median_us', format: ',.3r' } } }
        ] }));
    } else {
      kids.push(none('no ranked configuration with a median'));
    }
    kids.push(h('p', { class: 'q4t-decision' }, h('span', { class: 'q4t-label' }, 'decision: '), str(s.decision)));
    kids.push(para('q4t-small', str(s.measurements) + ' measurements' +
      (s.skipped_for_time ? ', ' + s.skipped_for_time + ' candidates skipped for time' : '')));
    var ex = arr(s.excluded);
    if (ex.length) kids.push(details(ex.length + ' kernels excluded', table(['kernel', 'reason'], ex.map(function (e) {
      return [h('code', null, str(e.kernel)), str(e.reason)];
    }))));
    else kids.push(para('q4t-small', 'no kernel excluded'));
    return card(shapeName(s), kids);
  }

  function ranking(d) {
    if (d.emulated) return none('emulated: no timings, so no ranking');
    var t = d.tuned;
    if (!t) return none('no tuned record for this device');
    var out = [];
    var drift = t.drift || {};
    var meta = ['tuned ' + date(t.created) + (t.model ? ' for ' + t.model : '')];
    if (isNum(t.batch)) meta.push('batch ' + t.batch);
    if (isNum(t.budget_s)) meta.push('budget ' + sig(t.budget_s) + ' s');
    if (isNum(t.elapsed_s)) meta.push('took ' + sig(t.elapsed_s) + ' s');
    if (t.timed) meta.push('timed: ' + t.timed);
    if (isNum(drift.max_pct)) meta.push('drift check ' + sig(drift.max_pct) + '%' + (isNum(drift.threshold_pct) ? ' (threshold ' + sig(drift.threshold_pct) + '%)' : ''));
    out.push(h('p', { class: 'q4t-small' }, meta.join('; '),
      drift.exceeded ? [' ', badge('q4t-warn', 'drift exceeded: the machine changed speed during tuning')] : null,
      ' ', sourceNote(t)));
    var shapes = arr(t.shapes);
    if (!shapes.length) { out.push(none('the tuned record has no shapes')); return out; }
    out.push(grid(shapes.map(function (s) {
      return guarded('ranking of ' + shapeName(s), function () { return rankingShape(d, s); });
    }), 'q4t-grid-wide'));
    return out;
  }

  // ---------------------------------------------------------------- 5. transformer

  var PARTS = ['matmul', 'quant', 'attention', 'elementwise', 'output', 'pick', 'other'];
  var PART_COLOURS = ['#2563eb', '#60a5fa', '#f59e0b', '#10b981', '#8b5cf6', '#ec4899', '#9ca3af'];

  function runLabel(r) {
    var run = r.run || {}, m = r.model || {};
    return str(m.name) + ' p' + str(run.prompt) + ' g' + str(run.gen) + (run.depth ? ' d' + run.depth : '') +
      (run.kv_cache && run.kv_cache !== 'f16' ? ' kv ' + run.kv_cache : '') + (run.tuned ? ' tuned' : '');
  }

  function fig(f) {
    if (!f || !isNum(f.median)) return '–';
    return [sig(f.median), h('span', { class: 'q4t-small' }, ' (' + sig(f.p10) + '–' + sig(f.p90) + ')')];
  }

  function pools(p) {
    if (!p || !p.prefill || !p.decode) return '–';
    return [str(p.prefill.threads) + ' / ' + str(p.decode.threads),
            h('div', { class: 'q4t-small' }, str(p.prefill.mask) + (p.shared ? ', one pool' : ' / ' + str(p.decode.mask)))];
  }

  function transformer(d) {
    if (d.emulated) return none('emulated: no timings, so no transformer figures');
    var runs = arr(d.runs), out = [], labels = {};
    var named = runs.map(function (r) {
      var l = runLabel(r), b = l, i = 2;
      while (labels[l]) l = b + ' #' + (i++);
      labels[l] = true;
      return { r: r, label: l };
    });
    if (!runs.length) out.push(none('no q4tune run record for this device'));
    else {
      out.push(table(['run', 'model', 'prompt / gen', 'threads prefill / decode', 'TTFT ms, median (p10–p90)', 'prefill tok/s, median (p10–p90)',
                      'decode tok/s, median (p10–p90)', 'decode bandwidth, % of read', 'peak RSS', 'schema'],
        named.map(function (x) {
          var r = x.r, run = r.run || {}, m = r.model || {}, bw = r.decode_bandwidth;
          return [{ cell: x.label, cls: 'q4t-nowrap' },
                  [str(m.name), h('div', { class: 'q4t-small' }, [isNum(m.layers) ? m.layers + ' layers' : null, isNum(m.dim) ? 'dim ' + m.dim : null,
                                                                 m.source || null].filter(Boolean).join(', '))],
                  str(run.prompt) + ' / ' + str(run.gen) + (run.depth ? ', depth ' + run.depth : ''),
                  pools(r.pools),
                  fig(r.ttft_ms), fig(r.prefill_tok_s), fig(r.decode_tok_s),
                  bw ? [sig(bw.gbs) + ' GB/s = ' + sig(bw.percent) + '%', h('div', { class: 'q4t-small' }, 'of ' + sig(bw.read_gbs) + ' GB/s on ' + str(bw.read_threads) + ' threads')] : 'not measured',
                  bytes(r.memory && r.memory.peak_rss), 'v' + str(r.schema_version)];
        })));
      var bars = [];
      named.forEach(function (x) {
        var bd = x.r.breakdown;
        if (!bd) return;
        ['prefill', 'decode'].forEach(function (ph) {
          var share = bd[ph] && bd[ph].share;
          if (!share) return;
          PARTS.forEach(function (p, i) {
            if (!isNum(share[p])) return;
            bars.push({ row: x.label + ' · ' + ph, part: p, order: i, share: Math.max(0, share[p]), real: share[p],
                        seconds: bd[ph].seconds });
          });
        });
      });
      var old = named.filter(function (x) { return !x.r.breakdown; });
      old.forEach(function (x) {
        out.push(none(x.label + (x.r.schema_version === 1 ? ': a run record of schema version 1, which predates the time breakdown'
                                                           : ': the record has no time breakdown')));
      });
      if (bars.length) {
        out.push(plot('breakdown/' + devId(d), {
          width: 520, height: { step: 20 }, data: { values: bars },
          title: { text: 'where the time goes', subtitle: 'share of each phase, all repetitions' },
          mark: { type: 'bar' },
          encoding: {
            y: { field: 'row', type: 'nominal', sort: null, axis: { title: null, labelLimit: 300 } },
            x: { field: 'share', type: 'quantitative', stack: 'normalize', axis: { format: '%', title: 'share of the phase' } },
            color: { field: 'part', type: 'nominal', scale: { domain: PARTS, range: PART_COLOURS }, sort: PARTS, title: 'part' },
            order: { field: 'order', type: 'quantitative' },
            tooltip: [{ field: 'row', title: 'run' }, { field: 'part' }, { field: 'real', title: 'share', format: '.1%' },
                      { field: 'seconds', title: 'phase seconds (all reps)', format: ',.3r' }]
          } }));
      }
    }
    out.push(h('h4', null, 'against llama.cpp'));
    out.push(vsLlama(d));
    var acc = arr(d.accuracy);
    out.push(h('h4', null, 'what Q4_0 costs'));
    if (!acc.length) out.push(none('no accuracy record for this device'));
    else out.push(table(['model', 'prompt', 'scored', 'KL mean (± s.e.)', 'KL median', 'KL p99', 'KL max', 'top-1 agreement',
                         'perplexity float', 'perplexity Q4_0', 'ratio', 'kernels'],
      acc.map(function (a) {
        var s = a.summary || {}, m = a.model || {}, q = a.quantized || {}, p = a.prompt || {};
        return [[str(m.name), m.synthetic_weights ? [' ', badge('q4t-warn', 'synthetic weights')] : null, sourceNote(a)],
                str(p.source) + ', ' + str(p.tokens) + ' tokens', str(s.scored_positions),
                sig(s.kl_mean) + ' ± ' + sig(s.kl_stderr), sig(s.kl_median), sig(s.kl_p99), sig(s.kl_max), pct(s.top1_agreement),
                sig(s.ppl_float), sig(s.ppl_q4_0), sig(s.ppl_ratio),
                h('span', { class: 'q4t-small' }, str(q.decode_kernel) + ', ' + str(q.prefill_kernel))];
      })));
    return out;
  }

  function figLabel(f) {
    return f.kind === 'prefill' ? 'pp' + str(f.prompt) + (f.depth ? ' @ d' + f.depth : '')
                                : 'tg' + str(f.gen) + ' @ d' + str(f.depth);
  }

  function vsLlama(d) {
    var docs = arr(d.vs_llama);
    if (!docs.length) return none('no llama.cpp comparison recorded');
    return docs.map(function (doc, di) {
      var lc = doc.llama_cpp || {}, out = [];
      out.push(h('p', { class: 'q4t-small' }, h('code', null, str(doc.gguf)), ', ' + str(doc.threads) + ' threads, ' +
        str(doc.rounds) + ' rounds alternating, KV cache ' + str(doc.kv_cache) + (doc.tuned ? ', tuned' : ', default kernels') +
        '; llama.cpp build ' + str(lc.build_commit), ' ', sourceNote(doc)));
      var figs = arr(doc.figures), bars = [];
      figs.forEach(function (f) {
        var l = figLabel(f);
        [['q4tune', f.q4tune_tok_s], ['llama.cpp', f.llama_cpp_tok_s]].forEach(function (e) {
          if (e[1] && isNum(e[1].median))
            bars.push({ kind: f.kind, figure: l, engine: e[0], tok_s: e[1].median, min: e[1].min, max: e[1].max, ratio: f.ratio });
        });
      });
      var charts = [];
      ['prefill', 'decode'].forEach(function (k) {
        var v = bars.filter(function (b) { return b.kind === k; });
        if (!v.length) return;
        charts.push(plot('vs-llama/' + devId(d) + '/' + di + '/' + k, {
          width: { step: 26 }, height: 200, data: { values: v },
          title: { text: k + ' tok/s', subtitle: k === 'prefill' ? 'at prompt lengths' : 'at depths' },
          encoding: { x: { field: 'figure', type: 'nominal', sort: null, axis: { title: null, labelAngle: 0 } },
                      xOffset: { field: 'engine', sort: ['q4tune', 'llama.cpp'] } },
          layer: [
            { mark: { type: 'bar' },
              encoding: { y: { field: 'tok_s', type: 'quantitative', title: 'tokens/s (median)' },
                          color: { field: 'engine', type: 'nominal', scale: { domain: ['q4tune', 'llama.cpp'], range: ['#2563eb', '#f97316'] }, title: null },
                          tooltip: [{ field: 'figure' }, { field: 'engine' }, { field: 'tok_s', title: 'median tok/s', format: ',.3r' },
                                    { field: 'min', format: ',.3r' }, { field: 'max', format: ',.3r' }, { field: 'ratio', title: 'q4tune / llama.cpp', format: '.3f' }] } },
            { mark: { type: 'rule', color: '#111' },
              encoding: { y: { field: 'min', type: 'quantitative' }, y2: { field: 'max' } } }
          ] }));
      });
      if (charts.length) out.push(grid(charts));
      out.push(table(['figure', 'kind', 'prompt', 'depth', 'gen', 'q4tune tok/s median (min–max)', 'llama.cpp tok/s median (min–max)', 'q4tune / llama.cpp'],
        figs.map(function (f) {
          var q = f.q4tune_tok_s || {}, l = f.llama_cpp_tok_s || {};
          return [figLabel(f), str(f.kind), str(f.prompt), str(f.depth), str(f.gen),
                  sig(q.median) + ' (' + sig(q.min) + '–' + sig(q.max) + ')',
                  sig(l.median) + ' (' + sig(l.min) + '–' + sig(l.max) + ')',
                  { cell: isNum(f.ratio) ? sig(f.ratio) + '×' : '–', cls: isNum(f.ratio) && f.ratio >= 1 ? 'q4t-good' : null }];
        })));
      return h('div', { class: 'q4t-vs' }, out);
    });
  }

  // ---------------------------------------------------------------- 6. history

  function history(R) {
    var hs = arr(R.history);
    if (!hs.length) return none('no history: it needs several runs of one device (tuned or run records of different dates or commits)');
    return grid(hs.map(function (e, i) {
      return guarded('history ' + str(e.figure), function () {
        var pts = arr(e.points).filter(function (p) { return isNum(p.value); });
        var title = str(e.device) + ': ' + str(e.figure);
        if (!pts.length) return card(title, none('no point with a value'));
        var created = pts.map(function (p) { return p.created; });
        var temporal = created.every(function (c) { return typeof c === 'string' && !isNaN(Date.parse(c)); }) &&
                       uniq(created).length === created.length;
        var vals = pts.map(function (p, j) {
          return { x: temporal ? p.created : (j + 1) + '. ' + str(p.label), created: str(p.created), commit: str(p.commit),
                   label: str(p.label), value: p.value, low: isNum(p.low) ? p.low : p.value, high: isNum(p.high) ? p.high : p.value,
                   p: isNum(p.p) ? p.p : null, sig: p.significant ? 'significant change' : 'within noise' };
        });
        var oneDay = temporal && uniq(created.map(function (c) { return c.slice(0, 10); })).length === 1;
        var xEnc = temporal ? { field: 'x', type: 'temporal', scale: { type: 'utc', padding: 18 },
                                title: oneDay ? 'created on ' + created[0].slice(0, 10) + ' (UTC)' : 'created (UTC)',
                                axis: { format: oneDay ? '%H:%M:%S' : '%Y-%m-%d', labelAngle: -30, tickCount: 5 } }
                            : { field: 'x', type: 'ordinal', sort: null, title: null, axis: { labelAngle: -30, labelLimit: 140 } };
        var unit = e.unit ? ' (' + e.unit + ')' : '';
        var tip = [{ field: 'label' }, { field: 'created' }, { field: 'commit' }, { field: 'value', format: ',.3r' },
                   { field: 'low', format: ',.3r' }, { field: 'high', format: ',.3r' }, { field: 'p', format: '.2g' }, { field: 'sig', title: 'change' }];
        var spec = { width: 350, height: 200, data: { values: vals },
          encoding: { x: xEnc },
          layer: [
            { mark: { type: 'rule', color: '#9ca3af', strokeWidth: 2 },
              encoding: { y: { field: 'low', type: 'quantitative' }, y2: { field: 'high' } } },
            { mark: { type: 'line', color: '#2563eb' },
              encoding: { y: { field: 'value', type: 'quantitative', title: 'value' + unit, scale: { zero: false } } } },
            { mark: { type: 'point', filled: true, size: 70 },
              encoding: { y: { field: 'value', type: 'quantitative' },
                          color: { field: 'sig', type: 'nominal', title: null, scale: { domain: ['within noise', 'significant change'], range: ['#2563eb', '#dc2626'] },
                                   legend: { orient: 'bottom', direction: 'horizontal' } },
                          shape: { field: 'sig', type: 'nominal', title: null, scale: { domain: ['within noise', 'significant change'], range: ['circle', 'diamond'] } },
                          tooltip: tip } }
          ] };
        if (e.better) spec.title = { text: e.better + ' is better', fontWeight: 'normal', fontSize: 11, color: '#59636e' };
        return card(title, plot('history/' + i + '/' + str(e.device) + '/' + str(e.figure), spec));
      });
    }));
  }

  // ---------------------------------------------------------------- 7. sweeps

  function sweeps(d) {
    if (d.emulated) return none('emulated: no timings, so no sweep');
    var sw = d.sweep;
    if (!sw) return none('no sweep record for this device');
    var shapes = arr(sw.shapes);
    var out = [h('p', { class: 'q4t-small' }, 'sweep of ' + date(sw.created) + ': per CPU mask and thread count, the fastest kernel\'s median', ' ', sourceNote(sw))];
    if (!shapes.length) { out.push(none('the sweep record has no shapes')); return out; }
    out.push(grid(shapes.map(function (s) {
      return guarded('sweep of ' + shapeName(s), function () {
        var best = {};
        arr(s.runs).forEach(function (r) {
          var c = r.config || {};
          if (!isNum(r.median_s) || r.median_s <= 0 || !isNum(c.threads)) return;
          var key = String(c.mask) + '\u0000' + c.threads;
          if (!best[key] || r.median_s < best[key].median_s) best[key] = { median_s: r.median_s, r: r };
        });
        var vals = Object.keys(best).map(function (k) {
          var r = best[k].r, c = r.config;
          return { mask: str(c.mask), threads: c.threads, median_us: r.median_s * 1e6, kernel: str(c.kernel),
                   binding: str(c.binding), schedule: str(c.schedule), gops: r.gops, gbps: r.gbps };
        }).sort(function (a, b) { return a.mask < b.mask ? -1 : a.mask > b.mask ? 1 : a.threads - b.threads; });
        if (!vals.length) return card(shapeName(s), none('no run with a median'));
        var tip = [{ field: 'mask' }, { field: 'threads' }, { field: 'kernel' }, { field: 'binding' }, { field: 'schedule' },
                   { field: 'median_us', title: 'median µs', format: ',.3r' }, { field: 'gops', title: 'GOPS', format: ',.3r' },
                   { field: 'gbps', title: 'GB/s', format: ',.3r' }];
        var threads = uniq(vals.map(function (v) { return v.threads; })).sort(function (a, b) { return a - b; });
        var xEnc = { field: 'threads', type: 'quantitative', title: 'threads',
                     scale: { domain: [Math.max(0.5, threads[0] - 0.5), threads[threads.length - 1] + 0.5], nice: false },
                     axis: { values: threads, format: 'd' } };
        var yEnc = { field: 'median_us', type: 'quantitative', title: 'median µs (log)', scale: { type: 'log' } };
        return card(shapeName(s), plot('sweep/' + devId(d) + '/' + shapeName(s), {
          width: 340, height: 190, data: { values: vals },
          encoding: { x: xEnc, y: yEnc, color: { field: 'mask', type: 'nominal', title: 'CPU mask',
                                                 legend: { orient: 'bottom', direction: 'horizontal', columns: 3, labelLimit: 150 } } },
          layer: [{ mark: { type: 'line', strokeWidth: 1.5 } },
                  { mark: { type: 'point', filled: true, size: 45 }, encoding: { tooltip: tip } }] }));
      });
    })));
    return out;
  }

  // ---------------------------------------------------------------- 8. correctness

  function correctness(devs) {
    var withV = devs.filter(function (d) { return d.verify; });
    if (!withV.length) return none('no verify record in the inputs');
    return withV.map(function (d) {
      return h('div', { class: 'q4t-device' }, h('h3', null, devId(d),
        (d.emulated || d.verify.emulated) ? [' ', badge('q4t-emu', 'emulated')] : null),
        guarded('correctness, ' + devId(d), function () {
          var v = d.verify, out = [], ks = arr(v.kernels);
          var n = { ok: 0, FAIL: 0, 'not runnable': 0 };
          ks.forEach(function (k) { n[k.status] = (n[k.status] || 0) + 1; });
          if (isNum(v.passed)) n.ok = v.passed;
          if (isNum(v.failed)) n.FAIL = v.failed;
          if (isNum(v.not_runnable)) n['not runnable'] = v.not_runnable;
          var emu = v.emulated || d.emulated;
          out.push(h('p', { class: 'q4t-small' }, 'verify of ' + date(v.created) + (typeof emu === 'string' ? ', ' + emu : emu ? ', emulated' : '') +
            ': ' + n.ok + ' ok, ' + n.FAIL + ' failed, ' + n['not runnable'] + ' not runnable', ' ', sourceNote(v)));
          if (!ks.length) out.push(none('the verify record lists no kernel'));
          else out.push(table(['kernel', 'op', 'tile', 'ISA', 'status', 'shapes', 'worst err / tol', 'reason'], ks.map(function (k) {
            var st = String(k.status);
            return [h('code', null, str(k.name)), str(k.op), str(k.tile), arr(k.isa).length ? arr(k.isa).join(', ') : '–',
                    { cell: st, cls: st === 'ok' ? 'q4t-good' : st === 'FAIL' ? 'q4t-bad' : 'q4t-muted' },
                    str(k.shapes), isNum(k.worst_err_over_tol) ? k.worst_err_over_tol.toFixed(3) : '–', str(k.reason)];
          })));
          var vec = arr(v.vec);
          if (vec.length) out.push(details('vector sets: ' + vec.length, table(['vector set', 'status', 'reason'], vec.map(function (x) {
            var st = String(x.status);
            return [h('code', null, str(x.name)), { cell: st, cls: st === 'ok' ? 'q4t-good' : st === 'FAIL' ? 'q4t-bad' : 'q4t-muted' }, str(x.reason)];
          }))));
          return out;
        }));
    });
  }

  // ---------------------------------------------------------------- 9. the static model (predicted)

  function obj(x) { return x && typeof x === 'object' && !Array.isArray(x); }
  var ARCH_NAMES = { x86_64: 'x86-64', aarch64: 'aarch64 (Arm)' };
  function archName(a) { return ARCH_NAMES[a] || str(a); }

  // the table's cores and kernels in the page's order: arch groups in the order the cores list them,
  // kernels within an arch GEMV before GEMM, else in the table's order
  function predictedTable(P) {
    var cores = arr(P.cores).filter(function (c) { return obj(c) && typeof c.id === 'string'; });
    var kernels = arr(P.kernels).filter(function (k) { return obj(k) && typeof k.name === 'string'; });
    var arches = uniq(cores.map(function (c) { return c.arch; }).concat(kernels.map(function (k) { return k.arch; })));
    var opRank = function (op) { return op === 'gemv' ? 0 : op === 'gemm' ? 1 : 2; };
    var order = kernels.map(function (k, i) { return { k: k, i: i }; });
    order.sort(function (a, b) {
      return (arches.indexOf(a.k.arch) - arches.indexOf(b.k.arch)) || (opRank(a.k.op) - opRank(b.k.op)) || (a.i - b.i);
    });
    var coreById = {};
    cores.forEach(function (c) { coreById[c.id] = c; });
    return { cores: cores, kernels: order.map(function (x) { return x.k; }), arches: arches, coreById: coreById };
  }

  // a column label: the core id, "*" when LLVM has no model of its own for it (a stand-in's)
  function coreLabel(c) { return c.id + (c.stand_in ? ' *' : ''); }

  function countsText(o) {
    return obj(o) ? Object.keys(o).map(function (k) { return k + ' ' + sig(o[k]); }).join(', ') : '–';
  }

  function predictedCells(T) {
    var cells = [];
    T.kernels.forEach(function (k) {
      var cs = obj(k.cores) ? k.cores : {};
      Object.keys(cs).forEach(function (id) {
        var p = cs[id], c = T.coreById[id];
        if (!obj(p) || !c) return;
        var base = { kernel: k.name, core: coreLabel(c), core_name: str(c.name), arch: str(k.arch), op: str(k.op),
                     tile: str(p.mr) + '×' + str(p.nr), macs_per_step: isNum(p.macs_per_step) ? p.macs_per_step : null,
                     model: str(c.llvm_model || c.llvm_mcpu) + (c.stand_in ? ' (stand-in: ' + c.stand_in + ')' : '') };
        if (isNum(p.macs_per_cycle)) {
          base.kind = 'modelled';
          base.macs = p.macs_per_cycle;
          base.pct = isNum(p.pct_of_peak) ? p.pct_of_peak : null;
          base.cycles = isNum(p.cycles_per_step) ? p.cycles_per_step : null;
          base.gops = (isNum(p.gops) ? sig(p.gops) : '–') + ' at ' + (isNum(c.clock_ghz) ? sig(c.clock_ghz) + ' GHz' : '–') +
                      (c.clock_of ? ' (' + c.clock_of + ')' : '');
          base.bottleneck = str(p.bottleneck);
        } else if (obj(p.instructions_per_step)) {
          base.kind = 'no model (SME)';
          base.counts = countsText(p.instructions_per_step);
          base.note = str(p.note);
        } else return;
        cells.push(base);
      });
    });
    return cells;
  }

  // one heatmap per arch, stacked; measure 'macs' (MACs per cycle) or 'pct' (% of the int8 issue peak)
  function predictedHeatmap(T, cells, measure) {
    var macsMax = Math.max.apply(null, [1].concat(cells.filter(function (c) { return isNum(c.macs); }).map(function (c) { return c.macs; })));
    var isPct = measure === 'pct';
    var title = isPct ? 'predicted % of the core\'s int8 issue peak' : 'predicted int8 MACs per cycle, one core';
    var legendTitle = isPct ? 'predicted % of peak' : 'predicted MACs/cycle';
    var domain = isPct ? [0, 100] : [0, macsMax];
    var dark = isPct ? 55 : macsMax * 0.55;
    var field = isPct ? 'pct' : 'macs';
    var tipModel = [{ field: 'kernel' }, { field: 'core_name', title: 'core' }, { field: 'tile', title: 'tile MR×NR' },
                    { field: 'cycles', title: 'predicted cycles/step', format: ',.4~r' },
                    { field: 'macs', title: 'predicted MACs/cycle', format: ',.3r' },
                    { field: 'gops', title: 'predicted GOPS, one core' },
                    { field: 'pct', title: 'predicted % of int8 peak', format: '.1f' },
                    { field: 'bottleneck' }, { field: 'model', title: 'LLVM model' }];
    var tipSme = [{ field: 'kernel' }, { field: 'core_name', title: 'core' }, { field: 'tile', title: 'tile MR×NR' },
                  { field: 'counts', title: 'instructions per step' }, { field: 'macs_per_step', title: 'MACs per step', format: ',d' },
                  { field: 'note' }];
    var blocks = T.arches.map(function (a) {
      var cols = T.cores.filter(function (c) { return c.arch === a; }).map(coreLabel);
      var rows = T.kernels.filter(function (k) { return k.arch === a; }).map(function (k) { return k.name; });
      if (!cols.length || !rows.length) return null;
      var vals = cells.filter(function (c) { return c.arch === a && cols.indexOf(c.core) >= 0; }).map(function (c) {
        var v = c[field];
        return Object.assign({}, c, { value: isNum(v) ? v : null,
                                      label: c.kind === 'modelled' ? (isNum(v) ? (isPct ? Math.round(v) + '%' : sig(v)) : '–') : 'no model' });
      });
      var x = { field: 'core', type: 'nominal', scale: { domain: cols }, sort: cols,
                axis: { orient: 'top', title: null, labelAngle: -40, labelAlign: 'left', labelFontSize: 10.5, labelLimit: 140 } };
      var y = { field: 'kernel', type: 'nominal', scale: { domain: rows }, sort: rows,
                axis: { title: null, labelFontSize: 10.5, labelLimit: 220 } };
      return {
        title: { text: archName(a) + ' cores: ' + title, subtitle: cols.length + ' cores × ' + rows.length + ' kernels, every figure predicted' },
        width: { step: 46 }, height: { step: 19 }, data: { values: vals },
        encoding: { x: x, y: y },
        layer: [
          { transform: [{ filter: "datum.kind === 'modelled' && isValid(datum.value)" }],
            mark: { type: 'rect', stroke: '#fff', strokeWidth: 1 },
            encoding: { color: { field: 'value', type: 'quantitative', title: legendTitle,
                                 scale: { scheme: 'yellowgreenblue', domain: domain, clamp: true },
                                 legend: { orient: 'right', gradientLength: 220 } },
                        tooltip: tipModel } },
          { transform: [{ filter: "datum.kind === 'modelled' && !isValid(datum.value)" }],
            mark: { type: 'rect', stroke: '#fff', strokeWidth: 1, fill: '#f3f4f6' }, encoding: { tooltip: tipModel } },
          { transform: [{ filter: "datum.kind !== 'modelled'" }],
            mark: { type: 'rect', stroke: '#9ca3af', strokeWidth: 1, strokeDash: [3, 2] },
            encoding: { fill: { field: 'kind', type: 'nominal', title: null, scale: { domain: ['no model (SME)'], range: ['#e5e7eb'] },
                                legend: { orient: 'right', labelLimit: 200 } },
                        tooltip: tipSme } },
          { transform: [{ filter: "datum.kind !== 'modelled'" }],
            mark: { type: 'text', fontSize: 8, baseline: 'middle', color: '#4b5563' },
            encoding: { text: { field: 'label' }, tooltip: tipSme } },
          { transform: [{ filter: "datum.kind === 'modelled'" }],
            mark: { type: 'text', fontSize: 9.5, baseline: 'middle' },
            encoding: { text: { field: 'label' },
                        color: { condition: { test: 'isValid(datum.value) && datum.value > ' + dark, value: '#fff' }, value: '#1f2328' },
                        tooltip: tipModel } }
        ]
      };
    }).filter(Boolean);
    return { vconcat: blocks, spacing: 26, resolve: { scale: { color: 'shared', x: 'independent', y: 'independent' }, legend: { color: 'shared' } },
             title: { text: 'Predicted (static model, llvm-mca ' + str(T.llvm) + '): ' + title,
                      subtitle: 'kernels as rows (by arch, GEMV then GEMM), cores as columns; an empty cell: the core lacks the kernel\'s features; * the core is modelled by another core\'s LLVM model' } };
  }

  function predicted(R) {
    var P = R.predicted;
    if (!obj(P)) return none('no predicted table in the inputs: the build writes it to predicted/predicted.json in its tree; q4tune predict --out DIR writes a dated copy');
    var T = predictedTable(P);
    T.llvm = P.llvm_mca;
    var cells = predictedCells(T);
    var out = [];
    if (!cells.length) { out.push(none('the predicted table has no kernel on a core')); return out; }
    var modelled = cells.filter(function (c) { return c.kind === 'modelled'; }).length;
    var name = 'predicted-measure';
    var choices = [['macs', 'MACs per cycle'], ['pct', '% of the core\'s int8 peak']];
    var plotsEl = h('div', { class: 'q4t-heatmaps', 'data-measure': 'macs' }, choices.map(function (m) {
      return h('div', { class: 'q4t-heatmap q4t-heatmap-' + m[0] },
               plot('predicted/' + m[0], predictedHeatmap(T, cells, m[0])));
    }));
    var toggle = h('div', { class: 'q4t-toggle', role: 'radiogroup', 'aria-label': 'colour the predicted heatmap by' },
      h('span', { class: 'q4t-label' }, 'colour by: '), choices.map(function (m, i) {
        var input = h('input', { type: 'radio', name: name, value: m[0], checked: i === 0 });
        input.addEventListener('change', function () { if (input.checked) plotsEl.dataset.measure = m[0]; });
        return h('label', null, input, ' predicted ' + m[1]);
      }));
    out.push(toggle, plotsEl);
    var comp = obj(P.compilers) ? Object.keys(P.compilers).map(function (a) { return archName(a) + ': ' + arr(P.compilers[a]).join(', '); }).join('; ') : '–';
    var its = arr(P.iterations).filter(isNum);
    out.push(h('p', { class: 'q4t-model-note' },
      h('strong', null, 'What the model does not know: '),
      'memory and cache misses (every load hits L1), the clock under load (figures are per cycle; GOPS at the table\'s clock), and SME units shared between cores. ',
      'llvm-mca ' + str(P.llvm_mca) + (its.length === 2 ? ' (steady state: the difference of ' + its[0] + ' and ' + its[1] + ' iterations)' : '') +
      '; compilers: ' + comp + '. ' + modelled + ' kernel × core predictions, ' + (cells.length - modelled) + ' SME cells without a model.',
      ' ', sourceNote(P)));
    if (P.about) out.push(para('q4t-small', String(P.about)));
    out.push(details('the ' + T.cores.length + ' cores of the table', table(
      ['core', 'arch', 'deployed in', 'clock GHz', 'LLVM model (-mcpu)', 'int8 peak MACs/cycle', 'features'],
      T.cores.map(function (c) {
        var peaks = obj(c.int8_peak_macs_per_cycle) ? countsText(c.int8_peak_macs_per_cycle) : '–';
        return [[h('strong', null, c.id), h('div', { class: 'q4t-small' }, str(c.name))], archName(c.arch), str(c.deployed_in),
                [sig(c.clock_ghz), c.clock_of ? h('div', { class: 'q4t-small' }, String(c.clock_of)) : null],
                [str(c.llvm_model) + ' (' + str(c.llvm_mcpu) + ')', c.stand_in ? h('div', { class: 'q4t-small' }, '* ' + c.stand_in) : null],
                peaks, arr(c.features).join(', ') || '–'];
      }))));
    out.push(details('the ' + T.kernels.length + ' kernels and their loops', table(
      ['kernel', 'arch', 'op', 'ISA group', 'compiled by', 'loop instructions', 'MAC instructions', 'cores'],
      T.kernels.map(function (k) {
        var lp = obj(k.loop) ? k.loop : {};
        return [h('code', null, k.name), archName(k.arch), str(k.op), str(k.isa_group), str(k.compiled_by), str(lp.instructions),
                countsText(lp.mac_instructions), String(obj(k.cores) ? Object.keys(k.cores).length : 0)];
      }))));
    return out;
  }

  // The core of the table that a device's record names: an Arm record's cpu_model names its cores from
  // MIDR ("4x Cortex-A76"); one kind whose name is a core id of the same arch is a match. x86 records
  // carry the cpuid brand ("AMD EPYC ..."), which names no core: no match, and no guess.
  function deviceCore(dv, T) {
    if (!obj(dv) || typeof dv.cpu_model !== 'string' || dv.cpu_model.indexOf('+') >= 0) return null;
    var id = dv.cpu_model.trim().replace(/^\d+x\s+/, '').toLowerCase().replace(/\s+/g, '-');
    var c = T.coreById[id];
    return c && c.arch === dv.arch ? c : null;
  }

  // q4tune predict --check: error = (predicted - measured) / measured, in %
  function signedPct(x) { return isNum(x) ? (x > 0 ? '+' : x < 0 ? '−' : '') + Math.abs(x).toFixed(1) + '%' : '–'; }

  // One device's predict-check record: the table's MACs/cycle for its core beside this device's own
  // single-thread, hot-cache measurement of each kernel, and whether the model ranks the tiles right.
  function predictCheck(d, T) {
    var C = d.predict_check, out = [];
    var ks = arr(C.kernels).filter(function (k) { return obj(k) && typeof k.name === 'string'; });
    var rk = arr(C.ranking).filter(obj);
    var tc = T && typeof C.core === 'string' ? T.coreById[C.core] : null;
    var core = str(C.core) + (tc && tc.name ? ' (' + tc.name + ')' : '');
    var cpu = typeof C.cpu === 'string' && C.cpu.trim() ? C.cpu.trim() : str(d.device && d.device.cpu_model).trim();
    var clock = isNum(C.clock_ghz) ? sig(C.clock_ghz) + ' GHz' +
      (isNum(C.clock_ghz_before) && isNum(C.clock_ghz_after) ? ' (' + sig(C.clock_ghz_before) + ' before, ' + sig(C.clock_ghz_after) + ' after)' : '') : '–';
    var medErr = isNum(C.median_abs_error_pct) ? C.median_abs_error_pct.toFixed(1) + '%' : '–';
    var misses = isNum(C.ranking_misses) ? C.ranking_misses : rk.filter(function (r) { return r.within_5pct === false; }).length;
    var label = function (what, text) { return h('div', null, h('span', { class: 'q4t-label' }, what), text); };
    out.push(h('div', { class: 'q4t-check-summary' },
      label('predicted: ', 'llvm-mca ' + str(C.llvm_mca) + ' for the table core ' + core),
      label('measured: ', 'on this device (' + cpu + '), one thread, hot in L2, in MACs per cycle at the sustained clock'),
      label('clock: ', clock),
      label('median |error|: ', medErr + ' over ' + ks.length + (ks.length === 1 ? ' kernel' : ' kernels') +
            ' (error = (predicted − measured) / measured)'),
      label('ranking: ', rk.length ? (rk.length - misses) + ' of ' + rk.length + ' op × ISA family groups: the model\'s best tile is the measured best or within 5%' : '–')));
    if (!ks.length) { out.push(none('the predict-check record has no kernel')); return out; }
    var PRED = 'predicted (llvm-mca, ' + str(C.core) + ')', MEAS = 'measured here (median, p10–p90)';
    var vals = [];
    ks.forEach(function (k) {
      var base = { kernel: k.name, family: family(k.name), error: signedPct(k.error_pct),
                   predicted: isNum(k.predicted_macs_per_cycle) ? k.predicted_macs_per_cycle : null,
                   measured: isNum(k.measured_macs_per_cycle) ? k.measured_macs_per_cycle : null };
      if (isNum(k.predicted_macs_per_cycle))
        vals.push(Object.assign({ what: PRED, macs: k.predicted_macs_per_cycle, end: k.predicted_macs_per_cycle,
                                  label: sig(k.predicted_macs_per_cycle) + ' (' + base.error + ')' }, base));
      if (isNum(k.measured_macs_per_cycle)) {
        var lo = isNum(k.measured_p10) ? k.measured_p10 : null, hi = isNum(k.measured_p90) ? k.measured_p90 : null;
        vals.push(Object.assign({ what: MEAS, macs: k.measured_macs_per_cycle, p10: lo, p90: hi,
                                  end: Math.max(k.measured_macs_per_cycle, hi || 0), label: sig(k.measured_macs_per_cycle) }, base));
      }
    });
    var whats = [MEAS, PRED];
    var y = { field: 'kernel', type: 'nominal', sort: ks.map(function (k) { return k.name; }), axis: { title: null, labelLimit: 260 } };
    var yOff = { field: 'what', scale: { domain: whats } };
    var tip = [{ field: 'kernel' }, { field: 'what', title: 'figure' }, { field: 'macs', title: 'MACs/cycle', format: ',.3r' },
               { field: 'p10', title: 'measured p10', format: ',.3r' }, { field: 'p90', title: 'measured p90', format: ',.3r' },
               { field: 'error', title: 'error (pred − meas) / meas' }];
    out.push(plot('predict-check/' + devId(d), {
      width: 440, height: { step: 15 }, data: { values: vals },
      title: { text: devId(d) + ': int8 MACs per cycle, one thread: predicted for ' + str(C.core) + ' vs measured here',
               subtitle: ['measured at the sustained clock, ' + clock + ', hot in L2; whiskers p10–p90',
                          'predicted by llvm-mca ' + str(C.llvm_mca) + ' (every load an L1 hit); median |error| ' + medErr] },
      encoding: { y: y, yOffset: yOff },
      layer: [
        { mark: { type: 'bar', height: { band: 0.85 } },
          encoding: { x: { field: 'macs', type: 'quantitative', title: 'int8 MACs per cycle, one thread' },
                      color: { field: 'what', type: 'nominal', title: null, scale: { domain: whats, range: ['#2563eb', '#a3a3a3'] },
                               legend: { orient: 'top', labelLimit: 300 } },
                      tooltip: tip } },
        { transform: [{ filter: 'isValid(datum.p10) && isValid(datum.p90)' }],
          mark: { type: 'rule', color: '#111', strokeWidth: 1.3 },
          encoding: { x: { field: 'p10', type: 'quantitative' }, x2: { field: 'p90' }, tooltip: tip } },
        { mark: { type: 'text', align: 'left', dx: 4, fontSize: 9.5, color: '#374151' },
          encoding: { x: { field: 'end', type: 'quantitative' }, text: { field: 'label' } } }
      ] }));
    out.push(table(['kernel', 'op', 'predicted MACs/cycle (' + str(C.core) + ')', 'measured MACs/cycle (median)', 'measured p10–p90', 'error %'],
      ks.map(function (k) {
        var op = /^(gemv|gemm)_/.exec(k.name);
        return [h('code', null, k.name), op ? op[1] : '–', sig(k.predicted_macs_per_cycle), sig(k.measured_macs_per_cycle),
                isNum(k.measured_p10) && isNum(k.measured_p90) ? sig(k.measured_p10) + '–' + sig(k.measured_p90) : '–',
                { cell: signedPct(k.error_pct), cls: 'q4t-nowrap' }];
      }), { class: 'q4t-table q4t-check', 'data-check': 'kernels', 'data-device': devId(d) }));
    if (rk.length) {
      out.push(h('h4', null, 'Ranking per op and ISA family: does the model pick the measured best tile?'));
      out.push(table(['op', 'ISA family', 'tiles', 'the model\'s best', 'measured best', 'model\'s best, measured / measured best', 'within 5%'],
        rk.map(function (r) {
          var ok = r.within_5pct === true ? { cell: '✓', cls: 'q4t-good' } : r.within_5pct === false ? { cell: '✗', cls: 'q4t-bad' } : '–';
          return [str(r.op), str(r.family), str(r.tiles), h('code', null, str(r.model_best)), h('code', null, str(r.measured_best)),
                  isNum(r.model_best_measured_ratio) ? sig(r.model_best_measured_ratio) : '–', ok];
        }), { class: 'q4t-table q4t-check q4t-check-ranking', 'data-check': 'ranking', 'data-device': devId(d) }));
    }
    out.push(h('p', { class: 'q4t-small' }, str(C.method) + '; check of ' + date(C.created), ' ', sourceNote(C)));
    return out;
  }

  function predictedVsMeasured(R, devs) {
    var P = R.predicted;
    var checked = devs.filter(function (d) { return obj(d.predict_check); });
    var out = checked.map(function (d) {
      return h('div', { class: 'q4t-device' }, h('h3', null, devId(d), ': q4tune predict --check ' + str(d.predict_check.core),
                                                   d.emulated ? [' ', badge('q4t-emu', 'emulated: the measurement timed the emulator')] : null),
        guarded('predict --check, ' + devId(d), function () { return predictCheck(d, obj(P) ? predictedTable(P) : null); }));
    });
    if (!obj(P)) {
      if (!checked.length) out.push(none('no predicted table in the inputs'));
      return out;
    }
    var T = predictedTable(P);
    var kernelByName = {};
    T.kernels.forEach(function (k) { kernelByName[k.name] = k; });
    var timed = devs.filter(function (d) { return !d.emulated && d.tuned; });
    var rows = [], unmatched = [];
    timed.forEach(function (d) {
      var c = deviceCore(d.device, T);
      if (!c) { unmatched.push(devId(d) + ' (“' + str(d.device && d.device.cpu_model) + '”)'); return; }
      arr(d.tuned.shapes).forEach(function (s) {
        var best = {};
        arr(s.ranked).concat(s.winner ? [s.winner] : []).forEach(function (r) {
          var cf = r && r.config || {};
          if (!isNum(r.gops) || !isNum(cf.threads) || cf.threads < 1) return;
          var per = r.gops / cf.threads;
          if (!best[cf.kernel] || per > best[cf.kernel].per) best[cf.kernel] = { per: per, threads: cf.threads };
        });
        Object.keys(best).forEach(function (kn) {
          var k = kernelByName[kn], p = k && obj(k.cores) ? k.cores[c.id] : null;
          if (!p || !isNum(p.gops)) return;
          rows.push({ device: devId(d), core: c.id, clock: c.clock_ghz, shape: shapeName(s), op: str(s.op), kernel: kn,
                      threads: best[kn].threads, measured: best[kn].per, predicted: p.gops, ratio: best[kn].per / p.gops,
                      row: devId(d) + ' · ' + shapeName(s) + ' · ' + shortKernel(kn) });
        });
      });
    });
    if (!rows.length) {
      if (checked.length) return out;
      out.push(none('no measured figure to set beside the predictions: no device with a tuned record names a core of the table' +
        (unmatched.length ? ' (' + unmatched.join('; ') + '; x86 records carry the CPU\'s brand string, which names no core)' : '')));
      return out;
    }
    if (checked.length) out.push(h('h3', null, 'Tuned records of devices that name a core of the table'));
    if (unmatched.length) out.push(para('q4t-small', 'not matched to a core of the table: ' + unmatched.join('; ')));
    var bars = [];
    rows.forEach(function (r) {
      bars.push({ row: r.row, what: 'measured', gops: r.measured, device: r.device, kernel: r.kernel, shape: r.shape, core: r.core, ratio: r.ratio });
      bars.push({ row: r.row, what: 'predicted (static model)', gops: r.predicted, device: r.device, kernel: r.kernel, shape: r.shape, core: r.core, ratio: r.ratio });
    });
    var tip = [{ field: 'device' }, { field: 'core' }, { field: 'shape' }, { field: 'kernel' }, { field: 'what' },
               { field: 'gops', title: 'GOPS per core', format: ',.3r' }, { field: 'ratio', title: 'measured / predicted', format: '.2f' }];
    out.push(plot('predicted-vs-measured', {
      width: 420, height: { step: 13 }, data: { values: bars },
      title: { text: 'GOPS per core: measured (best configuration of the kernel, GOPS / threads) and predicted',
               subtitle: 'predicted at the table\'s clock with every load an L1 hit; GEMV is bound by memory, which the model does not see' },
      mark: { type: 'bar' },
      encoding: { y: { field: 'row', type: 'nominal', sort: null, axis: { title: null, labelLimit: 360 } },
                  yOffset: { field: 'what', sort: ['measured', 'predicted (static model)'] },
                  x: { field: 'gops', type: 'quantitative', title: 'GOPS per core' },
                  color: { field: 'what', type: 'nominal', title: null, scale: { domain: ['measured', 'predicted (static model)'], range: ['#2563eb', '#a3a3a3'] },
                           legend: { orient: 'top' } },
                  tooltip: tip } }));
    out.push(table(['device', 'core', 'shape', 'kernel', 'threads', 'measured GOPS/core', 'predicted GOPS/core', 'measured / predicted'],
      rows.map(function (r) {
        return [r.device, r.core + ' (' + sig(r.clock) + ' GHz)', r.shape, h('code', null, r.kernel), str(r.threads), sig(r.measured),
                sig(r.predicted), sig(r.ratio)];
      }), { id: 'measured-beside-predicted', class: 'q4t-table' }));
    return out;
  }

  function anchors(R) {
    var A = R.anchors;
    if (!obj(A)) return none('no anchors record in the inputs (results/predicted/anchors.json)');
    var out = [];
    if (A.about) out.push(para('q4t-small', String(A.about)));
    if (A.method) out.push(h('p', { class: 'q4t-small' }, h('span', { class: 'q4t-label' }, 'method: '), String(A.method),
      A.llvm_mca ? ' (llvm-mca ' + A.llvm_mca + ')' : ''));
    var T = obj(R.predicted) ? predictedTable(R.predicted) : null;
    var ids = T ? T.cores.map(function (c) { return c.id; }) : [];
    var coreRank = function (id) { var i = ids.indexOf(id); return i < 0 ? 1e9 : i; };
    var opRank = function (op) { return op === 'gemv' ? 0 : op === 'gemm' ? 1 : 2; };
    var cmp = arr(A.comparison).filter(obj).map(function (c, i) { return { c: c, i: i }; });
    cmp.sort(function (a, b) { return (coreRank(a.c.core) - coreRank(b.c.core)) || (opRank(a.c.op) - opRank(b.c.op)) || (a.i - b.i); });
    var met = cmp.filter(function (x) { return x.c.met === true; }).length;
    if (!cmp.length) out.push(none('the anchors record has no comparison'));
    else {
      out.push(h('p', { class: 'q4t-small' }, h('span', { class: 'q4t-label' }, 'predicted goal met: '),
        met + ' of ' + cmp.length + ' core × op pairs (ratio = q4tune\'s best MACs/cycle over the best anchor\'s; hover an anchor kernel for the other project\'s best)'));
      out.push(table(['core', 'op', 'q4tune best kernel', 'q4tune MACs/cycle', 'best anchor: project', 'anchor kernel', 'anchor MACs/cycle',
                      'ratio q4tune / anchor', 'goal', 'met', 'q4tune % of peak', 'bound'],
        cmp.map(function (x) {
          var c = x.c, q = obj(c.q4tune) ? c.q4tune : {}, a = obj(c.anchor) ? c.anchor : {};
          var ok = c.met === true ? { cell: '✓', cls: 'q4t-good' } : c.met === false ? { cell: '✗', cls: 'q4t-bad' } : '–';
          var others = obj(c.by_project) ? Object.keys(c.by_project).filter(function (p) { return p !== a.project && obj(c.by_project[p]); })
            .map(function (p) { return p + ': ' + str(c.by_project[p].kernel) + ' ' + sig(c.by_project[p].macs_per_cycle); }) : [];
          return [{ cell: str(c.core), cls: 'q4t-nowrap' }, str(c.op), h('code', null, str(q.kernel)), sig(q.macs_per_cycle), str(a.project),
                  h('code', { title: others.length ? 'the other project\'s best: ' + others.join('; ') : null }, str(a.kernel)),
                  sig(a.macs_per_cycle), { cell: isNum(c.ratio) ? sig(c.ratio) + '×' : '–', cls: c.met === true ? 'q4t-good' : c.met === false ? 'q4t-bad' : null },
                  { cell: isNum(c.goal) ? '≥ ' + sig(c.goal) + '×' : str(c.goal), cls: 'q4t-nowrap' }, ok,
                  isNum(c.pct_of_peak) ? sig(c.pct_of_peak) + '%' : '–', h('span', { class: 'q4t-small' }, str(c.bound))];
        }), { id: 'anchor-comparison', class: 'q4t-table q4t-anchors' }));
    }
    var srcs = arr(A.sources).filter(obj);
    if (srcs.length) out.push(h('div', { class: 'q4t-small q4t-sources' }, h('span', { class: 'q4t-label' }, 'the anchors\' sources:'),
      h('ul', null, srcs.map(function (s) {
        return h('li', null, str(s.project) + ' at commit ', h('code', null, str(s.commit)), s.path ? [': ', h('code', null, String(s.path))] : null);
      }))));
    var missing = arr(A.missing).filter(obj);
    if (missing.length) out.push(h('div', { class: 'q4t-small q4t-sources' }, h('span', { class: 'q4t-label' }, 'not anchored:'),
      h('ul', null, missing.map(function (m) { return h('li', null, str(m.project) + ' ' + str(m.kernel) + ': ' + str(m.note)); }))));
    var sme = arr(A.sme).filter(obj);
    if (sme.length) out.push(details('SME (no model): instructions per step, ' + sme.length + ' core × op pairs', table(
      ['core', 'op', 'side', 'kernel', 'instructions per step'],
      [].concat.apply([], sme.map(function (e) {
        var rows = [];
        [['q4tune', e.q4tune], ['anchor', e.anchor]].forEach(function (side) {
          if (!obj(side[1])) return;
          Object.keys(side[1]).forEach(function (k) {
            rows.push([str(e.core), str(e.op), side[0], h('code', null, k), countsText(side[1][k])]);
          });
        });
        return rows;
      })))));
    var ks = arr(A.kernels).filter(obj);
    if (ks.length) out.push(details('the ' + ks.length + ' anchor kernels, predicted per core', table(
      ['project', 'kernel', 'op', 'ISA', 'tile', 'loop', 'accounting', 'predicted MACs/cycle per core (% of peak)'],
      ks.map(function (k) {
        var cs = obj(k.cores) ? k.cores : {}, lp = k.loop;
        var loop = obj(lp) ? str(lp.instructions) + ' instructions, MACs: ' + countsText(lp.mac_instructions) : str(lp);
        return [str(k.project), h('code', null, str(k.name)), str(k.op), str(k.isa), str(k.mr) + '×' + str(k.nr),
                h('span', { class: 'q4t-small' }, loop), h('span', { class: 'q4t-small' }, str(k.accounting)),
                h('span', { class: 'q4t-small' }, Object.keys(cs).map(function (id) {
                  var p = cs[id] || {};
                  if (!isNum(p.macs_per_cycle)) return id + ' no model (' + countsText(p.instructions_per_step) + ')';
                  return id + ' ' + sig(p.macs_per_cycle) + (isNum(p.pct_of_peak) ? ' (' + sig(p.pct_of_peak) + '%)' : '');
                }).join(', ') || '–')];
      }))));
    out.push(h('p', { class: 'q4t-small' }, 'anchors of ' + date(A.created), ' ', sourceNote(A)));
    return out;
  }

  // ---------------------------------------------------------------- the page

  function render() {
    var app = document.getElementById('app');
    if (!app) { app = h('div', { id: 'app' }); document.body.appendChild(app); }
    var R = window.Q4T_REPORT;
    if (!R || typeof R !== 'object') {
      app.appendChild(failure('the report', new Error('window.Q4T_REPORT is missing')));
      return;
    }
    if (R.schema_version !== undefined && R.schema_version !== 1)
      app.appendChild(failure('the report', new Error('data schema_version ' + R.schema_version + ', this page reads 1')));
    var devs = arr(R.devices).filter(function (d) { return d && typeof d === 'object'; });
    if (devs.length !== arr(R.devices).length)
      app.appendChild(failure('the report', new Error((arr(R.devices).length - devs.length) + ' entries of devices are not objects')));
    var timed = devs.filter(function (d) { return !d.emulated; });
    append(app, guarded('header', function () { return header(R); }));
    var main = h('main');
    app.appendChild(main);
    main.appendChild(section('devices', 'Devices side by side', null, function () { return devices(devs); }));
    main.appendChild(section('roofline', 'Roofline',
      'Each measured configuration of the tuned shapes at its operations per byte (log-log), under the measured ceilings: the read bandwidth bounds GEMV, the int8 peaks bound GEMM. Outlined points are the tuned winners.',
      function () { return perDevice(devs, 'roofline', roofline); }));
    main.appendChild(section('ranking', 'Per shape, the ranking',
      'The tuned winner (★) and the best configuration of each other kernel variant; bars are medians, whiskers the confidence interval of the median.',
      function () { return perDevice(devs, 'ranking', ranking); }));
    main.appendChild(section('transformer', 'The transformer',
      'q4tune run: time to first token, prefill and decode tokens/s, decode bandwidth against the measured read bandwidth, and where the time goes.',
      function () { return perDevice(devs, 'transformer', transformer); }));
    main.appendChild(section('history', 'History',
      'One figure of one device over time; red diamonds mark changes beyond noise.', function () { return history(R); }));
    main.appendChild(section('sweeps', 'Sweeps',
      'Per shape, the fastest kernel\'s median per CPU mask and thread count: where big and little cores part ways.',
      function () { return perDevice(devs, 'sweeps', sweeps); }));
    main.appendChild(section('correctness', 'Correctness and configuration',
      'q4tune verify: every kernel against the scalar reference, worst error as a fraction of the tolerance.',
      function () { return correctness(devs); }));
    main.appendChild(section('predicted', 'Predicted (static model, llvm-mca)',
      'No device ran these figures: llvm-mca\'s prediction of each kernel\'s own compiled block loop on each core, from LLVM\'s scheduling model of the core. Hover a cell for cycles per step, GOPS at the table\'s clock, % of the int8 issue peak and the bottleneck.',
      function () { return predicted(R); }));
    main.appendChild(section('predicted-vs-measured', 'Predicted vs measured',
      'q4tune predict --check CORE: a device\'s own single-thread, hot-cache MACs per cycle of each kernel beside the table\'s prediction for CORE, and whether the model\'s best tile is the measured best. And where a device\'s record names a core of the predicted table (Arm records name their cores from MIDR), its measured GOPS per core beside the prediction.',
      function () { return predictedVsMeasured(R, devs); }));
    main.appendChild(section('anchors', 'Arm anchors (predicted)',
      'q4tune\'s best kernel per core and op against the best kernel of other projects, all predicted by the same model.',
      function () { return anchors(R); }));
    app.appendChild(h('footer', { class: 'q4t-footer' }, 'q4tune ' + str(R.q4tune_version) +
      (R.q4tune_commit ? ' (' + R.q4tune_commit + ')' : '') + ' · ' + devs.length + ' devices, ' + timed.length + ' with timings'));
  }

  function done() {
    return Promise.all(plots).then(function (res) {
      var failed = res.filter(function (ok) { return !ok; }).length;
      document.body.dataset.plots = String(res.length);
      document.body.dataset.plotFailures = String(failed);
      document.body.dataset.rendered = String(res.length);
    });
  }

  // open every <details> for printing
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details'), function (d) {
      if (!d.open) { d.open = true; d.dataset.printOpened = '1'; }
    });
  });
  window.addEventListener('afterprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('details[data-print-opened]'), function (d) {
      d.open = false; delete d.dataset.printOpened;
    });
  });

  try { render(); } catch (e) {
    var app = document.getElementById('app') || document.body;
    app.appendChild(failure('the report', e));
  }
  done();
})();
