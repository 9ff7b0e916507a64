/**
 * `xng/channels`: the message channels (onsite panel, browser notifications, exit intent) for the
 * ES module build. `import 'xng/channels'` wires them into the same tracker as `import xng from 'xng'`
 * and gives `xng.requestNotificationPermission()` its prompt; a bundle that never imports this
 * entry leaves the channels out. Messages come from the `messagesEndpoint` init option.
 */

/** Wire the channels (done by the import itself; calling it again does nothing). A no-op without a document. */
export declare function enableChannels(): void;
