/** English strings for the desktop integration (tray, notifications, xmpp: links, secrets, start-up) part of the UI (merged into en.ts). */
export const enDesktop = {} as const
