import { app, type Session, type WebContents } from 'electron'
import { safeExternalUrl } from '../core/api/links'

/** The page's Content-Security-Policy (also in index.html): no remote or inline script, no sockets. */
export const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join('; ')

const ALLOWED_PERMISSIONS = new Set(['notifications'])

/**
 * Permission requests denied except notifications, and those only for Parley's own page (Electron
 * security checklist #5); no device (USB, HID, serial) or screen capture access at all.
 */
export function hardenSession(session: Session, isOurUrl: (url: string) => boolean = () => true): void {
  const allowed = (permission: string, url: string): boolean => ALLOWED_PERMISSIONS.has(permission) && isOurUrl(url)
  session.setPermissionRequestHandler((contents, permission, callback, details) => callback(allowed(permission, details.requestingUrl || contents?.getURL() || '')))
  session.setPermissionCheckHandler((contents, permission, requestingOrigin) => allowed(permission, contents?.getURL() || requestingOrigin))
  session.setDevicePermissionHandler(() => false)
  session.setDisplayMediaRequestHandler((_request, callback) => callback({}))
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } })
  })
}

/**
 * Every web contents: no navigation away from Parley, no new windows (a link opens in the system
 * browser instead, only for allowed schemes), no <webview> (checklist #12–15).
 */
export function hardenContents(contents: WebContents, openExternal: (url: string) => void): void {
  contents.on('will-navigate', (event) => event.preventDefault())
  contents.on('will-frame-navigate', (event) => event.preventDefault())
  contents.on('will-redirect', (event) => event.preventDefault())
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    const safe = safeExternalUrl(url)
    if (safe) openExternal(safe)
    return { action: 'deny' }
  })
}

export function hardenApp(openExternal: (url: string) => void): void {
  app.enableSandbox()
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, openExternal))
}
