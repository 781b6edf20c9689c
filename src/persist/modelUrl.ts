// Where a model comes from in a link, and the links the Share button makes. Only http(s) URLs
// (absolute, or relative to the page) are ever fetched; links are built from where the app is
// served (its location), so they work from any host and any base path.
import { SETTINGS, settingsToQuery, type TrainSettings } from '../config/settings';
import { FRAGMENT_PARAM } from './fragment';

/** The query parameter naming a model to load: `?weights=<url of model.json>` or `pretrained/<name>`. */
export const WEIGHTS_PARAM = 'weights';
/** `?weights=pretrained/<name>` loads `<app base>pretrained/<name>/model.json`. */
export const PRETRAINED_DEFAULT = 'pretrained/default';
/**
 * The training step of the shipped model's settings (public/pretrained/default/model.json; modelUrl.test.ts
 * checks they agree): a plain visit, which loads that model, plans its wasm threads for it (src/train/wasmThreads.ts).
 */
export const SHIPPED_MODEL_STEP = { preset: 'default', width: 384, height: 192, batch: 2 } as const;
/** `?weights=none`: open with no model (new weights), not even the shipped one. */
export const NO_WEIGHTS = 'none';
const PRETRAINED = /^pretrained\/([A-Za-z0-9_-]+)\/?$/;

/** A model address that will not be fetched; the message says why. */
export class ModelUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelUrlError';
  }
}

/** Quotes untrusted text for a message (shortened; shown as text, never as HTML). */
export function quote(text: string, max = 120): string {
  return JSON.stringify(text.length > max ? `${text.slice(0, max)}…` : text);
}

/** Checks that a resolved URL may be fetched: http(s), no user name or password. */
export function checkFetchable(url: URL, what = 'the model'): URL {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ModelUrlError(`Only http(s) addresses and addresses relative to this page are loaded; ${what} is at a ${quote(url.protocol)} address.`);
  }
  if (url.username !== '' || url.password !== '') throw new ModelUrlError(`Addresses with a user name or password are not loaded (${what}).`);
  return url;
}

/**
 * The model.json URL for a `?weights=` value, resolved against the page: `pretrained/<name>`
 * becomes `<app base>pretrained/<name>/model.json`; anything else is a URL, absolute or relative.
 */
export function resolveModelUrl(value: string, pageHref: string): URL {
  const text = value.trim();
  if (text === '') throw new ModelUrlError('No model address was given.');
  const pretrained = PRETRAINED.exec(text);
  let url: URL;
  try {
    url = new URL(pretrained ? `pretrained/${pretrained[1]}/model.json` : text, pageHref);
  } catch {
    throw new ModelUrlError(`${quote(text)} is not a valid address.`);
  }
  return checkFetchable(url);
}

/** The name of a pretrained model (`pretrained/default` -> `default`), or undefined. */
export function pretrainedName(value: string): string | undefined {
  return PRETRAINED.exec(value.trim())?.[1];
}

/** What the page address asks to load: a `?weights=` URL or a model inside the `#w=` fragment. */
export type LinkedModel = { kind: 'url'; value: string } | { kind: 'fragment'; text: string };

/** The model a page address names (`#w=` first, then `?weights=`); `?weights=none` names none. */
export function linkedModel(href: string): LinkedModel | undefined {
  const url = new URL(href);
  const fragment = new URLSearchParams(url.hash.replace(/^#/, '')).get(FRAGMENT_PARAM);
  if (fragment !== null) return { kind: 'fragment', text: fragment };
  const value = url.searchParams.get(WEIGHTS_PARAM);
  return value !== null && value.trim() !== NO_WEIGHTS ? { kind: 'url', value } : undefined;
}

/**
 * What the page loads on opening. The model the address names comes first (a shared link is
 * opened to see that model). `?weights=none` loads nothing. A plain visit (no model and no
 * training setting in the address) loads the shipped model, so a newcomer sees depth at once
 * instead of untrained networks; the store skips it when a run saved in this browser is offered
 * (`openPage` in src/state/modelSlice.ts). An address with settings but no model was written to
 * train with those settings (the README's quick-look link), so it opens with new weights.
 */
export type OpeningModel = LinkedModel | { kind: 'none' } | { kind: 'shipped' };

export function openingModel(href: string): OpeningModel {
  const linked = linkedModel(href);
  if (linked) return linked;
  const q = new URL(href).searchParams;
  if (q.has(WEIGHTS_PARAM)) return { kind: 'none' };
  return SETTINGS.some((spec) => q.has(spec.key)) ? { kind: 'none' } : { kind: 'shipped' };
}

/**
 * The training step the page plans its wasm threads for, when it is not the address's settings: the shipped
 * model's (SHIPPED_MODEL_STEP) when the page opens that model (a plain visit, or `?weights=pretrained/default`)
 * and the address sets none of preset, width, height and batch (which win, as they do over the model's).
 */
export function threadStepFor(href: string): typeof SHIPPED_MODEL_STEP | undefined {
  const opening = openingModel(href);
  const shipped = opening.kind === 'shipped' || (opening.kind === 'url' && pretrainedName(opening.value) === 'default');
  const q = new URL(href).searchParams;
  return shipped && !['preset', 'width', 'height', 'batch'].some((k) => q.has(k)) ? SHIPPED_MODEL_STEP : undefined;
}

/**
 * What the page address says about the current model: `weights` (a `?weights=` value, or
 * `none`), or no `weights=` at all; `fragment`: the `#w=` fragment still holds the current model.
 */
export interface ModelAddress {
  weights?: string;
  fragment: boolean;
}

/**
 * The page's address (path, query and fragment, for history.replaceState) with the settings that
 * differ from the defaults and, when `model` is given, the model as it says: a reload then opens
 * the same model with the same settings. Other parameters (`backend`, `wasmThreads`) are kept;
 * with no `model` the address's own `weights=` and `#w=` are left as the page was opened.
 */
export function pageAddress(href: string, settings: TrainSettings, model?: ModelAddress): string {
  const url = new URL(href);
  const q = url.searchParams;
  for (const spec of SETTINGS) q.delete(spec.key);
  const weights = q.get(WEIGHTS_PARAM);
  q.delete(WEIGHTS_PARAM); // after the settings, where shareLink puts it
  for (const [k, v] of settingsToQuery(settings)) q.set(k, v);
  const named = model ? model.weights : (weights ?? undefined);
  if (named !== undefined) q.set(WEIGHTS_PARAM, named);
  let hash = url.hash;
  const hashParams = new URLSearchParams(hash.replace(/^#/, ''));
  if (model && !model.fragment && hashParams.has(FRAGMENT_PARAM)) {
    hashParams.delete(FRAGMENT_PARAM);
    const rest = hashParams.toString();
    hash = rest ? `#${rest}` : '';
  }
  const search = q.toString();
  return `${url.pathname}${search ? `?${search}` : ''}${hash}`;
}

/**
 * A link to this app (as served at `pageHref`, any query and fragment dropped) that reproduces
 * a run: the settings that differ from the defaults (seed included), and the model, either as
 * `?weights=<url>` or inside the fragment (`#w=...`).
 */
export function shareLink(pageHref: string, settings: TrainSettings, model: { weights: string } | { fragment: string }): string {
  const url = new URL(pageHref);
  const query = settingsToQuery(settings);
  if ('weights' in model) query.set(WEIGHTS_PARAM, model.weights);
  const search = query.toString();
  const hash = 'fragment' in model ? `#${FRAGMENT_PARAM}=${model.fragment}` : '';
  return `${url.origin}${url.pathname}${search ? `?${search}` : ''}${hash}`;
}
