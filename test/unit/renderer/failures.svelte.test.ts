// Actions that fail say so in plain words (a note in the corner, also announced) instead of
// disappearing: block and unblock, open in a new window, leave a room.
import { fireEvent, screen, within } from '@testing-library/svelte'
import { describe, expect, test } from 'vitest'
import Toasts from '../../../src/renderer/src/components/Toasts.svelte'
import ChatView from '../../../src/renderer/src/features/chats/ChatView.svelte'
import ContactsView from '../../../src/renderer/src/features/contacts/ContactsView.svelte'
import { settle } from './dom'
import { A1, account, contact, conversation, fail, ok, room, type FakeBridge } from './fakeBridge'
import { renderView, setup } from './harness'

const OFFLINE = fail({ code: 'not-connected', detail: 'no stream' })
const ROOM = 'club@conference.example.org'

const notes = (): string => screen.queryByRole('region', { name: 'Notifications' })?.textContent ?? ''

async function contactsView(prepare: (b: FakeBridge) => void) {
  const s = await setup((b) => {
    b.api.accounts.list.mockResolvedValue(ok([account()]))
    b.api.contacts.list.mockResolvedValue(ok([contact({ jid: 'alice@example.org', name: 'Alice' }), contact({ jid: 'eve@example.org', name: 'Eve', blocked: true })]))
    prepare(b)
  })
  await renderView(ContactsView, s.app)
  await renderView(Toasts, s.app)
  return s
}

async function menuItem(button: string, item: string): Promise<void> {
  await fireEvent.click(screen.getByRole('button', { name: button }))
  await fireEvent.click(within(screen.getByRole('menu')).getByRole('menuitem', { name: item }))
  await settle()
}

describe('failures are shown, not swallowed', () => {
  test('block and unblock that fail name the contact and say why', async () => {
    const { bridge, app } = await contactsView((b) => {
      b.api.contacts.block.mockResolvedValue(OFFLINE)
      b.api.contacts.unblock.mockResolvedValue(fail({ code: 'unsupported', detail: 'no XEP-0191' }))
    })
    await menuItem('Actions for Alice', 'Block')
    expect(bridge.api.contacts.block).toHaveBeenCalledWith(A1, 'alice@example.org')
    expect(notes()).toContain('Could not block Alice. This account is offline right now.')
    expect(app.ui.announcement.text).toBe('Could not block Alice. This account is offline right now.')
    await menuItem('Actions for Eve', 'Unblock')
    expect(notes()).toMatch(/Could not unblock Eve\. \S/)
    expect(notes()).not.toContain('{reason}')
  })

  test('open in a new window that fails says so', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(ok([conversation({ peer: 'alice@example.org', name: 'Alice' })]))
      b.api.app.openChatWindow.mockResolvedValue(fail({ code: 'internal', detail: 'window refused' }))
    })
    await renderView(ChatView, s.app, { account: A1, peer: 'alice@example.org' })
    await renderView(Toasts, s.app)
    await fireEvent.click(screen.getByRole('button', { name: 'Open in new window' }))
    await settle()
    expect(notes()).toContain('Could not open the conversation with Alice in a new window. Something went wrong inside Parley.')
  })

  test('a room: open in a new window and leave that fail say so', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(ok([conversation({ peer: ROOM, name: 'Club', kind: 'room' })]))
      b.api.rooms.list.mockResolvedValue(ok([room({ room: ROOM, name: 'Club' })]))
      b.api.rooms.leave.mockResolvedValue(OFFLINE)
      b.api.app.openChatWindow.mockResolvedValue(fail({ code: 'internal', detail: 'window refused' }))
    })
    await renderView(ChatView, s.app, { account: A1, peer: ROOM })
    await renderView(Toasts, s.app)
    await menuItem('Room options for Club', 'Leave')
    expect(s.bridge.api.rooms.leave).toHaveBeenCalledWith(A1, ROOM, false)
    expect(notes()).toContain('Could not leave Club. This account is offline right now.')
    await menuItem('Room options for Club', 'Open in new window')
    expect(notes()).toContain('Could not open the conversation with Club in a new window.')
  })
})
