import { fireEvent, render, screen, within } from '@testing-library/svelte'
import { beforeEach, describe, expect, test } from 'vitest'
import App from '../../../src/renderer/src/App.svelte'
import type { Result } from '../../../src/shared/ipc/contract'
import type { CertificateView, ErrorView, RegistrationFormView } from '../../../src/shared/model/errors'
import type { AccountId } from '../../../src/shared/model/ids'
import { createAppState } from '../../../src/renderer/src/state/app.svelte'
import { installResizeObserver, settle } from './dom'
import { A1, account, fail, installFakeBridge, ok, type FakeBridge } from './fakeBridge'

const CERT: CertificateView = {
  fingerprint256: 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89',
  subject: 'CN=localhost',
  issuer: 'CN=localhost',
  subjectAltName: 'DNS:localhost',
  validFrom: Date.UTC(2026, 0, 1),
  validTo: Date.UTC(2027, 0, 1),
  reason: 'DEPTH_ZERO_SELF_SIGNED_CERT'
}

let bridge: FakeBridge

async function start(): Promise<void> {
  render(App, { props: { app: createAppState('') } })
  await settle()
}

const input = (label: string | RegExp): HTMLInputElement => screen.getByLabelText(label) as HTMLInputElement
async function type(label: string | RegExp, value: string): Promise<void> {
  await fireEvent.input(input(label), { target: { value } })
}
async function openAdvanced(): Promise<void> {
  const details = screen.getByText('Advanced').closest('details') as HTMLDetailsElement
  details.open = true
  await fireEvent(details, new Event('toggle'))
}

beforeEach(() => {
  installResizeObserver()
  bridge = installFakeBridge()
})

describe('first run: sign in', () => {
  test('welcomes the user with Sign in and Create account', async () => {
    await start()
    expect(screen.getByRole('heading', { name: 'Welcome to Parley' })).toBeTruthy()
    expect(screen.getByRole('tab', { name: 'Sign in', selected: true })).toBeTruthy()
    expect(screen.getByRole('tab', { name: 'Create account', selected: false })).toBeTruthy()
    expect(input('Remember password').checked).toBe(true)
  })

  test('signs in with the server override, shows the busy state, then the main window', async () => {
    let finish!: (v: Result<AccountId>) => void
    bridge.api.accounts.signIn.mockImplementationOnce(() => new Promise((r) => (finish = r)))
    await start()
    await type('Address', ' me@example.org ')
    await type('Password', 'secret')
    await openAdvanced()
    await type('Host', '127.0.0.1')
    await type('Port', '5223')
    await fireEvent.click(screen.getByLabelText('Direct TLS'))
    await fireEvent.submit(screen.getByRole('button', { name: 'Sign in' }).closest('form') as HTMLFormElement)
    await settle()

    expect(bridge.api.accounts.signIn).toHaveBeenCalledWith({
      jid: 'me@example.org',
      password: 'secret',
      remember: true,
      server: { host: '127.0.0.1', port: 5223, tls: 'direct' }
    })
    const busy = screen.getByRole('button', { name: /Signing in/ }) as HTMLButtonElement
    expect(busy.disabled).toBe(true)
    expect(busy.getAttribute('aria-busy')).toBe('true')

    bridge.api.accounts.list.mockResolvedValue(ok([account()]))
    finish(ok(A1))
    await settle()
    expect(screen.queryByRole('heading', { name: 'Welcome to Parley' })).toBeNull()
    expect(screen.getByRole('tab', { name: /Chats/ })).toBeTruthy()
  })

  test('without Advanced, no server override is sent; "remember" can be turned off', async () => {
    bridge.api.accounts.signIn.mockResolvedValueOnce(fail({ code: 'timeout', detail: 'x' }))
    await start()
    await type('Address', 'me@example.org')
    await type('Password', 'pw')
    await fireEvent.click(input('Remember password'))
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    await settle()
    expect(bridge.api.accounts.signIn).toHaveBeenCalledWith({ jid: 'me@example.org', password: 'pw', remember: false })
  })

  test('invalid input is explained and nothing is sent', async () => {
    await start()
    await type('Address', 'not an address')
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(screen.getByText('Enter your address like name@example.org.')).toBeTruthy()
    expect(screen.getByText('Enter a password.')).toBeTruthy()
    expect(input('Address').getAttribute('aria-invalid')).toBe('true')
    await openAdvanced()
    await type('Port', '70000')
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    expect(screen.getByText('Enter a port between 1 and 65535.')).toBeTruthy()
    expect(bridge.api.accounts.signIn).not.toHaveBeenCalled()
  })

  test('an error is shown in plain words, with the technical detail one click away', async () => {
    bridge.api.accounts.signIn.mockResolvedValueOnce(fail({ code: 'not-authorized', detail: 'SASL failure from server', condition: 'not-authorized' }))
    await start()
    await type('Address', 'me@example.org')
    await type('Password', 'wrong')
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    await settle()
    const alert = screen.getByRole('alert')
    expect(alert.textContent).toContain('Could not sign in.')
    expect(alert.textContent).toContain('The address or the password is wrong.')
    const details = within(alert).getByText('Technical details').closest('details') as HTMLDetailsElement
    expect(details.open).toBe(false)
    expect(details.textContent).toContain('SASL failure from server')
    expect(details.textContent).toContain('not-authorized')
  })
})

describe('first run: certificates', () => {
  test('an untrusted certificate opens the dialog; trusting retries the same request with the pin', async () => {
    const error: ErrorView = { code: 'tls-untrusted', detail: 'self-signed certificate', cert: CERT }
    bridge.api.accounts.signIn.mockResolvedValueOnce(fail(error)).mockResolvedValueOnce(ok(A1))
    await start()
    await type('Address', 'me@localhost')
    await type('Password', 'pw')
    await openAdvanced()
    await type('Host', '127.0.0.1')
    await type('Port', '15222')
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    await settle()

    const dialog = screen.getByRole('dialog', { name: 'Check this server’s certificate' })
    expect(dialog.textContent).toContain('It is self-signed')
    expect(dialog.textContent).toContain('CN=localhost')
    const fingerprint = within(dialog).getByLabelText(/SHA-256 fingerprint/)
    expect(fingerprint.querySelectorAll('span')).toHaveLength(4)
    expect(fingerprint.querySelector('span')?.textContent).toBe('AB CD EF 01 23 45 67 89')
    expect(dialog.textContent).toContain(new Intl.DateTimeFormat('en-US', { dateStyle: 'medium' }).format(CERT.validTo))

    await fireEvent.click(within(dialog).getByRole('button', { name: 'Trust this certificate' }))
    await settle()
    expect(bridge.api.accounts.signIn).toHaveBeenCalledTimes(2)
    expect(bridge.api.accounts.signIn).toHaveBeenLastCalledWith({
      jid: 'me@localhost',
      password: 'pw',
      remember: true,
      server: { host: '127.0.0.1', port: 15222, tls: 'starttls' },
      pinnedCertificate: CERT.fingerprint256
    })
  })

  test('a changed certificate shows both fingerprints and a strong warning; cancel does not retry', async () => {
    const pinned = '11:22:33:44:55:66:77:88:99:00:11:22:33:44:55:66:77:88:99:00:11:22:33:44:55:66:77:88:99:00:11:22'
    bridge.api.accounts.signIn.mockResolvedValueOnce(fail({ code: 'tls-pin-mismatch', detail: 'pin', cert: CERT, pinned }))
    await start()
    await type('Address', 'me@localhost')
    await type('Password', 'pw')
    await fireEvent.click(screen.getByRole('button', { name: 'Sign in' }))
    await settle()

    const dialog = screen.getByRole('alertdialog', { name: 'The server’s certificate has changed' })
    expect(dialog.textContent).toContain('Someone may be intercepting your connection')
    expect(within(dialog).getByLabelText(/Fingerprint you trusted/).textContent).toContain('11 22 33 44')
    expect(within(dialog).getByLabelText(/New fingerprint/).textContent).toContain('AB CD EF 01')
    await fireEvent.click(within(dialog).getByRole('button', { name: 'Cancel' }))
    await settle()
    expect(screen.queryByRole('alertdialog')).toBeNull()
    expect(bridge.api.accounts.signIn).toHaveBeenCalledTimes(1)
  })
})

describe('first run: create account', () => {
  const form: RegistrationFormView = {
    instructions: 'Fill in the form to register.',
    dataForm: true,
    formType: 'jabber:iq:register',
    url: 'https://example.org/register',
    fields: [
      { name: 'FORM_TYPE', label: 'FORM_TYPE', type: 'hidden', required: false, value: 'jabber:iq:register' },
      { name: 'username', label: 'User', type: 'text-single', required: true, value: '' },
      { name: 'password', label: 'Password', type: 'text-private', required: true, value: '' },
      { name: 'challenge', label: 'challenge', type: 'hidden', required: false, value: 'c-42' },
      { name: 'note', label: '', type: 'fixed', required: false, value: 'Type the characters you see.' },
      { name: 'ocr', label: 'Characters', type: 'text-single', required: true, value: '' },
      { name: 'email', label: 'E-mail', type: 'text-single', required: false, value: '' },
      { name: 'accept', label: 'I accept the rules', type: 'boolean', required: true, value: '0' },
      {
        name: 'lang',
        label: 'Language',
        type: 'list-single',
        required: false,
        value: 'en',
        options: [
          { label: 'English', value: 'en' },
          { label: 'Deutsch', value: 'de' }
        ]
      }
    ],
    media: [{ field: 'ocr', dataUrl: 'data:image/png;base64,iVBORw0KGgo=', type: 'image/png' }]
  }

  async function fillRegistration(): Promise<void> {
    await fireEvent.click(screen.getByRole('tab', { name: 'Create account' }))
    await type('Server', 'example.org')
    await type('Username', 'newbie')
    await type(/^Password$/, 'pw1')
    await type('Repeat password', 'pw1')
  }

  test('checks the repeated password and the username before sending', async () => {
    await start()
    await fireEvent.click(screen.getByRole('tab', { name: 'Create account' }))
    await type('Server', 'example.org')
    await type('Username', 'has space')
    await type(/^Password$/, 'a')
    await type('Repeat password', 'b')
    await fireEvent.click(screen.getByRole('button', { name: 'Create account' }))
    expect(screen.getByText('The passwords do not match.')).toBeTruthy()
    expect(screen.getByText(/This username cannot be used/)).toBeTruthy()
    expect(bridge.api.accounts.register).not.toHaveBeenCalled()
  })

  test("shows the server's extra fields and CAPTCHA, then resubmits with the answers in `extra`", async () => {
    bridge.api.accounts.register
      .mockResolvedValueOnce(fail({ code: 'registration-form-required', detail: 'The server also asks for: ocr', form }))
      .mockResolvedValueOnce(ok(A1))
    await start()
    await fillRegistration()
    await fireEvent.click(screen.getByRole('button', { name: 'Create account' }))
    await settle()
    expect(bridge.api.accounts.register).toHaveBeenNthCalledWith(1, { jid: 'newbie@example.org', password: 'pw1', remember: true })

    expect(screen.getByText('The server needs a few more details to create the account.')).toBeTruthy()
    expect(screen.getByText('Fill in the form to register.')).toBeTruthy()
    expect(screen.getByText('Type the characters you see.')).toBeTruthy()
    const img = screen.getByRole('img', { name: /CAPTCHA/ }) as HTMLImageElement
    expect(img.getAttribute('src')).toBe('data:image/png;base64,iVBORw0KGgo=')
    const link = screen.getByRole('link', { name: 'https://example.org/register' })
    await fireEvent.click(link)
    expect(bridge.api.app.openExternal).toHaveBeenCalledWith('https://example.org/register')
    // Hidden fields are not shown; username/password are the ones already typed.
    expect(screen.queryByLabelText('challenge')).toBeNull()
    expect(screen.queryByLabelText('User')).toBeNull()

    await type('Characters', 'xK3p')
    await fireEvent.click(screen.getByLabelText('I accept the rules'))
    await fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'de' } })
    await fireEvent.click(screen.getByRole('button', { name: 'Create account' }))
    await settle()
    expect(bridge.api.accounts.register).toHaveBeenNthCalledWith(2, {
      jid: 'newbie@example.org',
      password: 'pw1',
      remember: true,
      extra: { FORM_TYPE: 'jabber:iq:register', challenge: 'c-42', ocr: 'xK3p', email: '', accept: '1', lang: 'de' }
    })
  })

  test('an unsafe CAPTCHA data URL is not shown', async () => {
    bridge.api.accounts.register.mockResolvedValueOnce(
      fail({ code: 'registration-form-required', detail: '', form: { ...form, media: [{ field: 'ocr', dataUrl: 'data:image/svg+xml;base64,PHN2Zz4=', type: 'image/svg+xml' }] } })
    )
    await start()
    await fillRegistration()
    await fireEvent.click(screen.getByRole('button', { name: 'Create account' }))
    await settle()
    expect(screen.getByLabelText('Characters')).toBeTruthy()
    expect(screen.queryByRole('img')).toBeNull()
  })
})
