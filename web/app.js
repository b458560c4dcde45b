// Reference-to-Rig web page: projects, upload, tasks with progress, the three flavors
// as cards with their EQ curves, synchronized A/B playback, spectra, downloads.
// Plain JS, no build step; talks to the REST API of `r2r serve`.
'use strict';

const $ = (id) => document.getElementById(id);
const FLAVORS = ['balanced', 'brighter', 'thicker'];
const COLORS = { reference: '#e6e6e6', balanced: '#f0a030', brighter: '#50b4ff', thicker: '#c070ff' };
const state = { project: null, players: {}, current: 'reference', polling: null };
window.r2r = state; // for the browser test and the console

async function api(method, path, body) {
  const opt = { method, headers: {} };
  if (body !== undefined) {
    opt.headers['Content-Type'] = 'application/json';
    opt.body = JSON.stringify(body);
  }
  const r = await fetch(path, opt);
  const text = await r.text();
  const data = text ? JSON.parse(text) : {};
  if (!r.ok) throw new Error(data.error || `${r.status} ${r.statusText}`);
  return data;
}

function showError(msg) {
  const e = $('error');
  e.textContent = msg || '';
  e.hidden = !msg;
}

// ---------- projects ----------

async function loadProjects(select) {
  const { projects } = await api('GET', '/projects');
  const sel = $('project-select');
  sel.innerHTML = '';
  for (const p of projects) {
    const o = document.createElement('option');
    o.value = p.id;
    o.textContent = `${p.name}${p.source ? ' — ' + p.source.name : ''}`;
    sel.appendChild(o);
  }
  const want = select || (state.project && state.project.id) || (projects[0] && projects[0].id);
  if (want) sel.value = want;
  await openProject(sel.value || null);
}

async function openProject(id) {
  stopPlayback();
  state.project = id ? await api('GET', `/projects/${id}`) : null;
  renderProject();
  if (state.project && state.project.has_results) await loadResults();
  else $('results').hidden = true;
  const running = state.project && (state.project.tasks || []).find((t) => t.status === 'pending' || t.status === 'running');
  if (running) watchTask(running.task_id);
}

function renderProject() {
  const p = state.project;
  const has = !!(p && p.source);
  $('source-info').textContent = has
    ? `${p.source.name}: ${p.source.duration_s.toFixed(1)} s, ${p.source.sample_rate} Hz, ${p.source.channels} ch`
    : p ? 'No audio yet.' : 'Create a project to start.';
  $('di-info').textContent = p && p.di ? '— DI uploaded, matches use it' : '';
  $('di-kind').hidden = !(p && p.di);
  $('run-isolate').disabled = !has;
  $('run-match').disabled = !has;
  $('project-delete').disabled = !p;
}

// ---------- upload ----------

function upload(file, what = 'import') {
  if (!state.project) return showError('Create a project first.');
  showError('');
  const form = new FormData();
  form.append('file', file, file.name);
  const xhr = new XMLHttpRequest();
  xhr.open('POST', `/projects/${state.project.id}/${what}`);
  $('task').hidden = false;
  xhr.upload.onprogress = (e) => {
    if (e.lengthComputable) setProgress(e.loaded / e.total, `uploading ${file.name}`);
  };
  xhr.onload = async () => {
    let data = {};
    try { data = JSON.parse(xhr.responseText || '{}'); } catch (_) { /* not JSON */ }
    if (xhr.status !== 200) {
      $('task').hidden = true;
      return showError(data.error || `upload failed (${xhr.status})`);
    }
    setProgress(1, 'uploaded');
    await loadProjects(state.project.id);
  };
  xhr.onerror = () => showError('upload failed: the server did not answer');
  xhr.send(form);
}

// ---------- tasks ----------

function setProgress(f, msg) {
  $('task').hidden = false;
  $('task-bar').style.width = `${Math.round(100 * Math.max(0, Math.min(1, f)))}%`;
  $('task-msg').textContent = msg || '';
}

async function startTask(kind) {
  showError('');
  try {
    const p = state.project;
    const q = kind === 'match' && p.di ? `?di_guitar=${encodeURIComponent($('di-guitar').value)}` : '';
    const { task_id } = await api('POST', `/projects/${p.id}/${kind}${q}`);
    watchTask(task_id);
  } catch (e) {
    showError(e.message);
  }
}

function watchTask(taskId) {
  clearInterval(state.polling);
  const pid = state.project.id;
  $('run-isolate').disabled = $('run-match').disabled = true;
  const tick = async () => {
    let t;
    try {
      t = await api('GET', `/projects/${pid}/tasks/${taskId}`);
    } catch (e) {
      clearInterval(state.polling);
      return showError(e.message);
    }
    setProgress(t.progress, `${t.kind}: ${t.message}`);
    if (t.status === 'completed' || t.status === 'failed') {
      clearInterval(state.polling);
      renderProject();
      if (t.status === 'failed') showError(`${t.kind} failed: ${t.error}`);
      if (t.kind === 'match' && t.status === 'completed') await openProject(pid);
    }
  };
  state.polling = setInterval(tick, 500);
  tick();
}

// ---------- results ----------

async function loadResults() {
  const id = state.project.id;
  const res = await api('GET', `/projects/${id}/results`);
  $('results').hidden = false;
  renderCards(res);
  setupPlayers(id);
  $('dl-json').href = `/projects/${id}/recipe`;
  $('dl-md').href = `/projects/${id}/recipe.md`;
  for (const f of FLAVORS) $(`dl-eq-${f}`).href = `/projects/${id}/eq/${f}.txt`;
  try {
    drawSpectra(await api('GET', `/projects/${id}/spectra`));
  } catch (e) {
    showError(e.message);
  }
}

function fmt(v, unit, digits = 1) {
  return `${v >= 0 ? '+' : ''}${Number(v).toFixed(digits)} ${unit}`;
}

function renderCards(res) {
  const cards = $('cards');
  cards.innerHTML = '';
  for (const c of res.candidates) {
    const div = document.createElement('div');
    div.className = `card ${c.flavor}`;
    div.dataset.flavor = c.flavor;
    const h = document.createElement('h3');
    h.textContent = c.flavor;
    div.appendChild(h);
    const dl = document.createElement('dl');
    const rows = [
      ['Amp', c.capture.name + (c.capture.lv2 ? ` (${c.capture.lv2.plugin})` : '')],
      ['Cabinet IR', c.ir ? c.ir.name : (c.capture.has_cab ? 'none needed (in the capture)' : 'none')],
      ['Input gain', fmt(c.input_gain_db, 'dB')],
      ['Output', fmt(c.output_gain_db, 'dB')],
      ['Match', `${c.loss.spectral_db.toFixed(2)} dB after EQ (${c.loss.before_eq_db.toFixed(2)} before)`],
    ];
    if (typeof c.loss.null_db === 'number') rows.push(['Null test', `${c.loss.null_db.toFixed(1)} dB with your DI`]);
    if (c.source_mix) {
      // what the match assumed was played (from the reference alone): the largest probe shares
      const read = Object.entries(c.source_mix)
        .filter(([, w]) => typeof w === 'number' && w >= 0.05)
        .sort((a, b) => b[1] - a[1])
        .slice(0, 3)
        .map(([k, w]) => `${k.replace(/_/g, ' ')} ${Math.round(w * 100)} %`);
      if (read.length) rows.push(['Read as', read.join(', ')]);
    }
    for (const [k, v] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = k;
      const dd = document.createElement('dd');
      dd.textContent = v;
      dl.append(dt, dd);
    }
    div.appendChild(dl);
    if (c.capture.lv2 && c.capture.lv2.knobs) {
      const p = document.createElement('p');
      p.className = 'knobs';
      p.textContent = 'Knobs: ' + c.capture.lv2.knobs.map((k) => `${k.name} ${Number(k.value).toPrecision(3)}`).join(', ');
      div.appendChild(p);
    }
    const table = document.createElement('table');
    table.innerHTML = '<tr><th>band</th><th>Hz</th><th>gain</th><th>Q</th></tr>';
    c.eq.bands.forEach((b, i) => {
      const tr = document.createElement('tr');
      for (const v of [`${i + 1} ${b.type}`, Math.round(b.freq_hz), fmt(b.gain_db, 'dB'), b.q.toFixed(2)]) {
        const td = document.createElement('td');
        td.textContent = v;
        tr.appendChild(td);
      }
      table.appendChild(tr);
    });
    div.appendChild(table);
    const cv = document.createElement('canvas');
    cv.width = 560;
    cv.height = 220;
    cv.setAttribute('aria-label', `EQ curve, ${c.flavor}`);
    div.appendChild(cv);
    cards.appendChild(div);
    drawEq(cv, c.eq.bands, COLORS[c.flavor]);
  }
}

// RBJ cookbook biquads, as the matcher's EQ applies them (48 kHz).
function biquad(b, fs) {
  const A = Math.pow(10, b.gain_db / 40), w0 = 2 * Math.PI * b.freq_hz / fs;
  const cw = Math.cos(w0), sw = Math.sin(w0), alpha = sw / (2 * b.q), sA = Math.sqrt(A);
  let c;
  if (b.type === 'lowshelf') {
    c = [A * ((A + 1) - (A - 1) * cw + 2 * sA * alpha), 2 * A * ((A - 1) - (A + 1) * cw),
      A * ((A + 1) - (A - 1) * cw - 2 * sA * alpha), (A + 1) + (A - 1) * cw + 2 * sA * alpha,
      -2 * ((A - 1) + (A + 1) * cw), (A + 1) + (A - 1) * cw - 2 * sA * alpha];
  } else if (b.type === 'highshelf') {
    c = [A * ((A + 1) + (A - 1) * cw + 2 * sA * alpha), -2 * A * ((A - 1) + (A + 1) * cw),
      A * ((A + 1) + (A - 1) * cw - 2 * sA * alpha), (A + 1) - (A - 1) * cw + 2 * sA * alpha,
      2 * ((A - 1) - (A + 1) * cw), (A + 1) - (A - 1) * cw - 2 * sA * alpha];
  } else {
    c = [1 + alpha * A, -2 * cw, 1 - alpha * A, 1 + alpha / A, -2 * cw, 1 - alpha / A];
  }
  return c;
}

function responseDb(coefs, f, fs) {
  const w = 2 * Math.PI * f / fs;
  const re1 = Math.cos(w), im1 = -Math.sin(w), re2 = Math.cos(2 * w), im2 = -Math.sin(2 * w);
  let db = 0;
  for (const [b0, b1, b2, a0, a1, a2] of coefs) {
    const nr = b0 + b1 * re1 + b2 * re2, ni = b1 * im1 + b2 * im2;
    const dr = a0 + a1 * re1 + a2 * re2, di = a1 * im1 + a2 * im2;
    db += 10 * Math.log10((nr * nr + ni * ni) / (dr * dr + di * di));
  }
  return db;
}

function plotAxes(ctx, w, h, fmin, fmax, dbmin, dbmax, step) {
  ctx.fillStyle = '#171a1f';
  ctx.fillRect(0, 0, w, h);
  ctx.strokeStyle = '#2c3038';
  ctx.fillStyle = '#7a808a';
  ctx.font = '11px system-ui';
  ctx.lineWidth = 1;
  for (const f of [50, 100, 200, 500, 1000, 2000, 5000, 10000]) {
    if (f < fmin || f > fmax) continue;
    const x = w * Math.log(f / fmin) / Math.log(fmax / fmin);
    ctx.beginPath(); ctx.moveTo(x, 0); ctx.lineTo(x, h); ctx.stroke();
    ctx.fillText(f >= 1000 ? `${f / 1000}k` : `${f}`, x + 2, h - 4);
  }
  for (let d = Math.ceil(dbmin / step) * step; d <= dbmax; d += step) {
    const y = h * (dbmax - d) / (dbmax - dbmin);
    ctx.beginPath(); ctx.moveTo(0, y); ctx.lineTo(w, y); ctx.stroke();
    ctx.fillText(`${d} dB`, 2, y - 2);
  }
}

function drawEq(cv, bands, color) {
  const ctx = cv.getContext('2d'), w = cv.width, h = cv.height, fs = 48000, fmin = 30, fmax = 16000;
  plotAxes(ctx, w, h, fmin, fmax, -15, 15, 5);
  const coefs = bands.map((b) => biquad(b, fs));
  ctx.strokeStyle = color;
  ctx.lineWidth = 2.5;
  ctx.beginPath();
  for (let x = 0; x <= w; x += 2) {
    const f = fmin * Math.pow(fmax / fmin, x / w);
    const y = h * (15 - Math.max(-15, Math.min(15, responseDb(coefs, f, fs)))) / 30;
    if (x === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
  }
  ctx.stroke();
}

function drawSpectra(sp) {
  const cv = $('spectra'), ctx = cv.getContext('2d'), w = cv.width, h = cv.height;
  const fmin = sp.hz[0], fmax = sp.hz[sp.hz.length - 1];
  // level-aligned to the reference (each curve's mean over 100 Hz-8 kHz)
  const mean = (a) => {
    let s = 0, n = 0;
    a.forEach((v, i) => { if (sp.hz[i] >= 100 && sp.hz[i] <= 8000) { s += v; n++; } });
    return n ? s / n : 0;
  };
  const ref = mean(sp.reference), top = Math.max(...sp.reference) - ref + 6;
  plotAxes(ctx, w, h, fmin, fmax, -60, top, 10);
  for (const name of ['reference', ...FLAVORS]) {
    const a = sp[name];
    if (!a) continue;
    const off = ref - mean(a);
    ctx.strokeStyle = COLORS[name];
    ctx.lineWidth = name === 'reference' ? 2.5 : 1.5;
    ctx.beginPath();
    a.forEach((v, i) => {
      const x = w * Math.log(sp.hz[i] / fmin) / Math.log(fmax / fmin);
      const y = h * (top - (v + off - ref)) / (top + 60);
      if (i === 0) ctx.moveTo(x, y); else ctx.lineTo(x, y);
    });
    ctx.stroke();
  }
}

// ---------- synchronized A/B ----------

function setupPlayers(id) {
  stopPlayback();
  state.players = {};
  const srcs = { reference: `/projects/${id}/audio/isolated` };
  for (const f of FLAVORS) srcs[f] = `/projects/${id}/audio/match_${f}`;
  for (const [name, url] of Object.entries(srcs)) {
    const a = new Audio();
    a.preload = 'auto';
    a.src = url;
    a.dataset.name = name;
    a.addEventListener('timeupdate', () => { if (name === state.current) showTime(a); });
    a.addEventListener('ended', () => { if (name === state.current) $('play').textContent = 'Play'; });
    state.players[name] = a;
  }
  selectSource('reference');
}

function showTime(a) {
  const t = a.currentTime || 0;
  $('time').textContent = `${Math.floor(t / 60)}:${String(Math.floor(t % 60)).padStart(2, '0')}`;
  if (a.duration) $('seek').value = Math.round(1000 * t / a.duration);
}

function selectSource(name) {
  const from = state.players[state.current], to = state.players[name];
  if (!to) return;
  const playing = from && !from.paused;
  if (from && from !== to) {
    to.currentTime = Math.min(from.currentTime || 0, to.duration || Infinity);
    from.pause();
  }
  state.current = name;
  document.querySelectorAll('.ab button').forEach((b) => b.classList.toggle('on', b.dataset.src === name));
  if (playing) to.play().catch((e) => showError(e.message));
}

function stopPlayback() {
  for (const a of Object.values(state.players)) a.pause();
  $('play').textContent = 'Play';
}

async function togglePlay() {
  const a = state.players[state.current];
  if (!a) return;
  if (a.paused) {
    try {
      await a.play();
      $('play').textContent = 'Pause';
    } catch (e) {
      showError(`cannot play: ${e.message}`);
    }
  } else {
    a.pause();
    $('play').textContent = 'Play';
  }
}

// ---------- wiring ----------

function wire() {
  $('project-select').addEventListener('change', (e) => openProject(e.target.value).catch((x) => showError(x.message)));
  $('project-new').addEventListener('click', async () => {
    try {
      const p = await api('POST', '/projects', { name: $('project-name').value || 'untitled' });
      $('project-name').value = '';
      await loadProjects(p.id);
    } catch (e) {
      showError(e.message);
    }
  });
  $('project-delete').addEventListener('click', async () => {
    if (!state.project || !confirm(`Delete project "${state.project.name}"?`)) return;
    try {
      await api('DELETE', `/projects/${state.project.id}`);
      state.project = null;
      await loadProjects();
    } catch (e) {
      showError(e.message);
    }
  });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    if (e.dataTransfer.files.length) upload(e.dataTransfer.files[0]);
  });
  $('file').addEventListener('change', (e) => { if (e.target.files.length) upload(e.target.files[0]); });
  $('di-file').addEventListener('change', (e) => { if (e.target.files.length) upload(e.target.files[0], 'di'); });
  $('run-isolate').addEventListener('click', () => startTask('isolate'));
  $('run-match').addEventListener('click', () => startTask('match'));
  document.querySelectorAll('.ab button').forEach((b) => b.addEventListener('click', () => selectSource(b.dataset.src)));
  $('play').addEventListener('click', togglePlay);
  $('seek').addEventListener('input', (e) => {
    const a = state.players[state.current];
    if (a && a.duration) a.currentTime = a.duration * e.target.value / 1000;
  });
  loadProjects().catch((e) => showError(e.message));
}

wire();
