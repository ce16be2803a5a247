// Avatars: a cache by hash, loaded only for rows on screen, invalidated by `avatars` events; our
// own picture scaled to a PNG of at most 192×192 in the renderer (the resizer is injected: happy-dom
// has no canvas); profiles (a contact's, and editing ours).
import { fireEvent, screen, within } from '@testing-library/svelte'
import { describe, expect, test, vi } from 'vitest'
import AccountsView from '../../../src/renderer/src/features/accounts/AccountsView.svelte'
import ContactsView from '../../../src/renderer/src/features/contacts/ContactsView.svelte'
import App from '../../../src/renderer/src/App.svelte'
import { pngSize, squareCrop } from '../../../src/renderer/src/lib/image'
import { render } from '@testing-library/svelte'
import { settle } from './dom'
import { A1, EMPTY_PROFILE, account, contact, ok } from './fakeBridge'
import { renderView, setup } from './harness'

const H1 = '1'.repeat(40)
const H2 = '2'.repeat(40)
const url = (n: number): string => `data:image/png;base64,${'A'.repeat(n)}`

/** The 24-byte start of a PNG: signature and IHDR with this size (all `pngSize` reads). */
function pngHeader(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33)
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52])
  const v = new DataView(b.buffer)
  v.setUint32(16, width)
  v.setUint32(20, height)
  return b
}

describe('pure parts', () => {
  test('the centred square, scaled down to 192 at most and never up', () => {
    expect(squareCrop(4000, 3000)).toEqual({ sx: 500, sy: 0, side: 3000, size: 192 })
    expect(squareCrop(300, 900)).toEqual({ sx: 0, sy: 300, side: 300, size: 192 })
    expect(squareCrop(100, 80)).toEqual({ sx: 10, sy: 0, side: 80, size: 80 })
  })

  test('PNG size from the header; anything else is not a PNG', () => {
    expect(pngSize(pngHeader(192, 180))).toEqual({ width: 192, height: 180 })
    expect(pngSize(new TextEncoder().encode('GIF89a................................'))).toBeNull()
    expect(pngSize(new Uint8Array(8))).toBeNull()
  })
})

describe('the cache', () => {
  test('loads avatars of visible rows only, once per hash, and shows them as images', async () => {
    const many = Array.from({ length: 200 }, (_, i) =>
      contact({ jid: `c${String(i).padStart(3, '0')}@example.org`, name: `Contact ${String(i).padStart(3, '0')}`, avatar: i === 0 ? H1 : (i + 1).toString(16).padStart(40, 'f') })
    )
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.contacts.list.mockResolvedValue(ok(many))
      b.api.avatars.get.mockImplementation(async (hash: string) => ok(hash === H1 ? url(8) : null))
    })
    await renderView(ContactsView, s.app)
    await settle()
    const asked = s.bridge.api.avatars.get.mock.calls.map((c) => c[0])
    // Only the rows on screen (a screenful of 200), each hash once.
    expect(new Set(asked).size).toBe(asked.length)
    expect(asked.length).toBeGreaterThan(3)
    expect(asked.length).toBeLessThan(40)
    expect(asked).toContain(H1)
    expect(asked).not.toContain((200).toString(16).padStart(40, 'f'))
    const first = screen.getByText('Contact 000').closest('.contact-row') as HTMLElement
    expect(first.querySelector('img.avatar')?.getAttribute('src')).toBe(url(8))
    // No picture for that hash: the coloured initial stays.
    const second = screen.getByText('Contact 001').closest('.contact-row') as HTMLElement
    expect(second.querySelector('img')).toBeNull()
    expect(second.querySelector('.avatar')?.textContent?.trim()).toBe('C')
  })

  test('an avatars event replaces the picture: the new hash is fetched, the old one dropped', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.contacts.list.mockResolvedValue(ok([contact({ name: 'Alice', avatar: H1 })]))
      b.api.avatars.get.mockImplementation(async (hash: string) => ok(hash === H1 ? url(4) : url(12)))
    })
    await renderView(ContactsView, s.app)
    await settle()
    const img = (): string | null => document.querySelector('.contact-row img')?.getAttribute('src') ?? null
    expect(img()).toBe(url(4))
    s.bridge.emit('avatars', [{ account: A1, jid: 'alice@example.org', hash: H2 }])
    await settle()
    expect(s.bridge.api.avatars.get).toHaveBeenLastCalledWith(H2)
    expect(img()).toBe(url(12))
    expect(s.app.avatars.url(H1)).toBeUndefined()
    // Removed: back to the initial.
    s.bridge.emit('avatars', [{ account: A1, jid: 'alice@example.org', hash: null }])
    await settle()
    expect(img()).toBeNull()
  })

  test('a hash main did not have yet is asked again when its avatars event comes', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.contacts.list.mockResolvedValue(ok([contact({ name: 'Alice', avatar: H1 })]))
      b.api.avatars.get.mockResolvedValueOnce(ok(null)).mockResolvedValue(ok(url(6)))
    })
    await renderView(ContactsView, s.app)
    await settle()
    expect(document.querySelector('.contact-row img')).toBeNull()
    s.bridge.emit('avatars', [{ account: A1, jid: 'alice@example.org', hash: H1 }])
    await settle()
    expect(s.bridge.api.avatars.get).toHaveBeenCalledTimes(2)
    expect(document.querySelector('.contact-row img')?.getAttribute('src')).toBe(url(6))
  })
})

describe('own picture', () => {
  async function accounts(resize: (file: Blob, max: number) => Promise<Uint8Array>) {
    const s = await setup((b) => b.api.accounts.list.mockResolvedValue(ok([account({ avatar: H1 })])))
    s.app.avatars.resizer = vi.fn(resize)
    await renderView(AccountsView, s.app)
    return s
  }

  async function choose(picture: File): Promise<void> {
    const input = screen.getByTestId('avatar-input') as HTMLInputElement
    expect(input.accept).toContain('image/png')
    Object.defineProperty(input, 'files', { configurable: true, value: [picture] })
    await fireEvent.change(input)
    await settle()
  }

  test('"Change picture…" sends the scaled PNG (≤ 192×192), never the original', async () => {
    const scaled = pngHeader(192, 192)
    const s = await accounts(async () => scaled)
    const original = new File([new Uint8Array(1_000_000)], 'holiday.jpg', { type: 'image/jpeg' })
    await fireEvent.click(screen.getByRole('button', { name: 'Change picture…' }))
    await choose(original)
    expect(s.app.avatars.resizer).toHaveBeenCalledWith(original, 192)
    expect(s.bridge.api.avatars.setOwn).toHaveBeenCalledTimes(1)
    const [acc, bytes] = s.bridge.api.avatars.setOwn.mock.calls[0] as [string, Uint8Array]
    expect(acc).toBe(A1)
    expect(bytes).toBe(scaled)
    const size = pngSize(bytes)
    expect(size && size.width <= 192 && size.height <= 192).toBe(true)
  })

  test('a resizer that returns something else than a small PNG is refused; non-pictures too', async () => {
    const s = await accounts(async () => pngHeader(1024, 768))
    await choose(new File([new Uint8Array(10)], 'big.png', { type: 'image/png' }))
    expect(s.bridge.api.avatars.setOwn).not.toHaveBeenCalled()
    expect(screen.getByRole('alert').textContent).toContain('Something went wrong inside Parley.')
    await choose(new File(['%PDF'], 'doc.pdf', { type: 'application/pdf' }))
    expect(s.bridge.api.avatars.setOwn).not.toHaveBeenCalled()
  })

  test('"Remove picture" removes it', async () => {
    const s = await accounts(async () => pngHeader(1, 1))
    await fireEvent.click(screen.getByRole('button', { name: 'Remove picture' }))
    expect(s.bridge.api.avatars.removeOwn).toHaveBeenCalledWith(A1)
  })
})

describe('profiles', () => {
  test('a contact’s profile: names, e-mail and web links through the system, note; bidi made visible', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.contacts.list.mockResolvedValue(ok([contact({ name: 'Alice' })]))
      b.api.profiles.get.mockResolvedValue(
        ok({ ...EMPTY_PROFILE, fn: 'Alice Liddell', nickname: 'ally', email: ['alice@mail.example'], url: ['https://alice.example/', 'javascript:alert(1)'], note: `Curiouser${String.fromCodePoint(0x202e)} and curiouser` })
      )
    })
    render(App, { props: { app: s.app } })
    await settle()
    s.app.ui.showProfile({ account: A1, jid: 'alice@example.org', name: 'Alice' })
    await settle()
    const dialog = screen.getByRole('dialog', { name: 'Profile of Alice' })
    expect(s.bridge.api.profiles.get).toHaveBeenCalledWith(A1, 'alice@example.org')
    expect(dialog.textContent).toContain('Alice Liddell')
    expect(dialog.textContent).toContain('ally')
    expect(dialog.textContent).toContain('Curiouser⟨RLO⟩ and curiouser')
    const links = within(dialog).getAllByRole('link')
    expect(links.map((l) => l.getAttribute('href'))).toEqual(['mailto:alice@mail.example', 'https://alice.example/'])
    await fireEvent.click(within(dialog).getByRole('link', { name: 'https://alice.example/' }))
    expect(s.bridge.api.app.openExternal).toHaveBeenCalledWith('https://alice.example/')
  })

  test('"Edit my profile" loads ours and saves name, nickname, e-mail and note', async () => {
    const s = await setup((b) => {
      b.api.accounts.list.mockResolvedValue(ok([account()]))
      b.api.profiles.get.mockResolvedValue(ok({ ...EMPTY_PROFILE, fn: 'Mei', email: ['old@example.org', 'second@example.org'] }))
    })
    render(App, { props: { app: s.app } })
    await settle()
    s.app.ui.tab = 'accounts'
    await settle()
    await fireEvent.click(screen.getByRole('button', { name: 'Edit my profile…' }))
    await settle()
    const dialog = screen.getByRole('dialog', { name: 'Edit my profile' })
    expect((within(dialog).getByLabelText('Name') as HTMLInputElement).value).toBe('Mei')
    await fireEvent.input(within(dialog).getByLabelText('Nickname'), { target: { value: '小美' } })
    await fireEvent.input(within(dialog).getByLabelText('E-mail'), { target: { value: 'mei@example.org' } })
    await fireEvent.input(within(dialog).getByLabelText('About'), { target: { value: 'Hi!' } })
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Save' }))
    await settle()
    expect(s.bridge.api.profiles.setOwn).toHaveBeenCalledWith(A1, { fn: 'Mei', nickname: '小美', email: ['mei@example.org', 'second@example.org'], note: 'Hi!' })
    expect(screen.queryByRole('dialog', { name: 'Edit my profile' })).toBeNull()
  })
})
