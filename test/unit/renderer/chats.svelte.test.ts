import { fireEvent, screen, within } from '@testing-library/svelte'
import { flushSync } from 'svelte'
import { describe, expect, test } from 'vitest'
import ChatsView from '../../../src/renderer/src/features/chats/ChatsView.svelte'
import { PAGE_SIZE } from '../../../src/renderer/src/state/chats.svelte'
import type { ChatMessageView } from '../../../src/shared/ipc/contract'
import { asMessageId } from '../../../src/shared/model/ids'
import { settle } from './dom'
import { A1, A2, account, conversation, message, ok } from './fakeBridge'
import { renderView, setup } from './harness'

const rowNames = (): string[] => [...document.querySelectorAll('.conversation .name')].map((n) => n.textContent ?? '')

describe('Chats list', () => {
  test('newest first, with unread badges, previews, /me as an action and the typing indicator', async () => {
    const { bridge } = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(
        ok([
          conversation({ peer: 'old@example.org', name: 'Old', updatedAt: 100, last: { body: 'bye', direction: 'out', state: 'read', at: 100 } }),
          conversation({ peer: 'new@example.org', name: 'New', updatedAt: 300, unread: 3, last: { body: 'line one\nline two', direction: 'in', state: 'received', at: 300 } }),
          conversation({ peer: 'mid@example.org', name: 'Mid', updatedAt: 200, last: { body: '/me waves', direction: 'in', state: 'received', at: 200 } })
        ])
      )
    }).then(async (s) => {
      await renderView(ChatsView, s.app)
      return s
    })
    expect(rowNames()).toEqual(['New', 'Mid', 'Old'])
    const newRow = screen.getByText('New').closest('button') as HTMLElement
    expect(newRow.querySelector('.badge')?.textContent).toBe('3')
    expect(newRow.textContent).toContain('3 unread messages')
    expect(newRow.textContent).toContain('line one line two')
    const mid = screen.getByText('Mid', { selector: '.name' }).closest('button') as HTMLElement
    expect(mid.querySelector('em')?.textContent?.replace(/\s+/g, ' ')).toBe('Mid waves')
    const old = screen.getByText('Old', { selector: '.name' }).closest('button') as HTMLElement
    expect(old.textContent).toContain('You:')
    expect(within(old).getByRole('img', { name: 'Read' })).toBeTruthy()

    // A conversation update moves it to the top; typing shows instead of the preview.
    bridge.emit('conversations', { upsert: [conversation({ peer: 'old@example.org', name: 'Old', updatedAt: 400, unread: 1, typing: true, last: { body: 'hi', direction: 'in', state: 'received', at: 400 } })], remove: [] })
    await settle(1)
    expect(rowNames()).toEqual(['Old', 'New', 'Mid'])
    expect((screen.getByText('Old', { selector: '.name' }).closest('button') as HTMLElement).textContent).toContain('typing…')
  })

  test('selecting a conversation marks it current; conversations of removed accounts disappear', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account(), account({ id: A2, jid: 'me@work.example' })]))
      b.api.chats.list.mockResolvedValue(ok([conversation({ peer: 'a@x.org', name: 'A', updatedAt: 2 }), conversation({ account: A2, peer: 'b@x.org', name: 'B', updatedAt: 1 })]))
    })
    await renderView(ChatsView, s.app)
    await fireEvent.click(screen.getByText('B', { selector: '.name' }))
    expect(s.app.ui.selected).toEqual({ account: A2, peer: 'b@x.org' })
    expect(screen.getByText('B', { selector: '.name' }).closest('button')?.getAttribute('aria-current')).toBe('true')
    s.bridge.emit('accounts', [account()])
    await settle(1)
    expect(rowNames()).toEqual(['A'])
  })
})

describe('Message logs', () => {
  const page = (from: number, count: number): ChatMessageView[] =>
    Array.from({ length: count }, (_, i) => message({ id: asMessageId(`h${from + i}`), at: 1_000 + from + i, body: `m${from + i}` }))

  test('newest page first, older pages with the `before` cursor, live messages appended, states by id', async () => {
    const { bridge, app } = await setup((b) => {
      b.api.chats.history.mockResolvedValueOnce(ok(page(100, PAGE_SIZE))).mockResolvedValueOnce(ok(page(80, 20)))
    })
    const log = app.chats.log(A1, 'alice@example.org')
    await settle()
    expect(bridge.api.chats.history).toHaveBeenCalledWith({ account: A1, peer: 'alice@example.org', limit: PAGE_SIZE })
    expect(log.messages).toHaveLength(PAGE_SIZE)
    expect(log.complete).toBe(false)

    await log.loadOlder()
    expect(bridge.api.chats.history).toHaveBeenLastCalledWith({ account: A1, peer: 'alice@example.org', before: { at: 1_100, id: 'h100' }, limit: PAGE_SIZE })
    expect(log.messages.map((m) => m.body).slice(0, 2)).toEqual(['m80', 'm81'])
    expect(log.messages).toHaveLength(PAGE_SIZE + 20)
    expect(log.shift).toBe(true)
    expect(log.complete).toBe(true)
    await log.loadOlder()
    expect(bridge.api.chats.history).toHaveBeenCalledTimes(2)

    const mine = message({ id: asMessageId('out-1'), direction: 'out', state: 'queued', at: 5_000, body: 'mine' })
    bridge.emit('messages', [mine, message({ peer: 'someone@else.org', body: 'not here' })])
    bridge.emit('messages', [mine])
    flushSync()
    expect(log.messages.at(-1)?.body).toBe('mine')
    expect(log.messages.filter((m) => m.id === 'out-1')).toHaveLength(1)
    expect(log.shift).toBe(false)

    bridge.emit('messageStates', [{ account: A1, peer: 'alice@example.org', id: asMessageId('out-1'), state: 'failed', error: { code: 'stanza-error', detail: 'service-unavailable' } }])
    flushSync()
    expect(log.messages.at(-1)).toMatchObject({ state: 'failed', error: { code: 'stanza-error' } })
  })

  test('a short first page is not the beginning: scrolling up still asks main, which waits for the archive', async () => {
    const { bridge, app } = await setup((b) => {
      b.api.chats.history.mockResolvedValueOnce(ok(page(100, 3))).mockResolvedValueOnce(ok(page(90, 5)))
    })
    const log = app.chats.log(A1, 'alice@example.org')
    await settle()
    expect(log.messages).toHaveLength(3)
    expect(log.complete).toBe(false)
    await log.loadOlder()
    expect(bridge.api.chats.history).toHaveBeenLastCalledWith({ account: A1, peer: 'alice@example.org', before: { at: 1_100, id: 'h100' }, limit: PAGE_SIZE })
    expect(log.messages.map((m) => m.body)).toEqual(['m90', 'm91', 'm92', 'm93', 'm94', 'm100', 'm101', 'm102'])
    expect(log.complete).toBe(true)
  })

  test('a peer that reuses a message id for another text gets both shown; the same stored row only once', async () => {
    const { bridge, app } = await setup((b) => b.api.chats.history.mockResolvedValueOnce(ok([])))
    const log = app.chats.log(A1, 'alice@example.org')
    await settle()
    const first = message({ id: asMessageId('1'), rowId: 7, at: 2_000, body: 'first' })
    const second = message({ id: asMessageId('1'), rowId: 8, at: 3_000, body: 'second' })
    bridge.emit('messages', [first])
    bridge.emit('messages', [second, first])
    flushSync()
    expect(log.messages.map((m) => m.body)).toEqual(['first', 'second'])
  })

  test('a burst of 1,000 incoming messages lands in one update per batch and is announced once', async () => {
    const { bridge, app } = await setup((b) => b.api.chats.list.mockResolvedValue(ok([conversation({ name: 'Alice' })])))
    const log = app.chats.log(A1, 'alice@example.org')
    await settle()
    let updates = 0
    const stop = $effect.root(() => {
      $effect(() => {
        void log.messages
        updates++
      })
    })
    flushSync()
    updates = 0
    const burst = Array.from({ length: 1_000 }, (_, i) => message({ body: `burst ${i}`, at: 10_000 + i }))
    const t0 = performance.now()
    bridge.emit('messages', burst)
    flushSync()
    expect(performance.now() - t0).toBeLessThan(500)
    expect(updates).toBe(1)
    expect(log.messages).toHaveLength(1_000)
    expect(app.ui.announcement.text).toBe('1,000 new messages from Alice')
    stop()
  })
})
