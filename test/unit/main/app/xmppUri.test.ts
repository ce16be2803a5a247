import { describe, expect, it } from 'vitest'
import { MAX_BODY_LENGTH, MAX_URI_LENGTH, parseXmppUri, uriFromArgv } from '../../../../src/main/app/xmppUri'

describe('parseXmppUri: what valid links ask for', () => {
  it.each([
    ['xmpp:romeo@montague.net', { kind: 'open-chat', jid: 'romeo@montague.net' }],
    ['XMPP:Romeo@Montague.NET', { kind: 'open-chat', jid: 'romeo@montague.net' }],
    ['xmpp:romeo@montague.net/orchard', { kind: 'open-chat', jid: 'romeo@montague.net' }],
    ['xmpp:romeo@montague.net#frag', { kind: 'open-chat', jid: 'romeo@montague.net' }],
    ['xmpp:romeo@montague.net?message', { kind: 'open-chat', jid: 'romeo@montague.net' }],
    ['xmpp:romeo@montague.net?message;body=Hello%20there', { kind: 'compose', jid: 'romeo@montague.net', body: 'Hello there' }],
    ['xmpp:romeo@montague.net?message;subject=Hi;body=Line%0Atwo', { kind: 'compose', jid: 'romeo@montague.net', body: 'Line\ntwo' }],
    ['xmpp:romeo@montague.net?message;body=%E4%BD%A0%E5%A5%BD', { kind: 'compose', jid: 'romeo@montague.net', body: '你好' }],
    ['xmpp:romeo@montague.net?roster', { kind: 'add-contact', jid: 'romeo@montague.net', name: '', group: '' }],
    ['xmpp:romeo@montague.net?roster;name=Romeo%20Montague;group=Friends', { kind: 'add-contact', jid: 'romeo@montague.net', name: 'Romeo Montague', group: 'Friends' }],
    ['xmpp:romeo@montague.net?subscribe', { kind: 'add-contact', jid: 'romeo@montague.net', name: '', group: '' }],
    // RFC 5122 §2.7.2: non-ASCII JIDs arrive percent-encoded (or raw, as an IRI).
    ['xmpp:%E5%BC%A0%E4%B8%89@example.com', { kind: 'open-chat', jid: '张三@example.com' }],
    ['xmpp:张三@münchen.de', { kind: 'open-chat', jid: '张三@münchen.de' }],
    ['xmpp:juliet@xn--mnchen-3ya.de', { kind: 'open-chat', jid: 'juliet@münchen.de' }]
  ])('%s', (uri, action) => {
    expect(parseXmppUri(uri)).toEqual(action)
  })
})

describe('parseXmppUri: hostile and broken links are refused', () => {
  const refused = (reason: string) => ({ kind: 'refused', reason })
  it.each([
    // not xmpp at all
    ['javascript:alert(1)', 'not-xmpp'],
    ['https://evil.example/', 'not-xmpp'],
    ['xmppx:a@b.c', 'not-xmpp'],
    ['', 'not-xmpp'],
    // an xmpp: wrapper around something else
    ['xmpp:javascript:alert(1)', 'invalid-address'],
    ['xmpp:data:text/html,<script>alert(1)</script>', 'malformed'],
    ['xmpp:file:///etc/passwd', 'invalid-address'],
    // the authority form (which account to use) and empty paths
    ['xmpp://evil/', 'authority'],
    ['xmpp://guest@example.com/support@example.com?message', 'authority'],
    ['xmpp:', 'invalid-address'],
    ['xmpp:?message;body=hi', 'invalid-address'],
    // addresses that are not a user
    ['xmpp:example.com', 'invalid-address'],
    ['xmpp:@example.com', 'invalid-address'],
    ['xmpp:user@', 'invalid-address'],
    ['xmpp:user@evil@example.com', 'invalid-address'],
    ['xmpp:user%40evil@example.com', 'invalid-address'],
    ['xmpp:user@exa mple.com', 'malformed'],
    // percent-encoding errors and encoded controls
    ['xmpp:user@host%', 'malformed'],
    ['xmpp:user@host%zz', 'malformed'],
    ['xmpp:user@host%C3%28', 'malformed'],
    ['xmpp:us%00er@host.com', 'invalid-address'],
    ['xmpp:a@b?message;body=%00', 'invalid-parameter'],
    ['xmpp:a@b.c?message;body=%1B%5B31m', 'invalid-parameter'],
    ['xmpp:a@b.c?message;body=%', 'malformed'],
    // bidi overrides and invisible characters, raw or encoded, in the address or the texts
    ['xmpp:alice\u202E@example.com', 'malformed'],
    ['xmpp:alice%E2%80%AE@example.com', 'invalid-address'],
    ['xmpp:alice%E2%80%8B@example.com', 'invalid-address'],
    ['xmpp:alice@example.com?message;body=pay%20%E2%80%AEmoc.live', 'invalid-parameter'],
    ['xmpp:alice@example.com?roster;name=%E2%81%A6Bob', 'invalid-parameter'],
    ['xmpp:alice@example.com?roster;name=Line%0ABreak', 'invalid-parameter'],
    // actions Parley does not take from a link, and unknown or repeated keys
    ['xmpp:user@host.com?remove', 'unsupported-action'],
    ['xmpp:user@host.com?unsubscribe', 'unsupported-action'],
    ['xmpp:room@conference.host.com?join', 'unsupported-action'],
    ['xmpp:user@host.com?command;node=reboot', 'unsupported-action'],
    ['xmpp:user@host.com?__proto__', 'unsupported-action'],
    ['xmpp:user@host.com?constructor', 'unsupported-action'],
    ['xmpp:user@host.com?Message;body=hi', 'unsupported-action'],
    ['xmpp:user@host.com?message;body=a;body=b', 'invalid-parameter'],
    ['xmpp:user@host.com?message;autosend=1;body=hi', 'invalid-parameter'],
    ['xmpp:user@host.com?subscribe;name=x', 'invalid-parameter'],
    ['xmpp:user@host.com?roster;' + Array.from({ length: 9 }, () => 'name=x').join(';'), 'invalid-parameter']
  ])('%s → %s', (uri, reason) => {
    expect(parseXmppUri(uri)).toEqual(refused(reason))
  })

  it('refuses huge inputs without looking at them', () => {
    expect(parseXmppUri(`xmpp:a@b.c?message;body=${'x'.repeat(MAX_URI_LENGTH)}`)).toEqual(refused('too-long'))
    expect(parseXmppUri(`xmpp:${'a'.repeat(2000)}@${'b'.repeat(2000)}.com`)).toEqual(refused('invalid-address'))
  })

  it('caps the prefilled text', () => {
    expect(parseXmppUri(`xmpp:a@b.c?message;body=${'x'.repeat(MAX_BODY_LENGTH)}`)).toMatchObject({ kind: 'compose' })
    expect(parseXmppUri(`xmpp:a@b.c?message;body=${'x'.repeat(MAX_BODY_LENGTH + 1)}`)).toEqual(refused('invalid-parameter'))
    expect(parseXmppUri(`xmpp:a@b.c?roster;name=${'n'.repeat(1025)}`)).toEqual(refused('invalid-parameter'))
  })

  it('never throws, whatever it is given', () => {
    for (const input of [null, undefined, 42, {}, ['xmpp:a@b.c'], '\uD800', 'xmpp:\uD800@b.c', 'xmpp:a@b.c?message;body=%ED%A0%80']) {
      expect(() => parseXmppUri(input)).not.toThrow()
      expect(parseXmppUri(input).kind).toBe('refused')
    }
  })

  it('keeps emoji sequences (zero-width joiner) in a prefilled text', () => {
    expect(parseXmppUri('xmpp:a@b.c?message;body=%F0%9F%91%A9%E2%80%8D%F0%9F%92%BB')).toEqual({ kind: 'compose', jid: 'a@b.c', body: '👩‍💻' })
  })
})

describe('uriFromArgv', () => {
  it('finds the link among Chromium switches, whatever its case', () => {
    expect(uriFromArgv(['/opt/Parley/parley', '--no-sandbox', 'XMPP:a@b.c?message'])).toBe('XMPP:a@b.c?message')
    expect(uriFromArgv(['/opt/Parley/parley', '--autostarted'])).toBeNull()
    expect(uriFromArgv(['parley', 'https://x', '--xmpp:a@b.c'])).toBeNull()
  })
})
