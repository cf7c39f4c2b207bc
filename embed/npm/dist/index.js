// src/index.ts
var LOADER_PATH = "/embed/v1/loader.js";
var started;
var startedWith = "";
function win() {
  return typeof window === "undefined" ? void 0 : window;
}
function queue(w) {
  if (!w.surveyapp) {
    const stub = function() {
      (stub.q = stub.q || []).push(arguments);
    };
    w.surveyapp = stub;
  }
  return w.surveyapp;
}
function command(name, ...args) {
  const w = win();
  if (w) queue(w)(name, ...args);
}
function init(options) {
  const { key, host, userId, attributes, consent, nonce } = options || {};
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
  if (consent !== void 0) setConsent(consent);
  if (userId != null) identify(userId, attributes);
  else if (attributes) command("identify", null, attributes);
  const d = w.document;
  started = new Promise((resolve) => {
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
function identify(userId, attributes) {
  command("identify", userId, attributes || {});
}
function track(name, properties) {
  command("track", name, properties || {});
}
function setConsent(granted) {
  command("setConsent", granted);
}
function optOut() {
  command("optOut");
}
function reset() {
  command("reset");
}
function experiment(key) {
  if (!win()) return Promise.resolve(null);
  return new Promise((resolve) => command("experiment", key, (variant) => resolve(variant)));
}
function yourData(userHash) {
  if (!win()) return Promise.resolve(null);
  return new Promise((resolve) => command("yourData", userHash, (url) => resolve(url)));
}
function personalize(slot, callback, options) {
  if (typeof slot !== "string" || !slot) throw new TypeError("surveyapp personalize: `slot` (the slot's key) is required");
  if (!win()) {
    if (callback) callback(null);
    return Promise.resolve(null);
  }
  return new Promise((resolve) => command("personalize", slot, (decision) => {
    resolve(decision);
    if (callback) callback(decision);
  }, { attributes: options && options.attributes || {} }));
}
function whyText(decision) {
  return decision ? decision.reason : "Nothing is personalised here at the moment.";
}
export {
  experiment,
  identify,
  init,
  optOut,
  personalize,
  reset,
  setConsent,
  track,
  whyText,
  yourData
};
