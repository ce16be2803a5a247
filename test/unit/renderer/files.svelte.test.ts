// Files: attach (paper clip, paste, drop), the size against the server's limit, upload progress and
// cancel; received links as attachment cards: download progress and "Saved to", image previews
// only through main (data URLs), a private address only after a click.
import { fireEvent, screen, within } from '@testing-library/svelte'
import { describe, expect, test, vi } from 'vitest'
import AttachmentCard from '../../../src/renderer/src/features/chats/AttachmentCard.svelte'
import ChatView from '../../../src/renderer/src/features/chats/ChatView.svelte'
import { attachmentOf, formatBytes } from '../../../src/renderer/src/lib/attachments'
import { FilesState } from '../../../src/renderer/src/state/files.svelte'
import type { ChatMessageView, ImagePreview, Result } from '../../../src/shared/ipc/contract'
import { asMessageId } from '../../../src/shared/model/ids'
import { settle } from './dom'
import { A1, account, contact, conversation, fail, installFakeBridge, message, ok, transfer, type FakeBridge } from './fakeBridge'
import { renderView, setup } from './harness'

const PEER = 'alice@example.org'
const PNG_DATA = 'data:image/png;base64,iVBORw0KGgo='

async function open(history: ChatMessageView[] = [], prepare?: (b: FakeBridge) => void) {
  const s = await setup((b) => {
    b.api.accounts.list.mockResolvedValue(ok([account()]))
    b.api.contacts.list.mockResolvedValue(ok([contact({ jid: PEER, name: 'Alice' })]))
    b.api.chats.list.mockResolvedValue(ok([conversation({ peer: PEER, name: 'Alice' })]))
    b.api.chats.history.mockResolvedValue(ok(history))
    prepare?.(b)
  })
  const view = await renderView(ChatView, s.app, { account: A1, peer: PEER })
  return { ...s, view }
}

const file = (name: string, size: number, type = 'application/octet-stream'): File => new File([new Uint8Array(size).fill(7)], name, { type })

async function pick(files: File[]): Promise<void> {
  const input = screen.getByTestId('file-input') as HTMLInputElement
  Object.defineProperty(input, 'files', { configurable: true, value: files })
  await fireEvent.change(input)
  await settle()
}

describe('pure parts', () => {
  test('a body that is one link to a file is an attachment; pages, text around it and other schemes are not', () => {
    expect(attachmentOf('https://up.example.org/abc/holiday%20photo.JPG')).toEqual({ url: 'https://up.example.org/abc/holiday%20photo.JPG', name: 'holiday photo.JPG', image: true })
    expect(attachmentOf(' https://up.example.org/x/report.pdf\n')).toMatchObject({ name: 'report.pdf', image: false })
    expect(attachmentOf('https://example.org/')).toBeNull()
    expect(attachmentOf('https://example.org/blog/post')).toBeNull()
    expect(attachmentOf('see https://up.example.org/x/a.png')).toBeNull()
    expect(attachmentOf('ftp://up.example.org/x/a.png')).toBeNull()
    expect(attachmentOf('https://user:pw@up.example.org/x/a.png')).toBeNull()
    // A right-to-left override in the name cannot turn ".exe" into "…exe.pdf".
    expect(attachmentOf('https://up.example.org/x/invoice_%E2%80%AEfdp.exe')?.name).toBe('invoice_⟨RLO⟩fdp.exe')
    expect(formatBytes(512, 'en')).toBe('512 bytes')
    expect(formatBytes(1_500_000, 'en')).toBe('1.5 MB')
    expect(formatBytes(10 * 1024 * 1024, 'en')).toBe('10 MB')
  })

  test('a body the sender marked as a file (XEP-0066) is an attachment whatever its link looks like; still one link only', () => {
    expect(attachmentOf('https://share.example.org/d/8f3a9c')).toBeNull()
    expect(attachmentOf('https://share.example.org/d/8f3a9c', true)).toEqual({ url: 'https://share.example.org/d/8f3a9c', name: '8f3a9c', image: false })
    expect(attachmentOf('https://share.example.org/', true)).toMatchObject({ name: 'share.example.org', image: false })
    expect(attachmentOf('https://share.example.org/p/cat.webp', true)).toMatchObject({ name: 'cat.webp', image: true })
    expect(attachmentOf('look: https://share.example.org/d/8f3a9c', true)).toBeNull()
    expect(attachmentOf('javascript:alert(1)', true)).toBeNull()
  })
})

describe('attaching', () => {
  test('the paper clip: name, size and the server’s limit before sending; Send uploads the bytes', async () => {
    const { bridge } = await open()
    await pick([file('notes.txt', 2_000, 'text/plain')])
    const pending = screen.getByRole('region', { name: 'Files to send' })
    expect(pending.textContent).toContain('notes.txt')
    expect(pending.textContent).toContain('2 kB')
    expect(pending.textContent).toContain('This server accepts files up to 10 MB.')
    expect(bridge.api.files.send).not.toHaveBeenCalled()
    await fireEvent.click(within(pending).getByRole('button', { name: 'Send file' }))
    await settle()
    expect(bridge.api.files.send).toHaveBeenCalledTimes(1)
    const [acc, peer, sent] = bridge.api.files.send.mock.calls[0] as [string, string, { name: string; type: string; bytes: Uint8Array }]
    expect([acc, peer, sent.name, sent.type]).toEqual([A1, PEER, 'notes.txt', 'text/plain'])
    expect(sent.bytes).toBeInstanceOf(Uint8Array)
    expect(sent.bytes.byteLength).toBe(2_000)
    expect(screen.queryByRole('region', { name: 'Files to send' })).toBeNull()
  })

  test('a file over the limit is refused with the reason, and nothing is sent', async () => {
    const { bridge } = await open([], (b) => b.api.files.uploadLimit.mockResolvedValue(ok(1_000)))
    await pick([file('big.bin', 5_000)])
    const pending = screen.getByRole('region', { name: 'Files to send' })
    expect(within(pending).getByRole('alert').textContent).toBe('Too large: the server accepts at most 1 kB.')
    const send = within(pending).getByRole('button', { name: 'Send file' }) as HTMLButtonElement
    expect(send.disabled).toBe(true)
    await fireEvent.click(within(pending).getByRole('button', { name: 'Remove big.bin' }))
    expect(screen.queryByRole('region', { name: 'Files to send' })).toBeNull()
    expect(bridge.api.files.send).not.toHaveBeenCalled()
  })

  test('a server without upload says so', async () => {
    await open([], (b) => b.api.files.uploadLimit.mockResolvedValue(fail({ code: 'unsupported', detail: 'no upload service' })))
    await pick([file('a.txt', 10)])
    expect(screen.getByText('This server does not accept files. Ask its administrator to turn on file upload.')).toBeTruthy()
    expect((screen.getByRole('button', { name: 'Send file' }) as HTMLButtonElement).disabled).toBe(true)
  })

  test('upload progress from transfers events, with Cancel; a failure stays until dismissed', async () => {
    const id = '00000000-0000-4000-8000-00000000abcd'
    const { bridge } = await open([], (b) => b.api.files.send.mockResolvedValue(ok(id)))
    await pick([file('movie.mp4', 4_000, 'video/mp4')])
    await fireEvent.click(screen.getByRole('button', { name: 'Send file' }))
    await settle()
    bridge.emit('transfers', [transfer({ id, name: 'movie.mp4', done: 1_000, total: 4_000 })])
    await settle(1)
    const uploads = screen.getByRole('list', { name: 'Uploads' })
    const bar = within(uploads).getByRole('progressbar', { name: 'Uploading movie.mp4' }) as HTMLProgressElement
    expect(bar.value).toBe(25)
    expect(uploads.textContent).toContain('25%')
    await fireEvent.click(within(uploads).getByRole('button', { name: 'Cancel' }))
    expect(bridge.api.files.cancel).toHaveBeenCalledWith(id)
    bridge.emit('transfers', [transfer({ id, name: 'movie.mp4', done: 1_000, total: 4_000, state: 'cancelled' })])
    await settle(1)
    expect(screen.queryByRole('list', { name: 'Uploads' })).toBeNull()

    bridge.emit('transfers', [transfer({ id: `${id.slice(0, -1)}e`, name: 'x.bin', state: 'failed', error: { code: 'timeout', detail: 'PUT timed out' } })])
    await settle(1)
    const failed = screen.getByRole('list', { name: 'Uploads' })
    expect(within(failed).getByRole('alert').textContent).toContain('The server took too long to answer.')
    await fireEvent.click(within(failed).getByRole('button', { name: 'Dismiss' }))
    expect(screen.queryByRole('list', { name: 'Uploads' })).toBeNull()
  })

  test('a pasted picture and dropped files wait in the composer and go out with files.send', async () => {
    const { bridge } = await open()
    const box = screen.getByLabelText('Message to Alice')
    const paste = new Event('paste', { bubbles: true, cancelable: true })
    Object.defineProperty(paste, 'clipboardData', { value: { files: [file('image.png', 300, 'image/png')] } })
    box.dispatchEvent(paste)
    await settle()
    expect(paste.defaultPrevented).toBe(true)
    const chat = screen.getByRole('region', { name: 'Chat with Alice' })
    const drop = new Event('drop', { bubbles: true, cancelable: true })
    Object.defineProperty(drop, 'dataTransfer', { value: { types: ['Files'], files: [file('a.pdf', 10, 'application/pdf'), file('b.pdf', 20, 'application/pdf')] } })
    chat.dispatchEvent(drop)
    await settle()
    expect(drop.defaultPrevented).toBe(true)
    const pending = screen.getByRole('region', { name: 'Files to send' })
    expect([...pending.querySelectorAll('.name')].map((n) => n.textContent)).toEqual(['image.png', 'a.pdf', 'b.pdf'])
    await fireEvent.click(within(pending).getByRole('button', { name: 'Send 3 files' }))
    await settle()
    expect(bridge.api.files.send.mock.calls.map((c) => (c[2] as { name: string }).name)).toEqual(['image.png', 'a.pdf', 'b.pdf'])
  })

  test('pasting text is just text', async () => {
    await open()
    const box = screen.getByLabelText('Message to Alice')
    const paste = new Event('paste', { bubbles: true, cancelable: true })
    Object.defineProperty(paste, 'clipboardData', { value: { files: [] } })
    box.dispatchEvent(paste)
    expect(paste.defaultPrevented).toBe(false)
  })
})

describe('attachment cards', () => {
  const URL_FILE = 'https://up.example.org/slot/report.pdf'
  const URL_IMAGE = 'https://up.example.org/slot/cat.png'
  const URL_LOCAL = 'http://127.0.0.1:5280/file_share/x/dot.png'

  test('Download: progress from transfers, then "Saved to …"', async () => {
    const id = '00000000-0000-4000-9000-0000000000aa'
    const { bridge } = await open([message({ id: asMessageId('f1'), body: URL_FILE })], (b) => b.api.files.download.mockResolvedValue(ok(id)))
    const card = screen.getByTestId('attachment')
    expect(within(card).getByRole('link', { name: 'report.pdf' }).getAttribute('href')).toBe(URL_FILE)
    await fireEvent.click(within(card).getByRole('button', { name: 'Download' }))
    await settle()
    expect(bridge.api.files.download).toHaveBeenCalledWith(URL_FILE, false)
    bridge.emit('transfers', [transfer({ id, direction: 'down', account: null, peer: null, name: 'report.pdf', done: 50, total: 200, url: URL_FILE })])
    await settle(1)
    expect((within(card).getByRole('progressbar', { name: 'Downloading report.pdf' }) as HTMLProgressElement).value).toBe(25)
    bridge.emit('transfers', [transfer({ id, direction: 'down', account: null, peer: null, name: 'report.pdf', done: 200, total: 200, state: 'done', path: '/home/me/Downloads/report.pdf' })])
    await settle(1)
    expect(within(card).getByRole('status').textContent).toBe('Saved to /home/me/Downloads/report.pdf')
  })

  test('an image is previewed from the data URL main returns, never from the remote address', async () => {
    const { bridge } = await open([message({ id: asMessageId('i1'), body: URL_IMAGE })], (b) => b.api.files.preview.mockResolvedValue(ok({ dataUrl: PNG_DATA, width: 640, height: 480 })))
    await vi.waitFor(() => expect(bridge.api.files.preview).toHaveBeenCalledWith(URL_IMAGE, false))
    await settle()
    const img = within(screen.getByTestId('attachment')).getByRole('img', { name: 'Picture: cat.png' }) as HTMLImageElement
    expect(img.getAttribute('src')).toBe(PNG_DATA)
    expect([img.width, img.height]).toEqual([280, 210])
    for (const el of document.querySelectorAll('img')) expect(el.getAttribute('src') ?? '').toMatch(/^data:/)
  })

  test('an image on a local or private address loads only after a click', async () => {
    const { bridge } = await open([message({ id: asMessageId('l1'), body: URL_LOCAL })], (b) =>
      b.api.files.preview.mockImplementation(async (_url: string, allowPrivate: boolean) =>
        allowPrivate ? ok({ dataUrl: PNG_DATA, width: 8, height: 8 }) : fail({ code: 'invalid-argument', condition: 'blocked-address', detail: '127.0.0.1 is a loopback address' })
      )
    )
    const card = screen.getByTestId('attachment')
    await vi.waitFor(() => expect(bridge.api.files.preview).toHaveBeenCalled())
    await settle()
    expect(card.querySelector('img')).toBeNull()
    expect(card.textContent).toContain('This picture is on a local or private network address, so it was not loaded.')
    expect(bridge.api.files.preview).toHaveBeenCalledTimes(1)
    await fireEvent.click(within(card).getByRole('button', { name: 'Load image from a local address' }))
    await settle()
    expect(bridge.api.files.preview).toHaveBeenLastCalledWith(URL_LOCAL, true)
    expect(within(card).getByRole('img', { name: 'Picture: dot.png' }).getAttribute('src')).toBe(PNG_DATA)
  })

  test('a picture from someone not in the contacts loads only when asked (fetching tells their server our address)', async () => {
    const { bridge } = await open([message({ id: asMessageId('x1'), body: URL_IMAGE })], (b) => {
      b.api.contacts.list.mockResolvedValue(ok([]))
      b.api.files.preview.mockResolvedValue(ok({ dataUrl: PNG_DATA, width: 8, height: 8 }))
    })
    await new Promise((r) => setTimeout(r, 400))
    expect(bridge.api.files.preview).not.toHaveBeenCalled()
    await fireEvent.click(screen.getByRole('button', { name: 'Show picture' }))
    await vi.waitFor(() => expect(bridge.api.files.preview).toHaveBeenCalledWith(URL_IMAGE, false))
    await vi.waitFor(() => expect(screen.getByRole('img', { name: /^Picture: / })).toBeTruthy())
  })

  test('a card scrolled past before it settles fetches nothing', async () => {
    const { bridge, view } = await open([message({ id: asMessageId('s1'), body: URL_IMAGE })], (b) => b.api.files.preview.mockResolvedValue(ok({ dataUrl: PNG_DATA, width: 8, height: 8 })))
    expect(screen.getByTestId('attachment')).toBeTruthy()
    view.unmount()
    await new Promise((r) => setTimeout(r, 400))
    expect(bridge.api.files.preview).not.toHaveBeenCalled()
  })

  /** A preview main has not answered yet; `answer` settles it. */
  function slowPreview(b: FakeBridge): { answer: (r: Result<ImagePreview | null>) => void } {
    const waiting: ((r: Result<ImagePreview | null>) => void)[] = []
    b.api.files.preview.mockImplementation(() => new Promise((resolve) => waiting.push(resolve)))
    return { answer: (r) => waiting.shift()?.(r) }
  }

  test('a card removed while its picture loads cancels the fetch, and shown again fetches it anew', async () => {
    let slow!: ReturnType<typeof slowPreview>
    const { bridge, app, view } = await open([message({ id: asMessageId('c1'), body: URL_IMAGE })], (b) => (slow = slowPreview(b)))
    await vi.waitFor(() => expect(bridge.api.files.preview).toHaveBeenCalledWith(URL_IMAGE, false))
    await settle()
    expect(app.files.preview(URL_IMAGE)?.state).toBe('loading')
    expect(bridge.api.files.cancelPreview).not.toHaveBeenCalled()
    view.unmount()
    await settle()
    expect(bridge.api.files.cancelPreview).toHaveBeenCalledExactlyOnceWith(URL_IMAGE)
    expect(app.files.preview(URL_IMAGE)).toBeUndefined()
    // Main's answer to the cancelled fetch comes later and is not remembered as "no preview".
    slow.answer(fail({ code: 'internal', condition: 'cancelled', detail: 'The transfer was cancelled' }))
    await settle()
    expect(app.files.preview(URL_IMAGE)).toBeUndefined()

    await renderView(AttachmentCard, app, { attachment: attachmentOf(URL_IMAGE) })
    await vi.waitFor(() => expect(bridge.api.files.preview).toHaveBeenCalledTimes(2))
    slow.answer(ok({ dataUrl: PNG_DATA, width: 8, height: 8 }))
    await vi.waitFor(() => expect(screen.getByRole('img', { name: 'Picture: cat.png' }).getAttribute('src')).toBe(PNG_DATA))
    expect(bridge.api.files.cancelPreview).toHaveBeenCalledOnce()
  })

  test('two cards of the same picture share its fetch: removing one cancels nothing, removing the last does', async () => {
    let slow!: ReturnType<typeof slowPreview>
    const { bridge, app } = await setup((b) => (slow = slowPreview(b)))
    const first = await renderView(AttachmentCard, app, { attachment: attachmentOf(URL_IMAGE) })
    const second = await renderView(AttachmentCard, app, { attachment: attachmentOf(URL_IMAGE) })
    await vi.waitFor(() => expect(app.files.preview(URL_IMAGE)?.state).toBe('loading'))
    await settle()
    expect(bridge.api.files.preview).toHaveBeenCalledOnce()
    first.unmount()
    await settle()
    expect(bridge.api.files.cancelPreview).not.toHaveBeenCalled()
    expect(app.files.preview(URL_IMAGE)?.state).toBe('loading')
    second.unmount()
    await settle()
    expect(bridge.api.files.cancelPreview).toHaveBeenCalledExactlyOnceWith(URL_IMAGE)
    slow.answer(fail({ code: 'internal', condition: 'cancelled', detail: 'The transfer was cancelled' }))
  })

  test('a card removed once its picture has loaded cancels nothing (the preview stays cached)', async () => {
    const { bridge, view, app } = await open([message({ id: asMessageId('c2'), body: URL_IMAGE })], (b) => b.api.files.preview.mockResolvedValue(ok({ dataUrl: PNG_DATA, width: 8, height: 8 })))
    await vi.waitFor(() => expect(app.files.preview(URL_IMAGE)?.state).toBe('ready'))
    view.unmount()
    await settle()
    expect(bridge.api.files.cancelPreview).not.toHaveBeenCalled()
    expect(app.files.preview(URL_IMAGE)?.state).toBe('ready')
  })

  test('a download refused for a private address offers the explicit local download', async () => {
    const id = '00000000-0000-4000-9000-0000000000bb'
    const { bridge } = await open([message({ id: asMessageId('d1'), body: 'http://192.168.1.5/files/setup.exe' })], (b) => b.api.files.download.mockResolvedValue(ok(id)))
    const card = screen.getByTestId('attachment')
    await fireEvent.click(within(card).getByRole('button', { name: 'Download' }))
    await settle()
    bridge.emit('transfers', [transfer({ id, direction: 'down', account: null, peer: null, state: 'failed', error: { code: 'invalid-argument', condition: 'blocked-address', detail: 'private' } })])
    await settle(1)
    await fireEvent.click(within(card).getByRole('button', { name: 'Download from a local address' }))
    expect(bridge.api.files.download).toHaveBeenLastCalledWith('http://192.168.1.5/files/setup.exe', true)
  })
})

describe('the preview cache', () => {
  const url = (i: number): string => `https://up.example.org/p/${i}.png`

  function state(dataUrl = PNG_DATA): { files: FilesState; bridge: FakeBridge } {
    const bridge = installFakeBridge()
    bridge.api.files.preview.mockResolvedValue(ok({ dataUrl, width: 8, height: 8 }))
    return { files: new FilesState(), bridge }
  }

  test('keeps the last 200, forgets the oldest, and fetches a forgotten one again', async () => {
    const { files, bridge } = state()
    for (let i = 0; i < 201; i++) await files.loadPreview(url(i))
    expect(files.previews.size).toBe(200)
    expect(files.preview(url(0))).toBeUndefined()
    expect(files.preview(url(1))?.state).toBe('ready')
    expect(files.preview(url(200))?.state).toBe('ready')
    await files.loadPreview(url(1))
    expect(bridge.api.files.preview).toHaveBeenCalledTimes(201) // still cached
    await files.loadPreview(url(0))
    expect(bridge.api.files.preview).toHaveBeenCalledTimes(202)
    expect(files.preview(url(0))?.state).toBe('ready')
    expect(files.preview(url(1))).toBeUndefined()
  })

  test('never forgets a preview a card is showing, until it is released', async () => {
    const { files } = state()
    const release = files.holdPreview(url(0))
    for (let i = 0; i < 250; i++) await files.loadPreview(url(i))
    expect(files.preview(url(0))?.state).toBe('ready')
    expect(files.previews.size).toBe(200)
    release()
    release() // twice is once
    await files.loadPreview(url(250))
    expect(files.preview(url(0))).toBeUndefined()
    expect(files.previews.size).toBe(200)
  })

  test('also bounds the bytes kept: big previews push out old ones sooner', async () => {
    const big = `data:image/png;base64,${'A'.repeat(8 * 1024 * 1024)}`
    const { files } = state(big)
    for (let i = 0; i < 20; i++) await files.loadPreview(url(i))
    expect(files.previews.size).toBeLessThan(20)
    expect(files.preview(url(19))?.state).toBe('ready')
    expect(files.preview(url(0))).toBeUndefined()
  })
})
