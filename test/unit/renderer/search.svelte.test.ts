// Search: Ctrl/Cmd+K, debounced queries across accounts and chats, filters, matched ranges as <mark>
// text, "Show more" with the `before` cursor, and a hit opening its chat at the message.
import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { afterEach, describe, expect, test, vi } from 'vitest'
import App from '../../../src/renderer/src/App.svelte'
import { highlightSegments } from '../../../src/renderer/src/lib/highlight'
import { dayBound } from '../../../src/renderer/src/lib/search'
import { SEARCH_PAGE } from '../../../src/renderer/src/state/search.svelte'
import { PAGE_SIZE } from '../../../src/renderer/src/state/chats.svelte'
import { asMessageId } from '../../../src/shared/model/ids'
import { settle } from './dom'
import { A1, A2, account, conversation, hit, message, ok, type FakeBridge } from './fakeBridge'
import { setup } from './harness'

afterEach(() => {
  vi.useRealTimers()
})

describe('pure parts', () => {
  test('snippet ranges become marked segments (clamped, overlapping and unordered ranges handled)', () => {
    expect(highlightSegments('今天天气很好', [[2, 4]])).toEqual([
      { text: '今天', mark: false },
      { text: '天气', mark: true },
      { text: '很好', mark: false }
    ])
    expect(highlightSegments('hello world', [[6, 11], [0, 5]])).toEqual([
      { text: 'hello', mark: true },
      { text: ' ', mark: false },
      { text: 'world', mark: true }
    ])
    expect(highlightSegments('abc', [[1, 99], [2, 3], [-4, 0]])).toEqual([
      { text: 'a', mark: false },
      { text: 'bc', mark: true }
    ])
    expect(highlightSegments(`x${String.fromCodePoint(0x202e)}y`, [])).toEqual([{ text: 'x⟨RLO⟩y', mark: false }])
  })

  test('date filters are whole local days', () => {
    const start = dayBound('2026-03-08', false) as number
    const end = dayBound('2026-03-08', true) as number
    expect(new Date(start).getHours()).toBe(0)
    expect(new Date(end + 1).getDate()).toBe(9)
    expect(dayBound('', false)).toBeUndefined()
  })
})

async function openSearch(prepare?: (b: FakeBridge) => void) {
  const s = await setup((b) => {
    b.api.accounts.list.mockResolvedValue(ok([account(), account({ id: A2, jid: 'me@work.example' })]))
    b.api.chats.list.mockResolvedValue(ok([conversation({ name: 'Alice' }), conversation({ account: A2, peer: 'boss@work.example', name: 'Boss' })]))
    prepare?.(b)
  })
  render(App, { props: { app: s.app } })
  await settle()
  const event = new KeyboardEvent('keydown', { key: 'k', ctrlKey: true, bubbles: true, cancelable: true })
  window.dispatchEvent(event)
  await settle()
  expect(event.defaultPrevented).toBe(true)
  const dialog = screen.getByRole('dialog', { name: 'Search messages' })
  return { ...s, dialog, box: within(dialog).getByRole('searchbox', { name: 'Search all messages' }) as HTMLInputElement }
}

describe('the search dialog', () => {
  test('Ctrl+K opens it; typing searches once after a pause; hits show name, time and the marked words', async () => {
    const { bridge, dialog, box } = await openSearch((b) =>
      b.api.chats.search.mockResolvedValue(ok([hit({ name: 'alice', snippet: { text: '今天天气很好，去公园吧', ranges: [[2, 4]] } }), hit({ direction: 'out', snippet: { text: 'nice <b>weather</b>', ranges: [[5, 12]] } })]))
    )
    expect(document.activeElement).toBe(box)
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] })
    await fireEvent.input(box, { target: { value: '天' } })
    await fireEvent.input(box, { target: { value: '天气' } })
    expect(bridge.api.chats.search).not.toHaveBeenCalled()
    vi.advanceTimersByTime(300)
    vi.useRealTimers()
    await settle()
    expect(bridge.api.chats.search).toHaveBeenCalledTimes(1)
    expect(bridge.api.chats.search).toHaveBeenCalledWith({ text: '天气', limit: SEARCH_PAGE })
    const results = within(dialog).getByRole('list', { name: 'Results' })
    const [first, second] = within(results).getAllByRole('button')
    expect(first?.textContent).toContain('Alice')
    expect([...(first as HTMLElement).querySelectorAll('mark')].map((m) => m.textContent)).toEqual(['天气'])
    // Markup in a message is text, even inside a highlight.
    expect(second?.querySelector('mark')?.textContent).toBe('<b>weat')
    expect(second?.querySelector('b')).toBeNull()
    expect(second?.textContent).toContain('You:')
  })

  test('filters: account, chat and dates go into the query', async () => {
    const { bridge, dialog, box } = await openSearch()
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Filters' }))
    await fireEvent.change(within(dialog).getByLabelText('Account'), { target: { value: A2 } })
    const chat = within(dialog).getByLabelText('Chat') as HTMLSelectElement
    expect([...chat.options].map((o) => o.textContent)).toEqual(['All chats', 'Boss'])
    await fireEvent.change(chat, { target: { value: `${A2}\u0000boss@work.example` } })
    // A date field fires input, then change (as browsers do).
    await fireEvent.input(within(dialog).getByLabelText('From'), { target: { value: '2026-01-01' } })
    await fireEvent.change(within(dialog).getByLabelText('From'))
    await fireEvent.input(box, { target: { value: 'report' } })
    await new Promise((r) => setTimeout(r, 300))
    await settle()
    expect(bridge.api.chats.search).toHaveBeenLastCalledWith({ text: 'report', limit: SEARCH_PAGE, account: A2, peer: 'boss@work.example', since: dayBound('2026-01-01', false) })
  })

  test('"Show more" pages on with the last hit’s cursor; nothing found says so', async () => {
    const page = Array.from({ length: SEARCH_PAGE }, (_, i) => hit({ rowId: 1000 - i, cursor: 5000 - i }))
    const { bridge, dialog, box } = await openSearch((b) => b.api.chats.search.mockResolvedValueOnce(ok(page)).mockResolvedValueOnce(ok([hit({ rowId: 1, cursor: 10 })])))
    await fireEvent.input(box, { target: { value: 'hello' } })
    await new Promise((r) => setTimeout(r, 300))
    await settle()
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Show more' }))
    await settle()
    expect(bridge.api.chats.search).toHaveBeenLastCalledWith({ text: 'hello', limit: SEARCH_PAGE, before: 5000 - (SEARCH_PAGE - 1) })
    expect(within(within(dialog).getByRole('list', { name: 'Results' })).getAllByRole('button')).toHaveLength(SEARCH_PAGE + 1)
    expect(within(dialog).queryByRole('button', { name: 'Show more' })).toBeNull()

    bridge.api.chats.search.mockResolvedValueOnce(ok([]))
    await fireEvent.input(box, { target: { value: 'nothing like this' } })
    await new Promise((r) => setTimeout(r, 300))
    await settle()
    expect(within(dialog).getByText('No messages found.')).toBeTruthy()
  })

  test('a hit opens its chat at the message (history around it), highlighted and focused', async () => {
    const target = message({ id: asMessageId('t'), rowId: 42, body: '今天天气很好', at: 1_000 })
    const { bridge, app, box } = await openSearch((b) => {
      b.api.chats.search.mockResolvedValue(ok([hit({ rowId: 42, account: A1, peer: 'alice@example.org', snippet: { text: '今天天气很好', ranges: [[2, 4]] } })]))
      b.api.chats.history.mockImplementation(async (q: { around?: number }) => ok(q.around ? [message({ id: asMessageId('b'), rowId: 41, body: 'before', at: 900 }), target] : []))
    })
    await fireEvent.input(box, { target: { value: '天气' } })
    await new Promise((r) => setTimeout(r, 300))
    await settle()
    await fireEvent.click(within(screen.getByRole('list', { name: 'Results' })).getByRole('button'))
    await settle(5)
    expect(screen.queryByRole('dialog', { name: 'Search messages' })).toBeNull()
    expect(app.ui.selected).toEqual({ account: A1, peer: 'alice@example.org' })
    expect(bridge.api.chats.history).toHaveBeenCalledWith({ account: A1, peer: 'alice@example.org', around: 42, limit: PAGE_SIZE })
    const row = document.querySelector('.message[data-id="t"]') as HTMLElement
    expect(row.classList.contains('highlighted')).toBe(true)
    expect(document.activeElement).toBe(row)
    // After a jump the newest messages are not loaded: the "newest" button shows.
    expect(screen.getByRole('button', { name: 'Jump to the newest message' })).toBeTruthy()
  })
})
