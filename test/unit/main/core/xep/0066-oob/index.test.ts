import { describe, expect, it } from 'vitest'
import { xml } from '../../../../../../src/main/core/xml'
import { attachmentOf, NS_OOB, oobElement, parseOob } from '../../../../../../src/main/core/xep/0066-oob'

const URL1 = 'https://upload.example.org/abc/photo%20one.jpg'

describe('XEP-0066 out-of-band data', () => {
  it('builds <x/> with url and optional desc', () => {
    expect(oobElement(URL1).toString()).toBe(`<x xmlns="jabber:x:oob"><url>${URL1}</url></x>`)
    expect(oobElement(URL1, 'A photo').toString()).toBe(`<x xmlns="jabber:x:oob"><url>${URL1}</url><desc>A photo</desc></x>`)
  })

  it('parses the first http(s) link', () => {
    const m = xml('message', {}, xml('x', { xmlns: NS_OOB }, xml('url', {}, 'javascript:alert(1)')), xml('x', { xmlns: NS_OOB }, xml('url', {}, `  ${URL1} `), xml('desc', {}, ' hi ')))
    expect(parseOob(m)).toEqual({ url: URL1, desc: 'hi' })
  })

  it('ignores other schemes, credentials, garbage and other namespaces', () => {
    for (const url of ['file:///etc/passwd', 'data:image/png;base64,AAAA', 'aesgcm://h/x#key', 'https://u:p@h/x', 'not a url', '', 'x'.repeat(9000)]) {
      expect(parseOob(xml('message', {}, xml('x', { xmlns: NS_OOB }, xml('url', {}, url)))), url.slice(0, 30)).toBeNull()
    }
    expect(parseOob(xml('message', {}, xml('x', { xmlns: 'jabber:x:data' }, xml('url', {}, URL1))))).toBeNull()
  })

  it('caps the description', () => {
    const m = xml('message', {}, xml('x', { xmlns: NS_OOB }, xml('url', {}, URL1), xml('desc', {}, 'd'.repeat(5000))))
    expect(parseOob(m)?.desc.length).toBe(1024)
  })

  it('knows when the body is just the link (XEP-0363 §4), so the UI shows the file instead', () => {
    const sent = xml('message', { type: 'chat' }, xml('body', {}, URL1), oobElement(URL1))
    expect(attachmentOf(sent)).toEqual({ url: URL1, desc: '', bodyIsUrl: true })
    const captioned = xml('message', { type: 'chat' }, xml('body', {}, `Look! ${URL1}`), oobElement(URL1))
    expect(attachmentOf(captioned)?.bodyIsUrl).toBe(false)
    expect(attachmentOf(xml('message', {}, xml('body', {}, URL1)))).toBeNull()
  })
})
