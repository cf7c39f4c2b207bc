// @surveyapp/widget: the surveyapp widget for single-page apps, as typed functions.
//
// This module is a thin, typed front for the widget's command queue. init() adds the real
// loader (https://HOST/embed/v1/loader.js, the same file the copy-paste snippet loads), so
// the widget stays one code base, served and updated by your surveyapp server. Every other
// function is one `surveyapp(command, ...)` call: made before init() or before the loader has
// arrived, it waits in the queue and the loader replays it, in order.
//
//   import { init, identify, track } from "@surveyapp/widget";
//   init({ key: "pk_...", host: "https://surveys.example.com" });
//   identify("u_42", { plan: "pro" });
//   track("report_exported", { format: "csv" });
//   personalize("onboarding_tip", (d) => { if (d) { show(d.payload); why.textContent = d.reason; } });
//
// On the server (SSR) there is no window: every function does nothing there.

/** A contact attribute: the server keeps a flat object of scalars (strings up to its limit). */
export type AttributeValue = string | number | boolean | null;
export type Attributes = Record<string, AttributeValue>;

/** A JSON value, as event properties are stored. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type Properties = Record<string, JsonValue | undefined>;

export interface InitOptions {
  /** The environment's public key (`pk_...`), shown on the survey's Install page. */
  key: string;
  /** Your surveyapp server's origin, e.g. `"https://surveys.example.com"` (no path). */
  host: string;
  /** Identify the signed-in person at once (same as calling `identify(userId, attributes)`). */
  userId?: string | number;
  /** Attributes for targeting, sent with `userId` (or kept in the browser without one). */
  attributes?: Attributes;
  /** The person's consent decision, when your own banner already asked (`setConsent`). */
  consent?: boolean;
  /** A CSP nonce for the loader's script element, if your page's policy requires one. */
  nonce?: string;
}

type Command = "identify" | "track" | "setConsent" | "optOut" | "reset" | "experiment" | "yourData" | "personalize";
type Queue = ((...args: unknown[]) => void) & { q?: IArguments[] };
interface Host { surveyapp?: Queue }

const LOADER_PATH = "/embed/v1/loader.js";
let started: Promise<boolean> | undefined;
let startedWith = "";

function win(): (Window & Host) | undefined {
  return typeof window === "undefined" ? undefined : (window as Window & Host);
}

/** The snippet's stub: queue the call until the loader replaces it with the real function. */
function queue(w: Window & Host): Queue {
  if (!w.surveyapp) {
    const stub: Queue = function () {
      // eslint-disable-next-line prefer-rest-params
      (stub.q = stub.q || []).push(arguments);
    };
    w.surveyapp = stub;
  }
  return w.surveyapp;
}

function command(name: Command, ...args: unknown[]): void {
  const w = win();
  if (w) queue(w)(name, ...args);
}

/**
 * Starts the widget: adds the loader from `host` once per page (calling it again with the
 * same key and host does nothing; another key is refused, as the loader runs once).
 * Resolves `true` once the loader has arrived, `false` if it could not be fetched (the
 * calls made meanwhile stay queued). On the server it resolves `false`.
 */
export function init(options: InitOptions): Promise<boolean> {
  const { key, host, userId, attributes, consent, nonce } = options || ({} as InitOptions);
  if (typeof key !== "string" || !key) throw new TypeError("surveyapp init: `key` (the environment's public key) is required");
  if (typeof host !== "string" || !/^https?:\/\/[^/]+\/?$/.test(host)) {
    throw new TypeError("surveyapp init: `host` must be your server's origin, e.g. https://surveys.example.com");
  }
  const w = win();
  if (!w) return Promise.resolve(false);
  const base = host.replace(/\/$/, "");
  if (started) {
    if (startedWith !== base + " " + key) {
      console.warn("surveyapp: init() was already called with another key or host; ignored");
    }
    return started;
  }
  startedWith = base + " " + key;
  queue(w);
  // Queued before the loader's replay, so they apply to everything tracked afterwards.
  if (consent !== undefined) setConsent(consent);
  if (userId != null) identify(userId, attributes);
  else if (attributes) command("identify", null, attributes);
  const d = w.document;
  started = new Promise<boolean>((resolve) => {
    const el = d.createElement("script");
    el.async = true;
    el.src = base + LOADER_PATH;
    el.setAttribute("data-key", key);
    if (nonce) el.nonce = nonce;
    el.onload = () => resolve(true);
    el.onerror = () => resolve(false);
    d.head.appendChild(el);
  });
  return started;
}

/** Names the signed-in person (your user id) and sets attributes used by targeting. */
export function identify(userId: string | number, attributes?: Attributes): void {
  command("identify", userId, attributes || {});
}

/** Tracks an event: stored for analytics and able to trigger a survey set to show on it. */
export function track(name: string, properties?: Properties): void {
  command("track", name, properties || {});
}

/** Records the person's consent decision (for workspaces that require or ask for consent). */
export function setConsent(granted: boolean): void {
  command("setConsent", granted);
}

/** The person opts out: consent withdrawn, nothing more is tracked or shown. */
export function optOut(): void {
  command("optOut");
}

/** Forgets the person in this browser (call it on sign-out): a new anonymous id. */
export function reset(): void {
  command("reset");
}

/**
 * The person's sticky variant of a running experiment (the server records the exposure),
 * or `null` when it is not running or the server cannot be reached: show your default.
 */
export function experiment(key: string): Promise<string | null> {
  if (!win()) return Promise.resolve(null);
  return new Promise((resolve) => command("experiment", key, (variant: string | null) => resolve(variant)));
}

/**
 * A signed link to the person's own data page, or `null`. `userHash` is
 * HMAC-SHA256(identity secret, user id) in hex, computed on your server.
 */
export function yourData(userHash: string): Promise<string | null> {
  if (!win()) return Promise.resolve(null);
  return new Promise((resolve) => command("yourData", userHash, (url: string | null) => resolve(url)));
}

/** Why a decision is what it is (`Decision.why`). */
export type DecisionWhy =
  | "rule" | "model" | "default" | "holdout"
  | "do_not_track" | "opted_out" | "consent_required" | "not_live";

/** A slot's relevance micro-survey ("Was this relevant?", 1-5), when the slot has one. */
export interface RelevanceQuestion {
  question: string;
  /** The labels of 1 and 5, and what is said after an answer. */
  low: string;
  high: string;
  thanks: string;
  /** Already answered for this decision's version. */
  answered: boolean;
}

/** A personalization decision: which variant of the slot this person gets, and why. */
export interface Decision {
  slot: string;
  /** The slot version that decided (exposures name it). */
  version: number | null;
  /** The variant's key; `null` would mean the slot is not live (then the callback gets `null`). */
  variant: string | null;
  /** The variant's payload, as the slot's schema declares it. */
  payload: JsonValue;
  /**
   * "Why am I seeing this?" in plain words, e.g. "You are seeing this because you are in
   * the group “Power users”." Show it next to the element.
   */
  reason: string;
  why: DecisionWhy;
  /** Chosen for this person by a rule or the slot's model (false: the default). */
  personalized: boolean;
  /** In the slot's random holdout (shown the default, to measure lift). */
  holdout: boolean;
  /** The decision was recorded (never under Do Not Track, GPC, an opt-out or missing consent). */
  exposed: boolean;
  relevance: RelevanceQuestion | null;
  /** A model-ranked slot's top items, best first. */
  items: string[] | null;
  /**
   * Present when the slot asks its relevance question and it is not answered yet: draws the
   * question (five buttons) right after `element` and sends the answer.
   */
  ask?: (element: Element) => void;
}

export interface PersonalizeOptions {
  /** Attributes the slot's rules may use (an anonymous visitor's plan, country, ...). */
  attributes?: Attributes;
}

/**
 * The person's decision for a slot (`surveyapp("personalize", slot, cb)`): the loader
 * fetches its personalize chunk on the first call and asks the server with the person's
 * id (after `identify`) or the anonymous id, the page's path, the consent state and
 * Do Not Track / Global Privacy Control (then: the default, nothing used or recorded).
 * Resolves (and calls `callback`) with the decision, or `null` when the server cannot be
 * reached or the slot is unknown or paused: show your own default. One request per
 * visitor, slot, page and attributes for the page's life. On the server it resolves `null`.
 */
export function personalize(slot: string, callback?: (decision: Decision | null) => void,
                            options?: PersonalizeOptions): Promise<Decision | null> {
  if (typeof slot !== "string" || !slot) throw new TypeError("surveyapp personalize: `slot` (the slot's key) is required");
  if (!win()) {
    if (callback) callback(null);
    return Promise.resolve(null);
  }
  return new Promise((resolve) => command("personalize", slot, (decision: Decision | null) => {
    resolve(decision);
    if (callback) callback(decision);
  }, { attributes: (options && options.attributes) || {} }));
}

/** The decision's "Why am I seeing this?" text, or a neutral one when there is no decision. */
export function whyText(decision: Decision | null): string {
  return decision ? decision.reason : "Nothing is personalised here at the moment.";
}
