// The progress bar, the stage list and the status line under them: which stage runs, its share
// done, the time elapsed and, once the stage has shown a steady rate, the time it has left.
// Screen readers hear stage changes, outcomes and a reminder at most every REMIND_MS, not every
// tick (the visible line is not a live region; #announcer is).
import { STAGES } from 'supercolor';
import { $, state } from './state.js';
import { formatDuration } from './status.js';

const STAGE_LABELS = {
  decode: 'Decoding the images',
  segment: 'Cutting both images into SLIC superpixels',
  features: 'Extracting VGG-19 features',
  match: 'Matching superpixels (attention)',
  fuse: 'Fusing colours',
  regrain: 'Regrain: restoring the target’s detail',
  upsample: 'Carrying the colours to full resolution',
};
/** Share of the progress bar per stage (roughly their cost). */
const STAGE_WEIGHTS = { decode: 0.04, segment: 0.14, features: 0.4, match: 0.06, fuse: 0.14, regrain: 0.12, upsample: 0.1 };
/** A stage's rate is trusted once it has run this long and moved this far since its first report. */
const RATE_MIN_MS = 1500;
const RATE_MIN_FRACTION = 0.03;
const TICK_MS = 1000;
const REMIND_MS = 30_000;

export function setProgressLabel(text) {
  $('progress-label').textContent = text;
}

/** Screen readers hear this (polite live region). */
export function announce(text) {
  // The same text twice in a row is not re-read by every screen reader: vary it invisibly.
  const el = $('announcer');
  el.textContent = el.textContent === text ? `${text}\u00a0` : text;
}

function setBar(overall) {
  const pct = Math.max(0, Math.min(100, overall * 100));
  $('progress-fill').style.width = `${pct}%`;
  const bar = $('progress');
  bar.setAttribute('aria-valuenow', String(Math.round(pct)));
}

function markStages(current, finished) {
  const index = current ? STAGES.indexOf(current) : -1;
  for (const li of $('stages').children) {
    const i = STAGES.indexOf(/** @type {any} */ (/** @type {HTMLElement} */ (li).dataset.stage));
    li.classList.toggle('done', finished || (index >= 0 && i < index));
    li.classList.toggle('active', !finished && i === index);
    if (!finished && i === index) li.setAttribute('aria-current', 'step');
    else li.removeAttribute('aria-current');
  }
}

/** Remaining milliseconds of a stage from its rate since its first report, or null while unknown. */
export function stageRemainingMs(stage, now) {
  if (!stage || stage.fraction >= 1) return null;
  const ms = now - stage.firstAt;
  const moved = stage.fraction - stage.firstFraction;
  if (ms < RATE_MIN_MS || moved < RATE_MIN_FRACTION) return null;
  return ((1 - stage.fraction) * ms) / moved;
}

/** One run's progress, from start() to done()/failed(). */
export class RunProgress {
  constructor() {
    this.startedAt = 0;
    this.stage = null; // {name, fraction, firstAt, firstFraction}
    this.timer = 0;
    this.lastReminder = 0;
    this.prefix = '';
  }

  start(prefix = 'Starting the engine (first run: loading the wasm core and the VGG-19 model)…') {
    this.startedAt = performance.now();
    this.lastReminder = this.startedAt;
    this.stage = null;
    this.prefix = prefix;
    state.stagesSeen = [];
    state.progressLog = [];
    state.progress = { stage: null, fraction: 0, overall: 0, elapsedMs: 0, remainingMs: null };
    setBar(0);
    markStages(null, false);
    $('progress').removeAttribute('aria-valuetext');
    clearInterval(this.timer);
    this.timer = window.setInterval(() => this.render(), TICK_MS);
    this.render();
  }

  /** The package's onProgress. */
  update({ stage, fraction }) {
    const now = performance.now();
    const f = Math.max(0, Math.min(1, Number(fraction) || 0));
    state.progressLog.push({ stage, fraction, t: Math.round(now - this.startedAt) });
    if (!state.stagesSeen.includes(stage)) state.stagesSeen.push(stage);
    if (this.stage?.name !== stage) {
      this.stage = { name: stage, fraction: f, firstAt: now, firstFraction: f };
      const index = STAGES.indexOf(stage);
      announce(`Stage ${index + 1} of ${STAGES.length}: ${STAGE_LABELS[stage] ?? stage}.`);
      this.lastReminder = now;
      markStages(stage, false);
    } else {
      this.stage.fraction = f;
    }
    this.render(now);
  }

  render(now = performance.now()) {
    const elapsed = now - this.startedAt;
    const s = this.stage;
    if (!s) {
      state.progress = { ...state.progress, elapsedMs: elapsed };
      setProgressLabel(`${this.prefix} ${formatDuration(elapsed)} elapsed.`);
      return;
    }
    const index = STAGES.indexOf(s.name);
    let before = 0;
    for (let i = 0; i < index; i++) before += STAGE_WEIGHTS[STAGES[i]] ?? 0;
    const overall = before + (STAGE_WEIGHTS[s.name] ?? 0) * s.fraction;
    const remaining = stageRemainingMs(s, now);
    state.progress = { stage: s.name, fraction: s.fraction, overall, elapsedMs: elapsed, remainingMs: remaining };
    setBar(overall);
    const pct = `${Math.round(s.fraction * 100)}%`;
    const left = remaining === null ? '' : ` · about ${formatDuration(remaining)} left in this stage`;
    const label = STAGE_LABELS[s.name] ?? s.name;
    setProgressLabel(`${label}… ${pct} (stage ${index + 1} of ${STAGES.length}) · ${formatDuration(elapsed)} elapsed${left}`);
    $('progress').setAttribute('aria-valuetext', `${label}, ${pct}`);
    if (now - this.lastReminder >= REMIND_MS) {
      this.lastReminder = now;
      announce(`Still working: ${label}, ${pct}${remaining === null ? '' : `, about ${formatDuration(remaining)} left in this stage`}.`);
    }
  }

  stop() {
    clearInterval(this.timer);
    this.timer = 0;
  }

  done(text) {
    this.stop();
    setBar(1);
    markStages(null, true);
    $('progress').removeAttribute('aria-valuetext');
    setProgressLabel(text);
  }

  failed(text) {
    this.stop();
    setBar(0);
    markStages(null, false);
    $('progress').removeAttribute('aria-valuetext');
    setProgressLabel(text);
  }
}

/** Back to "nothing run" (a new pair of photos). */
export function resetProgress(text) {
  setBar(0);
  markStages(null, false);
  setProgressLabel(text);
}
