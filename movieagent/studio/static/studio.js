// movieagent studio: the page's only script. No framework, no build step; talks to the JSON API in app.py.
// Every tab polls /status once a second, so edits saved in one tab and render progress show in all of them.
'use strict';

const POLL_MS = 1000;
// make_movie's stages in order; 'keyframes' only comes with a keyframe backend.
const STAGES = ['plan', 'speech', 'keyframes', 'render', 'mix', 'assemble'];

const state = {
  meta: null,          // profiles, examples, camera choices, limits
  projects: [],
  project: null,       // name of the open project
  tab: 'new',
  plan: null,          // the plan as JSON, edited in place
  version: null,       // the version of plan.json the edits started from
  thumbnails: {},      // shot id -> clip stamp, for pictures that change when the clip does
  dirty: false,
  run: null,           // the last run's status
  movieVersion: null,
  storyboardPages: [],
  shownMovie: null,    // the movie version the <video> shows
  problems: [],        // the last refusal of the plan, to mark its cards
};

const $ = (selector) => document.querySelector(selector);

// ------------------------------------------------------------------ helpers

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  let value;
  for (const [key, given] of Object.entries(props)) {
    if (given === undefined || given === null || given === false) continue;
    if (key === 'class') node.className = given;
    else if (key === 'dataset') Object.assign(node.dataset, given);
    else if (key === 'value') value = given;
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), given);
    else node.setAttribute(key, given === true ? '' : given);
  }
  node.append(...children.flat().filter((child) => child !== null && child !== undefined && child !== false));
  if (value !== undefined) node.value = value;  // after the children: a <select> needs its options first
  return node;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body.error || `request failed (${status})`);
    this.status = status;
    this.problems = body.problems || [];
  }
}

async function api(method, url, body) {
  const options = { method, headers: {} };
  if (method !== 'GET') options.headers['X-MovieAgent-Studio'] = '1';
  if (body instanceof FormData) options.body = body;
  else if (body !== undefined) {
    options.headers['Content-Type'] = 'application/json';
    options.body = JSON.stringify(body);
  }
  const response = await fetch(url, options);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

const projectUrl = (path) => `/api/projects/${encodeURIComponent(state.project)}/${path}`;
const label = (value) => value.replaceAll('_', ' ');
const randomHex = (digits) => Array.from(crypto.getRandomValues(new Uint8Array(digits / 2)), (b) => b.toString(16).padStart(2, '0')).join('');

function showErrors(box, error) {
  box.hidden = !error;
  if (!error) {
    box.replaceChildren();
    return;
  }
  const problems = error.problems || [];
  const items = problems.map((problem) =>
    el('li', {},
      problem.where ? el('span', { class: 'where' }, `${problem.where}: `) : null,
      problem.message,
      problem.fix ? el('span', { class: 'fix' }, `fix: ${problem.fix}`) : null));
  // One problem is its own summary; several get the server's one-line summary above them.
  box.replaceChildren(...[problems.length === 1 ? null : el('strong', {}, error.message), items.length ? el('ul', {}, items) : null].filter(Boolean));
}

// ------------------------------------------------------------------ navigation

function route() {
  const match = location.hash.match(/^#\/([a-z0-9][a-z0-9_-]*)\/(plan|render|watch)$/);
  if (match) {
    state.tab = match[2];
    if (match[1] !== state.project) openProject(match[1]);
  } else if (location.hash !== '#/new' && state.projects.length) {
    location.hash = `#/${state.project || state.projects[0].name}/plan`;  // comes back here through 'hashchange'
    return;
  } else {
    state.tab = 'new';
  }
  for (const section of document.querySelectorAll('.tab')) section.hidden = section.id !== `tab-${state.tab}`;
  for (const link of document.querySelectorAll('.tabs a')) {
    const tabName = link.dataset.tab;
    link.classList.toggle('active', tabName === state.tab);
    if (tabName !== 'new') {
      link.classList.toggle('disabled', !state.project);
      if (state.project) link.href = `#/${state.project}/${tabName}`;
    }
  }
  if (state.tab === 'watch') showMovie();
}

function openProject(name) {
  state.project = name;
  state.plan = null;
  state.version = null;
  state.dirty = false;
  state.run = null;
  state.shownMovie = null;
  state.movieVersion = null;
  $('#project-select').value = name;
  showErrors($('#plan-errors'), null);
  $('#scenes').replaceChildren();
  loadPlan();
  poll();
}

async function loadProjects() {
  state.projects = await api('GET', '/api/projects');
  const select = $('#project-select');
  select.replaceChildren(
    el('option', { value: '', disabled: true }, state.projects.length ? 'Choose a project' : 'No projects yet'),
    ...state.projects.map((project) => el('option', { value: project.name }, `${project.title} (${project.name})`)));
  select.value = state.project || '';
  $('#project-list').replaceChildren(...state.projects.map((project) =>
    el('li', {}, el('a', { href: `#/${project.name}/plan` },
      el('span', {}, project.title), el('span', { class: 'muted' }, `${project.name} · ${project.profile}`)))));
}

// ------------------------------------------------------------------ new project

function setUpNewProject() {
  const { profiles, examples, limits } = state.meta;
  for (const select of document.querySelectorAll('.profile-select')) {
    select.replaceChildren(...profiles.map((profile) => el('option', { value: profile }, profile)));
    select.value = profiles.includes('preview-fast') ? 'preview-fast' : profiles[0];
  }
  $('#example-select').replaceChildren(...examples.map((example) => el('option', { value: example.id }, example.title)));
  if (!examples.length) $('#example-form').hidden = true;
  const megabytes = (bytes) => `${Math.round(bytes / 1e6)} MB`;
  $('#limits-hint').textContent =
    `Limits: script ${megabytes(limits.script_bytes)}, zip ${megabytes(limits.zip_bytes)}, ` +
    `${limits.entries} files, ${megabytes(limits.total_bytes)} unpacked. Only YAML, captions and PNG/JPEG/WebP images are kept.`;
  for (const form of [$('#example-form'), $('#upload-form')]) {
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const button = form.querySelector('button[type=submit]');
      button.disabled = true;
      showErrors($('#new-errors'), null);
      try {
        const created = await api('POST', '/api/projects', new FormData(form));
        await loadProjects();
        form.reset();
        setUpProfileDefaults(form);
        location.hash = `#/${created.project.name}/plan`;
      } catch (error) {
        showErrors($('#new-errors'), error);
      } finally {
        button.disabled = false;
      }
    });
  }
}

function setUpProfileDefaults(form) {
  const select = form.querySelector('.profile-select');
  if (state.meta.profiles.includes('preview-fast')) select.value = 'preview-fast';
}

// ------------------------------------------------------------------ plan

async function loadPlan() {
  const name = state.project;
  try {
    const answer = await api('GET', projectUrl('plan'));
    if (name !== state.project) return;
    state.plan = answer.plan;
    state.version = answer.version;
    state.thumbnails = answer.thumbnails;
    state.problems = [];
    setDirty(false);
    $('#plan-banner').hidden = true;
    $('#plan-empty').hidden = true;
    renderPlan();
  } catch (error) {
    if (name !== state.project) return;
    state.plan = null;
    $('#scenes').replaceChildren();
    $('#plan-empty').hidden = false;
    $('#plan-empty').textContent = error.status === 404 ? 'Planning… the shots appear here in a moment.' : error.message;
  }
}

function setDirty(dirty) {
  state.dirty = dirty;
  const badge = $('#save-state');
  badge.textContent = dirty ? 'unsaved changes' : state.version ? 'saved' : '';
  badge.classList.toggle('dirty', dirty);
  $('#save-plan').disabled = !dirty;
}

function edited() {
  if (!state.dirty) setDirty(true);
}

function renderPlan() {
  const plan = state.plan;
  if (!plan) return;
  $('#plan-title').textContent = plan.title;
  $('#plan-logline').textContent = plan.logline || `${plan.scenes.length} scenes`;
  let number = 0;
  $('#scenes').replaceChildren(...plan.scenes.map((scene, sceneIndex) => {
    const cards = scene.shots.map((shot, shotIndex) => shotCard(scene, sceneIndex, shot, shotIndex, ++number));
    return el('section', { class: 'scene', dataset: { scene: scene.id } },
      el('div', { class: 'scene-head' },
        el('h2', {}, el('span', { class: 'scene-number' }, `${scene.index}`), `  ${scene.heading}`),
        el('p', {}, scene.summary || '')),
      el('div', { class: 'shots' }, cards));
  }));
}

function choice(name, values, current, onChange) {
  return el('label', {}, label(name),
    el('select', { value: current, onchange: (event) => { onChange(event.target.value); edited(); } },
      values.map((value) => el('option', { value }, label(value)))));
}

function shotCard(scene, sceneIndex, shot, shotIndex, number) {
  const { choices } = state.meta;
  const cast = state.plan.cast;
  const stamp = state.thumbnails[shot.id];
  const problems = state.problems.filter((problem) => problem.place === `${sceneIndex}.${shotIndex}`);
  const structural = (change) => () => { change(); edited(); renderPlan(); };
  const move = (offset) => structural(() => {
    const [moved] = scene.shots.splice(shotIndex, 1);
    scene.shots.splice(shotIndex + offset, 0, moved);
  });

  const lines = shot.lines.map((line, lineIndex) => el('div', { class: 'line' },
    el('select', { 'aria-label': 'Speaker', value: line.speaker_id, onchange: (event) => { line.speaker_id = event.target.value; edited(); } },
      cast.map((member) => el('option', { value: member.id }, member.name.split(' ')[0]))),
    el('textarea', { class: 'line-text', rows: 2, 'aria-label': 'Dialogue', value: line.text, oninput: (event) => { line.text = event.target.value; edited(); } }),
    el('button', { type: 'button', class: 'icon danger', title: 'Remove this line', onclick: structural(() => shot.lines.splice(lineIndex, 1)) }, '✕'),
    el('label', { class: 'off' },
      el('input', { type: 'checkbox', checked: line.off_screen, onchange: (event) => { line.off_screen = event.target.checked; edited(); } }), 'off screen')));

  const newLine = () => {
    const speaker = shot.characters.length ? shot.characters[0].character_id : cast[0].id;
    shot.lines.push({ id: `line-${randomHex(10)}`, speaker_id: speaker, text: '', parenthetical: null, off_screen: false });
  };
  const newShotAfter = () => {
    const copy = structuredClone(shot);
    copy.id = `${scene.id.slice(0, 48)}-${randomHex(8)}`;
    copy.lines = [];
    copy.duration_s = 3;
    scene.shots.splice(shotIndex + 1, 0, copy);
  };

  return el('article', { class: problems.length ? 'card invalid' : 'card', dataset: { shot: shot.id } },
    el('div', { class: 'frame' },
      stamp
        ? el('img', { src: projectUrl(`thumbs/${shot.id}.jpg?v=${stamp}`), alt: `Shot ${number}`, loading: 'lazy' })
        : el('div', { class: 'placeholder' }, 'not rendered yet'),
      el('span', { class: 'badge' }, el('b', {}, `#${number}`), ` ${shot.duration_s.toFixed(1)} s`),
      el('div', { class: 'tools' },
        el('button', { type: 'button', class: 'icon', title: 'Move earlier', disabled: shotIndex === 0, onclick: move(-1) }, '↑'),
        el('button', { type: 'button', class: 'icon', title: 'Move later', disabled: shotIndex === scene.shots.length - 1, onclick: move(1) }, '↓'),
        el('button', { type: 'button', class: 'icon', title: 'Add a shot after this one', onclick: structural(newShotAfter) }, '+'),
        el('button', { type: 'button', class: 'icon danger', title: 'Delete this shot', onclick: structural(() => scene.shots.splice(shotIndex, 1)) }, '✕'))),
    el('div', { class: 'body' },
      el('div', { class: 'camera' },
        choice('size', choices.size, shot.size, (value) => { shot.size = value; }),
        choice('angle', choices.angle, shot.angle, (value) => { shot.angle = value; }),
        choice('movement', choices.movement, shot.movement, (value) => { shot.movement = value; }),
        el('label', {}, 'seconds',
          el('input', { type: 'number', class: 'duration', step: '0.1', min: '0.1', max: '120', value: shot.duration_s,
            oninput: (event) => { shot.duration_s = Number(event.target.value); edited(); } }))),
      el('label', {}, 'action',
        el('textarea', { class: 'action', rows: 2, value: shot.action, oninput: (event) => { shot.action = event.target.value; edited(); } })),
      lines,
      el('button', { type: 'button', class: 'add-line', onclick: structural(newLine) }, '+ line'),
      problems.map((problem) => el('div', { class: 'problem' }, problem.message))));
}

async function savePlan() {
  if (!state.dirty) return true;
  const body = { version: state.version, scenes: state.plan.scenes.map((scene) => ({ id: scene.id, shots: scene.shots })) };
  try {
    const answer = await api('PUT', projectUrl('plan'), body);
    state.version = answer.version;
    state.problems = [];
    setDirty(false);
    showErrors($('#plan-errors'), null);
    renderPlan();
    return true;
  } catch (error) {
    if (error.status === 409) $('#plan-banner').hidden = false;
    // 'scenes[0].shots[2].lines[0].text: ...' is about the card of scene 0, shot 2: named by its number, marked red.
    const numbers = {};
    let number = 0;
    state.plan.scenes.forEach((scene, sceneIndex) => scene.shots.forEach((_, shotIndex) => { numbers[`${sceneIndex}.${shotIndex}`] = ++number; }));
    state.problems = error.problems.map((problem) => {
      const found = problem.message.match(/^scenes\[(\d+)\]\.shots\[(\d+)\]\.?/);
      if (!found) return { ...problem, place: null };
      const place = `${found[1]}.${found[2]}`;
      return { ...problem, place, where: `shot #${numbers[place]}`, message: problem.message.slice(found[0].length) };
    });
    showErrors($('#plan-errors'), { message: error.message, problems: state.problems });
    renderPlan();
    return false;
  }
}

// ------------------------------------------------------------------ render

async function startRender() {
  showErrors($('#render-errors'), null);
  try {
    state.run = await api('POST', projectUrl('render'), {});
    showRun();
  } catch (error) {
    showErrors($('#render-errors'), error);
  }
}

function showRun() {
  const run = state.run;
  const indicator = $('#run-indicator');
  const running = run && run.state === 'running';
  $('#render-button').disabled = running;
  $('#save-render').disabled = running;
  indicator.className = `run-indicator ${run ? run.state : ''}`;
  if (!run) {
    indicator.textContent = '';
    $('#render-state').textContent = state.movieVersion ? 'The movie is ready.' : 'Not rendered yet.';
    $('#render-state').className = 'render-state';
    $('#stages').replaceChildren();
    $('#shot-progress').replaceChildren();
    return;
  }
  const what = run.kind === 'plan' ? 'Planning' : 'Rendering';
  const current = run.stage ? run.stages[run.stage] : null;
  indicator.textContent = running ? `${what} · ${run.stage || 'starting'} ${current ? `${current.done}/${current.total}` : ''}` : run.state === 'failed' ? `${what} failed` : '';
  const stateText = running ? `${what}…` : run.state === 'failed' ? `${what} failed.` : `Done. ${run.summary}.`;
  $('#render-state').textContent = stateText;
  $('#render-state').className = `render-state ${run.state}`;
  showErrors($('#render-errors'), run.error ? { message: run.error, problems: [] } : null);
  const stages = run.kind === 'plan' ? ['plan'] : STAGES.filter((name) => name !== 'keyframes' || run.stages.keyframes);
  $('#stages').replaceChildren(...stages.map((name) => {
    const count = run.stages[name] || { done: 0, total: 0 };
    const fraction = count.total ? count.done / count.total : 0;
    const bar = el('div');
    bar.style.width = `${Math.round(fraction * 100)}%`;
    const complete = count.total > 0 && count.done >= count.total;
    return el('div', { class: `stage${name === run.stage && running ? ' current' : ''}${complete ? ' complete' : ''}`, dataset: { stage: name } },
      el('span', { class: 'name' }, name), el('div', { class: 'bar' }, bar),
      el('span', { class: 'count' }, count.total ? `${count.done} / ${count.total}` : '–'));
  }));
  $('#shot-progress').replaceChildren(...run.shots.map((shot) =>
    el('span', { class: `chip ${shot.state}`, title: `${shot.shot_id}: ${shot.state}`, dataset: { shot: shot.shot_id, state: shot.state } }, `${shot.index}`)));
}

// ------------------------------------------------------------------ watch

function showMovie() {
  const ready = Boolean(state.movieVersion);
  $('#watch-empty').hidden = ready;
  $('#watch-body').hidden = !ready;
  if (state.plan) $('#watch-title').textContent = state.plan.title;
  if (!ready || state.shownMovie === state.movieVersion) return;
  state.shownMovie = state.movieVersion;
  const stamp = `v=${state.movieVersion}`;
  const video = $('#movie');
  video.replaceChildren(el('track', { kind: 'subtitles', label: 'English', srclang: 'en', default: true, src: projectUrl(`files/movie.vtt?${stamp}`) }));
  video.src = projectUrl(`files/movie.mp4?${stamp}`);
  $('#download-mp4').href = projectUrl('files/movie.mp4?download=true');
  $('#download-srt').href = projectUrl('files/movie.srt?download=true');
  $('#download-plan').href = projectUrl('files/plan.json?download=true');
  $('#storyboard').replaceChildren(...state.storyboardPages.map((page, index) =>
    el('img', { class: 'storyboard', loading: 'lazy', alt: `Storyboard page ${index + 1}`, src: projectUrl(`files/${page}?${stamp}`) })));
}

// ------------------------------------------------------------------ polling: progress and other tabs' edits

let polling = false;
async function poll() {
  if (!state.project || polling) return;
  polling = true;
  const name = state.project;
  try {
    const status = await api('GET', projectUrl('status'));
    if (name !== state.project) return;
    const finishedNow = state.run && state.run.state === 'running' && status.run && status.run.state !== 'running';
    state.run = status.run;
    state.movieVersion = status.movie_version;
    state.storyboardPages = status.storyboard_pages;
    showRun();
    if (!status.plan_version && status.run && status.run.state === 'failed') {
      $('#plan-empty').textContent = `Planning failed: ${status.run.error}`;
    }
    if (status.plan_version && status.plan_version !== state.version) {
      if (state.dirty) $('#plan-banner').hidden = false;
      else await loadPlan();
    } else if (finishedNow) {
      await loadPlan();  // new clips: new pictures on the cards
    }
    if (state.tab === 'watch') showMovie();
  } catch (error) {
    if (error.status === 404) await loadProjects();
  } finally {
    polling = false;
  }
}

// ------------------------------------------------------------------ start

async function start() {
  state.meta = await api('GET', '/api/meta');
  setUpNewProject();
  await loadProjects();
  $('#project-select').addEventListener('change', (event) => {
    if (state.dirty && !confirm('Leave this project? Its unsaved plan edits will be lost.')) {
      event.target.value = state.project;
      return;
    }
    location.hash = `#/${event.target.value}/${state.tab === 'new' ? 'plan' : state.tab}`;
  });
  $('#save-plan').addEventListener('click', savePlan);
  $('#save-render').addEventListener('click', async () => {
    if (await savePlan()) {
      location.hash = `#/${state.project}/render`;
      await startRender();
    }
  });
  $('#render-button').addEventListener('click', startRender);
  $('#plan-reload').addEventListener('click', loadPlan);
  window.addEventListener('hashchange', route);
  window.addEventListener('beforeunload', (event) => { if (state.dirty) event.preventDefault(); });
  setInterval(poll, POLL_MS);
  route();
}

start();
