/*
 * selfbuilt serve — the page a township clerk works in.
 *
 * Plain ES2017, no framework, no build step: it must run offline in any current browser and
 * in the Chromium-86-based 360/QQ browsers. The server's Content-Security-Policy forbids inline
 * scripts, inline styles and on*= attributes: everything here is wired with addEventListener,
 * and server text is only ever set with textContent (village files name cells, sheets and
 * values: none of it may become markup). The HTTP API is docs/serve-api.md.
 *
 * Stable ids and classes (tests/browser.rs relies on them):
 *   #message (#message-text)   errors from the server or the browser, never swallowed
 *   #notice                    short confirmations ("已保存")
 *   #login, #token, #login-button          the token form (server started with --token)
 *   #quit (stops the server), #closed (shown after), #connection (events connection lost)
 *   #rounds (li[data-round])   the rounds; #new-round makes the next one
 *   #round-name, #round-state, #round-previous, #deadline (input type=date)
 *   #intake                    the 收件 panel: takes dropped files and whole folders (#drop shows
 *                              where), #upload-status while sending
 *   #files-input (input type=file multiple), #folder-input (webkitdirectory)
 *   #files (tr[data-name] with button.remove), #files-summary
 *   #roster-input, #roster-file, #roster-remove
 *   #run-button, #progress (#progress-state, #progress-stages li, #progress-steps li)
 *   #results, #results-summary, tabs .tab[data-tab=overview|findings|wordings|writeoffs|coverage]
 *   #report (p), #copy-report, #villages-table (tbody tr[data-village]), a.package[data-village],
 *   a#all-packages, #downloads (a.download[data-name])
 *   #findings (tr.finding, tr.row-as-written), #findings-village, #findings-severity,
 *   #findings-rule, #findings-count, #findings-prev, #findings-next
 *   #wordings (.wording[data-id] with select, button.confirm, button.none), #choices (li with .undo)
 *   #writeoffs (tbody tr), #writeoffs-village, #writeoffs-reason, #coverage, #command
 */
'use strict';

(function () {

  // ───────────────────────── State ─────────────────────────

  const PAGE = 50;   // findings and write-offs shown per page

  const state = {
    workspace: null,      // GET /api/workspace
    round: null,          // name of the round on screen
    files: [],            // the round's files
    results: null,        // its Results, null before its first run
    choices: [],          // GET /api/aliases items
    labels: {},           // "table|field|to" → label, learnt from the wordings' choices (see labelKey)
    findings: { village: '', severity: '', rule: '', offset: 0, seq: 0 },
    writeoffs: { village: '', reason: '', offset: 0 },
    progress: null,       // { text, stages: [{name, steps, done}], steps: [what] } of the round on screen
    stale: '',            // why the results on screen no longer match the round's inputs
    tab: 'overview',
    events: null,         // the EventSource
  };

  const STATE_TEXT = {
    empty: '未收件', ready: '待检查', queued: '排队中', running: '检查中', done: '已完成', failed: '未能完成',
  };

  // The campaign's words (GET /api/hello): its main table's name and its roster's.
  const WORDS = { main: '', roster: '名册' };

  const SEVERITY_TEXT = { error: '错误', held: '随之暂缓', warning: '警告', info: '提示' };

  // The outputs of a run in the order a clerk needs them, with what each is for (README, "What a run writes").
  const DOWNLOADS = [
    ['cleaned.xlsx', '清洗后的汇总表', '只含通过检查的数据，可直接上报'],
    ['errors.xlsx', '全镇问题清单', '分村列出每处问题和改法，另有销号建议等表'],
    ['report.md', '报告文字', '可粘贴进乡镇的工作报告'],
    ['report.html', '网页版报告', '图表、各村情况和问题清单，用浏览器打开'],
    ['tally.xlsx', '统计表', '各村数字和图表'],
    ['changes.csv', '清洗改动记录', '每处被规范的写法，改前改后'],
    ['learned.toml', '需核对的写法', '没认出或猜着认的列名和选项'],
    ['errors.csv', '问题清单（CSV）', '供其他程序读取'],
    ['writeoffs.csv', '销号建议（CSV）', '供其他程序读取'],
    ['tally.csv', '统计表（CSV）', '供其他程序读取'],
    ['coverage.csv', '名册核对明细（CSV）', '供其他程序读取'],
    ['rounds.csv', '与上一轮对比的明细（CSV）', '供其他程序读取'],
    ['summary.json', '运行摘要（JSON）', '供其他程序读取'],
    ['round.jsonl', '本轮的数据（JSON Lines）', '下一轮对比时由程序读取'],
  ];

  // ───────────────────────── Small helpers ─────────────────────────

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $$(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  /** Make an element: h('td', {class: 'num', text: '12', data: {village: '上林村'}}, child, …). */
  function h(tag, props, ...children) {
    const el = document.createElement(tag);
    Object.keys(props || {}).forEach((k) => {
      const v = props[k];
      if (v === undefined || v === null || v === false) return;
      if (k === 'text') el.textContent = String(v);
      else if (k === 'class') el.className = v;
      else if (k === 'data') Object.keys(v).forEach((d) => { el.dataset[d] = v[d]; });
      else if (k === 'on') Object.keys(v).forEach((ev) => el.addEventListener(ev, act(v[ev])));
      else el.setAttribute(k, v === true ? '' : v);
    });
    children.forEach((c) => {
      if (c === null || c === undefined || c === false) return;
      el.appendChild(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
    });
    return el;
  }

  function clear(el) { while (el.firstChild) el.removeChild(el.firstChild); return el; }

  function bytes(n) {
    if (n < 1024) return n + ' 字节';
    if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
    return (n / 1024 / 1024).toFixed(1) + ' MB';
  }

  function percent(part, whole) { return whole ? (100 * part / whole).toFixed(1) + '%' : '—'; }

  /** A date "2026-12-15" as "2026年12月15日". */
  function chineseDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
    return m ? `${m[1]}年${Number(m[2])}月${Number(m[3])}日` : (iso || '');
  }

  function roundUrl(tail) { return '/api/rounds/' + encodeURIComponent(state.round) + tail; }

  function pathUrl(path) { return path.split('/').map(encodeURIComponent).join('/'); }

  // ───────────────────────── Messages ─────────────────────────

  /** Show an error to the clerk; it stays until closed or replaced. */
  function showError(err) {
    const text = err && err.message ? err.message : String(err);
    $('#message-text').textContent = text;
    $('#message').hidden = false;
    if (window.console) console.error(err);
  }

  function clearError() { $('#message').hidden = true; $('#message-text').textContent = ''; }

  let noticeTimer = 0;
  /** A short confirmation that fades by itself. */
  function notice(text) {
    const el = $('#notice');
    el.textContent = text;
    el.hidden = false;
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(() => { el.hidden = true; }, 6000);
  }

  /** Wrap an event handler: whatever it throws (also later, async) reaches #message. */
  function act(fn) {
    return function (ev) {
      try {
        const p = fn.call(this, ev);
        if (p && typeof p.catch === 'function') p.catch(showError);
      } catch (err) { showError(err); }
    };
  }

  // ───────────────────────── Talking to the server ─────────────────────────

  class ApiError extends Error {
    constructor(status, message) { super(message); this.status = status; }
  }

  /** Turn a response's status and body into its JSON, or throw the server's {error} sentence. */
  function settle(status, text) {
    let data = null;
    try { data = text ? JSON.parse(text) : {}; } catch (e) { data = null; }
    if (status >= 200 && status < 300) return data || {};
    const said = data && data.error;
    if (status === 401) showLogin();
    if (status === 413) throw new ApiError(status, said || '文件太大，程序拒收（超过了上限）。');
    throw new ApiError(status, said || `程序出错了（${status}），请重试；仍不行请把这句话告诉技术人员。`);
  }

  const OFFLINE = '连不上本机的检查程序，它可能已经关闭。请重新启动程序，再刷新本页。';

  /** JSON request; every non-GET request carries X-Selfbuilt: 1 (the server refuses it otherwise). */
  async function api(method, url, body) {
    const init = { method: method, headers: {}, credentials: 'same-origin' };
    if (method !== 'GET') init.headers['X-Selfbuilt'] = '1';
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    let res;
    try { res = await fetch(url, init); } catch (e) { throw new Error(OFFLINE); }
    return settle(res.status, await res.text());
  }

  /** POST a multipart form with upload progress (fetch cannot report it). */
  function postForm(url, form, onProgress) {
    return new Promise((resolve, reject) => {
      const x = new XMLHttpRequest();
      x.open('POST', url);
      x.setRequestHeader('X-Selfbuilt', '1');
      x.upload.addEventListener('progress', (e) => { if (onProgress) onProgress(e.loaded); });
      x.addEventListener('load', () => {
        try { resolve(settle(x.status, x.responseText)); } catch (err) { reject(err); }
      });
      x.addEventListener('error', () => reject(new Error('上传中断了：' + OFFLINE)));
      x.send(form);
    });
  }

  // ───────────────────────── Start and token ─────────────────────────

  async function start() {
    const hello = await api('GET', '/api/hello');
    $('#campaign').textContent = hello.campaign_name || '';
    WORDS.main = hello.main_label || '';
    WORDS.roster = hello.roster_label || '名册';
    $('#roster-label').textContent = WORDS.roster;
    $('#roster-hint').textContent = `可选。有${WORDS.roster}就能核对哪些没有排查、哪些不在${WORDS.roster}上。全镇各轮共用一份。`;
    $('#th-surveyed').textContent = `${WORDS.main}行数`;
    if (hello.token_required && !hello.logged_in) { showLogin(); return; }
    await enterApp();
  }

  function showLogin() {
    $('#app').hidden = true;
    $('#login').hidden = false;
    $('#token').focus();
  }

  async function login(ev) {
    ev.preventDefault();
    try {
      await api('POST', '/api/login', { token: $('#token').value });
    } catch (err) {
      if (err.status === 401) throw new Error('口令不对，请再输一次。');
      throw err;
    }
    $('#login').hidden = true;
    $('#token').value = '';
    clearError();
    await enterApp();
  }

  async function enterApp() {
    $('#app').hidden = false;
    $('#quit').hidden = false;
    connectEvents();
    await loadWorkspace();
    const rounds = state.workspace.rounds;
    const wanted = decodeURIComponent(location.hash.slice(1));
    const found = rounds.find((r) => r.name === wanted);
    if (found) await selectRound(found.name);
    else if (rounds.length) await selectRound(rounds[rounds.length - 1].name);
    else showRound();
  }

  async function quit() {
    if (!window.confirm('关闭后本页就不能用了，要再用需重新启动程序。确定关闭检查程序吗？')) return;
    await api('POST', '/api/quit');
    if (state.events) state.events.close();
    state.events = null;
    $('#app').hidden = true;
    $('#quit').hidden = true;
    $('#connection').hidden = true;
    $('#closed').hidden = false;
  }

  // ───────────────────────── Workspace and rounds ─────────────────────────

  async function loadWorkspace() {
    state.workspace = await api('GET', '/api/workspace');
    $('#workspace-path').textContent = '工作区：' + state.workspace.workspace;
    $('#workspace-path').title = '各轮的收件和结果都存在这个文件夹里';
    renderRounds();
    renderRoster();
    renderRoundHead();
  }

  function currentRound() {
    if (!state.workspace) return null;
    return state.workspace.rounds.find((r) => r.name === state.round) || null;
  }

  /** The class that colours a round's state: a run with errors is not "all good". */
  function stateClass(r) {
    if (r.state === 'done' && r.exit === 1) return 'state state-errors';
    if (r.state === 'done' && r.exit === 2) return 'state state-failed';
    return 'state state-' + r.state;
  }

  function stateText(r) {
    if (r.state === 'done' && r.stale) return '结果不是最新的，请重新检查';
    if (r.state === 'done' && r.exit === 0) return '已完成，没有错误';
    if (r.state === 'done' && r.exit === 1) return '已完成，有错误待改';
    if (r.state === 'done' && r.exit === 2) return '未能完成';
    return STATE_TEXT[r.state] || r.state;
  }

  function renderRounds() {
    const ul = clear($('#rounds'));
    state.workspace.rounds.forEach((r) => {
      ul.appendChild(h('li', { data: { round: r.name }, class: r.name === state.round ? 'current' : '' },
        h('button', { type: 'button', on: { click: () => selectRound(r.name) } },
          h('span', { class: 'name', text: r.name }),
          h('span', { class: stateClass(r), text: stateText(r) }))));
    });
  }

  async function newRound() {
    const r = await api('POST', '/api/rounds', {});
    await loadWorkspace();
    await selectRound(r.name);
    notice(r.previous ? `已新建${r.name}，检查时会与${r.previous}的结果对比。` : `已新建${r.name}。`);
  }

  /** Put a round on screen: its head, files, last results. */
  async function selectRound(name) {
    state.round = name;
    state.results = null;
    state.progress = null;
    state.stale = '';
    state.findings = { village: '', severity: '', rule: '', offset: 0, seq: state.findings.seq + 1 };
    state.writeoffs = { village: '', reason: '', offset: 0 };
    history.replaceState(null, '', '#' + encodeURIComponent(name));
    renderRounds();
    showRound();
    renderProgress();
    await Promise.all([loadFiles(), loadResults()]);
  }

  function showRound() {
    const r = currentRound();
    $('#round').hidden = !r;
    $('#no-round').hidden = !!r;
    if (r) renderRoundHead();
  }

  function renderRoundHead() {
    const r = currentRound();
    if (!r) return;
    $('#round-name').textContent = r.name;
    const badge = $('#round-state');
    badge.textContent = stateText(r);
    badge.className = stateClass(r);
    $('#round-previous').textContent = r.previous
      ? `接续${r.previous}：检查时与${r.previous}的结果对比，看出各村改了哪些、还有哪些没改。`
      : '不与之前的轮次对比（这是首轮，或之前的轮次还没有结果）。';
    const deadline = $('#deadline');
    if (document.activeElement !== deadline) deadline.value = r.deadline || '';
    $('#command').textContent = r.command || '';
    $('#command-line').hidden = !r.command;
    renderRunButton();
  }

  async function changeDeadline() {
    const value = $('#deadline').value || null;
    await api('PATCH', roundUrl(''), { deadline: value });
    await loadWorkspace();
    notice(value ? `整改期限已保存：${chineseDate(value)}。` : '已取消整改期限。');
    markStale('整改期限改了');
  }

  // ───────────────────────── Files of the round ─────────────────────────

  async function loadFiles() {
    const round = state.round;
    const d = await api('GET', roundUrl('/files'));
    if (round !== state.round) return;
    state.files = d.files || [];
    renderFiles();
  }

  function renderFiles() {
    const tbody = clear($('#files tbody'));
    let total = 0;
    state.files.forEach((f) => {
      total += f.bytes;
      tbody.appendChild(h('tr', { data: { name: f.name } },
        h('td', { class: 'path', text: f.name }),
        h('td', { class: 'num', text: bytes(f.bytes) }),
        h('td', {}, h('button', {
          type: 'button', class: 'remove small', title: '从本轮收件中移除这个文件',
          on: { click: () => removeFile(f.name) },
        }, '移除'))));
    });
    $('#files-summary').textContent = state.files.length
      ? `已收 ${state.files.length} 个文件，共 ${bytes(total)}（点开查看或移除）`
      : '还没有收到文件';
    $('#files-box').hidden = !state.files.length;
    if (!state.results) $('#files-box').open = true;
    renderRunButton();
  }

  async function removeFile(name) {
    await api('DELETE', roundUrl('/files/' + pathUrl(name)));
    notice(`已移除：${name}`);
    markStale('收件有变动');
    await Promise.all([loadFiles(), loadWorkspace()]);
  }

  /** Send files to the round, in batches so that a big folder does not go as one request. */
  async function upload(items) {
    if (!items.length) return;
    const status = $('#upload-status');
    const totalBytes = items.reduce((s, it) => s + it.file.size, 0);
    const saved = [];
    const refused = [];
    let sent = 0;
    status.hidden = false;
    try {
      for (const batch of batches(items)) {
        const form = new FormData();
        batch.forEach((it) => form.append('files', it.file, it.path));
        const d = await postForm(roundUrl('/files'), form, (loaded) => {
          status.textContent = `正在上传 ${items.length} 个文件：${percent(sent + loaded, totalBytes)}`;
        });
        sent += batch.reduce((s, it) => s + it.file.size, 0);
        Array.prototype.push.apply(saved, d.saved || []);
        Array.prototype.push.apply(refused, d.refused || []);
      }
    } finally {
      status.hidden = true;
      markStale('收件有变动');
      await Promise.all([loadFiles(), loadWorkspace()]);
    }
    if (saved.length) notice(`已收下 ${saved.length} 个文件。`);
    $('#run-button').scrollIntoView({ block: 'nearest' });   // the next step is in sight
    if (refused.length) {
      showError(`有 ${refused.length} 个文件没有收下：` +
        refused.map((r) => `${r.name}（${r.why}）`).join('；'));
    }
  }

  /** Split files into requests of at most 200 files or 200 MB. */
  function batches(items) {
    const out = [];
    let cur = [];
    let size = 0;
    items.forEach((it) => {
      if (cur.length && (cur.length >= 200 || size + it.file.size > 200 * 1024 * 1024)) {
        out.push(cur); cur = []; size = 0;
      }
      cur.push(it); size += it.file.size;
    });
    if (cur.length) out.push(cur);
    return out;
  }

  /** Files picked with an <input type=file>; a folder pick keeps each file's path inside it. */
  function picked(input) {
    const items = Array.prototype.map.call(input.files, (f) => ({ file: f, path: f.webkitRelativePath || f.name }));
    input.value = '';
    return items;
  }

  /** Files dropped on the page, folders walked with their relative paths kept. */
  async function dropped(dt) {
    // The entries must be taken before the first await: the drop's data is gone after the event.
    const roots = [];
    for (let i = 0; i < dt.items.length; i++) {
      const item = dt.items[i];
      if (item.kind !== 'file') continue;
      const entry = item.webkitGetAsEntry ? item.webkitGetAsEntry() : null;
      roots.push(entry ? walk(entry) : Promise.resolve([{ file: item.getAsFile(), path: item.getAsFile().name }]));
    }
    const lists = await Promise.all(roots);
    return lists.reduce((all, l) => all.concat(l), []);
  }

  /** Every file below a dropped entry, with its path from the dropped item on. */
  async function walk(entry) {
    if (entry.isFile) {
      const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
      return [{ file: file, path: entry.fullPath.replace(/^\/+/, '') }];
    }
    const reader = entry.createReader();
    const children = [];
    // readEntries gives a folder's entries in chunks (100 at a time in Chromium) until an empty one.
    for (;;) {
      const chunk = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
      if (!chunk.length) break;
      Array.prototype.push.apply(children, chunk);
    }
    const lists = await Promise.all(children.map(walk));
    return lists.reduce((all, l) => all.concat(l), []);
  }

  function wireDrop() {
    const zone = $('#intake');
    zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
    zone.addEventListener('dragleave', (e) => { if (!zone.contains(e.relatedTarget)) zone.classList.remove('over'); });
    zone.addEventListener('drop', act(async (e) => {
      e.preventDefault();
      zone.classList.remove('over');
      await upload(await dropped(e.dataTransfer));
    }));
    // A drop elsewhere must not make the browser leave the page to show the file.
    window.addEventListener('dragover', (e) => e.preventDefault());
    window.addEventListener('drop', (e) => {
      e.preventDefault();
      if (!zone.contains(e.target)) notice('请把文件拖到“收件”框里。');
    });
  }

  // ───────────────────────── Roster ─────────────────────────

  function renderRoster() {
    const roster = state.workspace.roster;
    $('#roster-file').textContent = roster ? `${roster.file}（${bytes(roster.bytes)}）` : '未上传';
    $('#roster-choose').textContent = roster ? '更换' : `上传${WORDS.roster}`;
    $('#roster-remove').hidden = !roster;
  }

  async function uploadRoster(input) {
    const file = input.files[0];
    input.value = '';
    if (!file) return;
    const form = new FormData();
    form.append('file', file, file.name);
    const d = await postForm('/api/roster', form);
    await loadWorkspace();
    notice(`${WORDS.roster}已收下：${d.file}。下次检查时核对。`);
    markStale(`${WORDS.roster}换了`);
  }

  async function removeRoster() {
    await api('DELETE', '/api/roster');
    await loadWorkspace();
    notice(`已移除${WORDS.roster}。`);
    markStale(`${WORDS.roster}移除了`);
  }

  // ───────────────────────── Running and progress ─────────────────────────

  /** The results on screen no longer match the inputs: say so beside the run button. */
  function markStale(why) {
    if (state.results) state.stale = why;
    renderRunButton();
  }

  function renderRunButton() {
    const r = currentRound();
    if (!r) return;
    const button = $('#run-button');
    const busy = r.state === 'queued' || r.state === 'running';
    button.disabled = busy || !state.files.length;
    if (r.state === 'queued') button.textContent = '排队中……';
    else if (r.state === 'running') button.textContent = '正在检查……';
    else button.textContent = state.results ? '重新检查' : '开始检查';
    let hint = '';
    if (!state.files.length) hint = '先在上面放入各村报来的表格。';
    else if (r.state === 'failed' && r.error) hint = '上次未能完成：' + r.error;
    else if (state.stale || r.stale) hint = `${state.stale || r.stale}：下面的结果还是上次检查的，请点“重新检查”更新。`;
    $('#run-hint').textContent = hint;
    $('#run-hint').classList.toggle('warn', !!(state.stale || r.stale) || r.state === 'failed');
  }

  async function run() {
    const d = await api('POST', roundUrl('/run'));
    queuedProgress(state.round, d.position);
    await loadWorkspace();
  }

  /** A run of the round on screen was accepted or queued. */
  function queuedProgress(round, position) {
    if (round !== state.round) return;
    const p = state.progress;
    if (p && !p.over && p.stages.length) return;   // the run's own events came first
    state.progress = {
      text: position > 0 ? `排队中：前面还有 ${position} 轮检查，轮到时自动开始。` : '正在开始检查……',
      stages: [], steps: [],
    };
    renderProgress();
  }

  function renderProgress() {
    const p = state.progress;
    $('#progress').hidden = !p;
    if (!p) return;
    $('#progress').classList.toggle('over', !!p.over);
    $('#progress-state').textContent = p.text;
    const ol = clear($('#progress-stages'));
    p.stages.forEach((s, i) => {
      const finished = i < p.stages.length - 1 || p.over;
      const bar = h('progress', { max: s.steps || 1 });
      bar.value = finished ? (s.steps || 1) : (s.steps ? s.done : 0);
      ol.appendChild(h('li', { class: finished ? 'done' : 'current' },
        h('span', { class: 'name', text: s.name }), bar,
        h('span', { class: 'count', text: s.steps ? `${s.done}/${s.steps}` : (s.done ? String(s.done) : '') })));
    });
    const ul = clear($('#progress-steps'));
    p.steps.forEach((what) => ul.appendChild(h('li', { text: what, title: what })));
    ul.hidden = !p.steps.length;
    ul.scrollTop = ul.scrollHeight;
  }

  /** Keep the rounds list's state in step with the events, without asking the server. */
  function setRoundState(round, st) {
    const r = state.workspace && state.workspace.rounds.find((x) => x.name === round);
    if (!r || r.state === st) return;
    r.state = st;
    renderRounds();
    if (round === state.round) renderRoundHead();
  }

  function onSnapshot(d) {
    (d.queue || []).forEach((round, i) => {
      setRoundState(round, 'queued');
      if (round === state.round) queuedProgress(round, i + 1);
    });
    const b = d.busy;
    if (!b) return;
    setRoundState(b.round, 'running');
    if (b.round !== state.round) return;
    state.progress = {
      text: '正在检查……', steps: [],
      stages: b.stage ? [{ name: b.stage, steps: b.steps, done: b.done || 0 }] : [],
    };
    renderProgress();
  }

  function onQueued(d) {
    setRoundState(d.round, d.position > 0 ? 'queued' : 'running');
    queuedProgress(d.round, d.position);
  }

  function onStage(d) {
    setRoundState(d.round, 'running');
    if (d.round !== state.round) return;
    if (!state.progress || state.progress.over) state.progress = { stages: [], steps: [] };
    state.progress.text = '正在检查……';
    state.progress.stages.push({ name: d.name, steps: d.steps, done: 0 });
    state.progress.steps = [];
    renderProgress();
  }

  function onStep(d) {
    if (d.round !== state.round || !state.progress) return;
    const stages = state.progress.stages;
    if (!stages.length) stages.push({ name: '检查', steps: d.steps, done: 0 });
    const s = stages[stages.length - 1];
    s.done = d.done;
    if (d.steps) s.steps = d.steps;
    if (d.what) state.progress.steps.push(d.what);
    renderProgress();
  }

  async function onFinished(d) {
    if (d.round === state.round) {
      if (!state.progress) queuedProgress(d.round, 0);
      state.progress.over = true;
      state.progress.text = d.exit === 2 ? '未能完成检查。' : '检查完成，结果已更新。';
      state.progress.steps = [];
      state.stale = '';
      renderProgress();
    }
    await loadWorkspace();
    if (d.round !== state.round) return;
    await loadResults();
    $('#results').scrollIntoView({ behavior: 'smooth', block: 'start' });
  }

  async function onFailed(d) {
    if (d.round === state.round && state.progress) {
      state.progress.over = true;
      state.progress.text = '未能完成检查：' + d.error;
      renderProgress();
    }
    showError(`${d.round}未能完成检查：${d.error}`);
    await loadWorkspace();
  }

  /** Listen to the server's events. EventSource reconnects by itself after a network break;
   *  after a refusal (closed for good) a new one is made a little later. */
  function connectEvents() {
    if (state.events && state.events.readyState !== EventSource.CLOSED) return;
    const es = new EventSource('/api/events');
    state.events = es;
    let broken = false;
    const on = (name, fn) => es.addEventListener(name, act((ev) => fn(JSON.parse(ev.data))));
    on('snapshot', onSnapshot);
    on('queued', onQueued);
    on('stage', onStage);
    on('step', onStep);
    on('finished', onFinished);
    on('failed', onFailed);
    on('lagged', refresh);   // the server dropped events this page was too slow to take
    es.addEventListener('error', () => {
      broken = true;
      $('#connection').hidden = false;
      if (es.readyState === EventSource.CLOSED && state.events === es) setTimeout(connectEvents, 5000);
    });
    es.addEventListener('open', act(async () => {
      $('#connection').hidden = true;
      if (!broken) return;
      broken = false;
      await refresh();   // events may have been missed while the connection was down
    }));
  }

  /** Read the rounds and the results on screen again, after events were missed. */
  async function refresh() {
    await loadWorkspace();
    if (state.round) await Promise.all([loadFiles(), loadResults()]);
  }

  // ───────────────────────── Results ─────────────────────────

  /** Read the round's last results (404 before its first run) and everything shown with them. */
  async function loadResults() {
    const round = state.round;
    let results;
    try {
      results = await api('GET', roundUrl('/results'));
    } catch (err) {
      if (err.status !== 404) throw err;
      results = null;
    }
    if (round !== state.round) return;
    state.results = results;
    $('#results').hidden = !results;
    renderRunButton();
    if (!results) return;
    $('#files-box').open = false;
    renderResults(results);
    await Promise.all([loadFindings(), loadWordings(), loadChoices()]);
  }

  function renderResults(r) {
    $('#results-summary').textContent = summarySentence(r);
    const notes = clear($('#results-notes'));
    (r.notes || []).forEach((n) => notes.appendChild(h('li', { text: n })));
    renderWordingsCall(r.wordings);
    $('#count-writeoffs').textContent = (r.writeoffs || []).length;
    renderReport(r.report || []);
    renderVillages(r);
    renderDownloads(r);
    renderWriteoffFilters(r.writeoffs || []);
    renderWriteoffs();
    renderCoverage(r.coverage);
    if (state.tab === 'coverage' && !r.coverage) state.tab = 'overview';
    showTab(state.tab);
  }

  function summarySentence(r) {
    const t = r.totals || {};
    const when = `${r.as_of || ''}检查，用时 ${Number(r.seconds || 0).toFixed(1)} 秒。`;
    if (r.exit === 2) return '未能完成检查。' + when;
    const base = `${t.files} 个文件，${WORDS.main} ${t.surveyed} 行，可以上报 ${t.accepted} 行`;
    if (r.exit === 0 && !t.warnings) return `${base}，没有发现问题。${when}`;
    const parts = [];
    if (t.errors) parts.push(`${t.errors} 处错误需要各村改正`);
    if (t.held) parts.push(`${t.held} 行随之暂缓（改正所依的行后自动上报）`);
    if (t.warnings) parts.push(`${t.warnings} 处警告请核实`);
    return `${base}；${parts.join('，')}。${when}`;
  }

  function renderWordingsCall(n) {
    const call = clear($('#wordings-call'));
    $('#count-wordings').textContent = n || '';
    call.hidden = !n;
    if (!n) return;
    call.appendChild(document.createTextNode(`有 ${n} 种列名或选项的写法需要您确认一次。`));
    call.appendChild(h('button', { type: 'button', class: 'link', on: { click: () => showTab('wordings') } }, '去确认'));
  }

  function renderReport(sentences) {
    const box = clear($('#report'));
    sentences.forEach((s) => box.appendChild(h('p', { text: s })));
    if (!sentences.length) box.appendChild(h('p', { class: 'hint', text: '（本次没有报告文字）' }));
  }

  function villageRow(v, packaged) {
    const cell = (n, cls) => h('td', { class: 'num' + (n && cls ? ' ' + cls : ''), text: n === null || n === undefined ? '' : n });
    const link = packaged
      ? h('a', {
        class: 'package', data: { village: v.village }, download: `${state.round}-${v.village}.zip`,
        href: roundUrl('/packages/' + encodeURIComponent(v.village) + '.zip'),
      }, '下载')
      : h('span', { class: 'hint', text: '无需退回' });
    return h('tr', { data: { village: v.village } },
      h('td', {}, h('button', {
        type: 'button', class: 'link', title: '查看这个村的问题',
        on: { click: () => openFindings({ village: v.village }) },
      }, v.village)),
      cell(v.files), cell(v.surveyed), cell(v.accepted), cell(v.errors, 'bad'), cell(v.warnings, 'warn'),
      cell(v.held), cell(v.fixed, 'good'), h('td', {}, link));
  }

  function renderVillages(r) {
    const packaged = {};
    (r.packages || []).forEach((p) => { packaged[p.village] = true; });
    const tbody = clear($('#villages-table tbody'));
    (r.villages || []).forEach((v) => tbody.appendChild(villageRow(v, packaged[v.village])));
    const t = r.totals || {};
    const fixed = (r.villages || []).some((v) => v.fixed !== null && v.fixed !== undefined)
      ? (r.villages || []).reduce((s, v) => s + (v.fixed || 0), 0) : '';
    const foot = clear($('#villages-table tfoot'));
    foot.appendChild(h('tr', {},
      h('th', { text: '合计' }),
      ...[t.files, t.surveyed, t.accepted, t.errors, t.warnings, t.held, fixed].map((n) => h('th', { class: 'num', text: n })),
      h('th', {})));
  }

  /** The run's outputs, the known ones first and in DOWNLOADS' order. */
  function renderDownloads(r) {
    const rank = (name) => { const i = DOWNLOADS.findIndex((d) => d[0] === name); return i < 0 ? DOWNLOADS.length : i; };
    const list = (r.downloads || []).slice().sort((a, b) => rank(a.name) - rank(b.name));
    const tbody = clear($('#downloads tbody'));
    list.forEach((d) => {
      const known = DOWNLOADS[rank(d.name)] || [d.name, d.name, ''];
      tbody.appendChild(h('tr', {},
        h('td', {}, h('a', {
          class: 'download', data: { name: d.name }, download: d.name,
          href: roundUrl('/download/' + encodeURIComponent(d.name)),
        }, known[1])),
        h('td', {}, h('code', { text: d.name })),
        h('td', { class: 'num', text: bytes(d.bytes) }),
        h('td', { class: 'hint', text: known[2] })));
    });
    const all = $('#all-packages');
    all.hidden = !(r.packages || []).length;
    all.href = roundUrl('/packages.zip');
    all.setAttribute('download', `${state.round}-退回各村.zip`);
  }

  async function copyText(text) {
    if (navigator.clipboard && navigator.clipboard.writeText) {
      await navigator.clipboard.writeText(text);
    } else {
      const area = h('textarea', { readonly: true });
      area.value = text;
      document.body.appendChild(area);
      area.select();
      document.execCommand('copy');
      document.body.removeChild(area);
    }
    notice('已复制，可以粘贴了。');
  }

  // ───────────────────────── Tabs ─────────────────────────

  function showTab(name) {
    state.tab = name;
    $$('.tab').forEach((t) => t.classList.toggle('active', t.dataset.tab === name));
    $$('.tab-page').forEach((p) => { p.hidden = p.dataset.page !== name; });
  }

  // ───────────────────────── Findings ─────────────────────────

  /** Show the findings tab filtered, e.g. openFindings({village: '上林村'}). */
  async function openFindings(filter) {
    const f = state.findings;
    f.village = filter.village || '';
    f.severity = filter.severity || '';
    f.rule = filter.rule || '';
    f.offset = 0;
    showTab('findings');
    await loadFindings();
  }

  async function loadFindings() {
    const f = state.findings;
    const seq = ++f.seq;
    const q = `?village=${encodeURIComponent(f.village)}&severity=${encodeURIComponent(f.severity)}` +
      `&rule=${encodeURIComponent(f.rule)}&offset=${f.offset}&limit=${PAGE}`;
    const d = await api('GET', roundUrl('/findings' + q));
    if (seq !== state.findings.seq) return;   // a newer filter was chosen meanwhile
    renderFindingFilters(d);
    renderFindings(d);
  }

  function fillSelect(select, first, options, value) {
    clear(select);
    select.appendChild(h('option', { value: '', text: first }));
    options.forEach((o) => select.appendChild(h('option', { value: o.value, text: o.text })));
    select.value = value;
  }

  function renderFindingFilters(d) {
    const f = state.findings;
    fillSelect($('#findings-village'), '全部', (d.villages || []).map((v) => ({ value: v, text: v })), f.village);
    fillSelect($('#findings-rule'), '全部', (d.rules || []).map((r) => ({
      value: r.code, text: `${r.title}（${r.code}，${r.n} 处）`,
    })), f.rule);
    $('#findings-severity').value = f.severity;
  }

  function renderFindings(d) {
    const f = state.findings;
    const items = d.items || [];
    const tbody = clear($('#findings-table tbody'));
    items.forEach((it) => tbody.appendChild(findingRow(it)));
    if (!items.length) tbody.appendChild(h('tr', {}, h('td', { colspan: 6, class: 'hint', text: '没有符合条件的问题。' })));
    const filtered = f.village || f.severity || f.rule;
    $('#count-findings').textContent = filtered ? '' : d.total;
    $('#findings-count').textContent = d.total
      ? `共 ${d.total} 条，这里是第 ${f.offset + 1}–${f.offset + items.length} 条。点一条可看这一行原来填的样子。`
      : '';
    $('#findings-prev').disabled = f.offset === 0;
    $('#findings-next').disabled = f.offset + items.length >= d.total;
  }

  function where(it) {
    const parts = [it.sheet, it.cell || (it.row ? `第${it.row}行` : '')].filter(Boolean);
    return parts.length ? parts.join(' ') : '整个文件';
  }

  function findingRow(it) {
    const tr = h('tr', { class: 'finding sev-' + it.severity, data: { village: it.village || '', code: it.code } },
      h('td', {}, h('span', { class: 'sev', text: SEVERITY_TEXT[it.severity] || it.severity })),
      h('td', { class: 'nowrap', text: it.village }),
      h('td', { class: 'where' }, h('span', { class: 'path', text: it.file }), h('br', {}), h('span', { text: where(it) })),
      h('td', { text: it.field_label || it.field }),
      h('td', { class: 'value', text: it.value }),
      h('td', {},
        h('div', { text: it.message }),
        it.fix ? h('div', { class: 'fix', text: '改法：' + it.fix }) : null,
        h('div', { class: 'code', text: `${it.code} ${it.title || ''}` })));
    const rows = it.row_as_written || [];
    if (rows.length) {
      tr.classList.add('expandable');
      tr.title = '点击查看这一行原来填的样子';
      tr.addEventListener('click', act(() => toggleRow(tr, it)));
    }
    return tr;
  }

  /** Open or close, under a finding, the village's row as it was written. */
  function toggleRow(tr, it) {
    const next = tr.nextElementSibling;
    if (next && next.classList.contains('row-as-written')) {
      next.parentNode.removeChild(next);
      tr.classList.remove('open');
      return;
    }
    const grid = h('dl', { class: 'written' });
    it.row_as_written.forEach((pair) => {
      grid.appendChild(h('div', { class: pair[1] === it.value && it.value ? 'hit' : '' },
        h('dt', { text: pair[0] }), h('dd', { text: pair[1] })));
    });
    const title = `${it.file} · ${it.sheet} · 第${it.row}行，原来填的是：`;
    tr.parentNode.insertBefore(h('tr', { class: 'row-as-written' },
      h('td', { colspan: 6 }, h('p', { class: 'hint', text: title }), grid)), tr.nextSibling);
    tr.classList.add('open');
  }

  function wireFindings() {
    const f = () => state.findings;
    const refilter = (key) => act(async (e) => { f()[key] = e.target.value; f().offset = 0; await loadFindings(); });
    $('#findings-village').addEventListener('change', refilter('village'));
    $('#findings-severity').addEventListener('change', refilter('severity'));
    $('#findings-rule').addEventListener('change', refilter('rule'));
    $('#findings-prev').addEventListener('click', act(async () => { f().offset = Math.max(0, f().offset - PAGE); await loadFindings(); }));
    $('#findings-next').addEventListener('click', act(async () => { f().offset += PAGE; await loadFindings(); }));
  }

  // ───────────────────────── Write-off proposals ─────────────────────────

  function renderWriteoffFilters(list) {
    const villages = Array.from(new Set(list.map((w) => w.village))).sort();
    const reasons = Array.from(new Set(list.map((w) => w.reason)));
    const w = state.writeoffs;
    fillSelect($('#writeoffs-village'), '全部', villages.map((v) => ({ value: v, text: v })), w.village);
    fillSelect($('#writeoffs-reason'), '全部', reasons.map((r) => ({ value: r, text: r })), w.reason);
  }

  function renderWriteoffs() {
    const w = state.writeoffs;
    const all = (state.results && state.results.writeoffs) || [];
    const list = all.filter((x) => (!w.village || x.village === w.village) && (!w.reason || x.reason === w.reason));
    const page = list.slice(w.offset, w.offset + PAGE);
    const tbody = clear($('#writeoffs tbody'));
    page.forEach((x) => tbody.appendChild(h('tr', { data: { village: x.village, reason: x.reason } },
      h('td', { class: 'nowrap', text: x.village }),
      h('td', { text: x.reason }),
      h('td', { class: 'nowrap', text: x.code }),
      h('td', { class: 'where' }, h('span', { class: 'path', text: x.file }), h('br', {}),
        h('span', { text: [x.sheet, x.row ? `第${x.row}行` : ''].filter(Boolean).join(' ') })),
      h('td', {}, h('span', { text: x.evidence }), ' ',
        h('button', { type: 'button', class: 'small copy', on: { click: () => copyText(x.evidence) } }, '复制')))));
    if (!page.length) tbody.appendChild(h('tr', {}, h('td', { colspan: 5, class: 'hint', text: '没有销号建议。' })));
    $('#writeoffs-count').textContent = list.length
      ? `共 ${list.length} 条，这里是第 ${w.offset + 1}–${w.offset + page.length} 条。` : '';
    $('#writeoffs-prev').disabled = w.offset === 0;
    $('#writeoffs-next').disabled = w.offset + page.length >= list.length;
  }

  function wireWriteoffs() {
    const w = () => state.writeoffs;
    const refilter = (key) => (e) => { w()[key] = e.target.value; w().offset = 0; renderWriteoffs(); };
    $('#writeoffs-village').addEventListener('change', act(refilter('village')));
    $('#writeoffs-reason').addEventListener('change', act(refilter('reason')));
    $('#writeoffs-prev').addEventListener('click', act(() => { w().offset = Math.max(0, w().offset - PAGE); renderWriteoffs(); }));
    $('#writeoffs-next').addEventListener('click', act(() => { w().offset += PAGE; renderWriteoffs(); }));
  }

  // ───────────────────────── Coverage against the roster ─────────────────────────

  function renderCoverage(c) {
    $('#tab-coverage').hidden = !c;
    if (!c) return;
    const summary = clear($('#coverage-summary'));
    summary.appendChild(document.createTextNode(
      `${WORDS.roster}共列 ${c.listed} 条，已排查 ${c.surveyed} 条（${percent(c.surveyed, c.listed)}），` +
      `未排查 ${c.missing} 条，另有 ${c.unlisted} 条已排查的不在${WORDS.roster}上。`));
    if (c.missing || c.unlisted) {
      summary.appendChild(h('button', {
        type: 'button', class: 'link', on: { click: () => openFindings({ rule: c.missing ? 'V001' : 'V002' }) },
      }, '查看这些条目'));
    }
    const tbody = clear($('#coverage-table tbody'));
    (c.villages || []).forEach((v) => tbody.appendChild(h('tr', { data: { village: v.village } },
      h('td', { text: v.village }),
      h('td', { class: 'num', text: v.listed }),
      h('td', { class: 'num', text: v.surveyed }),
      h('td', { class: 'num' + (v.missing ? ' bad' : ''), text: v.missing }),
      h('td', { class: 'num', text: percent(v.surveyed, v.listed) }))));
  }

  // ───────────────────────── Confirm once: wordings and choices ─────────────────────────

  async function loadWordings() {
    const round = state.round;
    const d = await api('GET', roundUrl('/wordings'));
    if (round !== state.round) return;
    renderWordings(d.items || []);
  }

  async function loadChoices() {
    const d = await api('GET', '/api/aliases');
    state.choices = d.items || [];
    renderChoices();
  }

  /** The label of a field key or option value among a wording's choices. */
  function labelOf(w, to) {
    const c = (w.choices || []).concat(w.guesses || []).find((x) => x.to === to);
    return c ? c.label : to;
  }

  /** A confirmed choice's "to" is a field key (header) or an option (value); this names it. */
  function labelKey(kind, table, field, to) { return [table, kind === 'header' ? '' : field, to].join('|'); }

  function renderWordings(items) {
    items.forEach((w) => (w.choices || []).forEach((c) => {
      state.labels[labelKey(w.kind, w.table, w.field, c.to)] = c.label;
    }));
    const box = clear($('#wordings'));
    $('#count-wordings').textContent = items.length || '';
    items.forEach((w) => box.appendChild(wordingItem(w)));
    if (!items.length) box.appendChild(h('p', { class: 'empty', text: '没有需要确认的写法。' }));
    renderChoices();   // with the labels just learnt
  }

  function wordingItem(w) {
    const what = w.kind === 'header'
      ? `${w.table_label}里的列名「${w.form}」`
      : `${w.table_label}“${w.field_label}”一栏填的「${w.form}」`;
    const taken = w.taken
      ? `现在按“${labelOf(w, w.taken)}”读。`
      : (w.kind === 'header' ? '现在这一列没有读进来。' : '现在这个值没有认出来。');
    const select = wordingSelect(w);
    const guesses = h('ol', { class: 'guesses' });
    (w.guesses || []).forEach((g) => guesses.appendChild(h('li', {},
      h('button', { type: 'button', class: 'link', on: { click: () => { select.value = g.to; } } }, g.label),
      g.evidence ? h('span', { class: 'evidence', text: '　' + g.evidence }) : null)));
    return h('div', { class: 'wording', data: { id: w.id } },
      h('p', { class: 'what' }, h('strong', { text: what }), h('span', { class: 'count', text: `　共 ${w.count} 处` })),
      h('p', { class: 'taken', text: taken }),
      (w.cells || []).length ? h('p', { class: 'cells', text: '例如：' + w.cells.join('，') }) : null,
      (w.guesses || []).length ? h('p', { class: 'hint', text: '可能是：' }) : null,
      (w.guesses || []).length ? guesses : null,
      h('p', { class: 'answer' },
        h('label', {}, w.kind === 'header' ? '这一列是 ' : '这个写法是 ', select),
        h('button', { type: 'button', class: 'confirm primary', on: { click: () => confirmWording(w, select.value) } }, '确认'),
        h('button', { type: 'button', class: 'none', on: { click: () => dismissWording(w) } }, '都不是')));
  }

  /** The guesses first (best first), then every field of the table or option of the field. */
  function wordingSelect(w) {
    const select = h('select', {});
    const guesses = w.guesses || [];
    if (!guesses.length) select.appendChild(h('option', { value: '', text: '请选择……' }));
    const group = (label, list) => {
      if (!list.length) return;
      const g = h('optgroup', { label: label });
      list.forEach((c) => g.appendChild(h('option', { value: c.to, text: c.label })));
      select.appendChild(g);
    };
    group('可能是', guesses);
    group(w.kind === 'header' ? '全部栏目' : '全部选项', w.choices || []);
    select.value = w.taken && !guesses.length ? w.taken : (guesses.length ? guesses[0].to : '');
    return select;
  }

  async function confirmWording(w, to) {
    if (!to) throw new Error('请先在下拉框里选一项，再点“确认”。');
    const d = await api('POST', '/api/aliases', { round: state.round, id: w.id, to: to });
    answered(w, `已记下：「${w.form}」就是“${labelOf(w, to)}”。`, d.position);
  }

  async function dismissWording(w) {
    const d = await api('POST', '/api/aliases', { round: state.round, id: w.id, none: true });
    answered(w, `已记下：「${w.form}」都不是。`, d.position);
  }

  /** A wording answered: grey it out, say so, and show the re-run's progress. */
  function answered(w, said, position) {
    const item = $(`.wording[data-id="${CSS.escape(String(w.id))}"]`);
    if (item) {
      item.classList.add('answered');
      $$('button, select', item).forEach((b) => { b.disabled = true; });
    }
    notice(said + '本轮正在重新检查。');
    queuedProgress(state.round, position);
    loadChoices().catch(showError);
    loadWorkspace().catch(showError);
  }

  function choiceText(c) {
    const where = c.kind === 'header' ? `${c.table_label}的列名` : `${c.table_label}“${c.field_label}”的写法`;
    const label = c.to_label || state.labels[labelKey(c.kind, c.table, c.field, c.to)] || c.to;
    const to = c.to === null || c.to === undefined ? '都不是' : `“${label}”`;
    return `${where}「${c.form}」→ ${to}`;
  }

  function renderChoices() {
    const ul = clear($('#choices'));
    state.choices.forEach((c) => ul.appendChild(h('li', { data: { n: c.n } },
      h('span', { text: choiceText(c) }), ' ',
      h('button', { type: 'button', class: 'undo small', on: { click: () => undoChoice(c) } }, '撤销'))));
    if (!state.choices.length) ul.appendChild(h('li', { class: 'hint', text: '还没有确认过写法。' }));
  }

  async function undoChoice(c) {
    const d = await api('DELETE', `/api/aliases/${encodeURIComponent(c.id)}?round=${encodeURIComponent(state.round)}`);
    notice(`已撤销：${choiceText(c)}。本轮正在重新检查。`);
    queuedProgress(state.round, d.position);
    await Promise.all([loadChoices(), loadWorkspace()]);
  }

  // ───────────────────────── Wiring ─────────────────────────

  function wire() {
    $('#message-close').addEventListener('click', clearError);
    $('#login').addEventListener('submit', act(login));
    $('#quit').addEventListener('click', act(quit));
    $('#new-round').addEventListener('click', act(newRound));
    $('#deadline').addEventListener('change', act(changeDeadline));
    $('#files-input').addEventListener('change', act((e) => upload(picked(e.target))));
    $('#folder-input').addEventListener('change', act((e) => upload(picked(e.target))));
    $('#roster-input').addEventListener('change', act((e) => uploadRoster(e.target)));
    $('#roster-remove').addEventListener('click', act(removeRoster));
    $('#run-button').addEventListener('click', act(run));
    $('#copy-report').addEventListener('click', act(() => copyText((state.results.report || []).join('\n\n'))));
    $$('.tab').forEach((t) => t.addEventListener('click', () => showTab(t.dataset.tab)));
    wireDrop();
    wireFindings();
    wireWriteoffs();
    window.addEventListener('unhandledrejection', (e) => showError(e.reason));
  }

  document.addEventListener('DOMContentLoaded', () => {
    wire();
    start().catch(showError);
  });
})();
