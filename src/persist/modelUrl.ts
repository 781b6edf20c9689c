// Where a model comes from in a link, and the links the Share button makes. Only http(s) URLs
// (absolute, or relative to the page) are ever fetched; links are built from where the app is
// served (its location), so they work from any host and any base path.
import { settingsToQuery, type TrainSettings } from '../config/settings';
import { FRAGMENT_PARAM } from './fragment';

/** The query parameter naming a model to load: `?weights=<url of model.json>` or `pretrained/<name>`. */
export const WEIGHTS_PARAM = 'weights';
/** `?weights=pretrained/<name>` loads `<app base>pretrained/<name>/model.json`. */
export const PRETRAINED_DEFAULT = 'pretrained/default';
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

export function linkedModel(href: string): LinkedModel | undefined {
  const url = new URL(href);
  const fragment = new URLSearchParams(url.hash.replace(/^#/, '')).get(FRAGMENT_PARAM);
  if (fragment !== null) return { kind: 'fragment', text: fragment };
  const value = url.searchParams.get(WEIGHTS_PARAM);
  return value !== null ? { kind: 'url', value } : undefined;
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
