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
