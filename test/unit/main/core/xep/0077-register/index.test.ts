import { describe, expect, it } from 'vitest'
import { parse } from 'ltx'
import { xml, type Element } from '../../../../../../src/main/core/xml'
import { CoreError } from '../../../../../../src/main/core/errors'
import type { IqCaller } from '../../../../../../src/main/core/stream/IqCaller'
import {
  cancelRegistration,
  changePassword,
  fetchRegistrationForm,
  missingFields,
  NS_REGISTER,
  parseRegistrationForm,
  registrationError,
  submitRegistration
} from '../../../../../../src/main/core/xep/0077-register'

const el = (s: string): Element => parse(s) as Element
const queryOf = (iq: Element): Element => iq.getChild('query', NS_REGISTER)!

/** An IqCaller stand-in: records what is sent and answers with a canned result (or throws). */
function fakeIqCaller(answer: Element | Error = xml('iq', { type: 'result' })) {
  const calls: { type: 'get' | 'set'; child: string; to: string | undefined }[] = []
  const reply = async (type: 'get' | 'set', child: Element, to?: string) => {
    calls.push({ type, child: child.toString(), to })
    if (answer instanceof Error) throw answer
    return answer
  }
  const caller = { get: (child: Element, to?: string) => reply('get', child, to), set: (child: Element, to?: string) => reply('set', child, to) }
  return { caller: caller as unknown as IqCaller, calls }
}

const stanzaErr = (condition: string) => new CoreError('stanza-error', `${condition}: text`, { condition })

// XEP-0077 Example 2.
const LEGACY = `<iq type='result' id='reg1'>
  <query xmlns='jabber:iq:register'>
    <instructions>
      Choose a username and password for use with this service.
      Please also provide your email address.
    </instructions>
    <username/>
    <password/>
    <email/>
  </query>
</iq>`

// XEP-0077 Example 4: already registered.
const REGISTERED = `<iq type='result' id='reg1'>
  <query xmlns='jabber:iq:register'>
    <registered/>
    <username>juliet</username>
    <password>R0m30</password>
    <email>juliet@capulet.com</email>
  </query>
</iq>`

const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=='

/** A data form with a CAPTCHA (XEP-0158 §3.3): media points at XEP-0231 data in the same iq. */
function captchaIq(blobs: string, uris = `<uri type='image/png'>cid:sha1+png@bob.xmpp.org</uri>`): Element {
  return el(`<iq type='result' from='shakespeare.lit' id='reg3'>
  <query xmlns='jabber:iq:register'>
    <instructions>Use the enclosed form to register.</instructions>
    <x xmlns='jabber:x:data' type='form'>
      <title>Registration</title>
      <instructions>Choose a username and password.</instructions>
      <field type='hidden' var='FORM_TYPE'><value>urn:xmpp:captcha</value></field>
      <field type='hidden' var='challenge'><value>F3A6292C</value></field>
      <field type='fixed'><value>If you cannot see the image, ask.</value></field>
      <field type='text-single' label='Username' var='username'><required/></field>
      <field type='text-private' label='Password' var='password'><required/></field>
      <field type='jid-single' var='invited-by'/>
      <field type='list-multi' label='Topics' var='topics'>
        <option label='News'><value>news</value></option>
        <option><value>sport</value></option>
      </field>
      <field label='Enter the text you see' var='ocr'>
        <required/>
        <media xmlns='urn:xmpp:media-element' height='80' width='290'>${uris}</media>
      </field>
    </x>
  </query>
  ${blobs}
</iq>`)
}

const bob = (cid: string, type: string, data: string) => `<data xmlns='urn:xmpp:bob' cid='${cid}' type='${type}' max-age='0'>${data}</data>`

describe('parseRegistrationForm: legacy fields (XEP-0077 §3.1)', () => {
  it('lists instructions and the fields the server names, password as text-private', () => {
    const iq = el(LEGACY)
    const form = parseRegistrationForm(queryOf(iq), iq)
    expect(form.registered).toBe(false)
    expect(form.dataForm).toBeNull()
    expect(form.view.instructions).toContain('Choose a username and password for use with this service.')
    expect(form.view.instructions).toContain('Please also provide your email address.')
    expect(form.view.dataForm).toBe(false)
    expect(form.view.fields).toEqual([
      { name: 'username', label: 'username', type: 'text-single', required: true, value: '' },
      { name: 'password', label: 'password', type: 'text-private', required: true, value: '' },
      { name: 'email', label: 'email', type: 'text-single', required: true, value: '' }
    ])
    expect(form.view).not.toHaveProperty('url')
    expect(form.view).not.toHaveProperty('media')
    expect(form.view).not.toHaveProperty('formType')
  })

  it('ignores elements that are not registration fields', () => {
    const form = parseRegistrationForm(el(`<query xmlns='jabber:iq:register'><username/><password/><foo/><remove/></query>`))
    expect(form.view.fields.map((f) => f.name)).toEqual(['username', 'password'])
  })

  it('flags an existing registration and pre-fills the values', () => {
    const iq = el(REGISTERED)
    const form = parseRegistrationForm(queryOf(iq), iq)
    expect(form.registered).toBe(true)
    expect(form.view.fields.map((f) => [f.name, f.value])).toEqual([
      ['username', 'juliet'],
      ['password', 'R0m30'],
      ['email', 'juliet@capulet.com']
    ])
  })

  it('reads an out-of-band URL (XEP-0077 §5 / XEP-0066)', () => {
    const form = parseRegistrationForm(
      el(`<query xmlns='jabber:iq:register'>
        <instructions>To register, visit http://www.shakespeare.lit/contests.php</instructions>
        <x xmlns='jabber:x:oob'><url>http://www.shakespeare.lit/contests.php</url></x>
      </query>`)
    )
    expect(form.view.url).toBe('http://www.shakespeare.lit/contests.php')
    expect(form.view.fields).toEqual([])
    expect(form.view.instructions).toBe('To register, visit http://www.shakespeare.lit/contests.php')
  })
})

describe('parseRegistrationForm: data forms and CAPTCHA', () => {
  it('maps the data form onto the view, labels falling back to var, types onto what the UI shows', () => {
    const iq = captchaIq(bob('sha1+png@bob.xmpp.org', 'image/png', PNG))
    const form = parseRegistrationForm(queryOf(iq), iq)
    expect(form.dataForm?.formType).toBe('urn:xmpp:captcha')
    expect(form.view.dataForm).toBe(true)
    expect(form.view.formType).toBe('urn:xmpp:captcha')
    expect(form.view.instructions).toBe('Choose a username and password.')
    expect(form.view.fields).toEqual([
      { name: 'FORM_TYPE', label: 'FORM_TYPE', type: 'hidden', required: false, value: 'urn:xmpp:captcha' },
      { name: 'challenge', label: 'challenge', type: 'hidden', required: false, value: 'F3A6292C' },
      { name: 'username', label: 'Username', type: 'text-single', required: true, value: '' },
      { name: 'password', label: 'Password', type: 'text-private', required: true, value: '' },
      { name: 'invited-by', label: 'invited-by', type: 'text-single', required: false, value: '' },
      {
        name: 'topics',
        label: 'Topics',
        type: 'text-multi',
        required: false,
        value: '',
        options: [
          { label: 'News', value: 'news' },
          { label: 'sport', value: 'sport' }
        ]
      },
      { name: 'ocr', label: 'Enter the text you see', type: 'text-single', required: true, value: '' }
    ])
  })

  it('uses the query instructions when the form has none', () => {
    const q = el(`<query xmlns='jabber:iq:register'><instructions>Outer</instructions><x xmlns='jabber:x:data' type='form'><field var='username'/></x></query>`)
    expect(parseRegistrationForm(q).view.instructions).toBe('Outer')
  })

  it('turns a cid: CAPTCHA image into a data URL', () => {
    const iq = captchaIq(bob('sha1+png@bob.xmpp.org', 'image/png', `\n  ${PNG.slice(0, 40)}\n  ${PNG.slice(40)}\n`))
    expect(parseRegistrationForm(queryOf(iq), iq).view.media).toEqual([{ field: 'ocr', type: 'image/png', dataUrl: `data:image/png;base64,${PNG}` }])
  })

  it('finds the data also inside the query, where ejabberd puts it', () => {
    const iq = el(`<iq type='result' id='r'>
      <query xmlns='jabber:iq:register'>
        <x xmlns='jabber:x:data' type='form'>
          <field var='ocr'><media xmlns='urn:xmpp:media-element'><uri type='image/png'>cid:c1@bob.xmpp.org</uri></media></field>
        </x>
        ${bob('c1@bob.xmpp.org', 'image/png', PNG)}
      </query>
    </iq>`)
    expect(parseRegistrationForm(queryOf(iq), iq).view.media).toEqual([{ field: 'ocr', type: 'image/png', dataUrl: `data:image/png;base64,${PNG}` }])
    expect(parseRegistrationForm(queryOf(iq)).view.media).toHaveLength(1)
  })

  it.each(['image/png', 'image/jpeg', 'image/gif', 'image/webp'])('accepts %s', (type) => {
    const iq = captchaIq(bob('sha1+png@bob.xmpp.org', type, PNG))
    expect(parseRegistrationForm(queryOf(iq), iq).view.media).toEqual([{ field: 'ocr', type, dataUrl: `data:${type};base64,${PNG}` }])
  })

  it.each(['image/svg+xml', 'text/html', 'image/png; charset=x', 'IMAGE/PNG', ''])('never shows data of type %j', (type) => {
    const iq = captchaIq(bob('sha1+png@bob.xmpp.org', type, PNG), `<uri type='${type}'>cid:sha1+png@bob.xmpp.org</uri>`)
    expect(parseRegistrationForm(queryOf(iq), iq).view).not.toHaveProperty('media')
  })

  it('the type of the data wins over the type the form claims', () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>').toString('base64')
    const iq = captchaIq(bob('sha1+png@bob.xmpp.org', 'image/svg+xml', svg))
    expect(parseRegistrationForm(queryOf(iq), iq).view).not.toHaveProperty('media')
  })

  it('falls back to the media type when the data has none', () => {
    const iq = captchaIq(`<data xmlns='urn:xmpp:bob' cid='sha1+png@bob.xmpp.org'>${PNG}</data>`)
    expect(parseRegistrationForm(queryOf(iq), iq).view.media).toEqual([{ field: 'ocr', type: 'image/png', dataUrl: `data:image/png;base64,${PNG}` }])
  })

  it('drops oversized, non-base64 and empty data', () => {
    const big = captchaIq(bob('sha1+png@bob.xmpp.org', 'image/png', 'A'.repeat(2_000_004)))
    expect(parseRegistrationForm(queryOf(big), big).view).not.toHaveProperty('media')
    const bad = captchaIq(bob('sha1+png@bob.xmpp.org', 'image/png', 'iVBOR"onerror="alert(1)'))
    expect(parseRegistrationForm(queryOf(bad), bad).view).not.toHaveProperty('media')
    const padded = captchaIq(bob('sha1+png@bob.xmpp.org', 'image/png', 'QUJD===='))
    expect(parseRegistrationForm(queryOf(padded), padded).view).not.toHaveProperty('media')
    const empty = captchaIq(bob('sha1+png@bob.xmpp.org', 'image/png', ' \n '))
    expect(parseRegistrationForm(queryOf(empty), empty).view).not.toHaveProperty('media')
  })

  it('never fetches: http URIs, unknown cids and data in another namespace give no media', () => {
    const http = captchaIq(bob('sha1+png@bob.xmpp.org', 'image/png', PNG), `<uri type='image/png'>http://evil.example/track.png</uri>`)
    expect(parseRegistrationForm(queryOf(http), http).view).not.toHaveProperty('media')
    const other = captchaIq(bob('sha1+other@bob.xmpp.org', 'image/png', PNG))
    expect(parseRegistrationForm(queryOf(other), other).view).not.toHaveProperty('media')
    const ns = captchaIq(`<data xmlns='urn:example' cid='sha1+png@bob.xmpp.org' type='image/png'>${PNG}</data>`)
    expect(parseRegistrationForm(queryOf(ns), ns).view).not.toHaveProperty('media')
  })
})

describe('missingFields', () => {
  it('lists required fields beyond username and password that have no answer', () => {
    const iq = el(LEGACY)
    const form = parseRegistrationForm(queryOf(iq), iq)
    expect(missingFields(form, { username: 'u', password: 'p' })).toEqual(['email'])
    expect(missingFields(form, { username: 'u', password: 'p', extra: { email: 'u@example.org' } })).toEqual([])
  })

  it('never asks for hidden, fixed, optional or pre-filled fields', () => {
    const iq = captchaIq(bob('sha1+png@bob.xmpp.org', 'image/png', PNG))
    const form = parseRegistrationForm(queryOf(iq), iq)
    expect(missingFields(form, { username: 'u', password: 'p' })).toEqual(['ocr'])
    expect(missingFields(form, { username: 'u', password: 'p', extra: { ocr: 'x7k' } })).toEqual([])
    const registered = el(REGISTERED)
    expect(missingFields(parseRegistrationForm(queryOf(registered), registered), { username: 'u', password: 'p' })).toEqual([])
  })
})

describe('registrationError (XEP-0077 §3.1, §8)', () => {
  it.each([
    ['conflict', 'registration-conflict'],
    ['not-acceptable', 'registration-invalid'],
    ['bad-request', 'registration-invalid'],
    ['jid-malformed', 'registration-invalid'],
    ['resource-constraint', 'registration-throttled'],
    ['policy-violation', 'registration-throttled'],
    ['not-allowed', 'registration-closed'],
    ['forbidden', 'registration-closed'],
    ['service-unavailable', 'registration-closed'],
    ['feature-not-implemented', 'registration-closed'],
    ['registration-required', 'registration-closed']
  ])('maps %s to %s, keeping condition and detail', (condition, code) => {
    const mapped = registrationError(stanzaErr(condition))
    expect(mapped).toBeInstanceOf(CoreError)
    expect(mapped.code).toBe(code)
    expect(mapped.condition).toBe(condition)
    expect(mapped.detail).toBe(`${condition}: text`)
  })

  it('leaves other stanza errors and other core errors as they are', () => {
    const other = stanzaErr('internal-server-error')
    expect(registrationError(other)).toBe(other)
    const timeout = new CoreError('timeout', 'slow')
    expect(registrationError(timeout)).toBe(timeout)
  })

  it('turns anything else into internal', () => {
    expect(registrationError(new Error('boom'))).toMatchObject({ code: 'internal', detail: 'Error: boom' })
    expect(registrationError('weird')).toMatchObject({ code: 'internal', detail: 'weird' })
  })
})

describe('fetchRegistrationForm', () => {
  it('asks the domain for the form and parses the answer', async () => {
    const { caller, calls } = fakeIqCaller(el(LEGACY))
    const form = await fetchRegistrationForm(caller, 'shakespeare.lit')
    expect(calls).toEqual([{ type: 'get', child: '<query xmlns="jabber:iq:register"/>', to: 'shakespeare.lit' }])
    expect(form.view.fields.map((f) => f.name)).toEqual(['username', 'password', 'email'])
  })

  it('passes the iq so CAPTCHA data is found', async () => {
    const { caller } = fakeIqCaller(captchaIq(bob('sha1+png@bob.xmpp.org', 'image/png', PNG)))
    expect((await fetchRegistrationForm(caller, 'shakespeare.lit')).view.media).toHaveLength(1)
  })

  it('an answer without a query means registration is closed', async () => {
    const { caller } = fakeIqCaller(xml('iq', { type: 'result' }))
    await expect(fetchRegistrationForm(caller, 'shakespeare.lit')).rejects.toMatchObject({ code: 'registration-closed' })
  })

  it('maps stanza errors', async () => {
    const { caller } = fakeIqCaller(stanzaErr('service-unavailable'))
    await expect(fetchRegistrationForm(caller, 'shakespeare.lit')).rejects.toMatchObject({ code: 'registration-closed', condition: 'service-unavailable' })
  })

  it('passes other core errors through', async () => {
    const { caller } = fakeIqCaller(new CoreError('timeout', 'no answer'))
    await expect(fetchRegistrationForm(caller, 'shakespeare.lit')).rejects.toMatchObject({ code: 'timeout' })
  })
})

describe('submitRegistration', () => {
  it('answers a legacy form with every field it listed', async () => {
    const iq = el(LEGACY)
    const form = parseRegistrationForm(queryOf(iq), iq)
    const { caller, calls } = fakeIqCaller()
    await submitRegistration(caller, 'shakespeare.lit', form, { username: 'bill', password: 'Calliope', extra: { email: 'bard@shakespeare.lit', nick: 'ignored' } })
    expect(calls).toEqual([
      {
        type: 'set',
        child:
          '<query xmlns="jabber:iq:register"><username>bill</username><password>Calliope</password><email>bard@shakespeare.lit</email></query>',
        to: 'shakespeare.lit'
      }
    ])
  })

  it('sends username and password when a legacy form lists nothing', async () => {
    const form = parseRegistrationForm(el(`<query xmlns='jabber:iq:register'/>`))
    const { caller, calls } = fakeIqCaller()
    await submitRegistration(caller, 'example.org', form, { username: 'u', password: 'p&<' })
    expect(calls[0]!.child).toBe('<query xmlns="jabber:iq:register"><username>u</username><password>p&amp;&lt;</password></query>')
  })

  it('username and password from the request win over extra', async () => {
    const form = parseRegistrationForm(el(`<query xmlns='jabber:iq:register'><username/><password/></query>`))
    const { caller, calls } = fakeIqCaller()
    await submitRegistration(caller, 'example.org', form, { username: 'real', password: 'pw', extra: { username: 'fake' } })
    expect(calls[0]!.child).toBe('<query xmlns="jabber:iq:register"><username>real</username><password>pw</password></query>')
  })

  it('answers a data form with a submit form echoing the hidden fields', async () => {
    const iq = captchaIq(bob('sha1+png@bob.xmpp.org', 'image/png', PNG))
    const form = parseRegistrationForm(queryOf(iq), iq)
    const { caller, calls } = fakeIqCaller()
    await submitRegistration(caller, 'shakespeare.lit', form, { username: 'bill', password: 'Calliope', extra: { ocr: '7nHL3', challenge: 'forged' } })
    expect(calls).toEqual([
      {
        type: 'set',
        child:
          '<query xmlns="jabber:iq:register"><x xmlns="jabber:x:data" type="submit">' +
          '<field var="FORM_TYPE"><value>urn:xmpp:captcha</value></field>' +
          '<field var="challenge"><value>F3A6292C</value></field>' +
          '<field var="username"><value>bill</value></field>' +
          '<field var="password"><value>Calliope</value></field>' +
          '<field var="invited-by"/>' +
          '<field var="topics"/>' +
          '<field var="ocr"><value>7nHL3</value></field>' +
          '</x></query>',
        to: 'shakespeare.lit'
      }
    ])
  })

  it.each([
    ['conflict', 'registration-conflict'],
    ['not-acceptable', 'registration-invalid'],
    ['resource-constraint', 'registration-throttled'],
    ['not-allowed', 'registration-closed']
  ])('maps a %s answer to %s', async (condition, code) => {
    const form = parseRegistrationForm(el(`<query xmlns='jabber:iq:register'><username/><password/></query>`))
    const { caller } = fakeIqCaller(stanzaErr(condition))
    await expect(submitRegistration(caller, 'example.org', form, { username: 'u', password: 'p' })).rejects.toMatchObject({ code, condition })
  })
})

describe('changePassword and cancelRegistration', () => {
  it('changePassword sends username and the new password (§3.3)', async () => {
    const { caller, calls } = fakeIqCaller()
    await changePassword(caller, 'shakespeare.lit', 'bill', 'newpass')
    expect(calls).toEqual([
      { type: 'set', child: '<query xmlns="jabber:iq:register"><username>bill</username><password>newpass</password></query>', to: 'shakespeare.lit' }
    ])
  })

  it('cancelRegistration sends <remove/> (§3.2)', async () => {
    const { caller, calls } = fakeIqCaller()
    await cancelRegistration(caller, 'shakespeare.lit')
    expect(calls).toEqual([{ type: 'set', child: '<query xmlns="jabber:iq:register"><remove/></query>', to: 'shakespeare.lit' }])
  })
})
