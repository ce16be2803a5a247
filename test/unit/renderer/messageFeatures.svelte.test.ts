// Message features in the chat view: actions per message (menu by mouse and keyboard), reply,
// correction (Up arrow), retraction, reactions, retry, copy; updates applied by id; mentions.
import { fireEvent, screen, within } from '@testing-library/svelte'
import { afterEach, describe, expect, test, vi } from 'vitest'
import ChatView from '../../../src/renderer/src/features/chats/ChatView.svelte'
import { PAGE_SIZE } from '../../../src/renderer/src/state/chats.svelte'
import type { ChatMessageView } from '../../../src/shared/ipc/contract'
import { asMessageId } from '../../../src/shared/model/ids'
import { settle } from './dom'
import { A1, account, contact, conversation, message, occupant, ok, room, type FakeBridge } from './fakeBridge'
import { renderView, setup } from './harness'

const PEER = 'alice@example.org'
const ROOM = 'club@conference.example.org'
const at = Date.now() - 60_000

async function open(history: ChatMessageView[], prepare?: (b: FakeBridge) => void) {
  const s = await setup((b) => {
    b.api.accounts.list.mockResolvedValue(ok([account()]))
    b.api.contacts.list.mockResolvedValue(ok([contact({ jid: PEER, name: 'Alice', show: 'available' })]))
    b.api.chats.list.mockResolvedValue(ok([conversation({ peer: PEER, name: 'Alice' })]))
    b.api.chats.history.mockResolvedValue(ok(history))
    prepare?.(b)
  })
  const view = await renderView(ChatView, s.app, { account: A1, peer: PEER })
  const composer = screen.getByLabelText('Message to Alice') as HTMLTextAreaElement
  return { ...s, view, composer }
}

const item = (id: string): HTMLElement => document.querySelector(`.message[data-id="${id}"]`) as HTMLElement

async function actions(id: string): Promise<HTMLElement> {
  await fireEvent.click(within(item(id)).getByRole('button', { name: 'Message actions' }))
  return screen.getByRole('menu', { name: 'Message actions' })
}

function keydown(target: HTMLElement, init: KeyboardEventInit): KeyboardEvent {
  const event = new KeyboardEvent('keydown', { bubbles: true, cancelable: true, ...init })
  target.dispatchEvent(event)
  return event
}

const menuLabels = (menu: HTMLElement): string[] => within(menu).getAllByRole('menuitem').map((m) => m.textContent ?? '')

afterEach(() => {
  vi.useRealTimers()
})

describe('message actions', () => {
  test('own and incoming messages offer what applies to them', async () => {
    await open([
      message({ id: asMessageId('in1'), body: 'hi', at }),
      message({ id: asMessageId('out1'), direction: 'out', state: 'delivered', body: 'hello', at: at + 1 }),
      message({ id: asMessageId('bad'), direction: 'out', state: 'failed', body: 'lost', at: at + 2 }),
      message({ id: asMessageId('gone'), direction: 'in', body: '', retracted: true, at: at + 3 })
    ])
    expect(menuLabels(await actions('in1'))).toEqual(['Reply', 'React…', 'Copy text'])
    await fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' })
    expect(menuLabels(await actions('out1'))).toEqual(['Reply', 'React…', 'Edit', 'Copy text', 'Delete for everyone…'])
    await fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' })
    expect(menuLabels(await actions('bad'))).toEqual(['Reply', 'React…', 'Copy text', 'Send again', 'Delete for everyone…'])
    await fireEvent.keyDown(screen.getByRole('menu'), { key: 'Escape' })
    // A deleted message has nothing left to act on.
    expect(within(item('gone')).queryByRole('button', { name: 'Message actions' })).toBeNull()
    expect(item('gone').textContent).toContain('Message deleted')
  })

  test('keyboard: one tab stop for the list, arrows move between messages, Enter and the context-menu key open the actions', async () => {
    await open([message({ id: asMessageId('a'), body: 'first', at }), message({ id: asMessageId('b'), body: 'second', at: at + 1 })])
    expect(item('a').tabIndex).toBe(-1)
    expect(item('b').tabIndex).toBe(0)
    item('b').focus()
    keydown(item('b'), { key: 'ArrowUp' })
    await settle(1)
    expect(document.activeElement).toBe(item('a'))
    expect(item('a').tabIndex).toBe(0)
    expect(item('b').tabIndex).toBe(-1)
    expect(keydown(item('a'), { key: 'ContextMenu' }).defaultPrevented).toBe(true)
    await settle(1)
    const menu = screen.getByRole('menu', { name: 'Message actions' })
    expect(within(item('a')).getByRole('button', { name: 'Message actions' }).getAttribute('aria-expanded')).toBe('true')
    await fireEvent.keyDown(menu, { key: 'Escape' })
    keydown(item('a'), { key: 'F10', shiftKey: true })
    await settle(1)
    expect(screen.getByRole('menu', { name: 'Message actions' })).toBeTruthy()
  })

  test('Reply: the composer shows the quote with a cancel; sending passes the id; the reply renders the quote', async () => {
    const { bridge, composer } = await open([message({ id: asMessageId('q'), body: 'Lunch at noon?', at })])
    await fireEvent.click(within(await actions('q')).getByRole('menuitem', { name: 'Reply' }))
    expect(screen.getByText('Reply to Alice')).toBeTruthy()
    expect(document.activeElement).toBe(composer)
    await fireEvent.click(screen.getByRole('button', { name: 'Cancel reply' }))
    expect(screen.queryByText('Reply to Alice')).toBeNull()

    await fireEvent.click(within(await actions('q')).getByRole('menuitem', { name: 'Reply' }))
    bridge.api.chats.send.mockResolvedValueOnce(
      ok(message({ id: asMessageId('r'), direction: 'out', state: 'sent', body: 'Yes!', at: at + 5, replyTo: { id: 'q', jid: PEER, from: PEER, body: 'Lunch at noon?', rowId: 7 } }))
    )
    await fireEvent.input(composer, { target: { value: 'Yes!' } })
    keydown(composer, { key: 'Enter' })
    await settle()
    expect(bridge.api.chats.send).toHaveBeenCalledWith(A1, PEER, 'Yes!', 'q')
    expect(screen.queryByText('Reply to Alice')).toBeNull()
    const quote = within(item('r')).getByRole('button', { name: 'Reply to Alice: show the original message' })
    expect(quote.textContent).toContain('Lunch at noon?')
  })

  test('a quote of a message not loaded jumps there with history({ around }) and highlights it', async () => {
    const older = message({ id: asMessageId('old'), body: 'way back', at: at - 10_000, rowId: 3 })
    const { bridge } = await open([
      message({ id: asMessageId('r2'), body: 'about that', at, rowId: 90, replyTo: { id: 'old', jid: PEER, from: PEER, body: 'way back', rowId: 3 } })
    ])
    bridge.api.chats.history.mockResolvedValueOnce(ok([older, message({ id: asMessageId('next'), body: 'then', at: at - 9_000, rowId: 4 })]))
    await fireEvent.click(within(item('r2')).getByRole('button', { name: /show the original message/ }))
    await settle()
    expect(bridge.api.chats.history).toHaveBeenLastCalledWith({ account: A1, peer: PEER, around: 3, limit: PAGE_SIZE })
    expect(item('old').classList.contains('highlighted')).toBe(true)
    expect(item('old').tabIndex).toBe(0)
  })

  test('Edit: Up in an empty composer corrects our last message; Esc cancels; the correction is sent with chats.correct', async () => {
    const { bridge, composer } = await open([
      message({ id: asMessageId('m1'), direction: 'out', state: 'delivered', body: 'teh plan', at }),
      message({ id: asMessageId('m2'), direction: 'in', body: 'what?', at: at + 1 })
    ])
    expect(keydown(composer, { key: 'ArrowUp' }).defaultPrevented).toBe(true)
    await settle(1)
    expect(composer.value).toBe('teh plan')
    expect(screen.getByText('Editing your message')).toBeTruthy()
    keydown(composer, { key: 'Escape' })
    await settle(1)
    expect(composer.value).toBe('')
    expect(screen.queryByText('Editing your message')).toBeNull()

    keydown(composer, { key: 'ArrowUp' })
    await settle(1)
    await fireEvent.input(composer, { target: { value: 'the plan' } })
    keydown(composer, { key: 'Enter' })
    await settle()
    expect(bridge.api.chats.correct).toHaveBeenCalledWith(A1, PEER, 'm1', 'the plan')
    expect(bridge.api.chats.send).not.toHaveBeenCalled()
    // Up with text in the box is just the cursor.
    await fireEvent.input(composer, { target: { value: 'draft' } })
    expect(keydown(composer, { key: 'ArrowUp' }).defaultPrevented).toBe(false)
  })

  test('messageUpdates apply by id: corrected text with "edited", tombstone, reactions; quotes follow', async () => {
    const { bridge } = await open([
      message({ id: asMessageId('u1'), body: 'original', at }),
      message({ id: asMessageId('u2'), body: 'to be deleted', at: at + 1 }),
      message({ id: asMessageId('u3'), direction: 'out', state: 'read', body: 'answer', at: at + 2, replyTo: { id: 'u2', jid: PEER, body: 'to be deleted' } })
    ])
    bridge.emit('messageUpdates', [
      message({ id: asMessageId('u1'), body: 'corrected', edited: true, at }),
      message({ id: asMessageId('u2'), body: '', retracted: true, at: at + 1, reactions: [] }),
      message({ id: asMessageId('u3'), direction: 'out', state: 'read', body: 'answer', at: at + 2, replyTo: { id: 'u2', jid: PEER, body: 'to be deleted' }, reactions: [{ emoji: '👍', count: 2, mine: true }, { emoji: '🎉', count: 1, mine: false }] })
    ])
    await settle(1)
    expect(item('u1').textContent).toContain('corrected')
    expect(within(item('u1')).getByText('edited')).toBeTruthy()
    expect(item('u2').textContent).toContain('Message deleted')
    expect(item('u2').textContent).not.toContain('to be deleted')
    const thumbs = within(item('u3')).getByRole('button', { name: '👍: 2 reactions, including yours' })
    expect(thumbs.getAttribute('aria-pressed')).toBe('true')
    expect(within(item('u3')).getByRole('button', { name: '🎉: 1 reaction' }).getAttribute('aria-pressed')).toBe('false')
  })

  test('Retract: asks first, then chats.retract', async () => {
    const { bridge } = await open([message({ id: asMessageId('x'), direction: 'out', state: 'delivered', body: 'oops', at })])
    await fireEvent.click(within(await actions('x')).getByRole('menuitem', { name: 'Delete for everyone…' }))
    const dialog = screen.getByRole('alertdialog', { name: 'Delete this message for everyone?' })
    expect(bridge.api.chats.retract).not.toHaveBeenCalled()
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Delete' }))
    await settle()
    expect(bridge.api.chats.retract).toHaveBeenCalledWith(A1, PEER, 'x')
    expect(screen.queryByRole('alertdialog')).toBeNull()
  })

  test('Reactions: the picker sends our complete set; a summary click toggles ours; free input takes emoji only', async () => {
    const { bridge } = await open([message({ id: asMessageId('p'), body: 'party tonight', at, reactions: [{ emoji: '🎉', count: 1, mine: false }] })])
    await fireEvent.click(within(await actions('p')).getByRole('menuitem', { name: 'React…' }))
    const picker = screen.getByRole('dialog', { name: 'Add a reaction' })
    await fireEvent.click(within(picker).getByRole('button', { name: 'React with 👍' }))
    expect(bridge.api.chats.react).toHaveBeenLastCalledWith(A1, PEER, 'p', ['👍'])
    expect(screen.queryByRole('dialog', { name: 'Add a reaction' })).toBeNull()

    // Someone else's 🎉: a click adds ours to our set.
    await fireEvent.click(within(item('p')).getByRole('button', { name: '🎉: 1 reaction' }))
    expect(bridge.api.chats.react).toHaveBeenLastCalledWith(A1, PEER, 'p', ['🎉'])
    // Ours now (as main reports it): a click takes it back.
    bridge.emit('messageUpdates', [message({ id: asMessageId('p'), body: 'party tonight', at, reactions: [{ emoji: '🎉', count: 2, mine: true }, { emoji: '👍', count: 1, mine: true }] })])
    await settle(1)
    await fireEvent.click(within(item('p')).getByRole('button', { name: '🎉: 2 reactions, including yours' }))
    expect(bridge.api.chats.react).toHaveBeenLastCalledWith(A1, PEER, 'p', ['👍'])

    await fireEvent.click(within(await actions('p')).getByRole('menuitem', { name: 'React…' }))
    const again = screen.getByRole('dialog', { name: 'Add a reaction' })
    const other = within(again).getByLabelText('Another emoji')
    await fireEvent.input(other, { target: { value: 'lol' } })
    await fireEvent.submit(other.closest('form') as HTMLFormElement)
    expect(within(again).getByText('Enter one emoji (or a few), without words.')).toBeTruthy()
    await fireEvent.input(other, { target: { value: '🦄' } })
    await fireEvent.submit(other.closest('form') as HTMLFormElement)
    expect(bridge.api.chats.react).toHaveBeenLastCalledWith(A1, PEER, 'p', ['🎉', '👍', '🦄'])
  })

  test('Retry: a failed message says why and can be sent again', async () => {
    const { bridge } = await open([message({ id: asMessageId('f'), direction: 'out', state: 'failed', body: 'lost', at, error: { code: 'not-connected', detail: 'offline' } })])
    const note = within(item('f')).getByRole('note')
    expect(note.textContent).toContain('This account is offline right now.')
    await fireEvent.click(within(note).getByRole('button', { name: 'Send again' }))
    expect(bridge.api.chats.retry).toHaveBeenCalledWith(A1, PEER, 'f')
    await fireEvent.click(within(await actions('f')).getByRole('menuitem', { name: 'Send again' }))
    expect(bridge.api.chats.retry).toHaveBeenCalledTimes(2)
  })

  test('a bounced message: the technical condition and detail are one (keyboard-reachable) click away, as text', async () => {
    const detail = '<b>Juliet</b> is not here & <img src=x onerror=alert(1)>'
    await open([
      message({ id: asMessageId('b'), direction: 'out', state: 'failed', body: 'bounced', at, error: { code: 'stanza-error', condition: 'service-unavailable', detail } }),
      message({ id: asMessageId('u'), direction: 'out', state: 'failed', body: 'unknown', at: at + 1 })
    ])
    const note = within(item('b')).getByRole('note')
    expect(note.textContent).toContain('Not delivered: The server refused the request.')
    const summary = within(note).getByText('Technical details')
    // A native disclosure: <summary> is in the tab order and Enter / Space toggle it.
    expect(summary.tagName).toBe('SUMMARY')
    const details = summary.closest('details') as HTMLDetailsElement
    expect(details.open).toBe(false)
    summary.focus()
    expect(document.activeElement).toBe(summary)
    await fireEvent.click(summary)
    expect(details.open).toBe(true)
    const terms = within(details).getAllByRole('term').map((dt) => dt.textContent)
    const values = within(details).getAllByRole('definition').map((dd) => dd.textContent)
    expect(terms).toEqual(['Code', 'Condition', 'Detail'])
    expect(values).toEqual(['stanza-error', 'service-unavailable', detail])
    // The server's text stays text.
    expect(details.querySelector('b, img')).toBeNull()
    // Without a condition or detail there is nothing to disclose.
    const unknown = within(item('u')).getByRole('note')
    expect(unknown.textContent).toContain('Not delivered: the reason is unknown.')
    expect(within(unknown).queryByText('Technical details')).toBeNull()
  })

  test('a bounced message shows its technical details in Chinese too', async () => {
    const { app } = await open([message({ id: asMessageId('z'), direction: 'out', state: 'failed', body: 'x', at, error: { code: 'stanza-error', condition: 'item-not-found', detail: '' } })])
    app.i18n.setLocale('zh-CN')
    await settle()
    const note = within(item('z')).getByRole('note')
    expect(within(note).getByText('技术细节').tagName).toBe('SUMMARY')
    expect(within(note).getAllByRole('term', { hidden: true }).map((dt) => dt.textContent)).toEqual(['代码', '条件'])
    expect(note.textContent).toContain('item-not-found')
  })

  test('Copy text puts the body on the clipboard and says so', async () => {
    const writeText = vi.fn(async () => undefined)
    Object.defineProperty(navigator, 'clipboard', { configurable: true, value: { writeText } })
    const { app } = await open([message({ id: asMessageId('c'), body: 'copy *me*', at })])
    await fireEvent.click(within(await actions('c')).getByRole('menuitem', { name: 'Copy text' }))
    await settle()
    expect(writeText).toHaveBeenCalledWith('copy *me*')
    expect(app.ui.toasts.map((t) => t.text)).toContain('Copied.')
  })
})

describe('in a room', () => {
  async function openRoom(history: ChatMessageView[]) {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(ok([conversation({ peer: ROOM, name: 'Club', kind: 'room' })]))
      b.api.rooms.list.mockResolvedValue(ok([room({ room: ROOM, name: 'Club', nick: 'Mei' })]))
      b.api.chats.history.mockResolvedValue(ok(history))
    })
    await renderView(ChatView, s.app, { account: A1, peer: ROOM })
    return s
  }

  test('each run of messages shows the sender’s nick in its XEP-0392 colour; mentions of our nick are highlighted', async () => {
    // The nick and the mention come from main (the room's word, decided on arrival), never from the address.
    await openRoom([
      message({ id: asMessageId('r1'), peer: ROOM, resource: `${ROOM}/Romeo`, nick: 'Romeo', body: 'hello all', at }),
      message({ id: asMessageId('r2'), peer: ROOM, resource: `${ROOM}/Romeo`, nick: 'Romeo', body: 'anyone?', at: at + 1 }),
      message({ id: asMessageId('r3'), peer: ROOM, resource: `${ROOM}/impostor`, nick: 'juliet', mention: true, body: 'hi mei, welcome', at: at + 2 }),
      message({ id: asMessageId('r4'), peer: ROOM, resource: `${ROOM}/juliet`, nick: 'juliet', body: 'hi mei without the flag', at: at + 3 })
    ])
    const nick = item('r1').querySelector('.nick') as HTMLElement
    expect(nick.textContent).toBe('Romeo')
    // XEP-0392 §A.1: "Romeo" has the hue 327.255249° (HSLuv 100/50 → #dd00af).
    expect(nick.getAttribute('style')).toContain('#dd00af')
    expect(item('r2').querySelector('.nick')).toBeNull()
    expect(item('r3').querySelector('.nick')?.textContent).toBe('juliet')
    expect(item('r1').textContent).toContain('Romeo:')
    expect(item('r3').classList.contains('mention')).toBe(true)
    expect(item('r4').classList.contains('mention')).toBe(false)
  })
})

describe('a private chat with a room occupant', () => {
  const PM = `${ROOM}/Romeo`

  async function openPrivate(roomState: 'joined' | 'left') {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(ok([conversation({ peer: PM, name: 'Romeo', kind: 'private', room: { jid: ROOM, name: 'Club', nick: 'Romeo' } })]))
      b.api.rooms.list.mockResolvedValue(ok([room({ room: ROOM, name: 'Club', nick: 'Mei', state: roomState })]))
      b.api.rooms.occupants.mockResolvedValue(ok(roomState === 'joined' ? [occupant({ nick: 'Romeo', show: 'away', status: 'at the balcony' })] : []))
      b.api.chats.history.mockResolvedValue(ok([message({ id: asMessageId('p1'), peer: PM, resource: PM, body: 'psst', at }), message({ id: asMessageId('p2'), peer: PM, direction: 'out', state: 'sent', body: 'yes?', at: at + 1 })]))
      b.api.chats.send.mockImplementation(async (_a: string, peer: string, body: string) => ok(message({ id: asMessageId('p3'), peer, direction: 'out', state: 'queued', body, at: at + 2 })))
    })
    await renderView(ChatView, s.app, { account: A1, peer: PM })
    return s
  }

  test('named by the nick, answered at the same room address; no replies, reactions, corrections or deletion', async () => {
    const s = await openPrivate('joined')
    expect(screen.getByRole('region', { name: /Romeo/ })).toBeTruthy()
    // The header shows the occupant as the room does, not a contact's presence.
    const header = screen.getByRole('banner')
    expect(header.textContent).toContain('at the balcony')
    expect(header.textContent).toContain('private, in Club')
    expect(menuLabels(await actions('p1'))).toEqual(['Copy text'])
    await fireEvent.keyDown(screen.getByRole('menu', { name: 'Message actions' }), { key: 'Escape' })
    expect(menuLabels(await actions('p2'))).toEqual(['Copy text'])
    const composer = screen.getByLabelText('Message to Romeo') as HTMLTextAreaElement
    await fireEvent.input(composer, { target: { value: 'meet at noon' } })
    await fireEvent.keyDown(composer, { key: 'Enter' })
    await settle()
    expect(s.bridge.api.chats.send).toHaveBeenCalledWith(A1, PM, 'meet at noon', null)
  })

  test('while we are out of the room (or it is gone from the list) the composer says why', async () => {
    const s = await openPrivate('left')
    expect(screen.getByText('Join Club again to write to this person.')).toBeTruthy()
    expect(screen.getByRole('banner').textContent).toContain('Not in the room')
    expect((screen.getByLabelText('Message to Romeo') as HTMLTextAreaElement).disabled).toBe(true)
    s.bridge.emit('rooms', { upsert: [], remove: [{ account: A1, room: ROOM }] })
    await settle(1)
    expect((screen.getByLabelText('Message to Romeo') as HTMLTextAreaElement).disabled).toBe(true)
  })
})

describe('after a jump', () => {
  test('the jump is acted on once; live messages newer than the loaded page wait for the next page', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(ok([conversation({ peer: PEER, name: 'Alice' })]))
      b.api.chats.history.mockImplementation(async (q: { around?: number; after?: unknown }) =>
        ok(q.around ? [message({ id: asMessageId('j1'), rowId: 10, body: 'old one', at: 1_000 }), message({ id: asMessageId('j2'), rowId: 11, body: 'old two', at: 2_000 })] : q.after ? [message({ id: asMessageId('n1'), rowId: 12, body: 'newer', at: 3_000 })] : [])
      )
    })
    await renderView(ChatView, s.app, { account: A1, peer: PEER })
    const log = s.app.chats.log(A1, PEER)
    await s.app.chats.jumpTo(A1, PEER, 10)
    await settle()
    expect(log.detached).toBe(true)
    expect(document.activeElement).toBe(item('j1'))
    // A live message newer than the page is not appended (it would leave a gap)...
    s.bridge.emit('messages', [message({ id: asMessageId('live'), body: 'live', at: Date.now() })])
    await settle()
    expect(log.messages.map((m) => m.id)).toEqual(['j1', 'j2'])
    // ...and focus is not pulled back to the jump target by later changes.
    item('j2').focus()
    s.bridge.emit('messageUpdates', [message({ id: asMessageId('j2'), rowId: 11, body: 'old two, corrected', edited: true, at: 2_000 })])
    await settle()
    expect(document.activeElement).toBe(item('j2'))
    // Scrolling down loads the newer page (`after` the last loaded); a short page ends the gap.
    await log.loadNewer()
    expect(s.bridge.api.chats.history).toHaveBeenLastCalledWith({ account: A1, peer: PEER, after: { at: 2_000, id: 'j2', rowId: 11 }, limit: PAGE_SIZE })
    expect(log.messages.map((m) => m.id)).toEqual(['j1', 'j2', 'n1'])
    expect(log.detached).toBe(false)
  })
})
