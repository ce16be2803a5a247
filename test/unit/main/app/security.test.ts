import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('./electronMock')).electronModule())

import { CSP, hardenApp, hardenContents, hardenSession } from '../../../../src/main/app/security'
import { electron, MockWebContents } from './electronMock'

const OURS = 'file:///opt/Parley/resources/app.asar/out/renderer/index.html'
const isOurUrl = (url: string): boolean => url.startsWith(OURS)

function directives(policy: string): Map<string, string[]> {
  return new Map(
    policy
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((parts) => parts[0])
      .map(([name, ...values]) => [name as string, values])
  )
}

describe('Content-Security-Policy', () => {
  const csp = directives(CSP)

  it('allows no remote, inline or evaluated script and opens no sockets', () => {
    expect(csp.get('default-src')).toEqual(["'none'"])
    expect(csp.get('script-src')).toEqual(["'self'"])
    expect(csp.get('connect-src')).toEqual(["'none'"])
    expect(csp.get('object-src')).toEqual(["'none'"])
    expect(csp.get('base-uri')).toEqual(["'none'"])
    expect(csp.get('form-action')).toEqual(["'none'"])
    expect(CSP).not.toContain('unsafe-eval')
    expect(csp.get('script-src')).not.toContain("'unsafe-inline'")
  })

  it('names no host: every source is self, none, data: or blob:', () => {
    for (const [name, values] of csp) {
      for (const v of values) expect([`'self'`, `'none'`, `'unsafe-inline'`, 'data:', 'blob:'], `${name} ${v}`).toContain(v)
      if (name !== 'style-src') expect(values).not.toContain("'unsafe-inline'")
    }
  })

  it('is the policy the page itself declares', () => {
    const html = readFileSync(join(import.meta.dirname, '../../../../src/renderer/index.html'), 'utf8')
    const meta = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1]
    expect(meta).toBeDefined()
    // frame-ancestors only works as a header, so the page's copy may lack it.
    const page = directives(meta ?? '')
    const header = directives(CSP)
    header.delete('frame-ancestors')
    expect(page).toEqual(header)
  })
})

describe('hardenSession', () => {
  let session: ReturnType<typeof electron.makeSession>
  beforeEach(() => {
    session = electron.makeSession()
    hardenSession(session as never, isOurUrl)
  })

  const request = (permission: string, url = OURS): boolean => {
    let answer: boolean | undefined
    session.permissionRequest?.({ getURL: () => url }, permission, (ok) => (answer = ok), { requestingUrl: url })
    if (answer === undefined) throw new Error('the handler did not answer')
    return answer
  }

  it('allows notifications for our page and nothing else', () => {
    expect(request('notifications')).toBe(true)
    for (const p of ['media', 'geolocation', 'midi', 'midiSysex', 'pointerLock', 'fullscreen', 'openExternal', 'clipboard-read', 'clipboard-sanitized-write', 'display-capture', 'hid', 'serial', 'usb', 'idle-detection', 'storage-access', 'window-management', 'unknown']) {
      expect(request(p), p).toBe(false)
    }
  })

  it('refuses even notifications to a page that is not ours', () => {
    expect(request('notifications', 'https://evil.example/')).toBe(false)
    expect(request('notifications', 'file:///etc/passwd')).toBe(false)
  })

  it('answers permission checks the same way, and denies devices and screen capture', () => {
    expect(session.permissionCheck?.({ getURL: () => OURS }, 'notifications', 'file://')).toBe(true)
    expect(session.permissionCheck?.({ getURL: () => OURS }, 'media', 'file://')).toBe(false)
    expect(session.permissionCheck?.(null, 'notifications', 'https://evil.example')).toBe(false)
    expect(session.deviceHandler?.()).toBe(false)
    const callback = vi.fn()
    session.displayMedia?.({}, callback)
    expect(callback).toHaveBeenCalledWith({})
  })

  it('puts the CSP on every response', () => {
    const callback = vi.fn()
    session.headers?.({ responseHeaders: { 'X-Other': ['1'] } }, callback)
    expect(callback).toHaveBeenCalledWith({ responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': [CSP] } })
  })
})

describe('hardenContents', () => {
  const navigation = () => ({ defaultPrevented: false, preventDefault() { this.defaultPrevented = true } })

  it('prevents navigation, frame navigation, redirects and webviews', () => {
    const contents = new MockWebContents()
    hardenContents(contents as never, vi.fn())
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = navigation()
      contents.emit(event, e, 'https://evil.example/')
      expect(e.defaultPrevented, event).toBe(true)
    }
  })

  it('denies every new window; only http(s), mailto and xmpp links go to the system', () => {
    const contents = new MockWebContents()
    const open = vi.fn()
    hardenContents(contents as never, open)
    const handler = contents.windowOpenHandler
    if (!handler) throw new Error('no window-open handler')
    const allowed = ['https://example.org/page', 'http://example.org/', 'mailto:romeo@montague.net', 'xmpp:juliet@capulet.lit?message']
    const refused = ['javascript:alert(1)', 'JaVaScRiPt:alert(1)', 'file:///etc/passwd', 'data:text/html,<script>1</script>', 'vbscript:x', 'ms-settings:', 'smb://host/share', 'https://user:pw@example.org/', 'chrome://settings', 'about:blank', 'not a url']
    for (const url of [...allowed, ...refused]) expect(handler({ url }), url).toEqual({ action: 'deny' })
    expect(open.mock.calls.map(([u]) => u)).toEqual(['https://example.org/page', 'http://example.org/', 'mailto:romeo@montague.net', 'xmpp:juliet@capulet.lit?message'])
  })
})

describe('hardenApp', () => {
  it('turns on the sandbox for every renderer and hardens every new web contents', () => {
    const open = vi.fn()
    hardenApp(open)
    expect(electron.app.enableSandbox).toHaveBeenCalled()
    const contents = new MockWebContents()
    electron.app.emit('web-contents-created', {}, contents)
    const e = { defaultPrevented: false, preventDefault() { this.defaultPrevented = true } }
    contents.emit('will-navigate', e)
    expect(e.defaultPrevented).toBe(true)
    expect(contents.windowOpenHandler?.({ url: 'https://example.org/' })).toEqual({ action: 'deny' })
    expect(open).toHaveBeenCalledWith('https://example.org/')
  })
})
