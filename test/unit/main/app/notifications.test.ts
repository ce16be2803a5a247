import { EventEmitter } from 'node:events'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

vi.mock('electron', async () => (await import('./electronMock')).electronModule())

import { BURST_MS, CATCH_UP_MS, escapeMarkup, MAX_BURST, Notifier, SUMMARY_MAX_WAIT_MS, SUMMARY_QUIET_MS } from '../../../../src/main/app/notifications'
import { shellStrings } from '../../../../src/main/app/strings'
import type { AccountView, ChatMessageView, DesktopSettings, EventName, SubscriptionRequestView } from '../../../../src/shared/ipc/contract'
import { asAccountId, asMessageId, type AccountId } from '../../../../src/shared/model/ids'
import { MockNotification } from './electronMock'

const A = asAccountId('4c0e1a52-7d38-4a8e-9b55-2f0e5b8a1c01')
const B = asAccountId('9b2f6c11-0d4e-4f7a-8c3b-6a1d2e3f4a5b')
const NAMES: Record<string, string> = { 'juliet@capulet.lit': 'Juliet', 'nurse@capulet.lit': 'Nurse', 'tybalt@capulet.lit': 'Tybalt' }

let counter = 0
const message = (peer: string, body: string, extra: Partial<ChatMessageView> = {}): ChatMessageView => ({
  account: A,
  id: asMessageId(`m${++counter}`),
  peer,
  resource: `${peer}/phone`,
  direction: 'in',
  body,
  at: Date.now(),
  state: 'received',
  ...extra
})

function setup(opts: { platform?: NodeJS.Platform; settings?: Partial<DesktopSettings>; onScreen?: (a: AccountId, p: string) => boolean } = {}) {
  const emitter = new EventEmitter()
  let settings: DesktopSettings = { closeToTray: true, startAtLogin: false, startHidden: false, notifications: true, notificationText: true, mutedChats: [], ...opts.settings }
  const service = {
    on: (event: EventName, listener: (payload: any) => void) => {
      emitter.on(event, listener)
      return () => emitter.off(event, listener)
    },
    focusChat: vi.fn()
  }
  const focusWindow = vi.fn()
  const notifier = new Notifier({
    service,
    settings: () => settings,
    isChatOnScreen: opts.onScreen ?? (() => false),
    nameOf: (_account, jid) => NAMES[jid] ?? jid,
    focusWindow,
    strings: () => shellStrings('en', []),
    platform: opts.platform ?? 'linux'
  })
  return {
    notifier,
    service,
    focusWindow,
    send: (...list: ChatMessageView[]) => emitter.emit('messages', list),
    requests: (list: SubscriptionRequestView[]) => emitter.emit('requests', list),
    accounts: (list: Partial<AccountView>[]) => emitter.emit('accounts', list),
    notices: (list: unknown[]) => emitter.emit('notices', list),
    set: (patch: Partial<DesktopSettings>) => (settings = { ...settings, ...patch })
  }
}

const shown = () => MockNotification.shown.map((n) => ({ title: n.options.title, body: n.options.body }))
const online = (id: AccountId) => ({ id, state: { state: 'online', jid: 'romeo@montague.net', resumed: false, since: Date.now() } }) as unknown as AccountView

let notifier: Notifier | null = null
beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-11-26T12:00:00Z') })
  MockNotification.shown.length = 0
  MockNotification.supported = true
})
afterEach(() => {
  notifier?.dispose()
  notifier = null
  vi.useRealTimers()
})

describe('Notifier: which messages notify', () => {
  it('notifies an incoming message with the sender’s name and the text', () => {
    const t = setup()
    notifier = t.notifier
    t.send(message('juliet@capulet.lit', 'Wherefore art thou?'))
    expect(shown()).toEqual([{ title: 'Juliet', body: 'Wherefore art thou?' }])
  })

  it('brings Parley forward on that chat when clicked', () => {
    const t = setup()
    notifier = t.notifier
    t.send(message('juliet@capulet.lit', 'Hi'))
    MockNotification.shown[0]?.emit('click')
    expect(t.focusWindow).toHaveBeenCalledOnce()
    expect(t.service.focusChat).toHaveBeenCalledExactlyOnceWith(A, 'juliet@capulet.lit')
  })

  it('stays quiet for the chat on screen, but not for others', () => {
    const t = setup({ onScreen: (a, p) => a === A && p === 'juliet@capulet.lit' })
    notifier = t.notifier
    t.send(message('juliet@capulet.lit', 'seen'), message('nurse@capulet.lit', 'not seen'))
    expect(shown()).toEqual([{ title: 'Nurse', body: 'not seen' }])
  })

  it('stays quiet when muted globally or for that chat', () => {
    const t = setup({ settings: { mutedChats: [{ account: A, peer: 'juliet@capulet.lit' }] } })
    notifier = t.notifier
    t.send(message('juliet@capulet.lit', 'muted chat'))
    t.send({ ...message('juliet@capulet.lit', 'same peer, other account'), account: B })
    expect(shown()).toEqual([{ title: 'Juliet', body: 'same peer, other account' }])
    t.set({ notifications: false })
    t.send(message('nurse@capulet.lit', 'global mute'))
    expect(shown()).toHaveLength(1)
  })

  it('ignores our own messages, empty and retracted ones', () => {
    const t = setup()
    notifier = t.notifier
    t.send(message('juliet@capulet.lit', 'mine', { direction: 'out' }), message('juliet@capulet.lit', '  '), message('juliet@capulet.lit', '', { retracted: true }))
    expect(shown()).toEqual([])
  })

  it('in a group chat, notifies only a mention of our nick, titled with the nick and the room', () => {
    const t = setup()
    notifier = t.notifier
    t.send(message('tea@rooms.capulet.lit', 'just chatting', { nick: 'Nurse', resource: 'tea@rooms.capulet.lit/Nurse' }))
    expect(shown()).toEqual([])
    t.send(message('tea@rooms.capulet.lit', 'Romeo, are you there?', { nick: 'Nurse', resource: 'tea@rooms.capulet.lit/Nurse', mention: true }))
    expect(shown()).toEqual([{ title: 'Nurse (tea@rooms.capulet.lit)', body: 'Romeo, are you there?' }])
  })

  it('hides the text when the privacy setting says so', () => {
    const t = setup({ settings: { notificationText: false } })
    notifier = t.notifier
    t.send(message('juliet@capulet.lit', 'my secret plan'))
    expect(shown()).toEqual([{ title: 'Juliet', body: 'New message' }])
    expect(JSON.stringify(MockNotification.shown.map((n) => n.options))).not.toContain('secret')
  })

  it('does nothing (and does not throw) where notifications are not supported', () => {
    MockNotification.supported = false
    const t = setup()
    notifier = t.notifier
    expect(() => t.send(message('juliet@capulet.lit', 'hi'))).not.toThrow()
    expect(shown()).toEqual([])
  })
})

describe('Notifier: text is made safe', () => {
  it('escapes markup on Linux in the body only: servers read the title as plain text', () => {
    const t = setup({ platform: 'linux' })
    notifier = t.notifier
    t.send(message('<b>x</b>@capulet.lit', `<a href="https://evil">click</a> & 'run'`))
    expect(shown()).toEqual([{ title: '<b>x</b>@capulet.lit', body: '&lt;a href=&quot;https://evil&quot;&gt;click&lt;/a&gt; &amp; &#39;run&#39;' }])
  })

  it('a name like "Tom & Jerry" stays as it is in the title, also of a summary', () => {
    const t = setup({ platform: 'linux' })
    notifier = t.notifier
    const tom = 'tom&jerry@capulet.lit'
    NAMES[tom] = 'Tom & Jerry'
    t.send(message(tom, 'Tom & Jerry say hi'))
    expect(shown()).toEqual([{ title: 'Tom & Jerry', body: 'Tom &amp; Jerry say hi' }])
    // After a (re)connect, news is summarised; the summary of one chat is titled by its name.
    t.accounts([online(A)])
    t.send(message(tom, 'again'))
    vi.advanceTimersByTime(SUMMARY_QUIET_MS)
    expect(shown()[1]?.title).toBe('Tom & Jerry')
  })

  it('leaves text alone where notifications are plain text (macOS, Windows)', () => {
    const t = setup({ platform: 'darwin' })
    notifier = t.notifier
    t.send(message('juliet@capulet.lit', 'a < b & "c"'))
    expect(shown()).toEqual([{ title: 'Juliet', body: 'a < b & "c"' }])
  })

  it('drops bidi overrides and controls and shortens long text', () => {
    const t = setup({ platform: 'darwin' })
    notifier = t.notifier
    t.send(message('juliet@capulet.lit', `pay \u202Egnp.exe\u202C now\u0007 ${'x'.repeat(400)}`))
    const body = shown()[0]?.body ?? ''
    expect(body.startsWith('pay gnp.exe now x')).toBe(true)
    expect(body).not.toMatch(/[\u202A-\u202E]|\p{Cc}/u)
    expect(body.length).toBe(200)
  })

  it('escapeMarkup covers the five characters', () => {
    expect(escapeMarkup(`&<>"'`)).toBe('&amp;&lt;&gt;&quot;&#39;')
  })
})

describe('Notifier: no storm', () => {
  it(`shows at most ${MAX_BURST} in ${BURST_MS} ms, then one summary`, () => {
    const t = setup()
    notifier = t.notifier
    for (let i = 0; i < 10; i++) {
      t.send(message(i % 2 ? 'juliet@capulet.lit' : 'nurse@capulet.lit', `message ${i}`))
      vi.advanceTimersByTime(100)
    }
    expect(shown()).toHaveLength(MAX_BURST)
    vi.advanceTimersByTime(SUMMARY_QUIET_MS)
    expect(shown()).toHaveLength(MAX_BURST + 1)
    expect(shown().at(-1)).toEqual({ title: '7 new messages', body: 'in 2 conversations' })
    // Clicking a summary of several chats just shows Parley.
    MockNotification.shown.at(-1)?.emit('click')
    expect(t.focusWindow).toHaveBeenCalledOnce()
    expect(t.service.focusChat).not.toHaveBeenCalled()
  })

  it('a summary of one chat names it and opens it', () => {
    const t = setup()
    notifier = t.notifier
    for (let i = 0; i < 6; i++) t.send(message('juliet@capulet.lit', `m${i}`))
    vi.advanceTimersByTime(SUMMARY_QUIET_MS)
    expect(shown().at(-1)).toEqual({ title: 'Juliet', body: '3 new messages' })
    MockNotification.shown.at(-1)?.emit('click')
    expect(t.service.focusChat).toHaveBeenCalledWith(A, 'juliet@capulet.lit')
  })

  it('after a (re)connect, the catch-up becomes one summary, then single notifications resume', () => {
    const t = setup()
    notifier = t.notifier
    t.accounts([online(A)])
    for (let i = 0; i < 40; i++) t.send(message(`user${i % 5}@capulet.lit`, `offline ${i}`, { at: Date.now() - 1000 }))
    t.requests([{ account: A, jid: 'paris@verona.lit', nick: 'Paris', message: '', at: Date.now() }])
    expect(shown()).toEqual([])
    vi.advanceTimersByTime(SUMMARY_QUIET_MS)
    expect(shown()).toEqual([{ title: '40 new messages', body: 'in 5 conversations · 1 contact request' }])
    vi.advanceTimersByTime(CATCH_UP_MS)
    t.send(message('juliet@capulet.lit', 'live again'))
    expect(shown().at(-1)).toEqual({ title: 'Juliet', body: 'live again' })
  })

  it('a reconnect of one account does not silence the other', () => {
    const t = setup()
    notifier = t.notifier
    t.accounts([online(A), online(B)])
    vi.advanceTimersByTime(CATCH_UP_MS + 1)
    t.accounts([{ ...online(A), state: { state: 'reconnecting', at: 0, attempt: 1, reason: null } } as AccountView, online(B)])
    t.accounts([online(A), online(B)])
    t.send(message('juliet@capulet.lit', 'from A, catching up'), { ...message('nurse@capulet.lit', 'from B, live'), account: B })
    expect(shown()).toEqual([{ title: 'Nurse', body: 'from B, live' }])
  })

  it('archive and old (delayed) messages are summarised, never shown one by one', () => {
    const t = setup()
    notifier = t.notifier
    t.send(message('juliet@capulet.lit', 'from the archive', { source: 'archive' }), message('juliet@capulet.lit', 'an hour old', { at: Date.now() - 3_600_000 }))
    expect(shown()).toEqual([])
    vi.advanceTimersByTime(SUMMARY_QUIET_MS)
    expect(shown()).toEqual([{ title: 'Juliet', body: '2 new messages' }])
  })

  it('a flood that never pauses still gives a summary only every few seconds, each replacing the last', () => {
    const t = setup()
    notifier = t.notifier
    for (let i = 0; i < 120; i++) {
      t.send(message('juliet@capulet.lit', `flood ${i}`))
      vi.advanceTimersByTime(250) // 30 s of 4 messages a second
    }
    vi.advanceTimersByTime(SUMMARY_QUIET_MS)
    const summaries = MockNotification.shown.slice(MAX_BURST)
    expect(summaries.length).toBeLessThanOrEqual(Math.ceil(30_000 / SUMMARY_MAX_WAIT_MS) + 1)
    expect(summaries.slice(0, -1).every((n) => n.closed)).toBe(true)
    const total = summaries.reduce((sum, n) => sum + Number(/^(\d+) new/.exec(n.options.body)?.[1] ?? 0), 0)
    expect(total + MAX_BURST).toBe(120)
  })

  it('a notice in a burst does not keep the burst going once things are quiet', () => {
    const t = setup()
    notifier = t.notifier
    for (let i = 0; i < MAX_BURST; i++) t.send(message('juliet@capulet.lit', `m${i}`))
    t.notices([{ kind: 'subscribed', account: A, jid: 'nurse@capulet.lit' }])
    vi.advanceTimersByTime(SUMMARY_QUIET_MS + BURST_MS)
    expect(shown()).toHaveLength(MAX_BURST)
    t.send(message('nurse@capulet.lit', 'later'))
    expect(shown().at(-1)).toEqual({ title: 'Nurse', body: 'later' })
  })

  it('a summary is dropped if notifications were turned off meanwhile', () => {
    const t = setup()
    notifier = t.notifier
    for (let i = 0; i < 5; i++) t.send(message('juliet@capulet.lit', `m${i}`))
    t.set({ notifications: false })
    vi.advanceTimersByTime(SUMMARY_QUIET_MS)
    expect(shown()).toHaveLength(MAX_BURST)
  })
})

describe('Notifier: subscription requests', () => {
  const request = (jid: string, nick = ''): SubscriptionRequestView => ({ account: A, jid, nick, message: '', at: Date.now() })

  it('notifies a new request once, and again only after it was answered and asked again', () => {
    const t = setup()
    notifier = t.notifier
    t.requests([request('paris@verona.lit', 'Paris')])
    t.requests([request('paris@verona.lit', 'Paris')])
    expect(shown()).toEqual([{ title: 'Paris', body: 'paris@verona.lit wants to add you as a contact' }])
    MockNotification.shown[0]?.emit('click')
    expect(t.focusWindow).toHaveBeenCalledOnce()
    t.requests([])
    vi.advanceTimersByTime(BURST_MS + 1)
    t.requests([request('paris@verona.lit', 'Paris')])
    expect(shown()).toHaveLength(2)
  })

  it('respects the global mute', () => {
    const t = setup({ settings: { notifications: false } })
    notifier = t.notifier
    t.requests([request('paris@verona.lit')])
    expect(shown()).toEqual([])
  })

  it('tells when a contact accepted our request', () => {
    const t = setup()
    notifier = t.notifier
    t.notices([{ kind: 'subscribed', account: A, jid: 'juliet@capulet.lit' }, { kind: 'unsubscribe', account: A, jid: 'tybalt@capulet.lit' }])
    expect(shown()).toEqual([{ title: 'Juliet', body: 'accepted your contact request' }])
  })
})
