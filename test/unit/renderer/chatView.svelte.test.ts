import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { afterEach, describe, expect, test, vi } from 'vitest'
import App from '../../../src/renderer/src/App.svelte'
import ChatView from '../../../src/renderer/src/features/chats/ChatView.svelte'
import type { ChatMessageView } from '../../../src/shared/ipc/contract'
import { asMessageId } from '../../../src/shared/model/ids'
import { settle } from './dom'
import { A1, account, contact, conversation, message, ok, type FakeBridge } from './fakeBridge'
import { renderView, setup } from './harness'

const PEER = 'alice@example.org'

async function open(history: ChatMessageView[] = [], prepare?: (b: FakeBridge) => void) {
  const s = await setup((b) => {
    b.api.accounts.list.mockResolvedValue(ok([account()]))
    b.api.contacts.list.mockResolvedValue(ok([contact({ jid: PEER, name: 'Alice', show: 'away', status: 'back soon' })]))
    b.api.chats.list.mockResolvedValue(ok([conversation({ peer: PEER, name: 'Alice' })]))
    b.api.chats.history.mockResolvedValue(ok(history))
    prepare?.(b)
  })
  const view = await renderView(ChatView, s.app, { account: A1, peer: PEER })
  const composer = screen.getByLabelText('Message to Alice') as HTMLTextAreaElement
  return { ...s, view, composer }
}

async function write(composer: HTMLTextAreaElement, text: string): Promise<void> {
  await fireEvent.input(composer, { target: { value: text } })
}

function keydown(target: HTMLElement, init: KeyboardEventInit): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init })
  target.dispatchEvent(event)
  return event
}

afterEach(() => {
  vi.useRealTimers()
})

describe('Chat view', () => {
  test('header: name, JID, presence in words; open in a new window', async () => {
    const { bridge } = await open()
    const header = screen.getByRole('banner')
    expect(within(header).getByRole('heading', { name: 'Alice' })).toBeTruthy()
    expect(header.textContent).toContain(PEER)
    expect(header.textContent).toContain('Away')
    expect(header.textContent).toContain('back soon')
    await fireEvent.click(screen.getByRole('button', { name: 'Open in new window' }))
    expect(bridge.api.app.openChatWindow).toHaveBeenCalledWith(A1, PEER)
  })

  test('Enter sends; the composer clears and the message appears', async () => {
    const { bridge, composer } = await open()
    await write(composer, 'Hello there')
    const event = keydown(composer, { key: 'Enter' })
    await settle()
    expect(event.defaultPrevented).toBe(true)
    expect(bridge.api.chats.send).toHaveBeenCalledWith(A1, PEER, 'Hello there', null)
    expect(composer.value).toBe('')
    const bodies = [...document.querySelectorAll('[data-testid=message-body]')].map((b) => b.textContent)
    expect(bodies).toEqual(['Hello there'])
  })

  test('Shift+Enter inserts a new line (the browser does it) and sends nothing; Enter then sends both lines', async () => {
    const { bridge, composer } = await open()
    await write(composer, 'line one')
    const shifted = keydown(composer, { key: 'Enter', shiftKey: true })
    expect(shifted.defaultPrevented).toBe(false)
    await write(composer, 'line one\nline two')
    expect(bridge.api.chats.send).not.toHaveBeenCalled()
    keydown(composer, { key: 'Enter' })
    await settle()
    expect(bridge.api.chats.send).toHaveBeenCalledWith(A1, PEER, 'line one\nline two', null)
  })

  test('Enter while an input method is composing (Chinese pinyin) does not send; empty text is not sent', async () => {
    const { bridge, composer } = await open()
    await write(composer, 'ni hao')
    expect(keydown(composer, { key: 'Enter', isComposing: true }).defaultPrevented).toBe(false)
    expect(keydown(composer, { key: 'Enter', keyCode: 229 } as KeyboardEventInit).defaultPrevented).toBe(false)
    await write(composer, '   ')
    keydown(composer, { key: 'Enter' })
    await settle()
    expect(bridge.api.chats.send).not.toHaveBeenCalled()
  })

  test('delivery states have text alternatives; a failure says why', async () => {
    const at = Date.now()
    await open([
      message({ id: asMessageId('1'), direction: 'out', state: 'queued', at, body: 'q' }),
      message({ id: asMessageId('2'), direction: 'out', state: 'sent', at, body: 's' }),
      message({ id: asMessageId('3'), direction: 'out', state: 'acked', at, body: 'a' }),
      message({ id: asMessageId('4'), direction: 'out', state: 'delivered', at, body: 'd' }),
      message({ id: asMessageId('5'), direction: 'out', state: 'read', at, body: 'r' }),
      message({ id: asMessageId('6'), direction: 'out', state: 'failed', at, body: 'f', error: { code: 'stanza-error', detail: 'service-unavailable', condition: 'service-unavailable' } }),
      message({ id: asMessageId('7'), direction: 'in', state: 'received', at, body: 'incoming' })
    ])
    for (const name of ['Waiting to be sent', 'Sent', 'Reached the server', 'Delivered', 'Read', 'Not delivered']) {
      expect(screen.getByRole('img', { name })).toBeTruthy()
    }
    expect(screen.getByText('Not delivered: The server refused the request.')).toBeTruthy()
    const incoming = document.querySelector('[data-id="7"]') as HTMLElement
    expect(incoming.dataset.direction).toBe('in')
    expect(incoming.querySelector('[data-state]')).toBeNull()
    expect(document.querySelector('[data-id="1"]')?.classList.contains('out')).toBe(true)
  })

  test('two messages with the same id (a peer reusing one, or room messages without one) both show, and arrows move between them', async () => {
    const at = Date.now()
    await open([
      message({ id: asMessageId('1'), rowId: 7, at, body: 'first' }),
      message({ id: asMessageId('1'), rowId: 8, at: at + 1, body: 'second' }),
      message({ id: asMessageId(''), rowId: 9, at: at + 2, body: 'third' }),
      message({ id: asMessageId(''), rowId: 10, at: at + 3, body: 'fourth' })
    ])
    const rows = [...document.querySelectorAll<HTMLElement>('.message')]
    expect(rows.map((r) => r.querySelector('.bubble')?.textContent)).toEqual([expect.stringContaining('first'), expect.stringContaining('second'), expect.stringContaining('third'), expect.stringContaining('fourth')])
    expect(rows.filter((r) => r.tabIndex === 0).map((r) => r.dataset.key)).toEqual(['row:10'])
    rows[3]!.focus()
    await fireEvent.keyDown(rows[3]!, { key: 'ArrowUp' })
    await settle(1)
    expect(document.activeElement).toBe(document.querySelector('.message[data-key="row:9"]'))
  })

  test('state changes arrive as events and update the icon', async () => {
    const { bridge } = await open([message({ id: asMessageId('x'), direction: 'out', state: 'sent', body: 'hi' })])
    bridge.emit('messageStates', [{ account: A1, peer: PEER, id: asMessageId('x'), state: 'delivered' }])
    await settle(1)
    expect(screen.getByRole('img', { name: 'Delivered' })).toBeTruthy()
  })

  test('hostile message text is rendered inert', async () => {
    const hostile = [
      '<script>alert(1)</script>',
      '<img src=x onerror=alert(1)>',
      '<a href="javascript:alert(1)">x</a>',
      'abc\u202Edef.exe \u2066isolate\u2069 \u200Ftrick',
      'javascript:alert(document.cookie)',
      'W'.repeat(10_000)
    ]
    const before = document.querySelectorAll('script, img, iframe, object, embed').length
    await open(hostile.map((body, i) => message({ id: asMessageId(`h${i}`), body, at: Date.now() + i })))
    const bodies = [...document.querySelectorAll<HTMLElement>('[data-testid=message-body]')]
    expect(bodies).toHaveLength(hostile.length)
    // Bidi overrides and isolates show as visible markers instead of reordering the text.
    const MARKERS: Record<number, string> = { 0x202e: '⟨RLO⟩', 0x2066: '⟨LRI⟩', 0x2069: '⟨PDI⟩' }
    const shown = hostile.map((h) => [...h].map((c) => MARKERS[c.codePointAt(0) ?? 0] ?? c).join(''))
    bodies.forEach((el, i) => {
      expect(el.textContent).toBe(shown[i])
      expect(el.querySelector('script, img, a, iframe, object, embed, svg')).toBeNull()
      expect(el.getAttribute('dir')).toBe('auto')
    })
    expect(document.querySelectorAll('script, img, iframe, object, embed').length).toBe(before)
    for (const el of document.querySelectorAll('[href], [src], [onerror], [onclick]')) {
      expect(el.getAttribute('href') ?? el.getAttribute('src') ?? '').not.toMatch(/^\s*javascript:/i)
      expect(el.hasAttribute('onerror')).toBe(false)
    }
  })

  test('links open through the system handler, never in the window', async () => {
    const { bridge } = await open([message({ body: 'docs: https://example.org/guide. and *xmpp:room@muc.example.org?join*' })])
    const link = screen.getByRole('link', { name: 'https://example.org/guide' }) as HTMLAnchorElement
    expect(link.getAttribute('href')).toBe('https://example.org/guide')
    const click = new MouseEvent('click', { bubbles: true, cancelable: true })
    link.dispatchEvent(click)
    expect(click.defaultPrevented).toBe(true)
    expect(bridge.api.app.openExternal).toHaveBeenCalledWith('https://example.org/guide')
    expect(screen.getByRole('link', { name: 'xmpp:room@muc.example.org?join' }).closest('strong')).toBeTruthy()
  })

  test('typing notifications: composing while typing, paused after 5 s idle', async () => {
    const { bridge, composer } = await open()
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    await write(composer, 'h')
    await write(composer, 'he')
    expect(bridge.api.chats.setTyping.mock.calls).toEqual([[A1, PEER, 'composing']])
    vi.advanceTimersByTime(4_900)
    await write(composer, 'hel')
    vi.advanceTimersByTime(4_900)
    expect(bridge.api.chats.setTyping).toHaveBeenCalledTimes(1)
    vi.advanceTimersByTime(200)
    expect(bridge.api.chats.setTyping).toHaveBeenLastCalledWith(A1, PEER, 'paused')
    await write(composer, 'hell')
    expect(bridge.api.chats.setTyping).toHaveBeenLastCalledWith(A1, PEER, 'composing')
    await write(composer, '')
    expect(bridge.api.chats.setTyping).toHaveBeenLastCalledWith(A1, PEER, 'active')
    vi.advanceTimersByTime(10_000)
    expect(bridge.api.chats.setTyping).toHaveBeenCalledTimes(4)
  })

  test('no typing notifications when the setting is off', async () => {
    const { bridge, composer } = await open([], (b) => b.api.settings.get.mockResolvedValue(ok({ language: 'en', theme: 'system', sendTyping: false })))
    await write(composer, 'quiet')
    expect(bridge.api.chats.setTyping).not.toHaveBeenCalled()
  })

  test('offline: looks different, says so, and still sends (queued)', async () => {
    const { bridge, composer } = await open([], (b) => b.api.accounts.list.mockResolvedValue(ok([account({ state: { state: 'offline' } })])))
    expect(screen.getByText(/You are offline/)).toBeTruthy()
    expect(composer.disabled).toBe(false)
    bridge.api.chats.send.mockResolvedValueOnce(ok(message({ direction: 'out', state: 'queued', body: 'later' })))
    await write(composer, 'later')
    keydown(composer, { key: 'Enter' })
    await settle()
    expect(screen.getByRole('img', { name: 'Waiting to be sent' })).toBeTruthy()
  })

  test('a failed send keeps the text and explains', async () => {
    const { bridge, composer } = await open()
    bridge.api.chats.send.mockResolvedValueOnce({ ok: false, error: { code: 'not-connected', detail: 'offline' } })
    await write(composer, 'important')
    keydown(composer, { key: 'Enter' })
    await settle()
    expect(composer.value).toBe('important')
    expect(screen.getByRole('alert').textContent).toContain('This account is offline right now.')
  })

  test('marks read when shown in a focused window; shows the peer typing', async () => {
    const { bridge, app } = await open([], (b) => b.api.chats.list.mockResolvedValue(ok([conversation({ peer: PEER, name: 'Alice', unread: 2 })])))
    expect(bridge.api.chats.markRead).toHaveBeenCalledWith(A1, PEER)
    app.ui.windowActive = false
    bridge.emit('conversations', { upsert: [conversation({ peer: PEER, name: 'Alice', unread: 1, typing: true })], remove: [] })
    await settle(1)
    expect(bridge.api.chats.markRead).toHaveBeenCalledTimes(1)
    expect(screen.getByText('is typing…')).toBeTruthy()
    app.ui.windowActive = true
    await settle(1)
    expect(bridge.api.chats.markRead).toHaveBeenCalledTimes(2)
  })
})

describe('in the whole app', () => {
  test('a new incoming message is announced politely', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(ok([conversation({ peer: PEER, name: 'Alice' })]))
    })
    render(App, { props: { app: s.app } })
    await settle()
    s.bridge.emit('messages', [message({ body: 'psst' })])
    await settle(1)
    const live = screen.getByTestId('announcer')
    expect(live.getAttribute('aria-live')).toBe('polite')
    expect(live.textContent).toBe('New message from Alice')
  })

  test('a focusChat event selects that conversation', async () => {
    const s = await setup((b) => b.api.accounts.list.mockResolvedValue(ok([account()])))
    render(App, { props: { app: s.app } })
    await settle()
    s.app.ui.tab = 'contacts'
    s.bridge.emit('focusChat', { account: A1, peer: PEER })
    await settle()
    expect(s.bridge.api.chats.open).toHaveBeenCalledWith(A1, PEER)
    expect(s.app.ui.tab).toBe('chats')
    expect(screen.getByRole('region', { name: 'Chat with alice' })).toBeTruthy()
  })

  test('#/chat/<account>/<peer> shows only that chat (window mode)', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(ok([conversation({ peer: 'zhang@example.cn', name: '张三' })]))
    }, `#/chat/${encodeURIComponent(A1)}/${encodeURIComponent('zhang@example.cn')}`)
    render(App, { props: { app: s.app } })
    await settle()
    expect(screen.getByRole('region', { name: 'Chat with 张三' })).toBeTruthy()
    expect(screen.queryByRole('tablist')).toBeNull()
    expect(screen.queryByRole('button', { name: 'Open in new window' })).toBeNull()
  })
})

describe('notices', () => {
  test('a contact accepting our request shows a note and announces it', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.contacts.list.mockResolvedValue(ok([contact({ jid: PEER, name: 'Alice' })]))
    })
    render(App, { props: { app: s.app } })
    await settle()
    s.bridge.emit('notices', [{ kind: 'subscribed', account: A1, jid: PEER }])
    await settle(1)
    const region = screen.getByRole('region', { name: 'Notifications' })
    expect(region.textContent).toContain('Alice accepted your contact request.')
    expect(screen.getByTestId('announcer').textContent).toBe('Alice accepted your contact request.')
    await fireEvent.click(within(region).getByRole('button', { name: 'Dismiss' }))
    expect(screen.queryByRole('region', { name: 'Notifications' })).toBeNull()
  })

  test('an invitation declined through the room says who, which room and why', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.contacts.list.mockResolvedValue(ok([contact({ jid: PEER, name: 'Alice' })]))
    })
    render(App, { props: { app: s.app } })
    await settle()
    s.bridge.emit('notices', [
      { kind: 'invite-declined', account: A1, room: 'club@conference.example.org', jid: PEER, reason: 'busy <b>now</b>' },
      { kind: 'invite-declined', account: A1, room: 'club@conference.example.org', jid: 'zed@example.org', reason: '' }
    ])
    await settle(1)
    const region = screen.getByRole('region', { name: 'Notifications' })
    expect(region.textContent).toContain('Alice declined your invitation to club@conference.example.org: “busy <b>now</b>”')
    expect(region.textContent).toContain('zed@example.org declined your invitation to club@conference.example.org.')
    expect(region.querySelector('b')).toBeNull()
  })

  test('removing the account of the open conversation closes it', async () => {
    const s = await setup((b) => b.api.accounts.list.mockResolvedValue(ok([account()])))
    render(App, { props: { app: s.app } })
    await settle()
    s.app.ui.select({ account: A1, peer: PEER })
    await settle(1)
    expect(screen.getByRole('region', { name: /Chat with/ })).toBeTruthy()
    s.bridge.emit('accounts', [account({ id: 'other' as never, jid: 'x@y.z' })])
    await settle(1)
    expect(screen.queryByRole('region', { name: /Chat with/ })).toBeNull()
    expect(screen.getByText('No chat selected')).toBeTruthy()
  })
})
