// Group chats: rooms in the chat list, "Join or create a room" (with the password re-prompt), the
// occupants panel for a moderator and for a participant, invitations, the room header's actions.
import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { describe, expect, test } from 'vitest'
import App from '../../../src/renderer/src/App.svelte'
import ChatView from '../../../src/renderer/src/features/chats/ChatView.svelte'
import ChatsView from '../../../src/renderer/src/features/chats/ChatsView.svelte'
import { groupOccupants, occupantActions, roomErrorKey, roomSettingsErrorKey } from '../../../src/renderer/src/lib/rooms'
import type { OccupantView } from '../../../src/shared/ipc/contract'
import { settle } from './dom'
import { A1, account, conversation, fail, invite, occupant, ok, room, type FakeBridge } from './fakeBridge'
import { renderView, setup } from './harness'

const ROOM = 'club@conference.example.org'

describe('who may do what (pure)', () => {
  const alice = occupant({ nick: 'alice', jid: 'alice@example.org' })
  const admin = occupant({ nick: 'boss', jid: 'boss@example.org', role: 'moderator', affiliation: 'admin' })
  const silent = occupant({ nick: 'quiet', role: 'visitor' })
  const mod = occupant({ nick: 'mod', role: 'moderator', affiliation: 'member', jid: 'mod@example.org' })

  test('a participant can do nothing to anyone; nobody acts on themselves', () => {
    const me = { nick: 'me', role: 'participant' as const, affiliation: 'none' as const }
    for (const o of [alice, admin, silent, mod]) expect(occupantActions(me, o)).toEqual([])
    expect(occupantActions({ nick: 'alice', role: 'moderator', affiliation: 'owner' }, alice)).toEqual([])
  })

  test('a moderator kicks and gives or takes voice below admin; an owner also makes moderators and bans', () => {
    const moderator = { nick: 'me', role: 'moderator' as const, affiliation: 'none' as const }
    expect(occupantActions(moderator, alice)).toEqual(['kick', 'visitor'])
    expect(occupantActions(moderator, silent)).toEqual(['kick', 'participant'])
    expect(occupantActions(moderator, admin)).toEqual([])
    const owner = { nick: 'me', role: 'moderator' as const, affiliation: 'owner' as const }
    expect(occupantActions(owner, alice)).toEqual(['kick', 'visitor', 'moderator', 'ban'])
    expect(occupantActions(owner, mod)).toEqual(['kick', 'participant', 'ban'])
    expect(occupantActions(owner, admin)).toEqual(['ban'])
    // No real JID known: no ban (bans go by address).
    expect(occupantActions(owner, silent)).toEqual(['kick', 'participant', 'moderator'])
  })

  test('grouping by role, names by collation; room errors in words', () => {
    const list: OccupantView[] = [occupant({ nick: 'zoe' }), occupant({ nick: 'Émile' }), mod, silent]
    const groups = groupOccupants(list, new Intl.Collator('en').compare)
    expect(groups.map((g) => [g.role, g.occupants.map((o) => o.nick)])).toEqual([
      ['moderator', ['mod']],
      ['participant', ['Émile', 'zoe']],
      ['visitor', ['quiet']]
    ])
    expect(roomErrorKey({ code: 'room-password-required', condition: 'not-authorized' })).toBe('rooms.error.password')
    expect(roomErrorKey({ code: 'room-password-wrong', condition: 'not-authorized' })).toBe('rooms.error.wrongPassword')
    expect(roomErrorKey({ code: 'room-nick-conflict', condition: 'conflict' })).toBe('rooms.error.nickTaken')
    expect(roomErrorKey({ code: 'room-unavailable', condition: 'service-unavailable' })).toBe('rooms.error.full')
    expect(roomErrorKey({ code: 'invalid-argument', condition: 'conflict' })).toBe('rooms.error.exists')
    // The words come from the code the core chose, not from the raw condition.
    expect(roomErrorKey({ code: 'stanza-error', condition: 'conflict' })).toBeNull()
    expect(roomErrorKey({ code: 'timeout' })).toBeNull()
    // Reading or changing a room's settings: the room's refusal of a non-owner, in words.
    expect(roomSettingsErrorKey({ code: 'stanza-error', condition: 'forbidden' })).toBe('rooms.settings.forbidden')
    expect(roomSettingsErrorKey({ code: 'stanza-error', condition: 'not-allowed' })).toBe('rooms.settings.forbidden')
    expect(roomSettingsErrorKey({ code: 'stanza-error', condition: 'conflict' })).toBeNull()
    expect(roomSettingsErrorKey({ code: 'timeout' })).toBeNull()
  })
})

describe('rooms in the chat list', () => {
  test('a room shows the room glyph and "Group chat", with its unread count', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(
        ok([
          conversation({ peer: ROOM, name: 'Book club', kind: 'room', unread: 4, updatedAt: 2 }),
          conversation({ name: 'Alice', updatedAt: 1 }),
          conversation({ peer: `${ROOM}/Romeo`, name: 'Romeo', kind: 'private', room: { jid: ROOM, name: 'Book club', nick: 'Romeo' }, updatedAt: 0 })
        ])
      )
    })
    await renderView(ChatsView, s.app)
    expect((screen.getByText('Romeo', { selector: '.name' }).closest('button') as HTMLElement).textContent).toContain('private, in Book club')
    const row = screen.getByText('Book club', { selector: '.name' }).closest('button') as HTMLElement
    expect(row.textContent).toContain('Group chat')
    expect(row.textContent).toContain('4 unread messages')
    expect(row.querySelector('.avatar svg')).toBeTruthy()
    const chat = screen.getByText('Alice', { selector: '.name' }).closest('button') as HTMLElement
    expect(chat.textContent).not.toContain('Group chat')
  })
})

describe('Join or create a room', () => {
  async function openDialog(prepare?: (b: FakeBridge) => void) {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account({ jid: 'mei@example.org' })]))
      b.api.rooms.discover.mockResolvedValue(ok({ service: 'conference.example.org', rooms: [{ jid: ROOM, name: 'Book club' }, { jid: 'dev@conference.example.org', name: '' }] }))
      prepare?.(b)
    })
    render(App, { props: { app: s.app } })
    await settle()
    await fireEvent.click(screen.getByRole('button', { name: 'Join or create a room' }))
    await settle()
    return { ...s, dialog: screen.getByRole('dialog', { name: 'Join or create a room' }) }
  }

  test('lists the server’s rooms, joins one with the default nick and a bookmark, then shows it', async () => {
    const { bridge, app, dialog } = await openDialog()
    expect(bridge.api.rooms.discover).toHaveBeenCalledWith(A1)
    expect(within(dialog).getByText('Rooms listed on conference.example.org:')).toBeTruthy()
    await fireEvent.click(within(dialog).getByRole('button', { name: /Book club/ }))
    expect((within(dialog).getByLabelText('Room address') as HTMLInputElement).value).toBe(ROOM)
    expect((within(dialog).getByLabelText('Your nickname in the room') as HTMLInputElement).value).toBe('mei')
    expect((within(dialog).getByLabelText('Remember this room and join it automatically') as HTMLInputElement).checked).toBe(true)
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Join' }))
    await settle()
    expect(bridge.api.rooms.join).toHaveBeenCalledWith(A1, ROOM, 'mei', null, true)
    expect(bridge.api.chats.open).toHaveBeenCalledWith(A1, ROOM)
    expect(screen.queryByRole('dialog', { name: 'Join or create a room' })).toBeNull()
    expect(app.ui.selected).toEqual({ account: A1, peer: ROOM })
  })

  test('a room that wants a password asks for it; a wrong one is said so; the right one joins', async () => {
    const refused = fail({ code: 'room-password-required', condition: 'not-authorized', detail: 'not-authorized' })
    const wrong = fail({ code: 'room-password-wrong', condition: 'not-authorized', detail: 'not-authorized' })
    const { bridge, dialog } = await openDialog((b) => b.api.rooms.join.mockResolvedValueOnce(refused).mockResolvedValueOnce(wrong))
    await fireEvent.input(within(dialog).getByLabelText('Room address'), { target: { value: 'secret@conference.example.org' } })
    expect(within(dialog).queryByLabelText('Room password')).toBeNull()
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Join' }))
    await settle()
    expect(within(dialog).getByRole('alert').textContent).toContain('This room needs a password.')
    const password = within(dialog).getByLabelText('Room password') as HTMLInputElement
    await fireEvent.input(password, { target: { value: 'wrong' } })
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Join' }))
    await settle()
    expect(bridge.api.rooms.join).toHaveBeenLastCalledWith(A1, 'secret@conference.example.org', 'mei', 'wrong', true)
    expect(within(dialog).getByRole('alert').textContent).toContain('That password is not right. Try again.')
    expect((within(dialog).getByLabelText('Room password') as HTMLInputElement).value).toBe('')
    await fireEvent.input(within(dialog).getByLabelText('Room password'), { target: { value: 'open sesame' } })
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Join' }))
    await settle()
    expect(bridge.api.rooms.join).toHaveBeenLastCalledWith(A1, 'secret@conference.example.org', 'mei', 'open sesame', true)
    expect(screen.queryByRole('dialog', { name: 'Join or create a room' })).toBeNull()
  })

  test('validation, and Create with name, description, password and settings', async () => {
    const { bridge, dialog } = await openDialog()
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Join' }))
    expect(within(dialog).getByText('Enter the address of the room.')).toBeTruthy()
    expect(bridge.api.rooms.join).not.toHaveBeenCalled()

    await fireEvent.click(within(dialog).getByRole('tab', { name: 'Create' }))
    expect(within(dialog).getByText('@conference.example.org')).toBeTruthy()
    await fireEvent.input(within(dialog).getByLabelText('Address of the new room'), { target: { value: 'has space' } })
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Create room' }))
    expect(within(dialog).getByText('Use letters, digits, dots or dashes, without spaces or @.')).toBeTruthy()
    await fireEvent.input(within(dialog).getByLabelText('Address of the new room'), { target: { value: 'readers' } })
    await fireEvent.input(within(dialog).getByLabelText('Name'), { target: { value: '读书会' } })
    await fireEvent.input(within(dialog).getByLabelText('Description'), { target: { value: 'Books' } })
    await fireEvent.input(within(dialog).getByLabelText('Password'), { target: { value: 'pw' } })
    await fireEvent.click(within(dialog).getByLabelText('Members only (people need an invitation)'))
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Create room' }))
    await settle()
    expect(bridge.api.rooms.create).toHaveBeenCalledWith(A1, 'readers', 'mei', { name: '读书会', description: 'Books', password: 'pw', membersOnly: true, public: false, persistent: true })
  })
})

describe('a room’s view', () => {
  async function openRoom(me: Partial<ReturnType<typeof room>>, occupants: OccupantView[], prepare?: (b: FakeBridge) => void) {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(ok([conversation({ peer: ROOM, name: 'Club', kind: 'room' })]))
      b.api.rooms.list.mockResolvedValue(ok([room({ room: ROOM, name: 'Club', subject: 'Chapter 3 on Friday', occupants: occupants.length, ...me })]))
      b.api.rooms.occupants.mockResolvedValue(ok(occupants))
      prepare?.(b)
    })
    await renderView(ChatView, s.app, { account: A1, peer: ROOM })
    return s
  }

  const PEOPLE = [
    occupant({ nick: 'me', role: 'moderator', affiliation: 'owner' }),
    occupant({ nick: 'alice', jid: 'alice@example.org', show: 'away', status: 'reading' }),
    occupant({ nick: 'bob', role: 'visitor' })
  ]

  test('header: name, subject, count; the occupants panel groups by role with badges; a moderator’s menu kicks with a reason', async () => {
    const { bridge } = await openRoom({ nick: 'me', role: 'moderator', affiliation: 'owner' }, PEOPLE)
    const header = screen.getByRole('banner')
    expect(within(header).getByRole('heading', { name: 'Club' })).toBeTruthy()
    expect(header.textContent).toContain('Chapter 3 on Friday')
    const toggle = within(header).getByRole('button', { name: '3 people' })
    expect(toggle.getAttribute('aria-expanded')).toBe('false')
    await fireEvent.click(toggle)
    await settle()
    expect(toggle.getAttribute('aria-expanded')).toBe('true')
    const panel = screen.getByRole('complementary', { name: 'People in Club' })
    expect([...panel.querySelectorAll('h4')].map((h) => h.textContent?.replace(/\s+/g, ' ').trim())).toEqual(['Moderators 1', 'Participants 1', 'Visitors 1'])
    expect(panel.textContent).toContain('Owner')
    expect(panel.textContent).toContain('(you)')
    expect(panel.textContent).toContain('reading')
    expect(within(panel).queryByRole('button', { name: 'Actions for me' })).toBeNull()

    await fireEvent.click(within(panel).getByRole('button', { name: 'Actions for alice' }))
    const menu = screen.getByRole('menu', { name: 'Actions for alice' })
    expect(within(menu).getAllByRole('menuitem').map((m) => m.textContent)).toEqual(['Send a private message', 'Remove from room…', 'Make visitor (no voice)', 'Make moderator', 'Ban…'])
    await fireEvent.click(within(menu).getByRole('menuitem', { name: 'Remove from room…' }))
    const ask = screen.getByRole('alertdialog', { name: 'Remove alice from the room?' })
    await fireEvent.input(within(ask).getByLabelText('Reason (shown to them)'), { target: { value: 'spam' } })
    await fireEvent.click(within(ask).getByRole('button', { name: 'Remove from room…' }))
    await settle()
    expect(bridge.api.rooms.kick).toHaveBeenCalledWith(A1, ROOM, 'alice', 'spam')

    await fireEvent.click(within(panel).getByRole('button', { name: 'Actions for bob' }))
    await fireEvent.click(within(screen.getByRole('menu', { name: 'Actions for bob' })).getByRole('menuitem', { name: 'Make participant' }))
    expect(bridge.api.rooms.setRole).toHaveBeenCalledWith(A1, ROOM, 'bob', 'participant')

    // Occupant changes arrive as events.
    bridge.emit('occupants', { account: A1, room: ROOM, reset: false, upsert: [occupant({ nick: 'carol' })], remove: ['bob'] })
    await settle(1)
    expect(panel.textContent).toContain('carol')
    expect(panel.textContent).not.toContain('bob')
  })

  test('an occupant’s avatar from main shows in the panel, and an occupants event brings a new one', async () => {
    const H = 'a'.repeat(40)
    const { bridge } = await openRoom({ nick: 'me' }, [occupant({ nick: 'me' }), occupant({ nick: 'alice', avatar: H })], (b) =>
      b.api.avatars.get.mockImplementation(async (hash: string) => ok(`data:image/png;base64,${hash.slice(0, 4)}`))
    )
    await fireEvent.click(screen.getByRole('button', { name: '2 people' }))
    await settle()
    const panel = screen.getByRole('complementary', { name: 'People in Club' })
    const row = (nick: string) => [...panel.querySelectorAll('.occupant')].find((el) => el.textContent?.includes(nick)) as HTMLElement
    expect(row('alice').querySelector('img')?.getAttribute('src')).toBe('data:image/png;base64,aaaa')
    expect(row('me').querySelector('img')).toBeNull()
    bridge.emit('occupants', { account: A1, room: ROOM, reset: false, upsert: [occupant({ nick: 'me', avatar: 'b'.repeat(40) })], remove: [] })
    await settle()
    expect(row('me').querySelector('img')?.getAttribute('src')).toBe('data:image/png;base64,bbbb')
  })

  test('a participant sees the people but no moderation menu (only a private message), and cannot edit the subject', async () => {
    const s = await openRoom({ nick: 'alice', role: 'participant', affiliation: 'member' }, PEOPLE.map((o) => (o.nick === 'me' ? { ...o, nick: 'host' } : o)))
    await fireEvent.click(screen.getByRole('button', { name: '3 people' }))
    await settle()
    const panel = screen.getByRole('complementary', { name: 'People in Club' })
    expect(panel.textContent).toContain('host')
    expect(within(panel).queryByRole('button', { name: 'Actions for alice' })).toBeNull()
    await fireEvent.click(within(panel).getByRole('button', { name: 'Actions for host' }))
    const menu = screen.getByRole('menu', { name: 'Actions for host' })
    expect(within(menu).getAllByRole('menuitem').map((m) => m.textContent)).toEqual(['Send a private message'])
    s.bridge.api.chats.open.mockResolvedValueOnce(ok(conversation({ peer: `${ROOM}/host`, name: 'host', kind: 'private', room: { jid: ROOM, name: 'Club', nick: 'host' } })))
    await fireEvent.click(within(menu).getByRole('menuitem', { name: 'Send a private message' }))
    await settle()
    expect(s.bridge.api.chats.open).toHaveBeenCalledWith(A1, `${ROOM}/host`)
    expect(s.app.ui.selected).toEqual({ account: A1, peer: `${ROOM}/host` })
    expect(screen.queryByRole('button', { name: 'Change the subject' })).toBeNull()
  })

  test('room menu: change nick, leave, and leave and forget (after asking); subject for moderators; invite', async () => {
    const { bridge, app } = await openRoom({ nick: 'me', role: 'moderator', affiliation: 'owner' }, PEOPLE)
    await fireEvent.click(screen.getByRole('button', { name: 'Change the subject' }))
    const subject = screen.getByRole('dialog', { name: 'Change the subject' })
    await fireEvent.input(within(subject).getByLabelText('Subject'), { target: { value: 'Chapter 4' } })
    await fireEvent.click(within(subject).getByRole('button', { name: 'Save' }))
    await settle()
    expect(bridge.api.rooms.setSubject).toHaveBeenCalledWith(A1, ROOM, 'Chapter 4')

    await fireEvent.click(screen.getByRole('button', { name: 'Invite…' }))
    const inviteDialog = screen.getByRole('dialog', { name: 'Invite someone to Club' })
    await fireEvent.input(within(inviteDialog).getByLabelText('Their address'), { target: { value: 'Dave@Example.org' } })
    await fireEvent.click(within(inviteDialog).getByRole('button', { name: 'Send invitation' }))
    await settle()
    expect(bridge.api.rooms.invite).toHaveBeenCalledWith(A1, ROOM, 'dave@example.org', '')

    const more = screen.getByRole('button', { name: 'Room options for Club' })
    await fireEvent.click(more)
    await fireEvent.click(within(screen.getByRole('menu')).getByRole('menuitem', { name: 'Change my nickname…' }))
    const nick = screen.getByRole('dialog', { name: 'Change my nickname…' })
    await fireEvent.input(within(nick).getByLabelText('Nickname', { exact: false }), { target: { value: '' } })
    await fireEvent.click(within(nick).getByRole('button', { name: 'Change nickname' }))
    expect(within(nick).getByText('This cannot be empty.')).toBeTruthy()
    await fireEvent.input(within(nick).getByLabelText('Your nickname in the room'), { target: { value: 'Mei' } })
    await fireEvent.click(within(nick).getByRole('button', { name: 'Change nickname' }))
    await settle()
    expect(bridge.api.rooms.changeNick).toHaveBeenCalledWith(A1, ROOM, 'Mei')

    await fireEvent.click(more)
    await fireEvent.click(within(screen.getByRole('menu')).getByRole('menuitem', { name: 'Leave and forget' }))
    const forget = screen.getByRole('alertdialog', { name: 'Leave and forget Club?' })
    expect(bridge.api.rooms.leave).not.toHaveBeenCalled()
    await fireEvent.click(within(forget).getByRole('button', { name: 'Leave and forget' }))
    await settle()
    expect(bridge.api.rooms.leave).toHaveBeenCalledWith(A1, ROOM, true)
    // The lists follow main's events, not a guess of the window's; the forgotten room leaves the screen.
    expect(app.rooms.get(A1, ROOM)).toBeDefined()
    app.ui.select({ account: A1, peer: ROOM })
    bridge.emit('rooms', { upsert: [], remove: [{ account: A1, room: ROOM }] })
    bridge.emit('conversations', { upsert: [], remove: [{ account: A1, peer: ROOM }] })
    await settle(1)
    expect(app.rooms.get(A1, ROOM)).toBeUndefined()
    expect(app.ui.selected).toBeNull()
    // A view still showing it (a chat window of its own) does not open it again behind main's back.
    expect(app.chats.list.map((c) => c.peer)).not.toContain(ROOM)
    expect(bridge.api.chats.open).not.toHaveBeenCalledWith(A1, ROOM)
  })

  describe('room settings (owners)', () => {
    const CURRENT = { name: 'Club', description: 'Books', password: 'pw', membersOnly: true, public: false, persistent: true, moderated: false, nonAnonymous: false }
    const openSettings = async (prepare?: (b: FakeBridge) => void) => {
      const s = await openRoom({ nick: 'me', role: 'moderator', affiliation: 'owner' }, PEOPLE, (b) => {
        b.api.rooms.config.mockResolvedValue(ok(CURRENT))
        prepare?.(b)
      })
      await fireEvent.click(screen.getByRole('button', { name: 'Room options for Club' }))
      await fireEvent.click(within(screen.getByRole('menu')).getByRole('menuitem', { name: 'Room settings…' }))
      await settle()
      return { ...s, dialog: screen.getByRole('dialog', { name: 'Settings of Club' }) }
    }
    const field = (dialog: HTMLElement, label: string) => within(dialog).getByLabelText(label) as HTMLInputElement

    test('only an owner has the menu item', async () => {
      await openRoom({ nick: 'me', role: 'moderator', affiliation: 'admin' }, PEOPLE)
      await fireEvent.click(screen.getByRole('button', { name: 'Room options for Club' }))
      expect(within(screen.getByRole('menu')).getAllByRole('menuitem').map((m) => m.textContent)).not.toContain('Room settings…')
    })

    test('prefilled with what the room says; Save sends only what changed, then closes', async () => {
      const { bridge, dialog } = await openSettings()
      expect(bridge.api.rooms.config).toHaveBeenCalledWith(A1, ROOM)
      expect(field(dialog, 'Name').value).toBe('Club')
      expect(field(dialog, 'Description').value).toBe('Books')
      expect(field(dialog, 'Password').value).toBe('pw')
      expect(field(dialog, 'Password').getAttribute('aria-describedby')).toBeTruthy()
      expect(field(dialog, 'Members only (people need an invitation)').checked).toBe(true)
      expect(field(dialog, 'Keep the room when everyone has left').checked).toBe(true)
      expect(field(dialog, 'Moderated (only people with a voice can write)').checked).toBe(false)
      expect(document.activeElement).toBe(field(dialog, 'Name'))
      await fireEvent.input(field(dialog, 'Name'), { target: { value: ' 读书会 ' } })
      await fireEvent.input(field(dialog, 'Password'), { target: { value: '' } })
      await fireEvent.click(field(dialog, 'Members only (people need an invitation)'))
      await fireEvent.click(field(dialog, 'Moderated (only people with a voice can write)'))
      await fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
      await settle()
      expect(bridge.api.rooms.configure).toHaveBeenCalledWith(A1, ROOM, { name: '读书会', password: '', membersOnly: false, moderated: true })
      expect(screen.queryByRole('dialog', { name: 'Settings of Club' })).toBeNull()
    })

    test('a refusal is said in plain words and the dialog stays; a failed load can be tried again', async () => {
      const refused = fail({ code: 'stanza-error', condition: 'forbidden', detail: 'forbidden' })
      const { bridge, dialog } = await openSettings((b) => b.api.rooms.configure.mockResolvedValueOnce(refused))
      await fireEvent.input(field(dialog, 'Description'), { target: { value: 'Novels' } })
      await fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
      await settle()
      expect(bridge.api.rooms.configure).toHaveBeenCalledWith(A1, ROOM, { description: 'Novels' })
      expect(within(dialog).getByRole('alert').textContent).toContain('Only the room’s owners can change its settings.')
      expect(screen.getByRole('dialog', { name: 'Settings of Club' })).toBe(dialog)
      await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }))

      bridge.api.rooms.config.mockResolvedValueOnce(fail({ code: 'timeout', detail: 'no answer' }))
      await fireEvent.click(screen.getByRole('button', { name: 'Room options for Club' }))
      await fireEvent.click(within(screen.getByRole('menu')).getByRole('menuitem', { name: 'Room settings…' }))
      await settle()
      const again = screen.getByRole('dialog', { name: 'Settings of Club' })
      expect(within(again).getByRole('alert').textContent).toContain('Could not load the room’s settings.')
      expect(within(again).queryByLabelText('Name')).toBeNull()
      expect((within(again).getByRole('button', { name: 'Save' }) as HTMLButtonElement).disabled).toBe(true)
      await fireEvent.click(within(again).getByRole('button', { name: 'Try again' }))
      await settle()
      expect(field(again, 'Name').value).toBe('Club')
    })
  })

  test('a room removed elsewhere (its bookmark removed on another device) leaves both lists; it comes back when joined again', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(ok([conversation({ peer: ROOM, name: 'Club', kind: 'room' }), conversation({ name: 'Alice' })]))
      b.api.rooms.list.mockResolvedValue(ok([room({ room: ROOM, name: 'Club', state: 'left' })]))
    })
    await renderView(ChatsView, s.app)
    expect(screen.getByText('Club', { selector: '.name' })).toBeTruthy()
    s.bridge.emit('rooms', { upsert: [], remove: [{ account: A1, room: ROOM }] })
    s.bridge.emit('conversations', { upsert: [], remove: [{ account: A1, peer: ROOM }] })
    await settle(1)
    expect(s.app.rooms.get(A1, ROOM)).toBeUndefined()
    expect(screen.queryByText('Club', { selector: '.name' })).toBeNull()
    expect(screen.getByText('Alice', { selector: '.name' })).toBeTruthy()
    s.bridge.emit('rooms', { upsert: [room({ room: ROOM, name: 'Club', state: 'joined' })], remove: [] })
    s.bridge.emit('conversations', { upsert: [conversation({ peer: ROOM, name: 'Club', kind: 'room' })], remove: [] })
    await settle(1)
    expect(s.app.rooms.get(A1, ROOM)?.state).toBe('joined')
    expect(screen.getByText('Club', { selector: '.name' })).toBeTruthy()
  })

  test('destroyed with another room named: the owner’s words and a way to the other room; offline: why we are out', async () => {
    const s = await openRoom({ state: 'left', reason: { kind: 'destroyed', text: 'Moved', alternate: 'new@conference.example.org' }, occupants: 0 }, [])
    expect(screen.getByText('This room was closed by its owner.')).toBeTruthy()
    expect(screen.getByText('Reason given: Moved')).toBeTruthy()
    await fireEvent.click(screen.getByRole('button', { name: 'Join new@conference.example.org' }))
    expect(s.app.ui.dialog).toBe('join-room')
    expect(s.app.ui.prefill).toEqual({ account: A1, room: 'new@conference.example.org', nick: 'me' })
    s.bridge.emit('rooms', { upsert: [room({ room: ROOM, name: 'Club', state: 'left', reason: { kind: 'disconnected' } })], remove: [] })
    await settle(1)
    expect(screen.getByText(/Parley joins it again when the account is back/)).toBeTruthy()
  })

  test('kicked, or a join error: plain words, Join again; a password error asks for the password', async () => {
    const { bridge } = await openRoom({ state: 'left', reason: { kind: 'kicked', actor: 'Mod', text: 'Too loud' }, occupants: 0 }, [])
    expect(screen.getByText('You were removed from this room by a moderator.')).toBeTruthy()
    expect(screen.getByText('By Mod.')).toBeTruthy()
    expect(screen.getByText('Reason given: Too loud')).toBeTruthy()
    const composer = screen.getByLabelText('Message to Club') as HTMLTextAreaElement
    expect(composer.disabled).toBe(true)
    expect(screen.getByText('Join the room again to send messages.')).toBeTruthy()

    bridge.emit('rooms', { upsert: [room({ room: ROOM, name: 'Club', state: 'error', error: { code: 'room-password-required', condition: 'not-authorized', detail: 'not-authorized' } })], remove: [] })
    await settle(1)
    expect(screen.getByRole('alert').textContent).toContain('This room needs a password.')
    const again = screen.getByRole('button', { name: 'Join again' }) as HTMLButtonElement
    expect(again.disabled).toBe(true)
    await fireEvent.input(screen.getByLabelText('Room password'), { target: { value: 'pw' } })
    await fireEvent.click(again)
    await settle()
    expect(bridge.api.rooms.join).toHaveBeenCalledWith(A1, ROOM, 'me', 'pw', true)
  })
})

describe('invitations', () => {
  test('shown above the chats; Join joins with our nick and the invitation’s password; Decline declines', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account({ jid: 'mei@example.org' })]))
      b.api.rooms.invites.mockResolvedValue(ok([invite({ from: 'alice@example.org', reason: 'Come read with us', password: 'pw' })]))
    })
    await renderView(ChatsView, s.app)
    const list = screen.getByRole('region', { name: 'Invitations' })
    const card = within(list).getByRole('group', { name: 'Invitation from alice@example.org to party@conference.example.org' })
    expect(card.textContent).toContain('Come read with us')
    await fireEvent.click(within(card).getByRole('button', { name: 'Join' }))
    await settle()
    expect(s.bridge.api.rooms.join).toHaveBeenCalledWith(A1, 'party@conference.example.org', 'mei', 'pw', true)
    expect(s.app.ui.selected).toEqual({ account: A1, peer: 'party@conference.example.org' })

    s.bridge.emit('invites', [invite({ room: 'other@conference.example.org' })])
    await settle(1)
    await fireEvent.click(within(screen.getByRole('region', { name: 'Invitations' })).getByRole('button', { name: 'Decline' }))
    await settle()
    expect(s.bridge.api.rooms.declineInvite).toHaveBeenCalledWith(A1, 'other@conference.example.org')
    expect(screen.queryByRole('region', { name: 'Invitations' })).toBeNull()
  })

  test('an invitation that cannot be joined as it is opens the join dialog with the reason', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account({ jid: 'mei@example.org' })]))
      b.api.rooms.invites.mockResolvedValue(ok([invite()]))
      b.api.rooms.join.mockResolvedValueOnce(fail({ code: 'room-nick-conflict', condition: 'conflict', detail: 'conflict' }))
    })
    render(App, { props: { app: s.app } })
    await settle()
    await fireEvent.click(within(screen.getByRole('region', { name: 'Invitations' })).getByRole('button', { name: 'Join' }))
    await settle()
    const dialog = screen.getByRole('dialog', { name: 'Join or create a room' })
    expect((within(dialog).getByLabelText('Room address') as HTMLInputElement).value).toBe('party@conference.example.org')
    expect(within(dialog).getByRole('alert').textContent).toContain('Someone in the room already uses this nickname.')
  })
})

describe('big rooms', () => {
  test('3,000 occupants load and a burst of changes lands in one assignment, quickly; the panel renders a screenful', async () => {
    const people = Array.from({ length: 3_000 }, (_, i) => occupant({ nick: `user${i}`, role: i < 5 ? 'moderator' : i % 10 === 0 ? 'visitor' : 'participant' }))
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.chats.list.mockResolvedValue(ok([conversation({ peer: ROOM, name: 'Big', kind: 'room' })]))
      b.api.rooms.list.mockResolvedValue(ok([room({ room: ROOM, name: 'Big', occupants: 3_000 })]))
      b.api.rooms.occupants.mockResolvedValue(ok(people))
    })
    await renderView(ChatView, s.app, { account: A1, peer: ROOM })
    const t0 = performance.now()
    await fireEvent.click(screen.getByRole('button', { name: '3,000 people' }))
    await settle()
    const list = s.app.rooms.occupants(A1, ROOM)
    expect(list.all.size).toBe(3_000)
    const panel = screen.getByRole('complementary', { name: 'People in Big' })
    expect(panel.querySelectorAll('.occupant').length).toBeLessThan(100)
    let assignments = 0
    const stop = $effect.root(() => {
      $effect(() => {
        void list.all
        assignments++
      })
    })
    await settle(1)
    assignments = 0
    s.bridge.emit('occupants', { account: A1, room: ROOM, reset: false, upsert: Array.from({ length: 500 }, (_, i) => occupant({ nick: `new${i}` })), remove: people.slice(0, 500).map((p) => p.nick) })
    await settle(1)
    expect(assignments).toBe(1)
    expect(list.all.size).toBe(3_000)
    expect(performance.now() - t0).toBeLessThan(2_000)
    stop()
  })
})
