// A server that asks for more than a username and a password (here a CAPTCHA) during in-band
// registration: the first call returns the form and keeps the connection waiting; the second call
// answers that very form on the same connection (a CAPTCHA is only valid there), then logs in.
import { afterEach, describe, expect, it } from 'vitest'
import type { Core } from '../../../../../src/main/core/createCore'
import { startFakeServer, type FakeServer } from '../../../../helpers/fakeServer'
import { attr, fakeCore, loginPeer, observed, rejection } from '../robustness/script'

const PNG_B64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVQI12P4z8AAAAMBAQDJ/pLvAAAAAElFTkSuQmCC'

const form = (id: string) =>
  `<iq type='result' id='${id}' from='localhost'><query xmlns='jabber:iq:register'>` +
  `<x xmlns='jabber:x:data' type='form'><title>Sign up</title><instructions>Prove you are human</instructions>` +
  `<field var='FORM_TYPE' type='hidden'><value>jabber:iq:register</value></field>` +
  `<field var='challenge' type='hidden'><value>ch-42</value></field>` +
  `<field var='username' type='text-single' label='User'><required/></field>` +
  `<field var='password' type='text-private' label='Password'><required/></field>` +
  `<field var='ocr' type='text-single' label='Enter the text you see'><required/>` +
  `<media xmlns='urn:xmpp:media-element' height='1' width='1'><uri type='image/png'>cid:sha1+abc@bob.xmpp.org</uri></media></field>` +
  `</x></query><data xmlns='urn:xmpp:bob' cid='sha1+abc@bob.xmpp.org' type='image/png'>${PNG_B64}</data></iq>`

let server: FakeServer | null = null
let core: Core | null = null
afterEach(async () => {
  await core?.accounts.stopAll()
  await server?.close()
})

describe('registration with extra fields (XEP-0077 data form with a CAPTCHA)', () => {
  it('hands the form to the caller, waits on the same connection, and submits the answer there', async () => {
    server = await startFakeServer({})
    core = fakeCore([server.certPem])
    const submitted: string[] = []
    const request = { jid: 'newbie@localhost', password: 'pw', server: { host: '127.0.0.1', port: server.port, tls: 'starttls' as const } }
    const first = observed(core.accounts.register(request))
    const peer = await server.nextPeer()
    const session = observed(
      loginPeer(peer, {
        boundJid: 'newbie@localhost/r',
        answer: (iq) => {
          if (!iq.includes('jabber:iq:register')) return undefined
          if (attr(iq, 'type') === 'get') return form(attr(iq, 'id') ?? '')
          submitted.push(iq)
          return `<iq type='result' id='${attr(iq, 'id') ?? ''}' from='localhost'/>`
        }
      })
    )
    const err = await rejection(first)
    expect(err.code).toBe('registration-form-required')
    expect(err.form?.fields.map((f) => f.name)).toEqual(['FORM_TYPE', 'challenge', 'username', 'password', 'ocr'])
    expect(err.form?.media?.[0]).toMatchObject({ field: 'ocr', type: 'image/png' })
    expect(core.accounts.list()).toEqual([]) // not an account of the user's yet
    // Nothing new was dialled: the second call answers on the waiting connection.
    const id = await core.accounts.register(request, { ocr: 'xkcd' })
    await session
    expect(submitted).toHaveLength(1)
    expect(submitted[0]).toContain("<field var=\"challenge\"><value>ch-42</value>")
    expect(submitted[0]).toContain('<field var="ocr"><value>xkcd</value>')
    expect(submitted[0]).toContain('<field var="username"><value>newbie</value>')
    expect(core.accounts.list().map((a) => a.config.id)).toEqual([id])
  })
})
