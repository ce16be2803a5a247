// Group chats in two real browsers: Alice creates a room in "Join or create a room", Bob joins it
// through the same dialog, both write and see each other's nick; the occupants panel lists both;
// Bob writes to Alice privately through the room.
import { describe, expect } from 'vitest'
import { test, uniqueName } from './fixture'
import { accountId, chatView, composer, conversationRow, dismissNotes, firstAccount, gone, mainTab, message, messageList, send, shown, tr } from './ui'

describe('group chats', () => {
  test('Alice creates a room, Bob joins it with the dialog; messages both ways show the nicks', async ({ openApp }) => {
    const [alice, bob] = await Promise.all([openApp({ name: 'alice' }), openApp({ name: 'bob' })])
    const [a, b] = await Promise.all([firstAccount(alice), firstAccount(bob)])
    const local = uniqueName('club')
    const roomName = `Club ${local.slice(-4)}`

    // Alice: Chats → "Join or create a room" → Create.
    await mainTab(alice.page, 'tabs.chats').click()
    await alice.page.getByRole('button', { name: tr('rooms.joinOpen'), exact: true }).click()
    const dialog = alice.page.getByRole('dialog', { name: tr('rooms.joinTitle') })
    await dialog.getByRole('tab', { name: tr('rooms.createTab') }).click()
    await shown(dialog.getByText(/^@conference\./))
    await dialog.getByLabel(tr('rooms.create.address'), { exact: true }).fill(local)
    await dialog.getByLabel(tr('rooms.create.name'), { exact: true }).fill(roomName)
    await dialog.getByLabel(tr('rooms.create.description'), { exact: true }).fill('A room for the e2e test')
    await dialog.getByRole('button', { name: tr('rooms.createSubmit'), exact: true }).click()
    await gone(dialog)
    await shown(chatView(alice.page, roomName))
    const [aId] = await Promise.all([accountId(alice, a.jid)])
    const room = (await alice.harness.service.api.rooms.list()).find((r) => r.account === aId && r.room.startsWith(`${local}@`))
    if (!room) throw new Error('Alice has no room')
    expect(room.state).toBe('joined')

    // Bob: the same dialog, Join, with the room's address.
    await bob.page.getByRole('button', { name: tr('rooms.joinOpen'), exact: true }).click()
    const join = bob.page.getByRole('dialog', { name: tr('rooms.joinTitle') })
    await join.getByLabel(tr('rooms.address'), { exact: true }).fill(room.room)
    expect(await join.getByLabel(tr('rooms.nick'), { exact: true }).inputValue()).toBe(b.user)
    await join.getByRole('button', { name: tr('rooms.joinSubmit'), exact: true }).click()
    await gone(join)
    await shown(chatView(bob.page, roomName))
    await shown(conversationRow(bob.page, roomName))

    // Messages both ways; each side sees the other's nick above their message.
    const aliceBox = composer(alice.page, roomName)
    await aliceBox.fill('Welcome to the club! 欢迎')
    await aliceBox.press('Enter')
    const bobsList = messageList(bob.page, roomName)
    const welcome = message(bobsList, 'Welcome to the club! 欢迎')
    await shown(welcome)
    await shown(welcome.getByText(a.user, { exact: true }))

    const bobBox = composer(bob.page, roomName)
    await bobBox.fill(`Thanks, ${a.user}!`)
    await bobBox.press('Enter')
    const alicesList = messageList(alice.page, roomName)
    const thanks = message(alicesList, `Thanks, ${a.user}!`)
    await shown(thanks)
    await shown(thanks.getByText(b.user, { exact: true }))
    // Bob named Alice's nick: a mention, highlighted for her.
    await expect.poll(() => thanks.locator('.message.mention').count()).toBe(1)

    // The occupants panel: both, Alice as a moderator (she created the room) with the owner badge.
    await alice.page.getByRole('button', { name: tr('rooms.occupantCount', { count: 2 }) }).click()
    const panel = alice.page.getByRole('complementary', { name: tr('rooms.occupantsLabel', { name: roomName }) })
    await shown(panel.getByText(b.user, { exact: true }))
    await shown(panel.getByText(tr('rooms.affiliation.owner'), { exact: true }))
    await shown(panel.getByRole('heading', { name: new RegExp(`^${tr('rooms.role.moderators')}`) }))
    // Alice may act on Bob (a moderator's menu), Bob has no such menu for Alice.
    await shown(panel.getByRole('button', { name: tr('rooms.actionsFor', { nick: b.user }) }))
    await dismissNotes(alice.page)
    await alice.screenshot('room.png')
    await bob.page.getByRole('button', { name: tr('rooms.occupantCount', { count: 2 }) }).click()
    const bobsPanel = bob.page.getByRole('complementary', { name: tr('rooms.occupantsLabel', { name: roomName }) })
    await shown(bobsPanel.getByText(a.user, { exact: true }))
    await dismissNotes(bob.page)
    await bob.screenshot('room-bob.png')

    // Bob's menu for Alice offers only a private message: a chat of its own, through the room.
    await bobsPanel.getByRole('button', { name: tr('rooms.actionsFor', { nick: a.user }) }).click()
    const bobsMenu = bob.page.getByRole('menu', { name: tr('rooms.actionsFor', { nick: a.user }) })
    expect(await bobsMenu.getByRole('menuitem').allTextContents()).toEqual([tr('rooms.action.message')])
    await bobsMenu.getByRole('menuitem', { name: tr('rooms.action.message') }).click()
    await shown(chatView(bob.page, a.user))
    await send(bob.page, a.user, 'Just between us')
    const privateRow = conversationRow(alice.page, b.user)
    await shown(privateRow)
    await shown(privateRow.getByText(tr('chats.privateIn', { room: roomName })))
    await privateRow.click()
    await shown(message(messageList(alice.page, b.user), 'Just between us'))
    await send(alice.page, b.user, 'Understood')
    await shown(message(messageList(bob.page, a.user), 'Understood'))
    await alice.screenshot('room-private.png')
    // Neither reached the room.
    expect(await message(alicesList, 'Just between us').count()).toBe(0)
  })
})
