import { fireEvent, render, screen } from '@testing-library/svelte'
import { flushSync } from 'svelte'
import { describe, expect, test, vi } from 'vitest'
import App from '../../../src/renderer/src/App.svelte'
import { en } from '../../../src/renderer/src/i18n/en'
import { zhCN } from '../../../src/renderer/src/i18n/zh-CN'
import { ERROR_CODES, ERROR_KEYS } from '../../../src/renderer/src/lib/errors'
import { CATALOGS, I18n, formatLocaleFor, resolveLocale } from '../../../src/renderer/src/lib/i18n.svelte'
import { createAppState, startApp } from '../../../src/renderer/src/state/app.svelte'
import { installResizeObserver, settle } from './dom'
import { TEST_INFO, account, installFakeBridge, ok } from './fakeBridge'

describe('catalogues', () => {
  test('English and Simplified Chinese have exactly the same keys, none empty', () => {
    expect(Object.keys(zhCN).sort()).toEqual(Object.keys(en).sort())
    for (const catalog of Object.values(CATALOGS)) for (const [key, value] of Object.entries(catalog)) expect(value.trim(), key).not.toBe('')
  })

  test('every error code has a sentence in both languages, and Chinese is not left in English', () => {
    expect(ERROR_CODES.length).toBeGreaterThanOrEqual(27)
    for (const code of ERROR_CODES) {
      const key = ERROR_KEYS[code]
      expect(en[key], code).toBeTruthy()
      expect(zhCN[key], code).toMatch(/\p{sc=Han}/u)
      expect(zhCN[key]).not.toBe(en[key])
    }
    expect(en['error.tls-untrusted']).toBe("The server's certificate is not trusted.")
    expect(zhCN['error.tls-untrusted']).toBe('不信任此服务器的证书。')
  })

  test('every message compiles and formats in both languages', () => {
    const i18n = new I18n()
    for (const locale of ['en', 'zh-CN'] as const) {
      i18n.setLocale(locale)
      for (const key of Object.keys(en) as (keyof typeof en)[]) {
        const out = i18n.t(key, { count: 2, name: 'N', jid: 'j', account: 'a', server: 's', date: 'd', names: 'n', seconds: 3, reason: 'r', version: 'v', nick: 'k', emoji: '👍', from: 'f', room: 'r', path: '/p', limit: '1 MB', service: 'c' })
        expect(out, `${locale} ${key}`).not.toMatch(/[{}]/)
      }
    }
  })
})

describe('I18n', () => {
  test('ICU plurals', () => {
    const i18n = new I18n()
    expect(i18n.t('connection.reconnecting', { seconds: 1 })).toBe('Reconnecting in 1 second')
    expect(i18n.t('connection.reconnecting', { seconds: 5 })).toBe('Reconnecting in 5 seconds')
    expect(i18n.t('chats.unread', { count: 1 })).toBe('1 unread message')
    i18n.setLocale('zh-CN')
    expect(i18n.t('connection.reconnecting', { seconds: 5 })).toBe('5 秒后重新连接')
  })

  test('the language: the setting, else the first Chinese or English system locale', () => {
    expect(resolveLocale('en', ['zh-CN'])).toBe('en')
    expect(resolveLocale('zh-CN', ['en-US'])).toBe('zh-CN')
    expect(resolveLocale('system', ['zh-TW', 'en-US'])).toBe('zh-CN')
    expect(resolveLocale('system', ['de-DE', 'zh-Hans-CN'])).toBe('zh-CN')
    expect(resolveLocale('system', ['en-GB', 'zh-CN'])).toBe('en')
    expect(resolveLocale('system', ['fr-FR'])).toBe('en')
  })

  test('dates: the time today, the weekday this week, the date before', () => {
    const i18n = new I18n()
    i18n.setLocale('en', ['en-GB'])
    const now = new Date(2026, 2, 12, 15, 0).getTime() // a Thursday
    expect(i18n.stamp(new Date(2026, 2, 12, 9, 5).getTime(), now)).toBe('09:05')
    expect(i18n.stamp(new Date(2026, 2, 9, 9, 5).getTime(), now)).toBe('Mon')
    expect(i18n.stamp(new Date(2026, 1, 2, 9, 5).getTime(), now)).toBe('2 Feb')
    expect(i18n.stamp(new Date(2024, 1, 2, 9, 5).getTime(), now)).toBe('2 Feb 2024')
    expect(i18n.day(new Date(2026, 2, 11, 23, 0).getTime(), now)).toBe('Yesterday')
    i18n.setLocale('zh-CN', ['zh-CN'])
    expect(i18n.day(new Date(2026, 2, 12, 1, 0).getTime(), now)).toBe('今天')
    expect(i18n.stamp(new Date(2026, 2, 9, 9, 5).getTime(), now)).toBe('周一')
  })
})

describe("dates in the user's own locale", () => {
  const now = new Date(2026, 2, 12, 15, 0).getTime() // a Thursday

  test('a German system: the UI falls back to English, dates and times stay German', () => {
    const i18n = new I18n()
    i18n.setLocale(resolveLocale('system', ['de-DE']), ['de-DE'])
    expect(i18n.locale).toBe('en')
    expect(i18n.formatLocale).toBe('de-DE')
    expect(i18n.time(new Date(2026, 2, 12, 15, 5).getTime())).toBe('15:05')
    expect(i18n.stamp(new Date(2026, 2, 9, 9, 5).getTime(), now)).toBe('Mo')
    expect(i18n.stamp(new Date(2026, 1, 2, 9, 5).getTime(), now)).toBe('2. Feb.')
    expect(i18n.day(new Date(2024, 1, 2, 9, 5).getTime(), now)).toBe('2. Februar 2024')
    expect(i18n.dateTime(new Date(2024, 1, 2, 15, 5).getTime())).toBe('02.02.2024, 15:05')
    // The words around them are still the UI's.
    expect(i18n.day(new Date(2026, 2, 11, 23, 0).getTime(), now)).toBe('Yesterday')
  })

  test("a system locale of the UI's language wins; tags Intl refuses are skipped; none at all → the UI language", () => {
    expect(formatLocaleFor('en', ['de-DE', 'en-GB'])).toBe('en-GB')
    expect(formatLocaleFor('zh-CN', ['fr-FR', 'zh-TW'])).toBe('zh-TW')
    expect(formatLocaleFor('zh-CN', ['fr-FR'])).toBe('fr-FR')
    expect(formatLocaleFor('en', ['en_US', 'C', 'de-AT'])).toBe('de-AT')
    expect(formatLocaleFor('en', [])).toBe('en')
    expect(formatLocaleFor('zh-CN', ['en_US'])).toBe('zh-CN')
    // Chosen in settings rather than followed: the chosen language's dates and sorting.
    expect(formatLocaleFor('zh-CN', ['en-US'], true)).toBe('zh-CN')
    expect(formatLocaleFor('zh-CN', ['en-US', 'zh-TW'], true)).toBe('zh-TW')
    expect(formatLocaleFor('en', ['de-DE'], true)).toBe('en')
  })

  test('the app passes the OS locales through (from main, else from Chromium)', async () => {
    installFakeBridge().api.app.info.mockResolvedValue(ok({ ...TEST_INFO, systemLocales: ['de-DE', 'en-US'] }))
    const app = createAppState('')
    await startApp(app)
    expect(app.i18n.locale).toBe('en')
    expect(app.i18n.formatLocale).toBe('en-US')

    installFakeBridge().api.app.info.mockResolvedValue(ok({ ...TEST_INFO, systemLocales: ['de-DE'] }))
    const german = createAppState('')
    await startApp(german)
    expect(german.i18n.locale).toBe('en')
    expect(german.i18n.formatLocale).toBe('de-DE')
    expect(german.i18n.time(new Date(2026, 2, 12, 15, 5).getTime())).toBe('15:05')

    const languages = vi.spyOn(navigator, 'languages', 'get').mockReturnValue(['de-CH', 'de'])
    try {
      installFakeBridge().api.app.info.mockResolvedValue(ok({ ...TEST_INFO, systemLocales: [] }))
      const swiss = createAppState('')
      await startApp(swiss)
      expect(swiss.i18n.formatLocale).toBe('de-CH')
    } finally {
      languages.mockRestore()
    }
  })
})

describe('switching the language', () => {
  test('choosing 简体中文 in Settings shows Chinese, saves the setting and sets <html lang>', async () => {
    installResizeObserver()
    const bridge = installFakeBridge()
    bridge.api.accounts.list.mockResolvedValue(ok([account()]))
    bridge.api.app.info.mockResolvedValue(ok({ ...TEST_INFO, systemLocales: ['en-US'] }))
    const app = createAppState('')
    render(App, { props: { app } })
    await settle()
    expect(screen.getByRole('tab', { name: /Chats/ })).toBeTruthy()
    expect(document.documentElement.lang).toBe('en')
    app.ui.announce('New message from Alice')
    flushSync()
    expect(screen.getByTestId('announcer').textContent).toBe('New message from Alice')

    await fireEvent.click(screen.getByRole('button', { name: 'Settings' }))
    await fireEvent.change(screen.getByLabelText('Language'), { target: { value: 'zh-CN' } })
    await settle()
    expect(bridge.api.settings.update).toHaveBeenCalledWith({ language: 'zh-CN' })
    expect(screen.getByRole('tab', { name: /聊天/ })).toBeTruthy()
    expect(screen.getByRole('tab', { name: /联系人/ })).toBeTruthy()
    expect(screen.getByRole('heading', { name: '设置' })).toBeTruthy()
    expect(document.documentElement.lang).toBe('zh-CN')
    // Nothing is left to read out in the old language.
    expect(screen.getByTestId('announcer').textContent).toBe('')

    // And back, through the settings event another window would cause.
    bridge.emit('settings', { language: 'en', theme: 'dark', sendTyping: true })
    flushSync()
    expect(screen.getByRole('tab', { name: /Chats/ })).toBeTruthy()
    expect(document.documentElement.dataset.theme).toBe('dark')
  })

  test('"system" follows the first Chinese system locale', async () => {
    installResizeObserver()
    const bridge = installFakeBridge()
    bridge.api.app.info.mockResolvedValue(ok({ ...TEST_INFO, systemLocales: ['zh-CN', 'en-US'] }))
    render(App, { props: { app: createAppState('') } })
    await settle()
    expect(screen.getByRole('heading', { name: '欢迎使用 Parley' })).toBeTruthy()
  })
})
