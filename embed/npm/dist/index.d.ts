/** A contact attribute: the server keeps a flat object of scalars (strings up to its limit). */
export type AttributeValue = string | number | boolean | null;
export type Attributes = Record<string, AttributeValue>;
/** A JSON value, as event properties are stored. */
export type JsonValue = string | number | boolean | null | JsonValue[] | {
    [key: string]: JsonValue;
};
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
/**
 * Starts the widget: adds the loader from `host` once per page (calling it again with the
 * same key and host does nothing; another key is refused, as the loader runs once).
 * Resolves `true` once the loader has arrived, `false` if it could not be fetched (the
 * calls made meanwhile stay queued). On the server it resolves `false`.
 */
export declare function init(options: InitOptions): Promise<boolean>;
/** Names the signed-in person (your user id) and sets attributes used by targeting. */
export declare function identify(userId: string | number, attributes?: Attributes): void;
/** Tracks an event: stored for analytics and able to trigger a survey set to show on it. */
export declare function track(name: string, properties?: Properties): void;
/** Records the person's consent decision (for workspaces that require or ask for consent). */
export declare function setConsent(granted: boolean): void;
/** The person opts out: consent withdrawn, nothing more is tracked or shown. */
export declare function optOut(): void;
/** Forgets the person in this browser (call it on sign-out): a new anonymous id. */
export declare function reset(): void;
/**
 * The person's sticky variant of a running experiment (the server records the exposure),
 * or `null` when it is not running or the server cannot be reached: show your default.
 */
export declare function experiment(key: string): Promise<string | null>;
/**
 * A signed link to the person's own data page, or `null`. `userHash` is
 * HMAC-SHA256(identity secret, user id) in hex, computed on your server.
 */
export declare function yourData(userHash: string): Promise<string | null>;
/** Why a decision is what it is (`Decision.why`). */
export type DecisionWhy = "rule" | "model" | "default" | "holdout" | "do_not_track" | "opted_out" | "consent_required" | "not_live";
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
export declare function personalize(slot: string, callback?: (decision: Decision | null) => void, options?: PersonalizeOptions): Promise<Decision | null>;
/** The decision's "Why am I seeing this?" text, or a neutral one when there is no decision. */
export declare function whyText(decision: Decision | null): string;
