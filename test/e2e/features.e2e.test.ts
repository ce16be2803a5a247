// Message features between two real browsers: a picture sent through the file picker and shown to
// the other side as a preview (after a click, as the test server is on a loopback address), a reply
// and a correction seen on the other side, search that finds a Chinese word and jumps to the
// message, and the Desktop section of Settings.
import { deflateSync, crc32 } from 'node:zlib'
import { describe, expect } from 'vitest'
import { test } from './fixture'
import {
  chatView,
  composer,
  conversationRow,
  dismissNotes,
  friends,
  mainTab,
  message,
  messageAction,
  messageList,
  openChatFromContacts,
  send,
  shown,
  tr
} from './ui'

/** A small real PNG (w×h, a colour gradient), built here so the test needs no fixture file. */
function png(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer): Buffer => {
    const head = Buffer.alloc(8)
    head.writeUInt32BE(data.length, 0)
    head.write(type, 4, 'ascii')
    const crc = Buffer.alloc(4)
    crc.writeUInt32BE(crc32(Buffer.concat([Buffer.from(type, 'ascii'), data])) >>> 0, 0)
    return Buffer.concat([head, data, crc])
  }
  const ihdr = Buffer.alloc(13)
  ihdr.writeUInt32BE(width, 0)
  ihdr.writeUInt32BE(height, 4)
  ihdr[8] = 8 // bit depth
  ihdr[9] = 2 // truecolour RGB
  const rows: number[] = []
  for (let y = 0; y < height; y++) {
    rows.push(0)
    for (let x = 0; x < width; x++) rows.push(Math.round((x / width) * 255), Math.round((y / height) * 255), 160)
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.from(rows))), chunk('IEND', Buffer.alloc(0))])
}

describe('files', () => {
  test('Alice sends a PNG with the paper clip; Bob sees the card and, after a click, the preview', async ({ openApp }) => {
    const { alice, bob, a, b } = await friends(openApp)
    await openChatFromContacts(alice.page, b.user)
    const chat = chatView(alice.page, b.user)

    await chat.getByTestId('file-input').setInputFiles({ name: 'sunset.png', mimeType: 'image/png', buffer: png(64, 40) })
    const pending = chat.getByRole('region', { name: tr('files.pendingLabel') })
    await shown(pending.getByText('sunset.png', { exact: true }))
    await shown(pending.getByText(/^This server accepts files up to /))
    await pending.getByRole('button', { name: tr('files.send', { count: 1 }), exact: true }).click()

    // Bob: the link arrives as an attachment; the picture is on 127.0.0.1, so it waits for a click.
    await mainTab(bob.page, 'tabs.chats').click()
    await conversationRow(bob.page, a.user).click()
    const bobsList = messageList(bob.page, a.user)
    const card = bobsList.getByTestId('attachment')
    await shown(card.getByRole('link', { name: 'sunset.png', exact: true }))
    await card.getByRole('button', { name: tr('files.loadLocalImage') }).click()
    const picture = card.getByRole('img', { name: tr('files.previewAlt', { name: 'sunset.png' }) })
    await shown(picture)
    expect(await picture.getAttribute('src')).toMatch(/^data:image\/png;base64,/)
    // Alice sees her own file as a card too.
    await shown(messageList(alice.page, b.user).getByTestId('attachment').getByRole('link', { name: 'sunset.png', exact: true }))
    await dismissNotes(bob.page)
    await bob.screenshot('file.png')
  })
})

describe('message features', () => {
  test('a reply and a correction show on the other side; search finds a Chinese word and jumps to it', async ({ openApp }) => {
    const { alice, bob, a, b } = await friends(openApp)
    await openChatFromContacts(alice.page, b.user)
    await send(alice.page, b.user, '今天天气很好，我们去公园吧')
    for (let i = 1; i <= 3; i++) await send(alice.page, b.user, `filler ${i}`)

    // Bob replies to the first message through its actions menu.
    await mainTab(bob.page, 'tabs.chats').click()
    await conversationRow(bob.page, a.user).click()
    const bobsList = messageList(bob.page, a.user)
    const original = message(bobsList, '今天天气很好，我们去公园吧')
    await shown(original)
    await messageAction(original, 'chat.reply')
    await shown(chatView(bob.page, a.user).getByText(tr('chat.replyingTo', { name: a.user })))
    await send(bob.page, a.user, 'Good idea!')

    // Alice sees the quote above Bob's answer.
    const alicesList = messageList(alice.page, b.user)
    const reply = message(alicesList, 'Good idea!')
    await shown(reply)
    await shown(reply.getByRole('button', { name: tr('chat.quoteLabel', { name: tr('chat.you') }) }))
    expect(await reply.innerText()).toContain('今天天气很好')

    // Alice corrects her last message with the Up arrow.
    const box = composer(alice.page, b.user)
    await box.focus()
    await box.press('ArrowUp')
    await expect.poll(() => box.inputValue()).toBe('filler 3')
    await box.fill('filler three')
    await box.press('Enter')
    const corrected = message(bobsList, 'filler three')
    await shown(corrected)
    await shown(corrected.getByText(tr('chat.edited'), { exact: true }))
    expect(await bobsList.getByText('filler 3', { exact: true }).count()).toBe(0)

    // Search (Ctrl+K) across everything: a Chinese word inside a sentence.
    await dismissNotes(alice.page)
    await alice.page.keyboard.press('Control+k')
    const search = alice.page.getByRole('dialog', { name: tr('search.title') })
    await search.getByRole('searchbox', { name: tr('search.label') }).fill('天气')
    const hits = search.getByRole('list', { name: tr('search.results') })
    const hit = hits.getByRole('button').filter({ hasText: '今天天气很好' })
    await shown(hit)
    expect(await hit.locator('mark').allTextContents()).toEqual(['天气'])
    await alice.screenshot('search.png')
    await hit.click()
    const jumped = message(alicesList, '今天天气很好，我们去公园吧')
    await shown(jumped.locator('.message.highlighted'))
    await expect.poll(() => alice.page.evaluate(() => (globalThis as unknown as { document: { activeElement: { textContent: string } | null } }).document.activeElement?.textContent ?? '')).toContain('今天天气很好')
  })
})

describe('settings', () => {
  test('the Desktop section: tray, start-up and notification switches, and how passwords are kept', async ({ openApp }) => {
    const { alice } = await friends(openApp)
    await dismissNotes(alice.page)
    await alice.page.getByRole('button', { name: tr('settings.title'), exact: true }).click()
    const dialog = alice.page.getByRole('dialog', { name: tr('settings.title') })
    await shown(dialog.getByRole('heading', { name: tr('settings.desktop') }))
    const text = dialog.getByRole('checkbox', { name: tr('settings.notificationText') })
    const notifications = dialog.getByRole('checkbox', { name: tr('settings.notifications') })
    if (!(await notifications.isChecked())) await notifications.check()
    expect(await text.isEnabled()).toBe(true)
    await notifications.uncheck()
    await expect.poll(() => text.isEnabled()).toBe(false)
    await expect.poll(async () => (await alice.harness.service.api.desktop.get()).notifications).toBe(false)
    await notifications.check()
    await dialog.getByRole('checkbox', { name: tr('settings.startAtLogin') }).check()
    await expect.poll(() => dialog.getByRole('checkbox', { name: tr('settings.startHidden') }).isEnabled()).toBe(true)
    await shown(dialog.getByText(tr('settings.passwordsOs')))
    await alice.page.setViewportSize({ width: 1000, height: 900 })
    await alice.screenshot('settings-desktop.png')
  })
})
