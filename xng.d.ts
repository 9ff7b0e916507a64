/**
 * Types for xng, the privacy-first browser tracking SDK.
 *
 * - ES module: `import xng from 'xng'`, or named imports `import {init, track, optOutTracking} from 'xng'`.
 *   Importing defines no global; call `install()` (or set `window.xng = xng`) for one. Where there is
 *   no `document` (server-side rendering) every call is a no-op.
 * - Classic script (`xng.min.js`, `xng.core.min.js`, or the loader stub `snippet.js`): the global
 *   `window.xng`. In TypeScript, `/// <reference types="xng" />` brings in its type.
 * - The message channels (onsite panel, notifications, exit intent): `import 'xng/channels'`.
 *
 * Once a visitor has opted out, nothing leaves their browser: no request, no message, no permission
 * prompt, no identifier written. No method throws into the page: bad input gets one console warning
 * prefixed `[xng]` and changes nothing.
 */

/** Event properties and user or group traits: a plain object of JSON values. */
export type Properties = Record<string, unknown>;

/** The visitor's choice: `'denied'` opted out, `'granted'` opted in, `'pending'` not yet asked (optOutByDefault). */
export type TrackingConsent = 'granted' | 'denied' | 'pending';

/** The browser's notification permission, as `Notification.permission` spells it. */
export type NotificationPermissionState = 'default' | 'granted' | 'denied';

/** The options of `xng.init()`. Only `endpoint` is required. */
export interface InitOptions {
  /** The URL (http or https) that receives the event batches. Required. */
  endpoint: string;
  /** The project's write key, sent with every batch (Segment's name). */
  writeKey?: string;
  /** The same as `writeKey` (its older name). */
  apiKey?: string;
  /** `'basic'`: also send the write key as HTTP Basic authorization (`Authorization: Basic base64(writeKey + ':')`), as RudderStack reads it. Needs `writeKey`; makes cross-origin requests preflighted; no sendBeacon at page exit. */
  authorization?: 'basic';
  /** A domain the page's host is within (e.g. `'example.com'`), or `'auto'` for the registrable domain: shares the opt-out across subdomains. Default: host only. */
  cookieDomain?: string;
  /** The base URL of the site's own consent routes (`POST {consentEndpoint}/opt-out` and `/opt-in`) used by `serverOptOut`. Default: `/api` on the endpoint's origin. */
  consentEndpoint?: string;
  /** Also ask the server to set or clear the opt-out cookie with `Set-Cookie` (Safari keeps such cookies longer than script-written ones). Default: false. */
  serverOptOut?: boolean;
  /** Nothing is sent until the visitor opts in (`optInTracking()`): consent is `'pending'` until then. Default: false (opted in by default). */
  optOutByDefault?: boolean;
  /** Send a page event at init (`true`), and also on every history navigation of a single-page app (`'history'`). Default: false. */
  trackPageViews?: boolean | 'history';
  /** Where messages for the channels come from (`GET messagesEndpoint?anonymousId=…&userId=…`). Needs `xng/channels` with the ES module. */
  messagesEndpoint?: string;
  /** How often (ms) to ask `messagesEndpoint`; `0` turns the timer off. Default: 30000. */
  pollInterval?: number;
  /** Treat `navigator.globalPrivacyControl` as an opt-out. Default: false. */
  respectGlobalPrivacyControl?: boolean;
  /** Treat `navigator.doNotTrack == '1'` as an opt-out. Default: false. */
  respectDoNotTrack?: boolean;
}

/** One message from `messagesEndpoint` (`{"messages": [XngMessage, ...]}`). Title and body are shown as text, never HTML. */
export interface XngMessage {
  /** Shown at most once per browser. */
  id: string;
  /** Where it is shown: the onsite panel, a system notification, or a panel on exit intent. */
  channel: 'onsite' | 'notification' | 'exit-intent';
  title: string;
  body: string;
  /** Opened on click; used only when it resolves to http(s). */
  url?: string;
  /** The image or notification icon; used only when it resolves to http(s). */
  imageUrl?: string;
}

/** The xng API: `window.xng`, and the default export of the ES module. */
export interface Xng {
  /** The library's version, e.g. `'0.1.0'`. */
  readonly version: string;
  /** `true` once the library (not only the loader stub) has loaded. */
  readonly loaded: boolean;
  /**
   * Configure the SDK; calls made before it are kept (the newest 10,000) and sent after it.
   * Returns false, warns and changes nothing when the options are invalid or init was already done.
   */
  init(options: InitOptions): boolean;
  /** A page event for the current page (its properties start from url, path, search, title and referrer). */
  page(): void;
  /** A page event with a name. */
  page(name: string, properties?: Properties): void;
  /** A page event with a category and a name (Segment's form). */
  page(category: string, name: string, properties?: Properties): void;
  /** A page event with properties. */
  page(properties: Properties): void;
  /** A named event. A missing or non-string name sends nothing and warns. */
  track(eventName: string, properties?: Properties): void;
  /** Set the user id (kept in localStorage; later events carry it) and send the traits. */
  identify(userId: string | number, traits?: Properties): void;
  /** Associate the user with a group (a company, an account) and send the group's traits. */
  group(groupId: string | number, traits?: Properties): void;
  /** Link a new user id to the previous one (default: the current user or anonymous id). */
  alias(userId: string | number, previousId?: string | number): void;
  /** Forget the user: a new anonymous id, no user id (the opt-out choice stays). */
  reset(): void;
  /** A Promise resolved once everything queued has been handed to the network and answered (never rejected). */
  flush(): Promise<void>;
  /** `true` creates the opt-out cookie and forgets everything; `false` deletes it. Anything else warns and changes nothing. */
  setTrackingOptOut(optedOut: boolean): void;
  /** The same as `setTrackingOptOut(true)`. */
  optOutTracking(): void;
  /** The same as `setTrackingOptOut(false)`. */
  optInTracking(): void;
  /** `true` exactly when the opt-out cookie is present, or a privacy signal the site respects is on (or, with optOutByDefault, no opt-in yet). */
  isTrackingOptOut(): boolean;
  /** The visitor's choice: `'granted'`, `'denied'` or `'pending'` (optOutByDefault, no choice yet). */
  getTrackingConsent(): TrackingConsent;
  /** Delete the recorded choice (both cookies): the visitor is asked again, or opted in by default. */
  clearTrackingConsent(): void;
  /** The anonymous id of this browser, or null (opted out, or not yet created). */
  getAnonymousId(): string | null;
  /** The user id set by identify(), or null. */
  getUserId(): string | null;
  /** Ask for notification permission: call it from a user gesture. The only way xng ever prompts; never while opted out. */
  requestNotificationPermission(): Promise<NotificationPermissionState>;
}

/** The API object itself (the same object as `window.xng` after `install()`). */
declare const xng: Xng;
export default xng;

/** Make the API the global `window.xng` (replaying a loader stub's queued calls); returns it. */
export declare function install(): Xng;

/** The library's version. */
export declare const version: Xng['version'];
/** See {@link Xng.init}. */
export declare const init: Xng['init'];
/** See {@link Xng.page}. */
export declare const page: Xng['page'];
/** See {@link Xng.track}. */
export declare const track: Xng['track'];
/** See {@link Xng.identify}. */
export declare const identify: Xng['identify'];
/** See {@link Xng.group}. */
export declare const group: Xng['group'];
/** See {@link Xng.alias}. */
export declare const alias: Xng['alias'];
/** See {@link Xng.reset}. */
export declare const reset: Xng['reset'];
/** See {@link Xng.flush}. */
export declare const flush: Xng['flush'];
/** See {@link Xng.setTrackingOptOut}. */
export declare const setTrackingOptOut: Xng['setTrackingOptOut'];
/** See {@link Xng.optOutTracking}. */
export declare const optOutTracking: Xng['optOutTracking'];
/** See {@link Xng.optInTracking}. */
export declare const optInTracking: Xng['optInTracking'];
/** See {@link Xng.isTrackingOptOut}. */
export declare const isTrackingOptOut: Xng['isTrackingOptOut'];
/** See {@link Xng.getTrackingConsent}. */
export declare const getTrackingConsent: Xng['getTrackingConsent'];
/** See {@link Xng.clearTrackingConsent}. */
export declare const clearTrackingConsent: Xng['clearTrackingConsent'];
/** See {@link Xng.getAnonymousId}. */
export declare const getAnonymousId: Xng['getAnonymousId'];
/** See {@link Xng.getUserId}. */
export declare const getUserId: Xng['getUserId'];
/** See {@link Xng.requestNotificationPermission}. */
export declare const requestNotificationPermission: Xng['requestNotificationPermission'];

declare global {
  interface Window {
    /** xng, defined by the classic script or the loader stub, or by `install()` of the ES module. */
    xng: Xng;
  }
  /** xng, defined by the classic script or the loader stub, or by `install()` of the ES module. */
  var xng: Xng;
}
