import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { buildSubmit, NS_DATA, parseDataForm, type DataForm } from '../../../../../../src/main/core/xep/0004-data-forms'

const value = (v: string) => xml('value', {}, v)
const option = (label: string | undefined, v: string) => xml('option', label === undefined ? {} : { label }, value(v))

/** After XEP-0004 Example 2 (a bot configuration form), with every field type. */
const configForm = () =>
  xml(
    'x',
    { xmlns: NS_DATA, type: 'form' },
    xml('title', {}, 'Bot Configuration'),
    xml('instructions', {}, 'Fill out this form to configure your new bot!'),
    xml('instructions', {}, 'Thank you.'),
    xml('field', { type: 'hidden', var: 'FORM_TYPE' }, value('jabber:bot')),
    xml('field', { type: 'fixed' }, value('Section 1: Bot Info')),
    xml('field', { type: 'text-single', label: 'The name of your bot', var: 'botname' }),
    xml('field', { type: 'text-multi', label: 'Helpful description of your bot', var: 'description' }, value('line one'), value('line two')),
    xml('field', { type: 'boolean', label: 'Public bot?', var: 'public' }, xml('required'), value('0')),
    xml('field', { type: 'text-private', label: 'Password for special access', var: 'password' }),
    xml(
      'field',
      { type: 'list-multi', label: 'What features will the bot support?', var: 'features' },
      option('Contests', 'contests'),
      option('News', 'news'),
      option(undefined, 'polls'),
      value('news'),
      value('search')
    ),
    xml('field', { type: 'list-single', label: 'Maximum number of subscribers', var: 'maxsubs' }, value('20'), option('10', '10'), option('20', '20')),
    xml('field', { type: 'jid-multi', label: 'People to invite', var: 'invitelist' }, value('juliet@capulet.lit')),
    xml('field', { type: 'jid-single', label: 'Owner', var: 'owner' }, value('romeo@montague.lit')),
    xml('field', { type: 'color-picker', label: 'Future type', var: 'colour' }, value('red')),
    xml('field', { var: 'untyped' }, value('u'))
  )

describe('parseDataForm (XEP-0004 §3)', () => {
  it('reads title, instructions, FORM_TYPE and every field type', () => {
    const form = parseDataForm(configForm())
    expect(form.type).toBe('form')
    expect(form.title).toBe('Bot Configuration')
    expect(form.instructions).toBe('Fill out this form to configure your new bot!\nThank you.')
    expect(form.formType).toBe('jabber:bot')
    expect(form.fields.map((f) => [f.var, f.type])).toEqual([
      ['FORM_TYPE', 'hidden'],
      ['', 'fixed'],
      ['botname', 'text-single'],
      ['description', 'text-multi'],
      ['public', 'boolean'],
      ['password', 'text-private'],
      ['features', 'list-multi'],
      ['maxsubs', 'list-single'],
      ['invitelist', 'jid-multi'],
      ['owner', 'jid-single'],
      ['colour', 'text-single'],
      ['untyped', 'text-single']
    ])
  })

  it('reads labels, required, values and options', () => {
    const fields = parseDataForm(configForm()).fields
    const byVar = (v: string) => fields.find((f) => f.var === v)!
    expect(byVar('public')).toEqual({ var: 'public', type: 'boolean', label: 'Public bot?', required: true, values: ['0'], options: [], media: [] })
    expect(byVar('botname')).toMatchObject({ label: 'The name of your bot', required: false, values: [] })
    expect(byVar('description').values).toEqual(['line one', 'line two'])
    expect(byVar('features').values).toEqual(['news', 'search'])
    expect(byVar('features').options).toEqual([
      { label: 'Contests', value: 'contests' },
      { label: 'News', value: 'news' },
      { label: 'polls', value: 'polls' }
    ])
    expect(byVar('maxsubs').options).toEqual([
      { label: '10', value: '10' },
      { label: '20', value: '20' }
    ])
    expect(byVar('colour')).toMatchObject({ type: 'text-single', values: ['red'] })
  })

  it('reads XEP-0221 media URIs', () => {
    const x = xml(
      'x',
      { xmlns: NS_DATA, type: 'form' },
      xml(
        'field',
        { var: 'ocr', label: 'Enter the text you see' },
        xml(
          'media',
          { xmlns: 'urn:xmpp:media-element', height: '80', width: '290' },
          xml('uri', { type: 'image/jpeg' }, ' cid:sha1+abc@bob.xmpp.org '),
          xml('uri', { type: 'image/png' }, 'http://example.org/c.png')
        )
      )
    )
    expect(parseDataForm(x).fields[0]!.media).toEqual([
      { type: 'image/jpeg', uri: 'cid:sha1+abc@bob.xmpp.org' },
      { type: 'image/png', uri: 'http://example.org/c.png' }
    ])
  })

  it('takes FORM_TYPE only from a hidden field', () => {
    const x = xml('x', { xmlns: NS_DATA }, xml('field', { var: 'FORM_TYPE', type: 'text-single' }, value('urn:x')))
    expect(parseDataForm(x)).toMatchObject({ type: 'form', formType: '' })
  })

  it.each([
    ['submit', 'submit'],
    ['cancel', 'cancel'],
    ['result', 'result'],
    ['form', 'form'],
    ['weird', 'form']
  ])('reads form type %s as %s', (type, want) => {
    expect(parseDataForm(xml('x', { xmlns: NS_DATA, type })).type).toBe(want)
  })

  it('reads an empty form without throwing', () => {
    expect(parseDataForm(xml('x', { xmlns: NS_DATA }))).toEqual({ type: 'form', title: '', instructions: '', formType: '', fields: [] })
  })
})

describe('buildSubmit (XEP-0004 §3.4)', () => {
  const form: DataForm = parseDataForm(configForm())

  it('echoes hidden fields and FORM_TYPE, skips fixed ones, keeps defaults and takes answers', () => {
    const x = buildSubmit(form, {
      botname: 'The Jabber Google Bot',
      FORM_TYPE: 'urn:forged',
      public: '1',
      features: ['news', 'search', 'contests'],
      invitelist: ['juliet@capulet.lit', 'nurse@capulet.lit']
    })
    expect(x.toString()).toBe(
      '<x xmlns="jabber:x:data" type="submit">' +
        '<field var="FORM_TYPE"><value>jabber:bot</value></field>' +
        '<field var="botname"><value>The Jabber Google Bot</value></field>' +
        '<field var="description"><value>line one</value><value>line two</value></field>' +
        '<field var="public"><value>1</value></field>' +
        '<field var="password"/>' +
        '<field var="features"><value>news</value><value>search</value><value>contests</value></field>' +
        '<field var="maxsubs"><value>20</value></field>' +
        '<field var="invitelist"><value>juliet@capulet.lit</value><value>nurse@capulet.lit</value></field>' +
        '<field var="owner"><value>romeo@montague.lit</value></field>' +
        '<field var="colour"><value>red</value></field>' +
        '<field var="untyped"><value>u</value></field>' +
        '</x>'
    )
  })

  it('never writes a fixed field even when it has a var', () => {
    const f = parseDataForm(xml('x', { xmlns: NS_DATA }, xml('field', { type: 'fixed', var: 'note' }, value('Read this'))))
    expect(buildSubmit(f, { note: 'x' }).toString()).toBe('<x xmlns="jabber:x:data" type="submit"/>')
  })

  it('sends an empty list as a field without values', () => {
    expect(buildSubmit(form, { features: [] }).getChildByAttr('var', 'features')?.toString()).toBe('<field var="features"/>')
  })

  it('splits a multi-line answer to a text-multi or jid-multi field into one value per line (§3.3)', () => {
    const x = buildSubmit(form, { description: 'first\nsecond\r\nthird', invitelist: 'juliet@capulet.lit\nnurse@capulet.lit\n' })
    expect(x.getChildByAttr('var', 'description')?.toString()).toBe('<field var="description"><value>first</value><value>second</value><value>third</value></field>')
    expect(x.getChildByAttr('var', 'invitelist')?.toString()).toBe('<field var="invitelist"><value>juliet@capulet.lit</value><value>nurse@capulet.lit</value></field>')
  })

  it('keeps newlines in a single-line field answer as they are', () => {
    expect(buildSubmit(form, { botname: 'a\nb' }).getChildByAttr('var', 'botname')?.toString()).toBe('<field var="botname"><value>a\nb</value></field>')
  })
})
